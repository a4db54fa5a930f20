// Assertions on the synthesized templates: what functions/manifest.toml says exists does.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { build } from '../lib/app';
import { MAX_FUNCTIONS_PER_CRATE } from '../lib/functions-stack';
import { crates, loadManifest, parseManifest } from '../lib/manifest';
import * as fs from 'node:fs';
import { MANIFEST_PATH } from '../lib/manifest';
import { CONTEXT, findResources, synth, Synth } from './helpers';

/** Per stack: CloudFormation's limit is 500; the rest is headroom for what a deploy adds. */
const RESOURCE_BUDGET = 450;

const manifest = loadManifest();
const fnName = (n: string, stage = 'dev') => `connectsphere-${stage}-${n}`;

let dev: Synth;
let prod: Synth;
before(() => {
  dev = synth({ stage: 'dev' });
  prod = synth({ stage: 'prod', rdsProxy: true, opensearch: true });
});

/** The logical id of the Lambda named `name`. */
function lambdaId(s: Synth, name: string, stage = 'dev'): string {
  const found = findResources(s.mainJson, 'AWS::Lambda::Function', (p) => p.FunctionName === fnName(name, stage));
  assert.equal(found.length, 1, `one Lambda named ${fnName(name, stage)}`);
  return found[0][0];
}

