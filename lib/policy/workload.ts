// Shared helpers to walk the pod specs and containers of workload objects, identify objects
// and evaluate label selectors the way the upstream tools do.

import { Manifest, PolicyFinding, PolicyTool } from './types';

/** Where the pod template lives in each workload kind this checker understands. */
const TEMPLATE_PATHS: Record<string, readonly string[] | null> = {
  Pod: null, // the Pod is its own template
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export const WORKLOAD_KINDS = Object.keys(TEMPLATE_PATHS);

export type ContainerKind = 'container' | 'initContainer' | 'ephemeralContainer';

export interface ContainerRef {
  readonly container: any;
  readonly kind: ContainerKind;
  readonly index: number;
  /** e.g. 'spec.template.spec.containers[0]'. */
  readonly path: string;
}

export interface Workload {
  readonly manifest: Manifest;
  readonly id: string;
  readonly kind: string;
  /** The namespace as written ('' when absent): the tools compare namespaces literally. */
  readonly namespace: string;
  /** The pod template: `{ metadata, spec }` (for a Pod, the Pod itself). */
  readonly template: any;
  readonly templatePath: string;
  readonly podSpec: any;
  /** e.g. 'spec.template.spec'. */
  readonly podSpecPath: string;
  readonly podLabels: Record<string, string>;
  readonly podAnnotations: Record<string, string>;
}

export function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function asArray(value: unknown): any[] {
  return Array.isArray(value) ? value : [];
}

/** 'Kind/namespace/name', namespace 'default' when absent. */
export function objectId(m: Manifest): string {
  return `${m.kind}/${m.metadata?.namespace || 'default'}/${m.metadata?.name}`;
}

/** The namespace as written, '' when absent. */
export function rawNamespace(m: Manifest): string {
  return m.metadata?.namespace ?? '';
}

/** 'group' of an apiVersion ('' for the core group). */
export function apiGroup(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

export function isWorkload(m: Manifest): boolean {
  return Object.prototype.hasOwnProperty.call(TEMPLATE_PATHS, m.kind);
}

/** The pod template and spec of a workload, or undefined for other kinds (CRDs included). */
export function workloadOf(m: Manifest): Workload | undefined {
  if (!isWorkload(m)) return undefined;
  const steps = TEMPLATE_PATHS[m.kind];
  let template: any = m;
  if (steps) {
    for (const step of steps) template = isObject(template) ? template[step] : undefined;
  }
  if (!isObject(template)) return undefined;
  const podSpec = template.spec;
  if (!isObject(podSpec)) return undefined;
  const templatePath = steps ? steps.join('.') : '';
  return {
    manifest: m,
    id: objectId(m),
    kind: m.kind,
    namespace: rawNamespace(m),
    template,
    templatePath,
    podSpec,
    podSpecPath: templatePath ? `${templatePath}.spec` : 'spec',
    podLabels: stringMap(template.metadata?.labels),
    podAnnotations: stringMap(template.metadata?.annotations),
  };
}

export function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isObject(value)) for (const [k, v] of Object.entries(value)) out[k] = v === null || v === undefined ? '' : String(v);
  return out;
}

/** Containers of the pod spec, in the order the tools list them: init containers first. */
export function containersOf(w: Workload, include: { init?: boolean; ephemeral?: boolean } = { init: true }): ContainerRef[] {
  const out: ContainerRef[] = [];
  const add = (field: string, kind: ContainerKind): void => {
    asArray(w.podSpec[field]).forEach((container, index) => {
      if (isObject(container)) out.push({ container, kind, index, path: `${w.podSpecPath}.${field}[${index}]` });
    });
  };
  if (include.init !== false) add('initContainers', 'initContainer');
  add('containers', 'container');
  if (include.ephemeral) add('ephemeralContainers', 'ephemeralContainer');
  return out;
}

export function containerLabel(c: ContainerRef): string {
  const name = c.container.name ?? `#${c.index}`;
  return c.kind === 'container' ? `container "${name}"` : `${c.kind === 'initContainer' ? 'init container' : 'ephemeral container'} "${name}"`;
}

interface LabelSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}

/**
 * metav1.LabelSelectorAsSelector(selector).Matches(labels): a missing selector matches nothing,
 * an empty one matches everything. Invalid selectors match nothing.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  if (!isObject(selector)) return false;
  const matchLabels = isObject(selector.matchLabels) ? selector.matchLabels : {};
  for (const [k, v] of Object.entries(matchLabels)) {
    if (labels[k] !== String(v)) return false;
  }
  for (const req of asArray(selector.matchExpressions) as LabelSelectorRequirement[]) {
    if (!isObject(req)) return false;
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    const values = asArray(req.values).map(String);
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[req.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** A Service-style selector (a plain map): empty matches everything. */
export function mapSelectorMatches(selector: unknown, labels: Record<string, string>): boolean {
  return selectorMatches({ matchLabels: isObject(selector) ? selector : {} }, labels);
}

/** Builds findings of one tool for one object. */
export function finder(tool: PolicyTool, object: string) {
  return (rule: string, message: string, fix: string, path?: string): PolicyFinding =>
    path === undefined ? { tool, rule, object, message, fix } : { tool, rule, object, path, message, fix };
}

/** JSON-ish rendering of a value for messages. */
export function show(value: unknown): string {
  if (value === undefined) return '<unset>';
  return JSON.stringify(value);
}
