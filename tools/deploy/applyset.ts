import { createHash } from 'crypto';
import { ResolvedTarget } from '../../lib/deployment-config';

/**
 * The ApplySet of a target (KEP-3659, kubectl 1.27 alpha). Why an ApplySet rather than
 * `kubectl apply --prune -l <labels> --prune-allowlist=...`: a label-selector prune deletes
 * every object of the allow-listed kinds that matches the selector — including objects this
 * deploy never created that happen to carry the same labels (another tool's, a copy made by
 * hand, cluster-scoped objects of another target) — and it only looks at the kinds in the
 * allow-list, so a kind missing from it leaks. An ApplySet prunes only objects labelled as
 * members of this very set (`applyset.kubernetes.io/part-of=<id>`, which no one sets by
 * accident), of the kinds the set has recorded on its parent.
 */
export interface ApplySet {
  /** `--applyset=` value: `secrets/<name>` in the target's namespace. */
  readonly parent: string;
  readonly name: string;
  readonly namespace: string;
  /** The value kubectl writes to `applyset.kubernetes.io/part-of` on each member. */
  readonly id: string;
}

export const PART_OF_LABEL = 'applyset.kubernetes.io/part-of';
export const ID_LABEL = 'applyset.kubernetes.io/id';
export const TOOLING_ANNOTATION = 'applyset.kubernetes.io/tooling';
/** kubectl 1.27's list of the set's kinds, `<resource>.<group>` (later versions write contains-group-kinds and read both). */
export const GROUP_RESOURCES_ANNOTATION = 'applyset.kubernetes.io/contains-group-resources';
export const ADDITIONAL_NAMESPACES_ANNOTATION = 'applyset.kubernetes.io/additional-namespaces';

/**
 * The parent is a Secret `mincloud-<target>` in the target's namespace, which kubectl keeps up
 * to date. Secret is kubectl's default parent kind; it holds no data, and read-only roles
 * ("view") do not show Secrets, so it is less likely to be edited or deleted by hand than a
 * ConfigMap. (A cluster-scoped parent would need a custom resource type labelled
 * `applyset.kubernetes.io/is-parent-type`, i.e. a CRD installed first.)
 */
export function applySetOf(target: ResolvedTarget): ApplySet {
  const name = `mincloud-${target.name}`;
  return { parent: `secrets/${name}`, name, namespace: target.namespace, id: applySetId(name, target.namespace, 'Secret', '') };
}

/**
 * The ApplySet ID of a parent, as the ApplySet specification defines it and kubectl computes
 * it: `applyset-<base64url(sha256(<name>.<namespace>.<kind>.<group>))>-v1`.
 */
export function applySetId(name: string, namespace: string, kind: string, group: string): string {
  const hash = createHash('sha256').update([name, namespace, kind, group].join('.')).digest('base64url');
  return `applyset-${hash}-v1`;
}

interface ParentMeta { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> } }

/**
 * The parent as kubectl's `ApplySet.BeforeApply` writes it before it applies anything: the
 * kinds already recorded plus the kinds about to be applied (a superset), so that an object of
 * a kind new to the set is covered by the next prune even if this deploy stops before its own
 * prune. kubectl 1.27 writes it only within `--applyset --prune`, which the deploy runs last;
 * the deploy writes it itself, under kubectl's field manager and in kubectl's format, before
 * the members are applied. Throws when the existing parent belongs to another tool or set
 * (kubectl's own checks).
 */
export function parentWithSuperset(set: ApplySet, existing: ParentMeta | undefined, groupResources: readonly string[], tooling: string): object {
  const annotations = existing?.metadata?.annotations ?? {};
  if (existing) {
    const tool = annotations[TOOLING_ANNOTATION];
    if (!tool) throw new Error(`ApplySet parent ${set.parent} in namespace ${set.namespace} exists without the ${TOOLING_ANNOTATION} annotation: it is not an ApplySet parent; rename or delete it`);
    if (tool.split('/').slice(0, -1).join('/') !== 'kubectl') {
      throw new Error(`ApplySet parent ${set.parent} in namespace ${set.namespace} is managed by ${tool}, not kubectl; it is not this deploy's`);
    }
    const id = existing.metadata?.labels?.[ID_LABEL];
    if (id !== set.id) throw new Error(`ApplySet parent ${set.parent} in namespace ${set.namespace} has ${ID_LABEL}=${id ?? '(none)'}, not ${set.id}; it is not this deploy's`);
  }
  const recorded = (annotations[GROUP_RESOURCES_ANNOTATION] ?? '').split(',').filter(Boolean);
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: set.name,
      namespace: set.namespace,
      labels: { [ID_LABEL]: set.id },
      annotations: {
        [TOOLING_ANNOTATION]: tooling,
        [GROUP_RESOURCES_ANNOTATION]: [...new Set([...recorded, ...groupResources])].sort().join(','),
        [ADDITIONAL_NAMESPACES_ANNOTATION]: annotations[ADDITIONAL_NAMESPACES_ANNOTATION] ?? '',
      },
    },
  };
}
