// One service crate's functions, in a nested stack of the stage's main stack: each function
// with its log group, route or event source, and permissions. The main stack keeps what is
// shared (network, data, APIs, roles), so it stays small however many functions the manifest
// lists; CDK passes what a nested stack uses from it as parameters (no exports to lock).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duration, NestedStack, NestedStackProps, Tags } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration, WebSocketLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import * as triggers from 'aws-cdk-lib/triggers';
import { Construct, IConstruct } from 'constructs';
import { functionName, StageConfig } from './config';
import { environmentFor, EnvironmentSources } from './environment';
import { FunctionSpec, Manifest, REPO_ROOT } from './manifest';

/** A manifest function of this name runs the migrations on every deploy that changes it. */
export const MIGRATE_FUNCTION = 'db-migrate';
export const PLACEHOLDER_ASSET = path.resolve(__dirname, '..', 'placeholder');
/** About six resources per function: a crate with more would near the 500 of its stack. */
export const MAX_FUNCTIONS_PER_CRATE = 70;

export interface AssetOptions {
  /** Use the placeholder asset for every crate, built or not. */
  placeholderAssets: boolean;
  /** Fail when a crate's `target/lambda/<crate>/bootstrap` is missing (deploys). */
  requireBuiltAssets?: boolean;
}

/** What the crate's functions need from the main stack. */
export interface Shared {
  cfg: StageConfig;
  manifest: Manifest;
  sources: EnvironmentSources;
  vpc: ec2.IVpc;
  fnSg: ec2.ISecurityGroup;
  httpApi: apigwv2.HttpApi;
  jwtAuthorizer: HttpJwtAuthorizer;
  webSocketApi: apigwv2.WebSocketApi;
  queues: Map<string, { queue: sqs.Queue; dlq: sqs.Queue }>;
  /** The migrations run after this (the database). */
  database: IConstruct;
}

export interface FunctionsStackProps extends NestedStackProps, AssetOptions {
  crate: string;
  role: iam.IRole;
  shared: Shared;
}

/** Where cargo-lambda writes a crate's binary: `target/lambda/<crate>/bootstrap`. */
export function builtAssetDir(crate: string): string {
  const target = process.env.CARGO_TARGET_DIR ? path.resolve(REPO_ROOT, process.env.CARGO_TARGET_DIR) : path.join(REPO_ROOT, 'target');
  return path.join(target, 'lambda', crate);
}

/** `arm64` or `x86_64` from an ELF header's e_machine, undefined for anything else. */
export function elfArchitecture(file: string): 'arm64' | 'x86_64' | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(20);
    fs.readSync(fd, head, 0, 20, 0);
    if (head.readUInt32BE(0) !== 0x7f454c46) return undefined;
    const machine = head.readUInt16LE(18);
    return machine === 0xb7 ? 'arm64' : machine === 0x3e ? 'x86_64' : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

export class FunctionsStack extends NestedStack {
  readonly functions = new Map<string, lambda.Function>();
  private readonly shared: Shared;

