import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, CfnResource, NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { build } from '../lib/app';
import { Manifest } from '../lib/manifest';

export const CONTEXT = {
  placeholderAssets: true,
  '@aws-cdk/customresources:installLatestAwsSdkDefault': false,
};

export interface Synth {
  built: ReturnType<typeof build>;
  /** The main stack and its nested stacks as one template (see `flatten`). */
  main: Template;
  mainJson: any;
  alarms: Template | undefined;
  /** Every template CloudFormation deploys on its own, nested ones included, by file name. */
  templates: Map<string, any>;
  report: any;
  outdir: string;
}

/** Synthesizes a stage (cdk-nag on) into a temporary cloud assembly. */
export function synth(context: Record<string, unknown> = {}, manifest?: Manifest): Synth {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cs-cdk-'));
  const app = new App({ outdir, context: { ...CONTEXT, ...context } });
  const built = build({ app, manifest });
  const assembly = app.synth();
  const templates = new Map<string, any>();
  for (const f of fs.readdirSync(outdir).filter((f) => f.endsWith('.template.json'))) {
    templates.set(f, JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8')));
  }
  // nested stack resource (logical id) → its template file
  const nested = new Map<string, string>();
  for (const ns of app.node.findAll().filter(NestedStack.isNestedStack)) {
    const res = ns.nestedStackResource as CfnResource;
    nested.set(Stack.of(res).getLogicalId(res), ns.templateFile);
  }
  const mainJson = flatten(assembly.getStackByName(built.main.stackName).template, templates, nested);
  const reportFile = path.join(outdir, 'validation-report.json');
  return {
    built,
    main: Template.fromJSON(mainJson),
    alarms: built.alarms && Template.fromJSON(assembly.getStackByName(built.alarms.stackName).template),
    mainJson,
    templates,
    report: fs.existsSync(reportFile) ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : undefined,
    outdir,
  };
}

/** The stack with its nested stacks' resources merged in, each nested parameter replaced by
 *  what the parent passes for it: the template as if there were one stack, so assertions
 *  about what references what read the same whichever stack a resource lives in. */
export function flatten(parent: any, templates: Map<string, any>, nested: Map<string, string>): any {
  const resources: Record<string, any> = {};
  for (const [id, r] of Object.entries<any>(parent.Resources)) {
    const file = nested.get(id);
    if (r.Type !== 'AWS::CloudFormation::Stack' || !file) {
      resources[id] = r;
      continue;
    }
    const params: Record<string, any> = r.Properties?.Parameters ?? {};
    const substitute = (v: any): any => {
      if (Array.isArray(v)) return v.map(substitute);
      if (v && typeof v === 'object') {
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === 'Ref' && v.Ref in params) return params[v.Ref];
        return Object.fromEntries(keys.map((k) => [k, substitute(v[k])]));
      }
      return v;
    };
    const child = flatten(templates.get(file) ?? assertNever(file), templates, nested);
    for (const [cid, cr] of Object.entries<any>(child.Resources)) {
      if (cr.Type === 'AWS::CDK::Metadata') continue;
      // CDK's per-stack singletons (the trigger provider) repeat in every stack that needs them.
      if (cid in resources && cid.startsWith('AWSCDK')) continue;
      if (cid in resources) throw new Error(`logical id ${cid} is in two stacks`);
      // what the nested stack waits for, each of its resources waits for
      const dependsOn = [...new Set([cr.DependsOn ?? [], r.DependsOn ?? []].flat())];
      resources[cid] = substitute(dependsOn.length ? { ...cr, DependsOn: dependsOn } : cr);
    }
  }
  return { ...parent, Resources: resources };
}

function assertNever(file: string): never {
  throw new Error(`no template ${file}`);
}

/** Logical id of the resource whose properties satisfy `pred`. */
export function findResources(tpl: any, type: string, pred: (props: any, r: any) => boolean = () => true): [string, any][] {
  return Object.entries(tpl.Resources as Record<string, any>).filter(([, r]) => r.Type === type && pred(r.Properties ?? {}, r));
}
