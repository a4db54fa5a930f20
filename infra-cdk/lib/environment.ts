// THE list of environment variables the functions read in AWS, and which `uses` entry of
// the manifest brings each one. Values come from the stack's resources.
import type { FunctionSpec, Use } from './manifest';

/** Declared (empty) only in templates for `sam local` (-c samLocal=true): SAM passes a
 *  variable from localstack/sam-env.json to a function only if the template declares it. */
export const SAM_LOCAL_VARS = ['DATABASE_URL', 'AWS_ENDPOINT_URL', 'SMTP_URL', 'JWT_PRIVATE_KEY', 'PAYMENT_WEBHOOK_SECRET'];

export interface EnvironmentSources {
  stage: string;
  queuePrefix: string;
  publicUrl: string;
  /** sslMode: `require` through RDS Proxy (its certificate chains to Amazon's public roots);
   *  `disable` straight to Aurora, whose RDS CA the functions do not carry (docs/deploy.md). */
  db: { secretArn: string; host: string; port: string; name: string; sslMode: 'require' | 'disable' };
  jwt: { secretArn: string; issuer: string; audience: string };
  tables: Record<string, string>;
  buckets: Record<string, string>;
  mediaCdnUrl: string;
  websocketEndpoint: string;
  smtp: { urlSecretArn: string; mailFrom: string };
  /** The payment provider: its webhook signing secret, and its API (none: the code's default). */
  payments: { webhookSecretArn: string; url?: string };
  queueUrls: Record<string, string>;
  opensearchUrl?: string;
  /** The managed domain's name, for search-setup's describe_domain. */
  opensearchDomain?: string;
  samLocal?: boolean;
}

/** `QUEUE_URL_<NAME>`, as shared/aws/src/sqs.rs looks it up. */
export const queueUrlVar = (queue: string) => `QUEUE_URL_${queue.toUpperCase().replace(/-/g, '_')}`;

const TABLE_VARS: Record<string, string> = { 'rate-limits': 'RATE_LIMIT_TABLE', connections: 'CONNECTIONS_TABLE' };
const BUCKET_VARS: Record<string, string> = { media: 'MEDIA_BUCKET', 'item-files': 'ITEM_FILES_BUCKET' };

export function environmentFor(fn: FunctionSpec, uses: Use[], s: EnvironmentSources): Record<string, string> {
  const env: Record<string, string> = {
    // The crate's one binary picks its handler by this.
    CS_FUNCTION: fn.name,
    CS_STAGE: s.stage,
    QUEUE_PREFIX: s.queuePrefix,
    PUBLIC_URL: s.publicUrl,
    RUST_LOG: 'info',
  };
  for (const use of uses) {
    switch (use.kind) {
      case 'db':
        env.DB_SECRET_ARN = s.db.secretArn;
        env.DB_HOST = s.db.host;
        env.DB_PORT = s.db.port;
        env.DB_NAME = s.db.name;
        env.DB_SSLMODE = s.db.sslMode;
        break;
      case 'secret':
        if (use.name === 'jwt') {
          env.JWT_PRIVATE_KEY_SECRET_ARN = s.jwt.secretArn;
          env.JWT_ISSUER = s.jwt.issuer;
          env.JWT_AUDIENCE = s.jwt.audience;
        } else {
          env.PAYMENT_WEBHOOK_SECRET_ARN = s.payments.webhookSecretArn;
          if (s.payments.url) env.PAYMENTS_URL = s.payments.url;
        }
        break;
      case 'table':
        env[TABLE_VARS[use.name]] = s.tables[use.name];
        break;
      case 'bucket':
        env[BUCKET_VARS[use.name]] = s.buckets[use.name];
        if (use.name === 'media') env.MEDIA_CDN_URL = s.mediaCdnUrl;
        break;
      case 'queue-send':
        env[queueUrlVar(use.queue)] = s.queueUrls[use.queue];
        break;
      case 'websocket-push':
        env.WEBSOCKET_API_ENDPOINT = s.websocketEndpoint;
        break;
      case 'ses':
        env.SMTP_URL_SECRET_ARN = s.smtp.urlSecretArn;
        env.MAIL_FROM = s.smtp.mailFrom;
        break;
      case 'search':
        if (s.opensearchUrl) env.OPENSEARCH_URL = s.opensearchUrl;
        if (s.opensearchDomain) env.OPENSEARCH_DOMAIN = s.opensearchDomain;
        break;
    }
  }
  if (s.samLocal) for (const v of SAM_LOCAL_VARS) env[v] ??= '';
  return env;
}
