// Stages, and the names of everything that depends on the stage.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';

export type StageName = 'dev' | 'prod';

export interface StageConfig {
  stage: StageName;
  prod: boolean;
  /** `connectsphere-<stage>-`: queues are `<prefix><name>`, DLQs `<prefix><name>-dlq`. */
  prefix: string;
  logRetention: logs.RetentionDays;
  removalPolicy: RemovalPolicy;
  backupRetention: Duration;
  dbMinCapacity: number;
  dbMaxCapacity: number;
  /** Put RDS Proxy between the functions and Aurora (`-c rdsProxy=true`). */
  rdsProxy: boolean;
  /** Create an OpenSearch domain (`-c opensearch=true`); Postgres full text otherwise. */
  opensearch: boolean;
  /** Where the web app is served (`-c publicUrl=https://…`); the web CDN otherwise. */
  publicUrl?: string;
  /** EventBridge schedules enabled (`-c schedules=false` disables the rules, so an idle dev
   *  database can pause: the outbox sweep connects to it every minute). */
  schedules: boolean;
  /** Deploy the alarms stack (`-c alarms=false` skips it: about $0.10 per alarm-month). */
  alarms: boolean;
  /** Alarm notifications by email (`-c alarmEmail=ops@…`). */
  alarmEmail?: string;
  mailFrom: string;
  /** The payment provider's API (`-c paymentsUrl=…`); unset: the market code's default. */
  paymentsUrl?: string;
}

export function stageConfig(get: (key: string) => unknown): StageConfig {
  const stage = String(get('stage') ?? 'dev');
  if (stage !== 'dev' && stage !== 'prod') throw new Error(`-c stage=${stage}: expected dev or prod`);
  const prod = stage === 'prod';
  const flag = (key: string, fallback: boolean) => {
    const v = get(key);
    return v === undefined ? fallback : v === true || v === 'true' || v === '1';
  };
  const str = (key: string) => (get(key) === undefined ? undefined : String(get(key)));
  return {
    stage,
    prod,
    prefix: `connectsphere-${stage}-`,
    logRetention: prod ? logs.RetentionDays.THREE_MONTHS : logs.RetentionDays.TWO_WEEKS,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    backupRetention: Duration.days(prod ? 14 : 1),
    // Aurora PostgreSQL 16.3+ may scale to 0 ACU and pause when idle; not behind RDS Proxy,
    // whose connections keep it awake (and which the auto-pause feature does not support).
    dbMinCapacity: prod || flag('rdsProxy', false) ? 0.5 : 0,
    dbMaxCapacity: prod ? 16 : 2,
    rdsProxy: flag('rdsProxy', false),
    opensearch: flag('opensearch', false),
    publicUrl: str('publicUrl'),
    schedules: flag('schedules', true),
    alarms: flag('alarms', true),
    alarmEmail: str('alarmEmail'),
    mailFrom: str('mailFrom') ?? 'ConnectSphere <no-reply@connectsphere.dev>',
    paymentsUrl: str('paymentsUrl'),
  };
}

/** The CloudFormation stack names; the synthesized templates are `<name>.template.json`. */
export const stackNames = (stage: StageName) => ({
  main: `ConnectSphere-${stage}`,
  alarms: `ConnectSphere-${stage}-alarms`,
});

/** Physical function names: the alarms stack and the monitoring config find them by these. */
export const functionName = (cfg: StageConfig, name: string) => `${cfg.prefix}${name}`;
export const queueName = (cfg: StageConfig, name: string) => `${cfg.prefix}${name}`;
export const dlqName = (cfg: StageConfig, name: string) => `${cfg.prefix}${name}-dlq`;
export const tableName = (cfg: StageConfig, name: string) => `${cfg.prefix}${name}`;
