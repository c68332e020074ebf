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
 * accident), of the kinds the set has recorded, in the namespaces it has recorded.
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

/**
 * The parent is a Secret `mincloud-<target>` in the target's namespace, which kubectl creates
 * on the first prune and keeps up to date. Secret is kubectl's default parent kind; it holds
 * no data, and read-only roles ("view") do not show Secrets, so it is less likely to be
 * edited or deleted by hand than a ConfigMap. (A cluster-scoped parent would need a custom
 * resource type labelled `applyset.kubernetes.io/is-parent-type`, i.e. a CRD installed first.)
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
