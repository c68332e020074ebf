// Shared helpers to walk the pod specs and containers of workload objects, identify objects
// and evaluate label selectors the way the upstream tools do.

import { apiGroup, objectKey } from '../manifest/kube-object';
import { KubeObject, PolicyFinding, PolicySeverity, PolicyTool } from './types';

// The rule modules find the model's key and group functions here, with the other helpers.
export { apiGroup, objectKey };

/** Knative Serving's API group: its Service shares its kind with the core Service. */
export const KNATIVE_SERVING_GROUP = 'serving.knative.dev';

/** Whose reading of the objects: each tool finds pod specs in its own way. */
export type PolicyView = 'pod-security' | 'kube-score' | 'kube-linter' | 'polaris';

const SPEC_TEMPLATE = ['spec', 'template'] as const;
const JOB_TEMPLATE = ['spec', 'jobTemplate', 'spec', 'template'] as const;
type TemplatePath = readonly string[] | null; // null: the object is its own template (a Pod)

/**
 * Knative Serving runs the `spec.template` of a Service (or of a Configuration, which a Service
 * manages) as the pods of each Revision, through a Deployment its controller creates: the
 * template is what those pods are, so the tools that read pod templates by kind judge it as a
 * Deployment's pod template (the real kube-score, kube-linter and admission do not decode it).
 */
const KNATIVE_KINDS: Record<string, TemplatePath> = {
  [`${KNATIVE_SERVING_GROUP}/Service`]: SPEC_TEMPLATE,
  [`${KNATIVE_SERVING_GROUP}/Configuration`]: SPEC_TEMPLATE,
};

/**
 * The kinds each tool decodes as pod-bearing objects, and where their pod template is.
 * kube-score (parser/parse.go) by exact apiVersion: it never reads ReplicaSets nor
 * ReplicationControllers. kube-linter (pkg/extract: any typed object with `Spec.Template`, and
 * CronJobs) and Pod Security admission (DefaultPodSpecExtractor) by group. Polaris finds pod
 * specs by structure instead (polarisPodSpecPath).
 */
const KINDS: Record<Exclude<PolicyView, 'polaris'>, Record<string, TemplatePath>> = {
  'kube-score': {
    'v1/Pod': null,
    'batch/v1/Job': SPEC_TEMPLATE,
    'batch/v1beta1/CronJob': JOB_TEMPLATE,
    'batch/v1/CronJob': JOB_TEMPLATE,
    ...Object.fromEntries(['apps/v1', 'apps/v1beta1', 'apps/v1beta2', 'extensions/v1beta1'].map((v) => [`${v}/Deployment`, SPEC_TEMPLATE])),
    ...Object.fromEntries(['apps/v1', 'apps/v1beta1', 'apps/v1beta2'].map((v) => [`${v}/StatefulSet`, SPEC_TEMPLATE])),
    ...Object.fromEntries(['apps/v1', 'apps/v1beta2', 'extensions/v1beta1'].map((v) => [`${v}/DaemonSet`, SPEC_TEMPLATE])),
    ...KNATIVE_KINDS,
  },
  'kube-linter': {
    '/Pod': null,
    '/ReplicationController': SPEC_TEMPLATE,
    'apps/Deployment': SPEC_TEMPLATE,
    'apps/DaemonSet': SPEC_TEMPLATE,
    'apps/StatefulSet': SPEC_TEMPLATE,
    'apps/ReplicaSet': SPEC_TEMPLATE,
    'extensions/Deployment': SPEC_TEMPLATE,
    'extensions/DaemonSet': SPEC_TEMPLATE,
    'extensions/ReplicaSet': SPEC_TEMPLATE,
    'batch/Job': SPEC_TEMPLATE,
    'batch/CronJob': JOB_TEMPLATE,
    'apps.openshift.io/DeploymentConfig': SPEC_TEMPLATE,
    ...KNATIVE_KINDS,
  },
  'pod-security': {
    '/Pod': null,
    '/PodTemplate': ['template'],
    '/ReplicationController': SPEC_TEMPLATE,
    'apps/ReplicaSet': SPEC_TEMPLATE,
    'apps/Deployment': SPEC_TEMPLATE,
    'apps/DaemonSet': SPEC_TEMPLATE,
    'apps/StatefulSet': SPEC_TEMPLATE,
    'batch/Job': SPEC_TEMPLATE,
    'batch/CronJob': JOB_TEMPLATE,
    ...KNATIVE_KINDS,
  },
};

/** The fields Polaris descends through, in its order, looking for a pod spec (pkg/kube GetPodSpec). */
const POLARIS_POD_SPEC_FIELDS = ['jobTemplate', 'spec', 'template'];

/**
 * Where Polaris finds the pod spec of any object: from the top, it descends into the first of
 * `jobTemplate`, `spec`, `template` the object has, until it reaches an object with none of
 * them; that is the pod spec if it has `containers`. So an OpenShift DeploymentConfig or a
 * custom resource with `spec.template.spec.containers` is a controller too, and a pod spec
 * without `containers` is none.
 */
