// Builds the stage's stacks; bin/app.ts runs it, the tests call it directly.
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AlarmsStack } from './alarms-stack';
import { stackNames, stageConfig } from './config';
import { loadManifest, Manifest } from './manifest';
import { acknowledgeWildcards, suppress } from './nag';
import { ConnectSphereStack } from './stack';

export interface BuildOptions {
  app?: App;
  context?: Record<string, unknown>;
  manifest?: Manifest;
  nag?: boolean;
}

export function build(opts: BuildOptions = {}) {
  const app = opts.app ?? new App({ context: opts.context });
  const get = (k: string) => app.node.tryGetContext(k);
  const cfg = stageConfig(get);
  const manifest = opts.manifest ?? loadManifest();
  const names = stackNames(cfg.stage);
  const flag = (k: string) => get(k) === true || get(k) === 'true';
  if (flag('samLocal') && flag('requireBuiltAssets')) throw new Error('-c samLocal=true is for sam local only, never for a deploy');
  const main = new ConnectSphereStack(app, names.main, {
    stackName: names.main,
    description: `ConnectSphere ${cfg.stage}: APIs, functions, queues, tables, buckets, CDN, database`,
    cfg,
    manifest,
    placeholderAssets: flag('placeholderAssets'),
    requireBuiltAssets: flag('requireBuiltAssets'),
    samLocal: flag('samLocal'),
    terminationProtection: cfg.prod,
  });
  const alarms = cfg.alarms
    ? new AlarmsStack(app, names.alarms, {
        stackName: names.alarms,
        description: `ConnectSphere ${cfg.stage}: alarms on functions and queues`,
        cfg,
        manifest,
      })
    : undefined;
  alarms?.addStackDependency(main);
  for (const stack of alarms ? [main, alarms] : [main]) {
    // The monitoring config discovers resources by these tags.
    Tags.of(stack).add('app', 'connectsphere');
    Tags.of(stack).add('stage', cfg.stage);
    suppress(stack);
    acknowledgeWildcards(stack);
  }
  if (opts.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, cfg, manifest, main, alarms };
}
