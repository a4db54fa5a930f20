// functions/manifest.toml, read and checked: the one list of functions, queues and API
// settings. The CDK app creates everything from it, so a new entry needs no CDK edit.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const MANIFEST_PATH = path.join(REPO_ROOT, 'functions', 'manifest.toml');

export type Auth = 'jwt' | 'optional' | 'none';
export type Trigger =
  | { kind: 'http'; method: string; path: string }
  | { kind: 'websocket'; route: string }
  | { kind: 'sqs'; queue: string }
  | { kind: 'schedule'; expression: string }
  /** Run by the deploy (`migrations`, `search-setup`), or by an operator (`on-demand`). */
  | { kind: 'deploy'; step: string }
  | { kind: 'none' };

export interface FunctionSpec {
  name: string;
  crate: string;
  trigger: Trigger;
  auth: Auth;
  memory: number;
  timeout: number;
  architecture: 'arm64' | 'x86_64';
}

export interface QueueSpec {
  name: string;
  visibilityTimeout: number;
  maxReceiveCount: number;
  batchSize: number;
}

/** What a crate's code uses; see the vocabulary at `[service.*]` in the manifest. */
export type Use =
  | { kind: 'db' }
  | { kind: 'secret'; name: 'jwt' | 'payments' }
  | { kind: 'table'; name: string }
  | { kind: 'bucket'; name: string; readOnly: boolean }
  | { kind: 'queue-send'; queue: string }
  | { kind: 'websocket-push' }
  | { kind: 'ses' }
  | { kind: 'search' };

export interface Manifest {
  functions: FunctionSpec[];
  queues: QueueSpec[];
  services: Map<string, Use[]>;
  http: { jwtAudience: string; jwksPath: string };
  websocket: { routeSelection: string };
}

export const TABLES = ['rate-limits', 'connections'] as const;
export const BUCKETS = ['media', 'item-files'] as const;
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

type Raw = Record<string, any>;

function fail(msg: string): never {
  throw new Error(`functions/manifest.toml: ${msg}`);
}

function parseTrigger(name: string, raw: Raw | undefined): Trigger {
  if (!raw) return { kind: 'none' };
  const keys = Object.keys(raw);
  if (keys.length !== 1) fail(`${name}: trigger must have exactly one key, has ${keys.join(', ')}`);
  const [key] = keys;
  const value = String(raw[key]);
  switch (key) {
    case 'http': {
      const m = /^([A-Z]+) (\/\S*)$/.exec(value);
      if (!m || !HTTP_METHODS.includes(m[1])) fail(`${name}: http trigger "${value}" is not "METHOD /path"`);
      return { kind: 'http', method: m[1], path: m[2] };
    }
    case 'websocket':
      return { kind: 'websocket', route: value };
    case 'sqs':
      return { kind: 'sqs', queue: value };
    case 'schedule':
      if (!/^(rate|cron)\(.+\)$/.test(value)) fail(`${name}: schedule "${value}" is not rate(...) or cron(...)`);
      return { kind: 'schedule', expression: value };
    case 'deploy':
      return { kind: 'deploy', step: value };
    default:
      // A kind this app does not know gets no event source.
      return { kind: 'none' };
  }
}

export function parseUse(crate: string, use: string): Use {
  if (use === 'db') return { kind: 'db' };
  if (use === 'secret:jwt') return { kind: 'secret', name: 'jwt' };
  if (use === 'secret:payments') return { kind: 'secret', name: 'payments' };
  if (use === 'websocket-push') return { kind: 'websocket-push' };
  if (use === 'ses') return { kind: 'ses' };
  if (use === 'search') return { kind: 'search' };
  let m = /^table:([a-z0-9-]+)$/.exec(use);
  if (m) {
    if (!(TABLES as readonly string[]).includes(m[1])) fail(`service.${crate}: unknown table "${m[1]}"`);
    return { kind: 'table', name: m[1] };
  }
  m = /^bucket:([a-z0-9-]+)(:read)?$/.exec(use);
  if (m) {
    if (!(BUCKETS as readonly string[]).includes(m[1])) fail(`service.${crate}: unknown bucket "${m[1]}"`);
    return { kind: 'bucket', name: m[1], readOnly: m[2] === ':read' };
  }
  m = /^queue-send:([a-z0-9-]+)$/.exec(use);
  if (m) return { kind: 'queue-send', queue: m[1] };
  fail(`service.${crate}: unknown use "${use}"`);
}

export function parseManifest(text: string): Manifest {
  const raw = parse(text) as Raw;
  const defaults = raw.defaults ?? {};
  const queues: QueueSpec[] = (raw.queue ?? []).map((q: Raw) => ({
    name: String(q.name),
    visibilityTimeout: Number(q.visibility_timeout ?? 30),
    maxReceiveCount: Number(q.max_receive_count ?? 5),
    batchSize: Number(q.batch_size ?? 10),
  }));
  const queueNames = new Set(queues.map((q) => q.name));
  const seen = new Set<string>();
  const functions: FunctionSpec[] = (raw.function ?? []).map((f: Raw) => {
    const name = String(f.name);
    if (!/^[a-z0-9-]+$/.test(name)) fail(`function name "${name}" must be lowercase letters, digits and dashes`);
    if (seen.has(name)) fail(`function "${name}" is listed twice`);
    seen.add(name);
    const trigger = parseTrigger(name, f.trigger);
    if (trigger.kind === 'sqs' && !queueNames.has(trigger.queue)) fail(`${name}: no [[queue]] named "${trigger.queue}"`);
    const auth = String(f.auth ?? 'none') as Auth;
    if (!['jwt', 'optional', 'none'].includes(auth)) fail(`${name}: auth "${auth}"`);
    return {
      name,
      crate: String(f.crate),
      trigger,
      auth,
      memory: Number(f.memory ?? defaults.memory ?? 128),
      timeout: Number(f.timeout ?? defaults.timeout ?? 5),
      architecture: String(f.architecture ?? defaults.architecture ?? 'arm64') as 'arm64' | 'x86_64',
    };
  });
  const services = new Map<string, Use[]>();
  for (const [crate, table] of Object.entries((raw.service ?? {}) as Raw)) {
    const uses = ((table as Raw).uses ?? []).map((u: string) => parseUse(crate, u));
    for (const u of uses) {
      if (u.kind === 'queue-send' && !queueNames.has(u.queue)) fail(`service.${crate}: no [[queue]] named "${u.queue}"`);
    }
    services.set(crate, uses);
  }
  for (const f of functions) {
    if (!services.has(f.crate)) fail(`crate "${f.crate}" (function ${f.name}) has no [service.${f.crate}] table`);
  }
  return {
    functions,
    queues,
    services,
    http: { jwtAudience: String(raw.http?.jwt_audience ?? 'connectsphere-api'), jwksPath: String(raw.http?.jwks_path ?? '/.well-known/jwks.json') },
    websocket: { routeSelection: String(raw.websocket?.route_selection ?? '$request.body.action') },
  };
}

export function loadManifest(file = MANIFEST_PATH): Manifest {
  return parseManifest(fs.readFileSync(file, 'utf8'));
}

/** The crates in manifest order. */
export function crates(m: Manifest): string[] {
  return [...new Set(m.functions.map((f) => f.crate))];
}
