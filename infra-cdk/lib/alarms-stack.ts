// Alarms for one stage: every function's errors and throttles, every queue's age and every
// DLQ's depth. A stack of its own (resources found by their physical names) so the main
// stack keeps room under CloudFormation's 500 resources as functions are added.
import { Duration, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { dlqName, functionName, queueName, StageConfig } from './config';
import { Manifest } from './manifest';

export interface AlarmsStackProps extends StackProps {
  cfg: StageConfig;
  manifest: Manifest;
}

export class AlarmsStack extends Stack {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: AlarmsStackProps) {
    super(scope, id, props);
    const { cfg, manifest } = props;
    this.topic = new sns.Topic(this, 'Alarms', { topicName: `${cfg.prefix}alarms`, enforceSSL: true });
    if (cfg.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(cfg.alarmEmail));
    const notify = new actions.SnsAction(this.topic);
    const alarm = (id: string, metric: cloudwatch.Metric, threshold: number, description: string) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmName: `${cfg.prefix}${id}`,
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(notify);
      a.addOkAction(notify);
      return a;
    };
    const period = Duration.minutes(5);
    for (const f of manifest.functions) {
      const dims = { FunctionName: functionName(cfg, f.name) };
      const m = (metricName: string) => new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName, dimensionsMap: dims, statistic: 'Sum', period });
      alarm(`${f.name}-errors`, m('Errors'), 1, `${f.name} failed at least once in 5 minutes`);
      alarm(`${f.name}-throttles`, m('Throttles'), 1, `${f.name} was throttled in the last 5 minutes`);
    }
    for (const q of manifest.queues) {
      const m = (queue: string, metricName: string, statistic: string) =>
        new cloudwatch.Metric({ namespace: 'AWS/SQS', metricName, dimensionsMap: { QueueName: queue }, statistic, period });
      alarm(`${q.name}-dlq-depth`, m(dlqName(cfg, q.name), 'ApproximateNumberOfMessagesVisible', 'Maximum'), 1,
        `dead letters in ${dlqName(cfg, q.name)}: inspect and redrive (docs/operations.md)`);
      // Older than every retry could take: the consumer is stuck or far behind.
      const age = Math.max(300, q.visibilityTimeout * q.maxReceiveCount);
      alarm(`${q.name}-age`, m(queueName(cfg, q.name), 'ApproximateAgeOfOldestMessage', 'Maximum'), age,
        `the oldest message in ${queueName(cfg, q.name)} waited ${age}s or more`);
    }
  }
}