describe('functions', () => {
  it('one Lambda per manifest function, with its memory, timeout, architecture, runtime and handler', () => {
    const ours = findResources(dev.mainJson, 'AWS::Lambda::Function', (p) => String(p.FunctionName ?? '').startsWith('connectsphere-dev-'));
    assert.equal(ours.length, manifest.functions.length);
    for (const f of manifest.functions) {
      dev.main.hasResourceProperties('AWS::Lambda::Function', {
        FunctionName: fnName(f.name),
        MemorySize: f.memory,
        Timeout: f.timeout,
        Architectures: [f.architecture],
        Runtime: 'provided.al2023',
        Handler: 'bootstrap',
        Environment: { Variables: Match.objectLike({ CS_FUNCTION: f.name, QUEUE_PREFIX: 'connectsphere-dev-' }) },
        Tags: Match.arrayWith([{ Key: 'app', Value: 'connectsphere' }, { Key: 'function', Value: f.name }, { Key: 'service', Value: f.crate }, { Key: 'stage', Value: 'dev' }]),
      });
    }
  });

  it('functions that use the database get DB_SECRET_ARN/DB_HOST/DB_PORT/DB_NAME and a VPC, never DATABASE_URL', () => {
    for (const f of manifest.functions) {
      const props = dev.mainJson.Resources[lambdaId(dev, f.name)].Properties;
      const vars = props.Environment.Variables;
      assert.equal(vars.DATABASE_URL, undefined);
      const usesDb = manifest.services.get(f.crate)!.some((u) => u.kind === 'db');
      for (const v of ['DB_SECRET_ARN', 'DB_HOST', 'DB_PORT', 'DB_NAME']) assert.equal(v in vars, usesDb, `${f.name} ${v}`);
      assert.equal(props.VpcConfig !== undefined, usesDb, `${f.name} in the VPC`);
    }
  });

  it('each function gets exactly the environment its crate\'s uses bring', () => {
    const vars = (n: string) => dev.mainJson.Resources[lambdaId(dev, n)].Properties.Environment.Variables;
    assert.ok(vars('user-login').RATE_LIMIT_TABLE && vars('user-login').JWT_PRIVATE_KEY_SECRET_ARN && vars('user-login').QUEUE_URL_TIMELINE);
    assert.equal(vars('user-login').CONNECTIONS_TABLE, undefined);
    assert.ok(vars('chat-send').WEBSOCKET_API_ENDPOINT && vars('chat-send').CONNECTIONS_TABLE && vars('chat-send').QUEUE_URL_NOTIFICATIONS);
    assert.equal(vars('chat-send').QUEUE_URL_TIMELINE, undefined);
    assert.ok(vars('media-process').MEDIA_BUCKET && vars('media-process').MEDIA_CDN_URL);
    assert.ok(vars('notify-consumer').SMTP_URL_SECRET_ARN && vars('notify-consumer').MAIL_FROM);
    assert.ok(vars('market-webhook').PAYMENT_WEBHOOK_SECRET_ARN);
    assert.equal(vars('user-login').PAYMENT_WEBHOOK_SECRET_ARN, undefined);
    // Straight to Aurora (dev) without TLS: its RDS CA is not among the roots the functions trust.
    assert.equal(vars('user-login').DB_SSLMODE, 'disable');
    assert.equal(prod.mainJson.Resources[lambdaId(prod, 'user-login', 'prod')].Properties.Environment.Variables.DB_SSLMODE, 'require');
    assert.deepEqual(Object.keys(vars('openapi')).sort(), ['CS_FUNCTION', 'CS_STAGE', 'PUBLIC_URL', 'QUEUE_PREFIX', 'RUST_LOG']);
    // JWT_ISSUER is the stage's HTTP API URL (https), the audience the manifest's.
    assert.deepEqual(vars('user-login').JWT_ISSUER['Fn::Join'][1][0], 'https://');
    assert.equal(vars('user-login').JWT_AUDIENCE, manifest.http.jwtAudience);
  });

  it('every function has a log group with retention', () => {
    for (const f of manifest.functions) {
      dev.main.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/lambda/${fnName(f.name)}`, RetentionInDays: 14 });
      prod.main.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: `/aws/lambda/${fnName(f.name, 'prod')}`, RetentionInDays: 90 });
    }
  });
});

describe('HTTP API', () => {
  it('every http route is present with the JWT authorizer exactly when auth = "jwt"', () => {
    const [authorizerId] = findResources(dev.mainJson, 'AWS::ApiGatewayV2::Authorizer')[0];
    const routes = findResources(dev.mainJson, 'AWS::ApiGatewayV2::Route', (p) => !String(p.RouteKey).startsWith('$') && / \//.test(p.RouteKey));
    const http = manifest.functions.filter((f) => f.trigger.kind === 'http');
    assert.equal(routes.length, http.length);
    for (const f of http) {
      const t = f.trigger as { method: string; path: string };
      const [, route] = routes.find(([, r]) => r.Properties.RouteKey === `${t.method} ${t.path}`) ?? assert.fail(`route ${t.method} ${t.path}`);
      if (f.auth === 'jwt') {
        assert.equal(route.Properties.AuthorizationType, 'JWT', f.name);
        assert.deepEqual(route.Properties.AuthorizerId, { Ref: authorizerId });
      } else {
        assert.ok(route.Properties.AuthorizationType === undefined || route.Properties.AuthorizationType === 'NONE', f.name);
        assert.equal(route.Properties.AuthorizerId, undefined, f.name);
      }
      // The route's integration calls this function, payload 2.0.
      const integrationId = route.Properties.Target['Fn::Join'][1][1].Ref;
      const integration = dev.mainJson.Resources[integrationId].Properties;
      assert.equal(integration.PayloadFormatVersion, '2.0');
      assert.deepEqual(integration.IntegrationUri, { 'Fn::GetAtt': [lambdaId(dev, f.name), 'Arn'] });
    }
  });

  it('the JWT authorizer trusts the stage\'s API URL as issuer and the manifest\'s audience', () => {
    dev.main.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'JWT',
      IdentitySource: ['$request.header.Authorization'],
      JwtConfiguration: {
        Audience: [manifest.http.jwtAudience],
        Issuer: { 'Fn::Join': ['', ['https://', { Ref: Match.stringLikeRegexp('^HttpApi') }, '.execute-api.', { Ref: 'AWS::Region' }, '.', { Ref: 'AWS::URLSuffix' }]] },
      },
    });
  });

  it('CORS allows the web app origin; the $default stage auto-deploys with access logs and throttling', () => {
    dev.main.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      ProtocolType: 'HTTP',
      CorsConfiguration: Match.objectLike({ AllowOrigins: [{ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebCdn'), 'DomainName'] }]] }] }),
    });
    dev.main.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 50 }),
    });
  });
});

describe('WebSocket API', () => {
  it('has the manifest\'s route selection, every websocket route, and a stage named after the stage', () => {
    dev.main.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'WEBSOCKET', RouteSelectionExpression: '$request.body.action' });
    for (const f of manifest.functions.filter((x) => x.trigger.kind === 'websocket')) {
      dev.main.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: (f.trigger as { route: string }).route });
    }
    dev.main.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: 'dev', AutoDeploy: true });
  });

  it('grants execute-api:ManageConnections to exactly the crates that use websocket-push', () => {
    const pushing = new Set([...manifest.services].filter(([, u]) => u.some((x) => x.kind === 'websocket-push')).map(([c]) => c));
    assert.ok(pushing.has('chat'));
    for (const [crate, role] of dev.built.main.roles) {
      const roleId = dev.built.main.getLogicalId(role.node.defaultChild as any);
      const statements = findResources(dev.mainJson, 'AWS::IAM::Policy', (p) => p.Roles.some((r: any) => r.Ref === roleId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement);
      const grants = statements.some((s: any) => [s.Action].flat().includes('execute-api:ManageConnections'));
      assert.equal(grants, pushing.has(crate), crate);
    }
  });
});

describe('queues and schedules', () => {
  it('every queue has a DLQ, the redrive and visibility timeout of the manifest, and SSE', () => {
    for (const q of manifest.queues) {
      const [dlqId] = findResources(dev.mainJson, 'AWS::SQS::Queue', (p) => p.QueueName === `connectsphere-dev-${q.name}-dlq`)[0] ?? assert.fail(`${q.name}-dlq`);
      dev.main.hasResourceProperties('AWS::SQS::Queue', {
        QueueName: `connectsphere-dev-${q.name}`,
        VisibilityTimeout: q.visibilityTimeout,
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: q.maxReceiveCount },
        SqsManagedSseEnabled: true,
      });
    }
  });

  it('each sqs function has an event source mapping with ReportBatchItemFailures and the batch size, and a timeout below the visibility timeout', () => {
    for (const f of manifest.functions.filter((x) => x.trigger.kind === 'sqs')) {
      const q = manifest.queues.find((x) => x.name === (f.trigger as { queue: string }).queue)!;
      dev.main.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: lambdaId(dev, f.name) },
        BatchSize: q.batchSize,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        EventSourceArn: { 'Fn::GetAtt': [Match.stringLikeRegexp(`^Queue${q.name.replace(/[^A-Za-z0-9]/g, '')}`), 'Arn'] },
      });
      assert.ok(f.timeout < q.visibilityTimeout, `${f.name} timeout ${f.timeout} < ${q.visibilityTimeout}`);
    }
  });

  it('each scheduled function has an EventBridge rule with its expression', () => {
    for (const f of manifest.functions.filter((x) => x.trigger.kind === 'schedule')) {
      dev.main.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: (f.trigger as { expression: string }).expression,
        Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [lambdaId(dev, f.name), 'Arn'] } })],
      });
    }
  });

  it('S3 tells the media queue about objects created under uploads/, in the media and item-files buckets', () => {
    const notifications = findResources(dev.mainJson, 'Custom::S3BucketNotifications');
    assert.equal(notifications.length, 2);
    for (const bucket of ['MediaBucket', 'ItemFilesBucket']) {
      dev.main.hasResourceProperties('Custom::S3BucketNotifications', {
        BucketName: { Ref: Match.stringLikeRegexp(`^${bucket}`) },
        NotificationConfiguration: {
          QueueConfigurations: [Match.objectLike({ Events: ['s3:ObjectCreated:*'], Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } } })],
        },
      });
    }
  });
});

describe('data', () => {
  it('DynamoDB tables: on demand, key pk, TTL expiresAt, point-in-time recovery; deletion protection in prod', () => {
    for (const t of ['rate-limits', 'connections']) {
      const want = {
        TableName: `connectsphere-dev-${t}`,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      };
      dev.main.hasResourceProperties('AWS::DynamoDB::Table', want);
      prod.main.hasResourceProperties('AWS::DynamoDB::Table', { ...want, TableName: `connectsphere-prod-${t}`, DeletionProtectionEnabled: true });
    }
  });

  it('buckets block public access and enforce TLS; media has CORS for the web app; uploads abort incomplete multipart', () => {
    const buckets = findResources(dev.mainJson, 'AWS::S3::Bucket');
    assert.equal(buckets.length, 4);
    for (const [, b] of buckets) {
      assert.deepEqual(b.Properties.PublicAccessBlockConfiguration, {
        BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
      });
    }
    const withCors = findResources(dev.mainJson, 'AWS::S3::Bucket', (p) =>
      JSON.stringify(p.CorsConfiguration ?? {}).includes('"PUT"') &&
      JSON.stringify(p.LifecycleConfiguration ?? {}).includes('"DaysAfterInitiation":1'));
    assert.equal(withCors.length, 2, 'media and item-files take browser uploads');
    assert.equal(findResources(dev.mainJson, 'AWS::S3::BucketPolicy', (p) => JSON.stringify(p).includes('aws:SecureTransport')).length, 4);
  });

  it('two CloudFront distributions with origin access control', () => {
    assert.equal(findResources(dev.mainJson, 'AWS::CloudFront::Distribution').length, 2);
    assert.equal(findResources(dev.mainJson, 'AWS::CloudFront::OriginAccessControl').length, 2);
  });

  it('Aurora Serverless v2 scales to 0 ACU in dev, credentials in Secrets Manager; prod keeps 0.5, deletion protection, 14 days of backups', () => {
    dev.main.hasResourceProperties('AWS::RDS::DBCluster', {
      Engine: 'aurora-postgresql',
      ServerlessV2ScalingConfiguration: { MinCapacity: 0, MaxCapacity: 2 },
      StorageEncrypted: true,
      DeletionProtection: false,
      MasterUsername: Match.anyValue(),
    });
    prod.main.hasResourceProperties('AWS::RDS::DBCluster', {
      ServerlessV2ScalingConfiguration: { MinCapacity: 0.5, MaxCapacity: 16 },
      DeletionProtection: true,
      BackupRetentionPeriod: 14,
    });
    prod.main.hasResource('AWS::RDS::DBCluster', { DeletionPolicy: 'Snapshot' });
    dev.main.resourceCountIs('AWS::RDS::DBProxy', 0);
    prod.main.resourceCountIs('AWS::RDS::DBProxy', 1);
    dev.main.resourceCountIs('AWS::OpenSearchService::Domain', 0);
    prod.main.resourceCountIs('AWS::OpenSearchService::Domain', 1);
    // With the proxy, functions connect to it.
    const host = prod.mainJson.Resources[lambdaId(prod, 'user-login', 'prod')].Properties.Environment.Variables.DB_HOST;
    assert.match(JSON.stringify(host), /Proxy/);
  });

  it('prod retains logs and tables; dev destroys them', () => {
    prod.main.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
    dev.main.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Delete' });
  });
});

describe('network', () => {
  it('dev\'s NAT instance lets in the VPC\'s traffic and nothing from the internet; prod has NAT gateways', () => {
    const [, sg] = findResources(dev.mainJson, 'AWS::EC2::SecurityGroup', (p) => p.GroupDescription === 'Security Group for NAT instances')[0]
      ?? assert.fail('NAT security group');
    const ingress = sg.Properties.SecurityGroupIngress as any[];
    assert.equal(ingress.length, 1);
    assert.equal(ingress[0].IpProtocol, '-1');
    assert.equal(ingress[0].CidrIp['Fn::GetAtt'][1], 'CidrBlock');
    dev.main.resourceCountIs('AWS::EC2::NatGateway', 0);
    prod.main.resourceCountIs('AWS::EC2::NatGateway', 2);
  });
});

describe('migrations', () => {
  it('deploy steps (db-migrate, search-setup) run by a trigger after the database; on-demand ones do not', () => {
    const triggers = findResources(dev.mainJson, 'Custom::Trigger').map(([, t]) => t);
    const invoked = triggers.map((t) => JSON.stringify(t.Properties.HandlerArn).toLowerCase());
    assert.equal(triggers.length, 2, invoked.join(' '));
    for (const t of triggers) assert.ok((t.DependsOn as string[]).some((d) => d.startsWith('Db')), 'runs after the database');
    assert.ok(invoked.some((a) => a.includes('dbmigrate')), 'invokes db-migrate');
    assert.ok(invoked.some((a) => a.includes('searchsetup')), 'invokes search-setup');
    assert.ok(!invoked.some((a) => a.includes('searchreindex')), 'search-reindex is on demand');
    const text = fs.readFileSync(MANIFEST_PATH, 'utf8').replace(/\[\[function\]\]\nname = "db-migrate"[^[]*/, '');
    synth({ stage: 'dev' }, parseManifest(text)).main.resourceCountIs('Custom::Trigger', 1);
  });
});

describe('alarms and limits', () => {
  it('alarms on every function\'s errors and throttles, every DLQ\'s depth and every queue\'s age', () => {
    for (const f of manifest.functions) {
      for (const metric of ['Errors', 'Throttles']) {
        dev.alarms!.hasResourceProperties('AWS::CloudWatch::Alarm', {
          MetricName: metric, Namespace: 'AWS/Lambda', Dimensions: [{ Name: 'FunctionName', Value: fnName(f.name) }],
        });
      }
    }
    for (const q of manifest.queues) {
      dev.alarms!.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: `connectsphere-dev-${q.name}-dlq` }],
      });
      dev.alarms!.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateAgeOfOldestMessage', Dimensions: [{ Name: 'QueueName', Value: `connectsphere-dev-${q.name}` }],
      });
    }
  });

  it('every stack, nested ones included, stays well under CloudFormation\'s 500 resources', () => {
    for (const s of [dev, prod]) {
      for (const [file, t] of s.templates) {
        const n = Object.keys(t.Resources).length;
        assert.ok(n < RESOURCE_BUDGET, `${file}: ${n} resources, over the budget of ${RESOURCE_BUDGET}`);
      }
    }
  });

  it('the main stack holds no function: each crate\'s are in a nested stack of their own', () => {
    assert.equal(findResources(dev.templates.get('ConnectSphere-dev.template.json'), 'AWS::Lambda::Function',
      (p) => String(p.FunctionName ?? '').startsWith('connectsphere-')).length, 0);
    assert.deepEqual([...dev.built.main.services.keys()].sort(), crates(manifest).sort());
  });

  it('40 more functions (a crate grown by 30 of every trigger kind, a new crate of 10) keep every stack under the budget', () => {
    const biggest = crates(manifest).sort((a, b) => count(b) - count(a))[0];
    const triggers = [(i: number) => `{ http = "POST /fake/${i}" }`, () => '{ sqs = "notifications" }', () => '{ schedule = "rate(1 hour)" }',
      (i: number) => `{ websocket = "fake${i}" }`];
    const fn = (i: number, crate: string) => `\n[[function]]\nname = "fake-${i}"\ncrate = "${crate}"\ntrigger = ${triggers[i % 4](i)}\nauth = "jwt"\n`;
    let text = fs.readFileSync(MANIFEST_PATH, 'utf8') + '\n[service.fake]\nuses = ["db", "queue-send:chat"]\n';
    for (let i = 0; i < 40; i++) text += fn(i, i < 30 ? biggest : 'fake');
    const grown = parseManifest(text);
    const s = synth({ stage: 'prod', rdsProxy: true, opensearch: true }, grown);
    assert.equal(findResources(s.mainJson, 'AWS::Lambda::Function', (p) => String(p.FunctionName ?? '').startsWith('connectsphere-prod-fake-')).length, 40);
    for (const [file, t] of s.templates) {
      const n = Object.keys(t.Resources).length;
      assert.ok(n < RESOURCE_BUDGET, `${file}: ${n} resources with 40 more functions`);
    }
    // the main stack grew by the new crate's role, policy and nested stack only
    const mainCount = (x: Synth) => Object.keys(x.templates.get(`ConnectSphere-${x.built.cfg.stage}.template.json`).Resources).length;
    assert.equal(mainCount(s), mainCount(prod) + 3);
    function count(crate: string) {
      return manifest.functions.filter((f) => f.crate === crate).length;
    }
  });

  it('a crate with more functions than a nested stack holds is refused at synth, by name', () => {
    let text = fs.readFileSync(MANIFEST_PATH, 'utf8');
    for (let i = 0; i <= MAX_FUNCTIONS_PER_CRATE; i++) text += `\n[[function]]\nname = "many-${i}"\ncrate = "openapi"\ntrigger = { http = "GET /many/${i}" }\n`;
    const m = parseManifest(text.replace('[service.api-docs]', '[service.openapi]\nuses = []\n\n[service.api-docs]'));
    assert.throws(() => build({ app: new App({ context: CONTEXT }), manifest: m, nag: false }), /crate openapi has 71 functions/);
  });

  it('every taggable resource carries app and stage tags; a crate\'s nested stack adds service', () => {
    for (const [file, t] of dev.templates) {
      const crate = [...dev.built.main.services].find(([, ns]) => ns.templateFile === file)?.[0];
      for (const [id, r] of Object.entries<any>(t.Resources)) {
        const tags = r.Properties?.Tags;
        if (!Array.isArray(tags)) continue;
        const get = (k: string) => tags.find((x: any) => x.Key === k)?.Value;
        assert.equal(get('app'), 'connectsphere', `${file} ${id}`);
        assert.equal(get('stage'), 'dev', `${file} ${id}`);
        if (crate) assert.equal(get('service'), crate, `${file} ${id}`);
      }
    }
    // the APIs (and their stages) say which API they are: the monitoring's per-API SLOs
    for (const [protocol, api] of [['HTTP', 'http'], ['WEBSOCKET', 'websocket']]) {
      dev.main.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: protocol, Tags: Match.objectLike({ api, app: 'connectsphere', stage: 'dev' }) });
    }
    for (const [, st] of findResources(dev.mainJson, 'AWS::ApiGatewayV2::Stage')) assert.ok(['http', 'websocket'].includes(st.Properties.Tags.api));
    // roles (in the main stack) carry their crate too
    for (const [crate, role] of dev.built.main.roles) {
      const tags = dev.mainJson.Resources[dev.built.main.getLogicalId(role.node.defaultChild as any)].Properties.Tags;
      assert.ok(tags.some((x: any) => x.Key === 'service' && x.Value === crate), crate);
    }
  });
});

describe('cdk-nag', () => {
  it('AwsSolutions passes with every suppression justified, in dev and in prod with the proxy and OpenSearch', () => {
    for (const s of [dev, prod]) {
      const result = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(s.built.app);
      assert.deepEqual(result.violations.map((v: any) => `${v.ruleName} ${v.violatingResources.map((r: any) => r.constructPath)}`), []);
      assert.equal(result.success, true);
      // and the synth-time validation report (CDK's own CloudFormation checks) is clean too
      for (const p of s.report?.pluginReports ?? []) assert.equal(p.conclusion, 'success', p.pluginName);
    }
    // The check is live: an unencrypted queue without a DLQ in a fresh app is reported.
    const app = new App();
    new sqs.Queue(new Stack(app, 'Probe'), 'Bare');
    const probe = new AwsSolutionsChecks(undefined).validateScope(app);
    assert.ok(probe.violations.some((v: any) => /^AwsSolutions-SQS/.test(v.ruleName)));
    const { STACK_SUPPRESSIONS, WILDCARDS } = require('../lib/nag');
    for (const [id, reason] of Object.entries<string>(STACK_SUPPRESSIONS)) assert.ok(reason.length > 30, `${id} needs a reason`);
    for (const w of WILDCARDS) assert.ok(w.reason.length > 30);
  });
});

describe('IAM', () => {
  const statements = (tpl: any) =>
    findResources(tpl, 'AWS::IAM::Policy').flatMap(([id, p]) =>
      (p.Properties.PolicyDocument.Statement as any[]).map((st) => ({ id, actions: [st.Action].flat() as string[], resources: [st.Resource].flat(), st })),
    );
  /** Actions AWS offers no resource-level scoping for (the service authorization reference). */
  const UNSCOPABLE = new Set([
    'ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface',
    'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses',
    's3:PutBucketNotification', // CDK's bucket-notifications handler
    'logs:PutResourcePolicy', 'logs:DeleteResourcePolicy', // CDK's OpenSearch log-group policy handler
  ]);

  it('no statement has a wildcard action, and Resource "*" only for actions that cannot be scoped', () => {
    for (const s of [dev, prod]) {
      for (const { id, actions, resources } of statements(s.mainJson)) {
        for (const a of actions) assert.ok(!a.includes('*'), `${id}: action ${a}`);
        if (resources.includes('*')) {
          for (const a of actions) assert.ok(UNSCOPABLE.has(a), `${id}: ${a} on Resource "*"`);
        }
      }
    }
  });

  it('each crate\'s role holds only what its uses ask for', () => {
    const allowed: Record<string, RegExp> = {
      db: /^(secretsmanager:(GetSecretValue|DescribeSecret)|ec2:)/,
      secret: /^secretsmanager:(GetSecretValue|DescribeSecret)$/,
      ses: /^secretsmanager:(GetSecretValue|DescribeSecret)$/,
      table: /^dynamodb:(GetItem|BatchGetItem|PutItem|UpdateItem|DeleteItem)$/,
      bucket: /^s3:(GetObject|PutObject|DeleteObject|ListBucket)$/,
      'queue-send': /^sqs:(SendMessage|GetQueueAttributes|GetQueueUrl)$/,
      'websocket-push': /^execute-api:ManageConnections$/,
      search: /^es:/,
    };
    for (const [crate, role] of dev.built.main.roles) {
      const uses = manifest.services.get(crate)!;
      const roleId = dev.built.main.getLogicalId(role.node.defaultChild as any);
      const consumes = manifest.functions.some((f) => f.crate === crate && f.trigger.kind === 'sqs');
      const actions = findResources(dev.mainJson, 'AWS::IAM::Policy', (p) => p.Roles.some((r: any) => r.Ref === roleId))
        .flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat()));
      for (const a of actions) {
        const ok =
          /^logs:(CreateLogStream|PutLogEvents)$/.test(a) ||
          uses.some((u) => allowed[u.kind].test(a)) ||
          (consumes && /^sqs:(ReceiveMessage|ChangeMessageVisibility|GetQueueUrl|DeleteMessage|GetQueueAttributes)$/.test(a));
        assert.ok(ok, `${crate}: ${a} is not asked for by ${JSON.stringify(uses)}`);
      }
      if (!uses.some((u) => u.kind === 'bucket')) assert.ok(!actions.some((a) => a.startsWith('s3:')), crate);
      if (!uses.some((u) => u.kind === 'table')) assert.ok(!actions.some((a) => a.startsWith('dynamodb:')), crate);
    }
    // feed only reads media; media writes it
    const feedRole = dev.built.main.getLogicalId(dev.built.main.roles.get('feed')!.node.defaultChild as any);
    const feedS3 = findResources(dev.mainJson, 'AWS::IAM::Policy', (p) => p.Roles.some((r: any) => r.Ref === feedRole))
      .flatMap(([, p]) => p.Properties.PolicyDocument.Statement.flatMap((st: any) => [st.Action].flat())).filter((a: string) => a.startsWith('s3:'));
    assert.deepEqual(feedS3, ['s3:GetObject']);
  });
});

describe('flags', () => {
  let cheap: Synth;
  it('-c schedules=false disables the rules and -c alarms=false drops the alarms stack (cheap idle dev)', () => {
    const s = synth({ stage: 'dev', schedules: false, alarms: false, samLocal: true });
    s.main.hasResourceProperties('AWS::Events::Rule', { State: 'DISABLED' });
    dev.main.hasResourceProperties('AWS::Events::Rule', { State: 'ENABLED' });
    assert.equal(s.alarms, undefined);
    cheap = s;
  });

  it('sam local finds each nested stack\'s template and each function\'s code by asset metadata, as the CLI synthesizes them', () => {
    const s = synth({ stage: 'dev', samLocal: true, 'aws:cdk:enable-asset-metadata': true });
    const main = s.templates.get('ConnectSphere-dev.template.json');
    const nested = findResources(main, 'AWS::CloudFormation::Stack');
    assert.equal(nested.length, crates(manifest).length);
    for (const [id, r] of nested) {
      assert.equal(r.Metadata['aws:asset:property'], 'TemplateURL', id);
      const child = s.templates.get(r.Metadata['aws:asset:path']) ?? assert.fail(`${id}: ${r.Metadata['aws:asset:path']}`);
      for (const [fid, f] of findResources(child, 'AWS::Lambda::Function', (p) => String(p.FunctionName ?? '').startsWith('connectsphere-'))) {
        assert.equal(f.Metadata['aws:asset:property'], 'Code', fid);
        assert.ok(fs.existsSync(`${s.outdir}/${f.Metadata['aws:asset:path']}/bootstrap`), fid);
      }
    }
  });

  it('-c samLocal=true declares the variables localstack/sam-env.json fills; the deployable template does not', () => {
    const s = cheap;
    const vars = s.mainJson.Resources[lambdaId(s, 'user-login')].Properties.Environment.Variables;
    for (const v of ['DATABASE_URL', 'AWS_ENDPOINT_URL', 'SMTP_URL', 'JWT_PRIVATE_KEY']) assert.equal(vars[v], '', v);
    const samEnv = JSON.parse(fs.readFileSync(`${__dirname}/../../localstack/sam-env.json`, 'utf8'));
    for (const v of Object.keys(samEnv.Parameters)) assert.ok(v in vars, `${v} of sam-env.json is declared in the template`);
    const deployable = dev.mainJson.Resources[lambdaId(dev, 'user-login')].Properties.Environment.Variables;
    assert.equal(deployable.AWS_ENDPOINT_URL, undefined);
  });
});
