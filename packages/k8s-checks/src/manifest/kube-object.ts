// The one model of a Kubernetes object in a manifest, for the checks, the app and its tools:
// the type, its identity (objectKey) and how a report names it (describeObject).

/** `metadata` of an object as written in its manifest. */
export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly [key: string]: unknown;
}

/**
 * A Kubernetes object as a manifest holds it. The readers (read-manifests.ts) guarantee
 * `apiVersion` and `kind` are strings; everything else is as written, so code that must not
 * trust it (the schema check) tests each field before it uses it.
 */
export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ObjectMeta;
  [key: string]: any;
}

/** `group` of an apiVersion (`apps/v1`: `apps`; `v1`: '' for the core group). */
export function apiGroup(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** The groups of Kubernetes itself: their kinds are known by their bare names (`Deployment`, `Ingress`). */
function isBuiltInGroup(group: string): boolean {
  return group === '' || group.endsWith('.k8s.io') || ['apps', 'batch', 'policy', 'autoscaling', 'extensions'].includes(group);
}

/**
 * An object's identity, as the API server knows it: API group, kind, namespace and name, and not
 * the version (`autoscaling/v2` and `autoscaling/v1` of one HorizontalPodAutoscaler are one
 * object, so a version change is a change, not a removal and an addition). Written as kubectl
 * writes a resource, `Kind[.group]/[namespace/]name`: the group only for kinds outside
 * Kubernetes' own groups (`Service.serving.knative.dev/mincloud/api` is never taken for the core
 * `Service/mincloud/api`), the namespace only when the manifest sets one (a cluster-scoped
 * `Namespace/mincloud-dev`; an object without one goes to the namespace of whoever applies it).
 * Used for construct paths, policy findings and exemptions, diffs and every comparison of two
 * sets of objects.
 */
export function objectKey(o: { readonly apiVersion?: unknown; readonly kind?: unknown; readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown } }): string {
  const group = typeof o?.apiVersion === 'string' ? apiGroup(o.apiVersion) : '';
  const kind = typeof o?.kind === 'string' ? o.kind : '<no kind>';
  const name = typeof o?.metadata?.name === 'string' ? o.metadata.name : '<no name>';
  const namespace = o?.metadata?.namespace;
  const qualified = isBuiltInGroup(group) ? kind : `${kind}.${group}`;
  return typeof namespace === 'string' && namespace !== '' ? `${qualified}/${namespace}/${name}` : `${qualified}/${name}`;
}

/** How a report names document `index` (0-based) of a file: its objectKey, or `document #N (Kind)` when it has no kind or name. */
export function describeObject(o: unknown, index: number): string {
  const m = o as { kind?: unknown; metadata?: { name?: unknown } } | null;
  const kind = typeof m?.kind === 'string' && m.kind !== '' ? m.kind : undefined;
  const name = typeof m?.metadata?.name === 'string' && m.metadata.name !== '' ? m.metadata.name : undefined;
  return kind && name ? objectKey(m as KubeObject) : `document #${index + 1}${kind ? ` (${kind})` : ''}`;
}
