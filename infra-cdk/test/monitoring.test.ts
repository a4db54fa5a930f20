// infra-cdk/monitoring: every metric the rules and dashboards read is one the exporter
// configuration (yace.yml) or the local gateway's /metrics produces, or one the rules record;
// every dashboard query parses (promtool); the exporter discovers by tags the stacks carry.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { REPO_ROOT } from '../lib/manifest';
import { findResources, synth, Synth } from './helpers';

const DIR = path.join(REPO_ROOT, 'infra-cdk', 'monitoring');
const read = (f: string) => fs.readFileSync(path.join(DIR, f), 'utf8');
const yace = parse(read('yace.yml'));

// ---- YACE's naming (pkg/promutil: BuildMetricName, PromString), ported ----------------------
function promString(text: string): string {
  let out = '';
  let prev = '';
  for (const c of text) {
    if (' ,\t/\\.-:=@<>()“'.includes(c)) out += '_';
    else if (c === '%') out += '_percent';
    else {
      const upper = c !== c.toLowerCase();
      if (upper && prev && (/[a-z]/.test(prev) || /[0-9]/.test(prev))) out += '_';
      out += c.toLowerCase();
    }
    prev = c;
  }
  return out;
}

export function yaceMetricName(namespace: string, metric: string, statistic: string): string {
  const promNs = promString((namespace.startsWith('/') ? namespace.slice(1) : namespace).toLowerCase());
  let name = promString(metric);
  let skip = 0;
  for (const part of promNs.split('_')) if (name.slice(skip).startsWith(part)) skip = part.length;
  name = name.slice(skip).replace(/^_/, '');
  return `${promNs.startsWith('aws') ? '' : 'aws_'}${promNs}_${name}${statistic ? `_${promString(statistic)}` : ''}`;
}

/** Every metric name yace.yml makes YACE export, and the label names it puts on them. */
function yaceExports(): Set<string> {
  const names = new Set<string>();
  const jobs = [
    ...(yace.discovery?.jobs ?? []).map((j: any) => ({ ...j, namespace: j.type })),
    ...(yace.customNamespace ?? []),
  ];
  for (const job of jobs) {
    names.add(yaceMetricName(job.namespace, 'info', ''));
    for (const m of job.metrics) for (const s of m.statistics ?? job.statistics) names.add(yaceMetricName(job.namespace, m.name, s));
  }
  return names;
}

/** The local gateway's series names: local/metrics.txt (kept true by `make test-ops`). */
function localExports(): Set<string> {
  const names = new Set<string>();
  for (const line of read('local/metrics.txt').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const [name, type] = line.split(' ');
    const series = type === 'histogram' ? ['_bucket', '_sum', '_count'] : type === 'summary' ? ['_sum', '_count'] : [''];
    for (const s of series) names.add(name + s);
  }
  return names;
}

const RULE_FILES = ['rules/recording.yml', 'rules/slo.yml', 'rules/alerts.yml'];
const rules = RULE_FILES.flatMap((f) => parse(read(f)).groups.flatMap((g: any) => g.rules.map((r: any) => ({ file: f, ...r }))));
const recorded = new Set<string>(rules.filter((r) => r.record).map((r) => r.record));
/** What Prometheus itself makes: scrape health and the alerts' own series. */
const PROMETHEUS = new Set(['up', 'ALERTS']);

const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan']);

/** The metric names a PromQL expression selects (function names and labels left out). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*/g)) {
    const after = stripped.slice(m.index! + m[0].length).trimStart();
    if (after.startsWith('(') || KEYWORDS.has(m[0].toLowerCase())) continue;
    if (/^\d/.test(stripped[m.index! - 1] ?? '')) continue; // 1e6, 60s
    names.push(m[0]);
  }
  return names;
}

