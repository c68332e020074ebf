/** A target placed on one of its clusters: what `--cluster NAME` chose. */
export interface Placement<T> {
  readonly target: T;
  /** The cluster, when the target runs on several. @default - the target runs on one cluster */
  readonly cluster?: string;
  /** All clusters of the target, in order. @default - [cluster] */
  readonly clusters?: readonly string[];
}

/** Places a target on its cluster `cluster` (none: its first); throws when it cannot be placed there. */
export type Place<T> = (target: T, cluster: string | undefined) => Placement<T>;

/**
 * `target` on the cluster named `cluster` (none: its first), by the app's `place`. An app
 * without clusters to choose from refuses a cluster name rather than ignore it.
 */
export function placeTarget<T extends { readonly name: string }>(options: { readonly place?: Place<T> }, target: T, cluster: string | undefined): Placement<T> {
  if (options.place) return options.place(target, cluster);
  if (cluster?.trim()) throw new Error(`--cluster ${cluster}: this app's targets have no clusters to choose from`);
  return { target };
}

/** ` on cluster prod-eu (the first of prod-eu, prod-us; --cluster NAME for another)`, or nothing for a target on one cluster. */
export function describePlacement(placed: Placement<unknown>): string {
  const all = placed.clusters ?? [];
  if (placed.cluster === undefined || all.length < 2) return '';
  const at = all.indexOf(placed.cluster);
  return ` on cluster ${placed.cluster} (${at === 0 ? 'the first' : `number ${at + 1}`} of ${all.join(', ')}; --cluster NAME for another)`;
}
