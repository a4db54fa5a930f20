// cdk-nag AwsSolutions: every rule we do not satisfy is suppressed here, with its reason.
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { CfnPolicy } from 'aws-cdk-lib/aws-iam';
import { rules } from 'cdk-nag';
import { IConstruct } from 'constructs';

/** Rule → why it does not apply to ConnectSphere. Applied stack-wide. */
export const STACK_SUPPRESSIONS: Record<string, string> = {
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
    'Only CDK\'s own custom-resource handlers (bucket notifications, the migrations trigger) use AWSLambdaBasicExecutionRole; our functions have inline policies.',
  'AwsSolutions-EC26': 'The dev NAT instance\'s root volume holds no data; prod uses NAT gateways.',
  'AwsSolutions-APIG4':
    'Routes with auth "none"/"optional" in functions/manifest.toml are public by design (login, register, JWKS, public timeline); ' +
    'WebSocket $connect checks the access token in the function, as API Gateway WebSocket APIs accept no JWT authorizer.',
  'AwsSolutions-COG4': 'Tokens are our own RS256 JWTs verified by the native JWT authorizer; there is no Cognito user pool.',
  'AwsSolutions-CFR1': 'A social platform open worldwide: no geo restriction.',
  'AwsSolutions-CFR2': 'WAF costs about $5/month per web ACL plus rules; the API has stage throttling and per-user rate limits. Add WAF before launch.',
  'AwsSolutions-CFR4':
    'The distributions use the default *.cloudfront.net certificate, for which CloudFront cannot pin a minimum TLS version; set one with a custom domain.',
  'AwsSolutions-SMG4':
    'Rotation is a documented operator step (docs/deploy.md): functions cache secrets per cold start, so a rotation is rolled out with a redeploy.',
  'AwsSolutions-RDS6': 'IAM database authentication is enabled; the functions use the password from Secrets Manager until the Rust side switches.',
  'AwsSolutions-RDS10': 'Deletion protection is on in prod; dev is meant to be torn down.',
  'AwsSolutions-RDS11': 'Postgres on its default port inside isolated subnets reachable only from the functions\' security group.',
  'AwsSolutions-RDS14': 'Backtrack exists only for Aurora MySQL.',
  'AwsSolutions-L1': 'CDK\'s own custom-resource handlers pick their Node.js runtime; our functions are provided.al2023.',
  'AwsSolutions-EC23': 'Security groups with 0.0.0.0/0 are the NAT instance\'s outbound only; nothing opens inbound from the internet.',
  'AwsSolutions-EC28': 'The dev NAT instance (t4g.nano) needs no detailed monitoring.',
  'AwsSolutions-EC29': 'The dev NAT instance is disposable: the VPC replaces it; no termination protection or ASG.',
  'AwsSolutions-S1': 'The access-log bucket does not log its own access (that would loop).',
  'AwsSolutions-S10': 'Our buckets enforce TLS (enforceSSL); the flagged one is CDK\'s.',
  'AwsSolutions-SNS2': 'CloudWatch alarms cannot publish to a topic encrypted with the AWS managed key; alarm text carries no user data.',
  'AwsSolutions-SQS3': 'Flagged queues are the dead-letter queues themselves.',
  'AwsSolutions-OS1': 'The OpenSearch domain (optional) is placed in the VPC\'s private subnets.',
  'AwsSolutions-OS3': 'Access is by IAM through the domain policy and the VPC security group; no IP allow list.',
  'AwsSolutions-OS4': 'Dedicated master nodes triple the cost of the optional search domain; dev and small prod run without.',
  'AwsSolutions-OS5': 'Requests are IAM-signed within the VPC; no anonymous access.',
  'AwsSolutions-OS7': 'Zone awareness is on in prod; dev runs one node.',
};

export function suppress(stack: Stack, rules: string[] = Object.keys(STACK_SUPPRESSIONS)) {
  for (const id of rules) Validations.of(stack).acknowledge({ id, reason: STACK_SUPPRESSIONS[id] });
}

/** IAM5 findings (wildcards) we accept, each with its reason. Anything else fails synth. */
export const WILDCARDS: { pattern: RegExp; reason: string }[] = [
  {
    pattern: /^Resource::arn:<AWS::Partition>:logs:<AWS::Region>:<AWS::AccountId>:log-group:\/aws\/lambda\/connectsphere-(dev|prod)-[a-z0-9-]+:\*$/,
    reason: 'Log streams of the function\'s own log group: stream names are made by Lambda at run time.',
  },
  {
    pattern: /^Resource::<(MediaBucket|ItemFilesBucket)[A-Za-z0-9]+\.Arn>\/\*$/,
    reason: 'Objects of our own bucket: keys are made per upload at run time.',
  },
  {
    pattern: /^Resource::<Search[A-Za-z0-9]+\.Arn>\/\*$/,
    reason: 'HTTP paths of our own OpenSearch domain: index and document paths are made at run time.',
  },
  {
    pattern: /^Resource::arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<WebSocketApi[A-Za-z0-9]+>\/(dev|prod)\/POST\/@connections\/\*$/,
    reason: 'PostToConnection on our WebSocket stage: connection ids are made per client at run time.',
  },
  {
    pattern: /^Resource::\*$/,
    reason:
      'EC2 network-interface actions Lambda needs in a VPC, and s3:PutBucketNotification in CDK\'s notifications handler, ' +
      'support no resource-level scoping; test/iam.test.ts checks that only such actions have Resource *.',
  },
  {
    pattern: /^Resource::<Fn[A-Za-z0-9-]+\.Arn>:\*$/,
    reason: 'Versions and aliases of the migrations function, invoked by the deploy-time trigger.',
  },
];

/** Acknowledges the accepted IAM5 findings on each policy that has them. */
export function acknowledgeWildcards(scope: IConstruct) {
  for (const node of scope.node.findAll()) {
    if (!(node instanceof CfnPolicy)) continue;
    const findings = rules.iam.IAMNoWildcardPermissions(node as CfnResource);
    if (!Array.isArray(findings)) continue;
    for (const finding of findings) {
      const ok = WILDCARDS.find((w) => w.pattern.test(finding));
      if (ok) Validations.of(node).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason: ok.reason });
    }
  }
}
