// The stage's main stack, generated from functions/manifest.toml: what the functions share;
// each service crate's functions are in a nested stack (functions-stack.ts).
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, StackProps, Tags } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as opensearch from 'aws-cdk-lib/aws-opensearchservice';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { dlqName, functionName, queueName, StageConfig, tableName } from './config';
import { EnvironmentSources } from './environment';
import { AssetOptions, FunctionsStack } from './functions-stack';
import { BUCKETS, crates, Manifest, TABLES, Use } from './manifest';

/** The media service's upload prefix (functions/media/src/lib.rs UPLOAD_PREFIX): S3 tells
 *  the `media` queue about objects created under it. */
export const MEDIA_UPLOAD_PREFIX = 'uploads/';
export const MEDIA_QUEUE = 'media';
const DB_NAME = 'connectsphere';
const DB_PORT = 5432;

export interface ConnectSphereStackProps extends StackProps, AssetOptions {
  cfg: StageConfig;
  manifest: Manifest;
  /** Declare the variables `sam local` fills from localstack/sam-env.json (never deploy this). */
  samLocal?: boolean;
}

export class ConnectSphereStack extends Stack {
  readonly functions = new Map<string, lambda.Function>();
  readonly queues = new Map<string, { queue: sqs.Queue; dlq: sqs.Queue }>();
  readonly roles = new Map<string, iam.Role>();
  /** The nested stack of each service crate's functions. */
  readonly services = new Map<string, FunctionsStack>();
  readonly httpApi: apigwv2.HttpApi;
  readonly webSocketApi: apigwv2.WebSocketApi;
  readonly manifest: Manifest;
  readonly cfg: StageConfig;

