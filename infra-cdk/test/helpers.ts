import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from '../lib/app';
import { Manifest } from '../lib/manifest';

export const CONTEXT = {
  placeholderAssets: true,
  '@aws-cdk/customresources:installLatestAwsSdkDefault': false,
};

export interface Synth {
  built: ReturnType<typeof build>;
  main: Template;
  alarms: Template | undefined;
  mainJson: any;
  report: any;
  outdir: string;
}

/** Synthesizes a stage (cdk-nag on) into a temporary cloud assembly. */
export function synth(context: Record<string, unknown> = {}, manifest?: Manifest): Synth {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-cdk-'));
  const app = new App({ outdir, context: { ...CONTEXT, ...context } });
  const built = build({ app, manifest });
  const assembly = app.synth();
  const mainJson = assembly.getStackByName(built.main.stackName).template;
  const reportFile = path.join(outdir, 'validation-report.json');
  return {
    built,
    main: Template.fromJSON(mainJson),
    alarms: built.alarms && Template.fromJSON(assembly.getStackByName(built.alarms.stackName).template),
    mainJson,
    report: fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : undefined,
    outdir,
  };
}

/** Logical id of the resource whose properties satisfy `pred`. */
export function findResources(tpl: any, type: string, pred: (props: any, r: any) => boolean = () => true): [string, any][] {
  return Object.entries(tpl.Resources as Record<string, any>).filter(([, r]) => r.Type === type && pred(r.Properties ?? {}, r));
}