type Panel = { title: string; type: string; targets?: { expr: string }[] };
const dashboards: [string, any][] = fs
  .readdirSync(path.join(DIR, 'grafana', 'dashboards'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => [f, JSON.parse(read(`grafana/dashboards/${f}`))]);
const panels = (d: any): Panel[] => d.panels.filter((p: Panel) => p.type !== 'row');
/** Grafana's variables replaced by what Prometheus would get. */
const interpolate = (expr: string) => expr.replace(/\$__rate_interval/g, '5m').replace(/\$source/g, 'local');

let promtool: string;
before(() => {
  promtool = path.join(execFileSync('bash', [path.join(DIR, 'tools.sh')], { encoding: 'utf8' }).trim(), 'promtool');
});

describe('monitoring: names', () => {
  it('YACE names metrics as its own tests say, and as the rules expect ours', () => {
    // cases from YACE's pkg/promutil/migrate_test.go
    assert.equal(yaceMetricName('AWS/ElastiCache', 'CPUUtilization', 'Average'), 'aws_elasticache_cpuutilization_average');
    assert.equal(yaceMetricName('/aws/sagemaker/TrainingJobs', 'CPUUtilization', 'Average'), 'aws_sagemaker_trainingjobs_cpuutilization_average');
    assert.equal(yaceMetricName('Glue', 'glue.driver.aggregate.bytesRead', 'Average'), 'aws_glue_driver_aggregate_bytes_read_average');
    assert.equal(yaceMetricName('Glue', 'aggregate.glue.jobs.bytesRead', 'Average'), 'aws_glue_aggregate_glue_jobs_bytes_read_average');
    const names = yaceExports();
    for (const n of ['aws_lambda_errors_sum', 'aws_apigateway_4xx_sum', 'aws_apigateway_latency_p85_6', 'aws_sqs_approximate_age_of_oldest_message_maximum',
      'aws_connectsphere_estimated_cost_sum', 'aws_rds_engine_uptime_minimum']) assert.ok(names.has(n), n);
  });

  it('the extractor finds metric names and nothing else', () => {
    assert.deepEqual(
      metricNames('sum by (api) (label_replace(rate(cs_http_requests_total{route!~"a|b",status=~"5.."}[5m]), "api", "http", "route", ".*")) / on (api) cs:x:rate5m > bool 1e6 * 60'),
      ['cs_http_requests_total', 'cs:x:rate5m'],
    );
    assert.deepEqual(metricNames('histogram_quantile(0.99, sum by (le) (rate(a_bucket[5m]))) or vector(0.5)'), ['a_bucket']);
  });

  it('rules read only what the exporter or the gateway exports, or what a rule records', () => {
    const known = new Set([...yaceExports(), ...localExports(), ...recorded, ...PROMETHEUS]);
    const unknown = rules.flatMap((r) => metricNames(r.expr).filter((n) => !known.has(n)).map((n) => `${r.file} ${r.record ?? r.alert}: ${n}`));
    assert.deepEqual(unknown, []);
    // and both sources feed each SLI the alerts read
    for (const name of ['cs:api_requests:rate5m', 'cs:api_errors:rate1h', 'cs:api_slow_ratio:rate6h', 'cs:function_errors:rate5m', 'cs:queue_dlq_depth', 'cs:database_up']) {
      const sources = rules.filter((r) => r.record === name).map((r) => r.labels?.source).sort();
      assert.deepEqual(sources, ['cloudwatch', 'local'], name);
    }
  });

  it('every dashboard panel names only exported or recorded metrics', () => {
    const known = new Set([...yaceExports(), ...localExports(), ...recorded, ...PROMETHEUS]);
    const unknown: string[] = [];
    for (const [file, d] of dashboards) {
      for (const p of panels(d)) {
        assert.ok(p.targets?.length, `${file}: "${p.title}" has no query`);
        for (const t of p.targets!) for (const n of metricNames(interpolate(t.expr))) if (!known.has(n)) unknown.push(`${file} "${p.title}": ${n}`);
      }
    }
    assert.deepEqual(unknown, []);
  });
});

describe('monitoring: queries and files', () => {
  it('every dashboard query parses (promtool check rules over a file of them)', () => {
    const exprs = dashboards.flatMap(([file, d]) => panels(d).flatMap((p) => p.targets!.map((t) => ({ file, title: p.title, expr: interpolate(t.expr) }))));
    assert.ok(exprs.length > 50, `${exprs.length} queries`);
    const doc = { groups: [{ name: 'dashboards', rules: exprs.map((e, i) => ({ record: `dashboard:query_${i}`, expr: e.expr })) }] };
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cs-dash-')), 'dashboards.rules.yml');
    fs.writeFileSync(file, stringify(doc));
    const out = execFileSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
    assert.match(out, new RegExp(`SUCCESS: ${exprs.length} rules found`));
    // the check is live: a broken query fails it
    fs.writeFileSync(file, stringify({ groups: [{ name: 'x', rules: [{ record: 'x:y', expr: 'sum by (a (b)' }] }] }));
    assert.throws(() => execFileSync(promtool, ['check', 'rules', file], { stdio: 'pipe' }));
  });

  it('the dashboards and slo.yml are what their generators write; provisioning points Grafana at them', () => {
    execFileSync('python3', [path.join(DIR, 'grafana', 'dashboards.py'), '--check']);
    execFileSync('python3', [path.join(DIR, 'rules', 'slo.py'), '--check']);
    assert.deepEqual(dashboards.map(([f]) => f).sort(), ['chat.json', 'cost.json', 'overview.json', 'queues-and-events.json']);
    const provider = parse(read('grafana/provisioning/dashboards.yml')).providers[0];
    assert.equal(provider.type, 'file');
    assert.ok(provider.options.path);
    const ds = parse(read('grafana/provisioning/datasources.yml')).datasources[0];
    assert.equal(ds.type, 'prometheus');
    for (const [, d] of dashboards) assert.ok(d.templating.list.some((v: any) => v.name === 'datasource' && v.type === 'datasource'));
  });

  it('every alert has a unit test that fires it and a later one that resolves it, and a runbook in docs/operations.md', () => {
    const tests = parse(read('rules/tests/alerts.test.yml')).tests.flatMap((t: any) => t.alert_rule_test);
    const minutes = (d: string) => Number(d.replace(/m$/, ''));
    const ops = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'operations.md'), 'utf8');
    const anchors = new Set([...ops.matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1].trim().toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')));
    for (const alert of rules.filter((r) => r.alert)) {
      const mine = tests.filter((t: any) => t.alertname === alert.alert);
      const fired = mine.filter((t: any) => t.exp_alerts.length > 0).map((t: any) => minutes(t.eval_time));
      const quiet = mine.filter((t: any) => t.exp_alerts.length === 0).map((t: any) => minutes(t.eval_time));
      assert.ok(fired.length > 0, `${alert.alert} is never tested firing`);
      assert.ok(quiet.some((q: number) => q > Math.min(...fired)), `${alert.alert} is never tested resolving`);
      const runbook = String(alert.annotations.runbook);
      assert.ok(runbook.startsWith('docs/operations.md#') && anchors.has(runbook.split('#')[1]), `${alert.alert}: runbook ${runbook}`);
      assert.ok(['page', 'ticket'].includes(alert.labels.severity) && alert.labels.component, alert.alert);
    }
  });

  it('alertmanager.yml carries a placeholder, never a bot token, and one Bot API URL to point elsewhere', () => {
    const am = parse(read('alertmanager.yml'));
    assert.ok(am.global.telegram_api_url);
    for (const r of am.receivers) {
      for (const t of r.telegram_configs) {
        assert.equal(t.bot_token, 'REPLACE_WITH_BOT_TOKEN');
        assert.equal(t.api_url, undefined, 'the global telegram_api_url is the one to override');
        assert.ok(Number.isInteger(t.chat_id));
      }
    }
    for (const f of fs.readdirSync(DIR, { recursive: true }) as string[]) {
      if (!fs.statSync(path.join(DIR, f)).isFile()) continue;
      assert.doesNotMatch(fs.readFileSync(path.join(DIR, f), 'utf8'), /\b\d{8,10}:[A-Za-z0-9_-]{35}\b/, `${f} holds something shaped like a bot token`);
    }
  });
});