  constructor(scope: Construct, id: string, props: FunctionsStackProps) {
    super(scope, id, { ...props, description: `ConnectSphere ${props.shared.cfg.stage}: the functions of the ${props.crate} crate` });
    const { crate, role, shared } = props;
    const { cfg, manifest } = shared;
    this.shared = shared;
    const fns = manifest.functions.filter((f) => f.crate === crate);
    if (fns.length > MAX_FUNCTIONS_PER_CRATE) {
      throw new Error(`crate ${crate} has ${fns.length} functions, more than the ${MAX_FUNCTIONS_PER_CRATE} a nested stack holds: split the crate`);
    }
    Tags.of(this).add('service', crate);
    const uses = manifest.services.get(crate)!;
    const inVpc = uses.some((u) => u.kind === 'db');
    const code = codeFor(crate, manifest, props);
    for (const spec of fns) {
      const name = functionName(cfg, spec.name);
      const logGroup = new logs.LogGroup(this, `Logs-${spec.name}`, {
        logGroupName: `/aws/lambda/${name}`,
        retention: cfg.logRetention,
        removalPolicy: cfg.removalPolicy,
      });
      const fn = new lambda.Function(this, `Fn-${spec.name}`, {
        functionName: name,
        description: `${spec.name} (crate ${crate})`,
        runtime: lambda.Runtime.PROVIDED_AL2023,
        architecture: spec.architecture === 'arm64' ? lambda.Architecture.ARM_64 : lambda.Architecture.X86_64,
        handler: 'bootstrap',
        code,
        memorySize: spec.memory,
        timeout: Duration.seconds(spec.timeout),
        role,
        logGroup,
        environment: environmentFor(spec, uses, shared.sources),
        ...(inVpc ? { vpc: shared.vpc, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, securityGroups: [shared.fnSg] } : {}),
      });
      Tags.of(fn).add('function', spec.name);
      this.functions.set(spec.name, fn);
      this.wireTrigger(spec, fn);
    }

    // Deploy steps (`{ deploy = "…" }`: the migrations, search-setup) run after the database
    // exists and again whenever their function changes; `on-demand` ones an operator invokes.
    for (const spec of fns) {
      if (spec.trigger.kind !== 'deploy' || spec.trigger.step === 'on-demand') continue;
      new triggers.Trigger(this, spec.name === MIGRATE_FUNCTION ? 'Migrate' : `Deploy-${spec.name}`, {
        handler: this.functions.get(spec.name)!,
        executeAfter: [shared.database],
        executeOnHandlerChange: true,
        timeout: Duration.minutes(10),
      });
    }
  }

  private wireTrigger(spec: FunctionSpec, fn: lambda.Function) {
    const t = spec.trigger;
    const s = this.shared;
    switch (t.kind) {
      case 'http':
        new apigwv2.HttpRoute(this, `Route-${spec.name}`, {
          httpApi: s.httpApi,
          routeKey: apigwv2.HttpRouteKey.with(t.path, t.method as apigwv2.HttpMethod),
          integration: new HttpLambdaIntegration(`Integration-${spec.name}`, fn, {
            payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
          }),
          authorizer: spec.auth === 'jwt' ? s.jwtAuthorizer : undefined,
        });
        break;
      case 'websocket':
        // In this stack (not webSocketApi.addRoute, which would put it in the main one).
        new apigwv2.WebSocketRoute(this, `WsRoute-${spec.name}`, {
          webSocketApi: s.webSocketApi,
          routeKey: t.route,
          integration: new WebSocketLambdaIntegration(`WsIntegration-${spec.name}`, fn),
        });
        break;
      case 'sqs': {
        const q = s.queues.get(t.queue)!;
        fn.addEventSource(
          new SqsEventSource(q.queue, {
            batchSize: s.manifest.queues.find((m) => m.name === t.queue)!.batchSize,
            reportBatchItemFailures: true,
          }),
        );
        break;
      }
      case 'schedule':
        new events.Rule(this, `Schedule-${spec.name}`, {
          description: `${spec.name}: ${t.expression}`,
          schedule: events.Schedule.expression(t.expression),
          enabled: s.cfg.schedules,
          targets: [new targets.LambdaFunction(fn, { retryAttempts: 2 })],
        });
        break;
      case 'deploy':
      case 'none':
        break;
    }
  }
}

function codeFor(crate: string, manifest: Manifest, opts: AssetOptions): lambda.Code {
  const built = builtAssetDir(crate);
  const isBuilt = fs.existsSync(path.join(built, 'bootstrap'));
  if (opts.requireBuiltAssets && (!isBuilt || opts.placeholderAssets)) {
    throw new Error(`${built}/bootstrap is missing: run \`cargo lambda build --release --arm64\` first`);
  }
  if (opts.requireBuiltAssets) {
    // A binary for the wrong architecture deploys fine and fails on every invocation.
    const want = new Set(manifest.functions.filter((f) => f.crate === crate).map((f) => f.architecture));
    const got = elfArchitecture(path.join(built, 'bootstrap'));
    for (const arch of want) {
      if (got !== arch) throw new Error(`${built}/bootstrap is ${got ?? 'not an ELF binary'}, the manifest says ${arch}: build with --arm64`);
    }
  }
  return lambda.Code.fromAsset(!opts.placeholderAssets && isBuilt ? built : PLACEHOLDER_ASSET);
}
