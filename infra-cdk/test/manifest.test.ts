// The manifest reader: what the CDK app trusts about functions/manifest.toml.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadManifest, parseManifest } from '../lib/manifest';

const base = `
[defaults]
memory = 128
timeout = 5
architecture = "arm64"
[http]
jwt_audience = "aud"
[websocket]
route_selection = "$request.body.action"
[[queue]]
name = "q"
[service.a]
uses = ["db"]
`;

describe('manifest', () => {
  it('reads the real manifest: every crate has a [service.<crate>] table and every trigger parses', () => {
    const m = loadManifest();
    assert.ok(m.functions.length > 0);
    for (const f of m.functions) {
      assert.ok(m.services.has(f.crate), f.crate);
      assert.notEqual(f.trigger.kind, 'none', `${f.name} has a trigger this app understands`);
    }
  });

  it('applies [defaults] to memory, timeout and architecture', () => {
    const m = parseManifest(base + '[[function]]\nname = "f"\ncrate = "a"\ntrigger = { http = "GET /x" }\nauth = "jwt"\n');
    assert.deepEqual([m.functions[0].memory, m.functions[0].timeout, m.functions[0].architecture], [128, 5, 'arm64']);
    assert.deepEqual(m.functions[0].trigger, { kind: 'http', method: 'GET', path: '/x' });
  });

  it('refuses a crate without a [service] table, an unknown use, a queue that does not exist, a duplicate name', () => {
    const fn = (crate: string, name = 'f') => `[[function]]\nname = "${name}"\ncrate = "${crate}"\ntrigger = { http = "GET /x" }\n`;
    assert.throws(() => parseManifest(base + fn('b')), /no \[service\.b\] table/);
    assert.throws(() => parseManifest(base.replace('["db"]', '["s3:everything"]') + fn('a')), /unknown use/);
    assert.throws(() => parseManifest(base.replace('["db"]', '["queue-send:nope"]') + fn('a')), /no \[\[queue\]\] named "nope"/);
    assert.throws(() => parseManifest(base + fn('a') + fn('a')), /listed twice/);
    assert.throws(() => parseManifest(base + '[[function]]\nname = "g"\ncrate = "a"\ntrigger = { sqs = "nope" }\n'), /no \[\[queue\]\]/);
  });

  it('gives a function with no or an unknown trigger no event source', () => {
    const m = parseManifest(base + '[[function]]\nname = "x"\ncrate = "a"\n');
    assert.equal(m.functions[0].trigger.kind, 'none');
  });

  it('reads deploy steps', () => {
    const m = parseManifest(base + '[[function]]\nname = "db-migrate"\ncrate = "a"\ntrigger = { deploy = "migrations" }\n');
    assert.deepEqual(m.functions[0].trigger, { kind: 'deploy', step: 'migrations' });
  });
});

describe('built assets', () => {
  it('reads the architecture of a binary from its ELF header', async () => {
    const { elfArchitecture } = await import('../lib/functions-stack');
    assert.equal(elfArchitecture(process.execPath), process.arch === 'arm64' ? 'arm64' : 'x86_64');
    assert.equal(elfArchitecture(`${__dirname}/../placeholder/bootstrap`), undefined);
  });
});
