import { Chart, Testing } from 'cdk8s';
import type { KubeObject } from 'k8s-checks';

/** An object of the app: the checks package's model of a Kubernetes object. */
export type Obj = KubeObject;

export function synthObjects(chart: Chart): Obj[] {
  return Testing.synth(chart) as Obj[];
}

export function byKind(objects: readonly Obj[], kind: string): Obj[] {
  return objects.filter((o) => o.kind === kind);
}

export function only(objects: readonly Obj[], kind: string): Obj {
  const found = byKind(objects, kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind}, found ${found.length}`);
  return found[0];
}

/** The first container of a Deployment. */
export function container(objects: readonly Obj[]): any {
  return only(objects, 'Deployment').spec.template.spec.containers[0];
}

/**
 * The objects a target of the app synthesizes (config/targets.ts and main.ts, the default images):
 * what tests derive their expectations from, so that adding a service to main.ts needs no test
 * edited by hand.
 */
export function appObjects(targetName: string, env: NodeJS.ProcessEnv = { SITE_IMAGE: '', API_IMAGE: '' }): Obj[] {
  // Loaded here, not at the top: most users of this module do not need the whole app.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { buildTargetFromEnv, targets } = require('../../app') as typeof import('../../app');
  const target = targets.find((t) => t.name === targetName);
  if (!target) throw new Error(`no target "${targetName}"`);
  const app = Testing.app();
  return synthObjects(buildTargetFromEnv(app, target, env));
}
