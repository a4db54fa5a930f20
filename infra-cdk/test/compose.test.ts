// localstack/docker-compose.yml: the services, their health checks, and that its init hooks
// create every queue (+ DLQ), table and bucket the CDK app creates from the manifest.
// (The file's schema is checked by check-jsonschema in `make test-infra`.)
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { BUCKETS, loadManifest, MANIFEST_PATH, REPO_ROOT, TABLES } from '../lib/manifest';

const dir = path.join(REPO_ROOT, 'localstack');
const compose = parse(fs.readFileSync(path.join(dir, 'docker-compose.yml'), 'utf8'));
const manifest = loadManifest();
const plan = JSON.parse(
  execFileSync('python3', [path.join(dir, 'init/ready.d/create-resources.py'), '--dry-run', '--manifest', MANIFEST_PATH], { encoding: 'utf8' }),
);

describe('docker-compose.yml', () => {
  it('runs LocalStack (S3, SQS, DynamoDB), Postgres, Mailpit, MinIO and OpenSearch, each with a health check', () => {
    const services = compose.services;
    for (const s of ['localstack', 'postgres', 'smtp', 'minio', 'opensearch']) {
      assert.ok(services[s], s);
      assert.ok(services[s].healthcheck?.test, `${s} has a health check`);
    }
    assert.deepEqual(services.localstack.environment.SERVICES.split(',').sort(), ['dynamodb', 's3', 'sqs']);
    assert.deepEqual(services['minio-init'].depends_on.minio, { condition: 'service_healthy' });
  });

  it('ports match what `make services` and the gateway expect', () => {
    assert.ok(compose.services.postgres.ports.includes('127.0.0.1:55432:5432'));
    assert.ok(compose.services.localstack.ports.includes('127.0.0.1:4566:4566'));
    assert.ok(compose.services.smtp.ports.includes('127.0.0.1:1025:1025'));
  });

  it('mounts the manifest and the init hook that reads it, and every mounted file exists', () => {
    const vols: string[] = compose.services.localstack.volumes;
    assert.ok(vols.some((v) => v.startsWith('../functions/manifest.toml:/manifest.toml')));
    assert.ok(vols.some((v) => v.startsWith('./init/ready.d:/etc/localstack/init/ready.d')));
    for (const svc of Object.values<any>(compose.services)) {
      for (const v of svc.volumes ?? []) assert.ok(fs.existsSync(path.join(dir, v.split(':')[0])), v);
    }
  });

  it('the LocalStack init hook creates every manifest queue and its -dlq with the manifest\'s settings', () => {
    const planned = new Map<string, any>(plan.queues.map((q: any) => [q.name, q]));
    for (const q of manifest.queues) {
      const p = planned.get(q.name) ?? assert.fail(`queue ${q.name}`);
      assert.equal(p.dlq, `${q.name}-dlq`);
      assert.equal(p.visibility_timeout, q.visibilityTimeout);
      assert.equal(p.max_receive_count, q.maxReceiveCount);
    }
    assert.equal(planned.size, manifest.queues.length);
  });

  it('…every table (key pk, TTL expiresAt) and bucket the CDK app makes, and MinIO makes the same buckets', () => {
    assert.deepEqual(plan.tables.map((t: any) => t.name).sort(), TABLES.map((t) => `connectsphere-${t}`).sort());
    for (const t of plan.tables) assert.deepEqual([t.key, t.ttl], ['pk', 'expiresAt']);
    const buckets = BUCKETS.map((b) => `connectsphere-${b}`).sort();
    assert.deepEqual(plan.buckets.map((b: any) => b.name).sort(), buckets);
    assert.equal(plan.buckets.find((b: any) => b.name === 'connectsphere-media').notify_queue, 'media');
    const minio = fs.readFileSync(path.join(dir, 'init/minio-buckets.sh'), 'utf8');
    const made = /for bucket in ([^;]+);/.exec(minio)![1].trim().split(/\s+/).sort();
    assert.deepEqual(made, buckets);
  });

  it('the plan follows the manifest: a new queue or table use appears in it', () => {
    const text = fs.readFileSync(MANIFEST_PATH, 'utf8') + '\n[[queue]]\nname = "reports"\nvisibility_timeout = 40\nmax_receive_count = 3\n';
    const tmp = path.join(fs.mkdtempSync('/tmp/cs-manifest-'), 'manifest.toml');
    fs.writeFileSync(tmp, text);
    const p = JSON.parse(execFileSync('python3', [path.join(dir, 'init/ready.d/create-resources.py'), '--dry-run', '--manifest', tmp], { encoding: 'utf8' }));
    assert.deepEqual(p.queues.find((q: any) => q.name === 'reports'), { name: 'reports', dlq: 'reports-dlq', visibility_timeout: 40, max_receive_count: 3 });
  });
});