  constructor(scope: Construct, id: string, props: ConnectSphereStackProps) {
    super(scope, id, props);
    const { cfg, manifest } = props;
    this.manifest = manifest;
    this.cfg = cfg;
    const retain = cfg.removalPolicy;

    // ---- network: the database lives in isolated subnets; functions that use it run in
    // private subnets whose way out is one NAT instance (dev) or a NAT gateway per AZ (prod).
    const natInstance = cfg.prod
      ? undefined
      : ec2.NatProvider.instanceV2({
          instanceType: new ec2.InstanceType('t4g.nano'),
          machineImage: ec2.MachineImage.latestAmazonLinux2023({ cpuType: ec2.AmazonLinuxCpuType.ARM_64 }),
          // nothing from the internet; the VPC's own traffic is let in below
          defaultAllowedTraffic: ec2.NatTrafficDirection.OUTBOUND_ONLY,
        });
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: cfg.prod ? 2 : 1,
      natGatewayProvider: natInstance ?? ec2.NatProvider.gateway(),
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 20 },
        { name: 'db', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      // Free gateway endpoints: S3 and DynamoDB traffic skips the NAT.
      gatewayEndpoints: {
        S3: { service: ec2.GatewayVpcEndpointAwsService.S3 },
        DynamoDB: { service: ec2.GatewayVpcEndpointAwsService.DYNAMODB },
      },
    });
    natInstance?.connections.allowFrom(ec2.Peer.ipv4(vpc.vpcCidrBlock), ec2.Port.allTraffic(), 'the VPC\'s traffic out through NAT');
    const flowLogs = new logs.LogGroup(this, 'VpcFlowLogs', { retention: cfg.logRetention, removalPolicy: retain });
    vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
    });
    const fnSg = new ec2.SecurityGroup(this, 'FunctionsSg', { vpc, description: 'ConnectSphere functions', allowAllOutbound: true });
    const dbSg = new ec2.SecurityGroup(this, 'DbSg', { vpc, description: 'ConnectSphere Aurora', allowAllOutbound: false });

    // ---- Postgres: Aurora Serverless v2, credentials in Secrets Manager.
    const clusterIdentifier = `connectsphere-${cfg.stage}`;
    const dbLogs = cfg.prod && new logs.LogGroup(this, 'DbLogs', {
      logGroupName: `/aws/rds/cluster/${clusterIdentifier}/postgresql`,
      retention: cfg.logRetention,
      removalPolicy: retain,
    });
    const db = new rds.DatabaseCluster(this, 'Db', {
      clusterIdentifier,
      engine: rds.DatabaseClusterEngine.auroraPostgres({ version: rds.AuroraPostgresEngineVersion.VER_16_13 }),
      credentials: rds.Credentials.fromGeneratedSecret('connectsphere', { secretName: `connectsphere/${cfg.stage}/db` }),
      defaultDatabaseName: DB_NAME,
      port: DB_PORT,
      writer: rds.ClusterInstance.serverlessV2('writer', { autoMinorVersionUpgrade: true }),
      readers: cfg.prod ? [rds.ClusterInstance.serverlessV2('reader', { scaleWithWriter: true, autoMinorVersionUpgrade: true })] : [],
      serverlessV2MinCapacity: cfg.dbMinCapacity,
      serverlessV2MaxCapacity: cfg.dbMaxCapacity,
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
      securityGroups: [dbSg],
      storageEncrypted: true,
      iamAuthentication: true,
      deletionProtection: cfg.prod,
      backup: { retention: cfg.backupRetention, preferredWindow: '02:00-03:00' },
      preferredMaintenanceWindow: 'sun:03:30-sun:04:30',
      // Exporting logs can hold capacity above the minimum: dev exports none, so it can pause.
      cloudwatchLogsExports: cfg.prod ? ['postgresql'] : [],
      removalPolicy: cfg.prod ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY,
    });
    if (dbLogs) db.node.addDependency(dbLogs);
    const dbSecret = db.secret!;
    let dbHost = db.clusterEndpoint.hostname;
    if (cfg.rdsProxy) {
      const proxySg = new ec2.SecurityGroup(this, 'DbProxySg', { vpc, description: 'ConnectSphere RDS Proxy', allowAllOutbound: false });
      const proxy = db.addProxy('Proxy', {
        secrets: [dbSecret],
        vpc,
        vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
        securityGroups: [proxySg],
        requireTLS: true,
      });
      proxySg.addIngressRule(fnSg, ec2.Port.tcp(DB_PORT), 'functions to the proxy');
      proxySg.addEgressRule(dbSg, ec2.Port.tcp(DB_PORT), 'proxy to Aurora');
      dbSg.addIngressRule(proxySg, ec2.Port.tcp(DB_PORT), 'proxy to Aurora');
      dbHost = proxy.endpoint;
    } else {
      dbSg.addIngressRule(fnSg, ec2.Port.tcp(DB_PORT), 'functions to Aurora');
    }

    // ---- secrets the operator fills in (docs/deploy.md): the JWT signing key and SES SMTP.
    const jwtSecret = new secretsmanager.Secret(this, 'JwtKey', {
      secretName: `connectsphere/${cfg.stage}/jwt-private-key`,
      description: 'RS256 private key (PKCS#8 PEM) that signs access tokens; put the real key after the first deploy',
      removalPolicy: retain,
    });
    const smtpSecret = new secretsmanager.Secret(this, 'SmtpUrl', {
      secretName: `connectsphere/${cfg.stage}/smtp-url`,
      description: 'smtps://<ses-smtp-user>:<ses-smtp-password>@email-smtp.<region>.amazonaws.com:465',
      removalPolicy: retain,
    });
    const paymentSecret = new secretsmanager.Secret(this, 'PaymentWebhookSecret', {
      secretName: `connectsphere/${cfg.stage}/payment-webhook-secret`,
      description: "The payment provider's webhook signing secret (several, comma-separated, while rotating)",
      removalPolicy: retain,
    });

    // ---- queues and their dead-letter queues, from [[queue]].
    for (const q of manifest.queues) {
      const dlq = new sqs.Queue(this, `Dlq-${q.name}`, {
        queueName: dlqName(cfg, q.name),
        retentionPeriod: Duration.days(14),
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      const queue = new sqs.Queue(this, `Queue-${q.name}`, {
        queueName: queueName(cfg, q.name),
        visibilityTimeout: Duration.seconds(q.visibilityTimeout),
        retentionPeriod: Duration.days(4),
        deadLetterQueue: { queue: dlq, maxReceiveCount: q.maxReceiveCount },
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
      });
      this.queues.set(q.name, { queue, dlq });
    }

    // ---- DynamoDB: key `pk`, TTL `expiresAt` (shared/aws/src/rate_limit.rs, realtime.rs).
    const tables: Record<string, dynamodb.Table> = {};
    for (const name of TABLES) {
      tables[name] = new dynamodb.Table(this, `Table-${name}`, {
        tableName: tableName(cfg, name),
        partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        timeToLiveAttribute: 'expiresAt',
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: cfg.prod,
        removalPolicy: retain,
      });
    }

    // ---- S3: access logs, web app, media, item files. All private, TLS only.
    const logsBucket = new s3.Bucket(this, 'LogsBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are written with ACLs.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(cfg.prod ? 365 : 30) }],
      removalPolicy: retain,
      autoDeleteObjects: false,
    });
    const privateBucket = (id: string, extra: Partial<s3.BucketProps> = {}) =>
      new s3.Bucket(this, id, {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        serverAccessLogsBucket: logsBucket,
        serverAccessLogsPrefix: `s3/${id}/`,
        removalPolicy: retain,
        ...extra,
      });
    const webBucket = privateBucket('WebBucket');
    const webCdn = new cloudfront.Distribution(this, 'WebCdn', {
      comment: `ConnectSphere web app (${cfg.stage})`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(webBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
      },
      defaultRootObject: 'index.html',
      // The React app routes on the client: unknown paths get index.html.
      errorResponses: [
        { httpStatus: 403, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) },
        { httpStatus: 404, responseHttpStatus: 200, responsePagePath: '/index.html', ttl: Duration.seconds(0) },
      ],
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: logsBucket,
      logFilePrefix: 'cloudfront/web/',
    });
    const publicUrl = cfg.publicUrl ?? `https://${webCdn.distributionDomainName}`;

    const uploadRules: s3.LifecycleRule[] = [
      // A multipart upload that never completes keeps billing for its parts.
      { id: 'abort-incomplete-multipart', abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ];
    const browserCors: s3.CorsRule[] = [
      {
        allowedOrigins: [publicUrl],
        allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET, s3.HttpMethods.HEAD],
        allowedHeaders: ['content-type', 'content-length', 'content-md5', 'x-amz-*'],
        exposedHeaders: ['ETag'],
        maxAge: 3600,
      },
    ];
    const buckets: Record<string, s3.Bucket> = {
      media: privateBucket('MediaBucket', { cors: browserCors, lifecycleRules: uploadRules }),
      // Sellers' files: browsers upload them with presigned PUTs too; never behind a CDN.
      'item-files': privateBucket('ItemFilesBucket', { cors: browserCors, lifecycleRules: uploadRules }),
    };
    for (const name of BUCKETS) if (!buckets[name]) throw new Error(`no bucket for ${name}`);
    const mediaCdn = new cloudfront.Distribution(this, 'MediaCdn', {
      comment: `ConnectSphere public media (${cfg.stage})`,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(buckets.media),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: logsBucket,
      logFilePrefix: 'cloudfront/media/',
    });
    const mediaQueue = this.queues.get(MEDIA_QUEUE);
    if (mediaQueue) {
      // The media consumer checks every upload, public media and sellers' files alike.
      for (const bucket of [buckets.media, buckets['item-files']]) {
        bucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(mediaQueue.queue), {
          prefix: MEDIA_UPLOAD_PREFIX,
        });
      }
    }

    // ---- OpenSearch, only with -c opensearch=true.
    let search: opensearch.Domain | undefined;
    if (cfg.opensearch) {
      const searchSg = new ec2.SecurityGroup(this, 'SearchSg', { vpc, description: 'ConnectSphere OpenSearch', allowAllOutbound: false });
      searchSg.addIngressRule(fnSg, ec2.Port.tcp(443), 'functions to OpenSearch');
      search = new opensearch.Domain(this, 'Search', {
        version: opensearch.EngineVersion.OPENSEARCH_2_17,
        capacity: {
          dataNodes: cfg.prod ? 2 : 1,
          dataNodeInstanceType: cfg.prod ? 'm7g.large.search' : 't3.small.search',
          multiAzWithStandbyEnabled: false,
        },
        zoneAwareness: cfg.prod ? { enabled: true, availabilityZoneCount: 2 } : { enabled: false },
        ebs: { volumeSize: 10, volumeType: ec2.EbsDeviceVolumeType.GP3 },
        vpc,
        vpcSubnets: [{ subnets: cfg.prod ? vpc.privateSubnets.slice(0, 2) : vpc.privateSubnets.slice(0, 1) }],
        securityGroups: [searchSg],
        encryptionAtRest: { enabled: true },
        nodeToNodeEncryption: true,
        enforceHttps: true,
        tlsSecurityPolicy: opensearch.TLSSecurityPolicy.TLS_1_2,
        logging: { slowSearchLogEnabled: true, appLogEnabled: true, slowIndexLogEnabled: true },
        removalPolicy: retain,
      });
    }

    // ---- the APIs. The JWT issuer is the stage's API URL, which serves
    // /.well-known/openid-configuration (function auth-openid-configuration).
    const apiLogs = new logs.LogGroup(this, 'HttpApiAccessLogs', { retention: cfg.logRetention, removalPolicy: retain });
    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `connectsphere-${cfg.stage}`,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [publicUrl],
        allowMethods: [
          apigwv2.CorsHttpMethod.GET,
          apigwv2.CorsHttpMethod.POST,
          apigwv2.CorsHttpMethod.PUT,
          apigwv2.CorsHttpMethod.PATCH,
          apigwv2.CorsHttpMethod.DELETE,
          apigwv2.CorsHttpMethod.OPTIONS,
        ],
        allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
        exposeHeaders: ['link', 'x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after'],
        maxAge: Duration.hours(1),
      },
    });
    const httpStage = new apigwv2.HttpStage(this, 'HttpStage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: cfg.prod ? 1000 : 50, burstLimit: cfg.prod ? 2000 : 100 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(apiLogs),
        format: apigw.AccessLogFormat.jsonWithStandardFields(),
      },
    });
    // The monitoring config tells the APIs apart by this tag (per-API SLOs); YACE reads the
    // stage's tags for metrics by ApiId and Stage.
    for (const c of [this.httpApi, httpStage]) Tags.of(c).add('api', 'http');
    const httpApiUrl = `https://${this.httpApi.apiId}.execute-api.${Aws.REGION}.${Aws.URL_SUFFIX}`;
    const jwtAuthorizer = new HttpJwtAuthorizer('Jwt', httpApiUrl, {
      authorizerName: 'connectsphere-jwt',
      jwtAudience: [manifest.http.jwtAudience],
      identitySource: ['$request.header.Authorization'],
    });

    const wsLogs = new logs.LogGroup(this, 'WebSocketAccessLogs', { retention: cfg.logRetention, removalPolicy: retain });
    this.webSocketApi = new apigwv2.WebSocketApi(this, 'WebSocketApi', {
      apiName: `connectsphere-${cfg.stage}-chat`,
      routeSelectionExpression: manifest.websocket.routeSelection,
    });
    const wsStage = new apigwv2.WebSocketStage(this, 'WebSocketStage', {
      webSocketApi: this.webSocketApi,
      stageName: cfg.stage,
      autoDeploy: true,
      throttle: { rateLimit: cfg.prod ? 500 : 50, burstLimit: cfg.prod ? 1000 : 100 },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(wsLogs),
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            connectionId: '$context.connectionId',
            eventType: '$context.eventType',
          }),
        ),
      },
    });

    for (const c of [this.webSocketApi, wsStage]) Tags.of(c).add('api', 'websocket');

    // ---- functions: one role per crate with exactly what its `uses` say.
    const sources: EnvironmentSources = {
      stage: cfg.stage,
      queuePrefix: cfg.prefix,
      publicUrl,
      db: { secretArn: dbSecret.secretArn, host: dbHost, port: String(DB_PORT), name: DB_NAME, sslMode: cfg.rdsProxy ? 'require' : 'disable' },
      jwt: { secretArn: jwtSecret.secretArn, issuer: httpApiUrl, audience: manifest.http.jwtAudience },
      tables: Object.fromEntries(Object.entries(tables).map(([k, t]) => [k, t.tableName])),
      buckets: Object.fromEntries(Object.entries(buckets).map(([k, b]) => [k, b.bucketName])),
      mediaCdnUrl: `https://${mediaCdn.distributionDomainName}`,
      websocketEndpoint: wsStage.callbackUrl,
      smtp: { urlSecretArn: smtpSecret.secretArn, mailFrom: cfg.mailFrom },
      payments: { webhookSecretArn: paymentSecret.secretArn, url: cfg.paymentsUrl },
      queueUrls: Object.fromEntries([...this.queues].map(([k, q]) => [k, q.queue.queueUrl])),
      opensearchUrl: search ? `https://${search.domainEndpoint}` : undefined,
      opensearchDomain: search?.domainName,
      samLocal: props.samLocal,
    };

    // Roles stay here (a policy is grown by grants from this stack's queues); each crate's
    // functions, routes and event sources go to a nested stack of their own.
    const shared = { cfg, manifest, sources, vpc, fnSg, httpApi: this.httpApi, jwtAuthorizer, webSocketApi: this.webSocketApi, queues: this.queues, database: db };
    for (const crate of crates(manifest)) {
      const uses = manifest.services.get(crate)!;
      const role = new iam.Role(this, `Role-${crate}`, {
        assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
        description: `ConnectSphere ${cfg.stage}: functions of the ${crate} crate`,
      });
      Tags.of(role).add('service', crate);
      this.roles.set(crate, role);
      const fns = manifest.functions.filter((f) => f.crate === crate);
      role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'OwnLogs',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: fns.map(
            (f) => `arn:${Aws.PARTITION}:logs:${Aws.REGION}:${Aws.ACCOUNT_ID}:log-group:/aws/lambda/${functionName(cfg, f.name)}:*`,
          ),
        }),
      );
      this.grantUses(role, uses, { vpc: vpc, dbSecret, jwtSecret, smtpSecret, paymentSecret, tables, buckets, wsApi: this.webSocketApi, wsStage, search });
      const nested = new FunctionsStack(this, `Functions-${crate}`, {
        crate,
        role,
        shared,
        placeholderAssets: props.placeholderAssets,
        requireBuiltAssets: props.requireBuiltAssets,
      });
      this.services.set(crate, nested);
      for (const [name, fn] of nested.functions) this.functions.set(name, fn);
    }

    new CfnOutput(this, 'HttpApiUrl', { value: httpApiUrl, description: 'JWT issuer and REST base URL' });
    new CfnOutput(this, 'WebSocketUrl', { value: wsStage.url });
    new CfnOutput(this, 'PublicUrl', { value: publicUrl });
    new CfnOutput(this, 'WebBucketName', { value: webBucket.bucketName });
    new CfnOutput(this, 'WebDistributionId', { value: webCdn.distributionId });
    new CfnOutput(this, 'MediaCdnUrl', { value: sources.mediaCdnUrl });
    new CfnOutput(this, 'DbSecretArn', { value: dbSecret.secretArn });
    new CfnOutput(this, 'JwtKeySecretArn', { value: jwtSecret.secretArn });
    new CfnOutput(this, 'SmtpUrlSecretArn', { value: smtpSecret.secretArn });
    new CfnOutput(this, 'PaymentWebhookSecretArn', { value: paymentSecret.secretArn });
  }

  private grantUses(
    role: iam.Role,
    uses: Use[],
    r: {
      vpc: ec2.IVpc;
      dbSecret: secretsmanager.ISecret;
      jwtSecret: secretsmanager.ISecret;
      smtpSecret: secretsmanager.ISecret;
      paymentSecret: secretsmanager.ISecret;
      tables: Record<string, dynamodb.Table>;
      buckets: Record<string, s3.Bucket>;
      wsApi: apigwv2.WebSocketApi;
      wsStage: apigwv2.WebSocketStage;
      search?: opensearch.Domain;
    },
  ) {
    for (const use of uses) {
      switch (use.kind) {
        case 'db':
          r.dbSecret.grantRead(role);
          // Lambda manages the function's network interfaces with the execution role; EC2
          // offers no resource-level scoping for these actions.
          role.addToPolicy(
            new iam.PolicyStatement({
              sid: 'VpcNetworkInterfaces',
              actions: [
                'ec2:CreateNetworkInterface',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeSubnets',
                'ec2:DeleteNetworkInterface',
                'ec2:AssignPrivateIpAddresses',
                'ec2:UnassignPrivateIpAddresses',
              ],
              resources: ['*'],
            }),
          );
          break;
        case 'secret':
          (use.name === 'jwt' ? r.jwtSecret : r.paymentSecret).grantRead(role);
          break;
        case 'ses':
          r.smtpSecret.grantRead(role);
          break;
        case 'table':
          r.tables[use.name].grant(
            role,
            'dynamodb:GetItem',
            'dynamodb:BatchGetItem',
            'dynamodb:PutItem',
            'dynamodb:UpdateItem',
            'dynamodb:DeleteItem',
          );
          break;
        case 'bucket': {
          const b = r.buckets[use.name];
          const actions = use.readOnly ? ['s3:GetObject'] : ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'];
          role.addToPolicy(new iam.PolicyStatement({ actions, resources: [b.arnForObjects('*')] }));
          // HeadObject answers 404 rather than 403 for a missing key only with ListBucket.
          if (!use.readOnly) role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [b.bucketArn] }));
          break;
        }
        case 'queue-send':
          this.queues.get(use.queue)!.queue.grantSendMessages(role);
          break;
        case 'websocket-push':
          role.addToPolicy(
            new iam.PolicyStatement({
              actions: ['execute-api:ManageConnections'],
              resources: [
                `arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${r.wsApi.apiId}/${r.wsStage.stageName}/POST/@connections/*`,
              ],
            }),
          );
          break;
        case 'search':
          if (r.search) r.search.grantReadWrite(role);
          break;
      }
    }
  }
}