describe('monitoring: discovery', () => {
  let dev: Synth;
  before(() => {
    dev = synth({ stage: 'dev' });
  });

  it('every discovery job searches app=connectsphere, and each tag it exports is on every resource of its kind', () => {
    const kinds: Record<string, string> = {
      'AWS/Lambda': 'AWS::Lambda::Function',
      'AWS/ApiGateway': 'AWS::ApiGatewayV2::Api',
      'AWS/SQS': 'AWS::SQS::Queue',
      'AWS/DynamoDB': 'AWS::DynamoDB::Table',
      'AWS/RDS': 'AWS::RDS::DBCluster',
      'AWS/S3': 'AWS::S3::Bucket',
      'AWS/CloudFront': 'AWS::CloudFront::Distribution',
    };
    for (const job of yace.discovery.jobs) {
      assert.deepEqual(job.searchTags, [{ key: 'app', value: '^connectsphere$' }], job.type);
      const type = kinds[job.type] ?? assert.fail(`no resource kind for ${job.type}`);
      const resources = findResources(dev.mainJson, type, (p) => type !== 'AWS::Lambda::Function' || String(p.FunctionName).startsWith('connectsphere-'));
      assert.ok(resources.length > 0, type);
      for (const [id, r] of resources) {
        const raw = r.Properties.Tags ?? r.Properties.DistributionConfig?.Tags ?? [];
        const tags: Record<string, string> = Array.isArray(raw) ? Object.fromEntries(raw.map((t: any) => [t.Key, t.Value])) : raw;
        for (const key of ['app', ...(yace.discovery.exportedTagsOnMetrics[job.type] ?? [])]) assert.ok(tags[key], `${type} ${id} has no ${key} tag`);
      }
    }
  });
});