export function polarisPodSpecPath(m: unknown): string[] | undefined {
  const path: string[] = [];
  let node: unknown = m;
  for (;;) {
    if (!isObject(node)) return undefined;
    const next = POLARIS_POD_SPEC_FIELDS.find((f) => Object.prototype.hasOwnProperty.call(node, f));
    if (next === undefined) return path.length > 0 && Object.prototype.hasOwnProperty.call(node, 'containers') ? path : undefined;
    path.push(next);
    node = node[next];
  }
}

export type ContainerKind = 'container' | 'initContainer' | 'ephemeralContainer';

export interface ContainerRef {
  readonly container: any;
  readonly kind: ContainerKind;
  readonly index: number;
  /** e.g. 'spec.template.spec.containers[0]'. */
  readonly path: string;
}

export interface Workload {
  readonly manifest: KubeObject;
  readonly id: string;
  readonly kind: string;
  /** The namespace as written ('' when absent): the tools compare namespaces literally. */
  readonly namespace: string;
  /**
   * A Knative Serving object (Service, Configuration): Knative routes traffic to its pods and
   * its autoscaler owns their number, so the rules about replicas, selectors, rollout
   * strategies and disruption budgets of the workload object itself do not apply.
   */
  readonly knative: boolean;
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

/** The namespace as written, '' when absent. */
export function rawNamespace(m: KubeObject): string {
  return m.metadata?.namespace ?? '';
}

/** Whether `m` is a Knative Serving object. */
export function isKnative(m: KubeObject): boolean {
  return typeof m.apiVersion === 'string' && apiGroup(m.apiVersion) === KNATIVE_SERVING_GROUP;
}

/** Each view's table by kind, then by apiVersion (kube-score) or group (the others): the lookup runs for every object. */
const BY_KIND = new Map(Object.entries(KINDS).map(([view, table]) => {
  const byKind = new Map<string, Map<string, TemplatePath>>();
  for (const [key, steps] of Object.entries(table)) {
    const i = key.lastIndexOf('/');
    const kind = key.slice(i + 1);
    if (!byKind.has(kind)) byKind.set(kind, new Map());
    byKind.get(kind)!.set(key.slice(0, i), steps);
  }
  return [view, byKind] as const;
}));

/** Where `view` finds the pod template of `m`: null for a Pod (its own template), undefined when it finds none. */
function templatePathOf(m: KubeObject, view: Exclude<PolicyView, 'polaris'>): TemplatePath | undefined {
  if (typeof m.apiVersion !== 'string' || typeof m.kind !== 'string') return undefined;
  const versions = BY_KIND.get(view)!.get(m.kind);
  if (!versions) return undefined;
  const group = apiGroup(m.apiVersion);
  const steps = versions.get(view === 'kube-score' && group !== KNATIVE_SERVING_GROUP ? m.apiVersion : group);
  return steps;
}

function valueAt(root: unknown, steps: readonly string[]): unknown {
  let node = root;
  for (const step of steps) node = isObject(node) ? node[step] : undefined;
  return node;
}

/**
 * The pod template and spec of `m` as `view` reads it, or undefined when that tool finds none.
 * The tools that decode by kind into Go types (kube-score, kube-linter) read a missing template,
 * spec or metadata as empty, so the object is still checked (and still counts as a Service's or
 * PodDisruptionBudget's target). Pod Security admission has nothing to evaluate without a
 * template. Polaris finds pod specs by structure (polarisPodSpecPath).
 */
export function workloadOf(m: KubeObject, view: PolicyView): Workload | undefined {
  let templateSteps: readonly string[];
  let podSpecSteps: readonly string[];
  if (view === 'polaris') {
    const path = polarisPodSpecPath(m);
    if (!path) return undefined;
    podSpecSteps = path;
    templateSteps = path.slice(0, -1);
  } else {
    const steps = templatePathOf(m, view);
    if (steps === undefined) return undefined;
    templateSteps = steps ?? [];
    podSpecSteps = [...templateSteps, 'spec'];
    if (view === 'pod-security' && !isObject(valueAt(m, templateSteps))) return undefined;
  }
  const found = valueAt(m, templateSteps);
  const template: Record<string, any> = isObject(found) ? found : {};
  const spec = valueAt(m, podSpecSteps);
  const podSpec: Record<string, any> = isObject(spec) ? spec : {};
  const templatePath = templateSteps.join('.');
  return {
    manifest: m,
    id: objectKey(m),
    kind: m.kind,
    namespace: rawNamespace(m),
    knative: isKnative(m),
    template,
    templatePath,
    podSpec,
    podSpecPath: podSpecSteps.join('.'),
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

/** Builds findings of one tool for one object. */
/** The severity of a tool's findings unless the tool says otherwise for one (kube-score's warnings, Polaris' configuration). */
const DEFAULT_SEVERITY: Readonly<Record<PolicyTool, PolicySeverity>> = { 'pod-security': 'error', 'kube-linter': 'error', 'kube-score': 'critical', 'polaris': 'danger' };

export function finder(tool: PolicyTool, object: string) {
  const severity = DEFAULT_SEVERITY[tool];
  return (rule: string, message: string, fix: string, path?: string): PolicyFinding =>
    path === undefined ? { tool, rule, object, message, fix, severity } : { tool, rule, object, path, message, fix, severity };
}

/** JSON-ish rendering of a value for messages. */
export function show(value: unknown): string {
  if (value === undefined) return '<unset>';
  return JSON.stringify(value);
}

// --- lookups across a target's objects ------------------------------------------------------
// The cross-object rules ask "does any X in this namespace select these pods?" for every object;
// scanning every X each time is quadratic, which a thousand services feel. These indexes only
// narrow down the candidates: the answer is still decided by selectorMatches, so it is the same.

function pairKey(namespace: string, key: string, value: string): string {
  return `${namespace}\u0000${key}\u0000${value}`;
}

function push<T>(index: Map<string, T[]>, key: string, item: T): void {
  const list = index.get(key);
  if (list) list.push(item); else index.set(key, [item]);
}

/** The items under each key, in input order. */
export function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> {
  const index = new Map<string, T[]>();
  for (const item of items) push(index, keyOf(item), item);
  return index;
}

/** The first `matchLabels` entry of a selector: a set of labels can only match it if it has this pair. */
function firstMatchLabel(selector: unknown): [string, string] | undefined {
  if (!isObject(selector) || !isObject(selector.matchLabels)) return undefined;
  for (const k in selector.matchLabels) return [k, String(selector.matchLabels[k])];
  return undefined;
}

/** Objects with a label selector (Services, PDBs, NetworkPolicies), looked up by the labels they select. */
export class SelectorIndex<T> {
  private readonly keyed = new Map<string, T[]>();
  private readonly unkeyed = new Map<string, T[]>();

  /** `selectorOf` gives a metav1.LabelSelector (for a Service: `{ matchLabels: spec.selector }`). */
  public constructor(items: readonly T[], namespaceOf: (item: T) => string, private readonly selectorOf: (item: T) => unknown) {
    for (const item of items) {
      const first = firstMatchLabel(selectorOf(item));
      if (first) push(this.keyed, pairKey(namespaceOf(item), first[0], first[1]), item);
      else push(this.unkeyed, namespaceOf(item), item);
    }
  }

  /** Whether an object in `namespace` (that passes `filter`) selects `labels`. */
  public some(namespace: string, labels: Record<string, string>, filter?: (item: T) => boolean): boolean {
    const test = (item: T): boolean => (!filter || filter(item)) && selectorMatches(this.selectorOf(item), labels);
    return this.candidates(namespace, labels).some((list) => list.some(test));
  }

  /** Every object in `namespace` that selects `labels` (in no particular order). */
  public matching(namespace: string, labels: Record<string, string>): T[] {
    return this.candidates(namespace, labels).flatMap((list) => list.filter((item) => selectorMatches(this.selectorOf(item), labels)));
  }

  /** The lists that can hold a match: the selectors without matchLabels, and those filed under one of the labels. */
  private candidates(namespace: string, labels: Record<string, string>): T[][] {
    const lists: T[][] = [];
    const unkeyed = this.unkeyed.get(namespace);
    if (unkeyed) lists.push(unkeyed);
    for (const k in labels) {
      const list = this.keyed.get(pairKey(namespace, k, labels[k]));
      if (list) lists.push(list);
    }
    return lists;
  }
}

/** Workloads looked up by a selector that picks their pods. */
export class PodLabelIndex {
  private readonly byLabel = new Map<string, Workload[]>();
  private readonly byNamespace = new Map<string, Workload[]>();

  public constructor(workloads: readonly Workload[]) {
    for (const w of workloads) {
      push(this.byNamespace, w.namespace, w);
      for (const k in w.podLabels) push(this.byLabel, pairKey(w.namespace, k, w.podLabels[k]), w);
    }
  }

  /** Whether a workload in `namespace` has pods that `selector` (a metav1.LabelSelector) selects. */
  public some(namespace: string, selector: unknown): boolean {
    const first = firstMatchLabel(selector);
    const candidates = first ? this.byLabel.get(pairKey(namespace, first[0], first[1])) : this.byNamespace.get(namespace);
    return candidates?.some((w) => selectorMatches(selector, w.podLabels)) ?? false;
  }
}

/** Objects by kind, namespace and name. */
export class NameIndex {
  private readonly byName = new Map<string, KubeObject[]>();

  public constructor(manifests: readonly KubeObject[]) {
    for (const m of manifests) push(this.byName, `${m.kind}\u0000${rawNamespace(m)}\u0000${m.metadata?.name}`, m);
  }

  /** The objects of this kind, namespace and name, in input order. */
  public get(kind: string, namespace: string, name: unknown): readonly KubeObject[] {
    return (this.byName.get(`${kind}\u0000${namespace}\u0000${name}`) ?? []).filter((m) => m.metadata?.name === name);
  }
}

/** A Service's selector as a metav1.LabelSelector (a Service without one selects everything, as the tools read it). */
export function serviceSelector(s: KubeObject): unknown {
  return { matchLabels: isObject(s.spec?.selector) ? s.spec.selector : {} };
}
