import { Chart, Testing } from 'cdk8s';

/** A synthesized object, loosely typed for assertions. */
export type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any; [k: string]: any };

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
