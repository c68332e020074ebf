import type { ArgoCdCluster } from './argocd-cluster';
import type { ArgoCdSyncPolicy } from './argocd-sync-policy';

/** One cluster of a target as GitOps delivers to it: its own folder, its own Application. */
export interface GitOpsCluster {
  /** Its key in `clusters`, e.g. `prod-eu`. */
  readonly name: string;
  /** That cluster as Argo CD knows it (`gitops.clusters`). */
  readonly cluster: ArgoCdCluster;
  /**
   * The folder of its manifests in the target's branch: the target's own folder for a target on
   * one cluster, `<target's folder>/<cluster>` (`prod-eu`, `prod/prod-eu`) for a target on several.
   */
  readonly path: string;
  /** The name of the Argo CD Application that delivers it: `mincloud-<target>`, or `mincloud-<target>-<cluster>` for a target on several clusters. */
  readonly application: string;
}

/** One target's GitOps delivery, resolved: what its Argo CD objects and its publishes use. */
export interface GitOpsTarget {
  /** The target's name (config/targets.ts). */
  readonly target: string;
  /** The namespace the target deploys to (each Application's destination namespace). */
  readonly namespace: string;
  /** Every cluster of the target, in rollout order, each with its folder and Application. */
  readonly clusters: readonly GitOpsCluster[];
  /** The name of its AppProject, `mincloud-<target>`: every Application of the target is in it. */
  readonly project: string;
  readonly repository: string;
  /** The branch that holds its manifests. */
  readonly branch: string;
  /** The folder of its manifests in that branch, `.` for the root; a target on several clusters has a folder per cluster in it. */
  readonly path: string;
  readonly argoCdNamespace: string;
  readonly syncPolicy: ArgoCdSyncPolicy;
}
