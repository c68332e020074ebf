import { ArgoCdCluster } from '../lib/argocd-cluster';
import { ArgoCdSyncPolicy } from '../lib/argocd-sync-policy';
import type { DeploymentConfig, ResolvedTarget } from './deployment-config';
import { GitOpsLayout } from '../lib/gitops-layout';
import type { GitOpsCluster, GitOpsTarget } from '../lib/gitops-target';
import { checkKnownProps, PropKeys } from '../lib/validation/known-props';
import { checkDnsLabel, PropValidationError } from '../lib/validation/prop-errors';

/**
 * What GitOps delivery needs to know (`gitops:` in config/targets.ts): where the rendered
 * manifests go, how Argo CD reaches each cluster, and in which order environments are promoted.
 */
export interface GitOpsConfig {
  /**
   * The git repository Argo CD reads the rendered manifests from (every Application's
   * `repoURL`), as Argo CD has it registered: `https://...`, `ssh://...` or `git@host:path`.
   * `npm run gitops -- publish --repo` names where to push, which is usually the same.
   */
  readonly repository: string;
  /**
   * Each cluster of `clusters` that a target deploys to, as Argo CD knows it, by the same key:
   * `{ local: ArgoCdCluster.inCluster(), production: ArgoCdCluster.named('production') }`.
   */
  readonly clusters: Readonly<Record<string, ArgoCdCluster>>;
  /** Where each target's manifests live in the repository. @default GitOpsLayout.branchPerTarget() (branch `env/<target>`) */
  readonly layout?: GitOpsLayout;
  /** The namespace Argo CD runs in; its Applications and AppProjects go there. @default 'argocd' */
  readonly argoCdNamespace?: string;
  /** When Argo CD applies a new commit. @default ArgoCdSyncPolicy.automated() (prune and self-heal) */
  readonly syncPolicy?: ArgoCdSyncPolicy;
  /**
   * The order of promotion: `npm run gitops -- promote` carries a target's images only to the
   * next target of this list. Targets not in it can be published, never promoted.
   * @default - every target, in the order of `targets`
   */
  readonly promotion?: readonly string[];
}

export type { GitOpsCluster, GitOpsTarget } from '../lib/gitops-target';

const GITOPS_KEYS: PropKeys<GitOpsConfig> = {
  repository: true, clusters: true, layout: true, argoCdNamespace: true, syncPolicy: true, promotion: true,
};

/** `gitops:` after validation, with every target resolved. */
export interface ResolvedGitOps {
  readonly repository: string;
  readonly layout: GitOpsLayout;
  readonly argoCdNamespace: string;
  readonly syncPolicy: ArgoCdSyncPolicy;
  readonly promotion: readonly string[];
  /** One per target, in the order of `targets`. */
  readonly targets: readonly GitOpsTarget[];
}

// What Argo CD accepts as a repository: https, ssh or git URLs, or scp-like ssh (git@host:path).
const REPOSITORY = /^((https?|ssh|git):\/\/[^\s/]+\/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:\S+)$/;

/**
 * Checks `config.gitops` against the resolved targets; throws on the first problem with a
 * message naming the target or field, the value and what to write instead.
 */
export function resolveGitOps(config: DeploymentConfig, targets: readonly ResolvedTarget[]): ResolvedGitOps {
  const g = config.gitops;
  if (!g) {
    throw new PropValidationError('deployment config', 'gitops', undefined,
      'add gitops: { repository: \'https://...\', clusters: { <cluster>: ArgoCdCluster.inCluster() } } to config/targets.ts');
  }
  checkKnownProps('deployment config', 'gitops', g, GITOPS_KEYS);
  if (typeof g.repository !== 'string' || !REPOSITORY.test(g.repository)) {
    throw new PropValidationError('deployment config', 'gitops.repository', g.repository,
      'use the repository URL as Argo CD has it registered: https://host/path.git, ssh://git@host/path.git or git@host:path.git');
  }
  if (g.layout !== undefined && !(g.layout instanceof GitOpsLayout)) {
    throw new PropValidationError('deployment config', 'gitops.layout', g.layout, 'use GitOpsLayout.branchPerTarget() or GitOpsLayout.folderPerTarget()');
  }
  if (g.syncPolicy !== undefined && !(g.syncPolicy instanceof ArgoCdSyncPolicy)) {
    throw new PropValidationError('deployment config', 'gitops.syncPolicy', g.syncPolicy, 'use ArgoCdSyncPolicy.automated() or ArgoCdSyncPolicy.manual()');
  }
  const argoCdNamespace = g.argoCdNamespace ?? 'argocd';
  checkDnsLabel('deployment config', 'gitops.argoCdNamespace', argoCdNamespace);
  const clusterNames = Object.keys(config.clusters ?? {});
  for (const [name, cluster] of Object.entries(g.clusters ?? {})) {
    if (!clusterNames.includes(name)) {
      throw new PropValidationError('deployment config', 'gitops.clusters', name,
        `name a cluster of clusters (${clusterNames.map((c) => `"${c}"`).join(', ')}): each entry says how Argo CD knows that cluster`);
    }
    if (!(cluster instanceof ArgoCdCluster)) {
      throw new PropValidationError('deployment config', `gitops.clusters.${name}`, cluster,
        'use ArgoCdCluster.inCluster(), ArgoCdCluster.server(\'https://...\') or ArgoCdCluster.named(\'...\')');
    }
  }
  const names = targets.map((t) => t.name);
  const promotion = g.promotion ?? names;
  promotion.forEach((name, i) => {
    if (!names.includes(name)) {
      throw new PropValidationError('deployment config', 'gitops.promotion', name, `use target names: ${names.map((n) => `"${n}"`).join(', ')}`);
    }
    if (promotion.indexOf(name) !== i) {
      throw new PropValidationError('deployment config', 'gitops.promotion', name, 'name each target at most once: a promotion goes from one target to the next');
    }
  });
  const layout = g.layout ?? GitOpsLayout.branchPerTarget();
  const syncPolicy = g.syncPolicy ?? ArgoCdSyncPolicy.automated();
  return {
    repository: g.repository,
    layout,
    argoCdNamespace,
    syncPolicy,
    promotion: [...promotion],
    targets: targets.map((t) => {
      const several = t.clusters.length > 1;
      const path = layout.path(t.name);
      const clusters = t.clusters.map((c): GitOpsCluster => ({
        name: c.name,
        cluster: argoCdCluster(g, t, c.name),
        path: several ? (path === '.' ? c.name : `${path}/${c.name}`) : path,
        application: several ? `mincloud-${t.name}-${c.name}` : `mincloud-${t.name}`,
      }));
      checkDistinctDestinations(t, clusters);
      return {
        target: t.name,
        namespace: t.namespace,
        clusters,
        project: `mincloud-${t.name}`,
        repository: g.repository,
        branch: layout.branch(t.name),
        path,
        argoCdNamespace,
        syncPolicy,
      };
    }),
  };
}

/** How Argo CD knows cluster `name` of target `t`; throws naming the target, the cluster and the entry to add. */
function argoCdCluster(g: GitOpsConfig, t: ResolvedTarget, name: string): ArgoCdCluster {
  const cluster = g.clusters?.[name];
  if (!cluster) {
    const key = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `.${name}` : `['${name}']`;
    throw new PropValidationError(`target "${t.name}"`, 'gitops.clusters', name,
      `say how Argo CD knows cluster "${name}"${t.clusters.length > 1 ? ` (the target runs on ${t.clusters.map((c) => `"${c.name}"`).join(', ')}; each gets its own Application)` : ''}: `
      + `add gitops.clusters${key} = ArgoCdCluster.server('https://<its API server>') or ArgoCdCluster.named('<its name in argocd cluster list>')`);
  }
  return cluster;
}

// Two clusters of one target that Argo CD knows as the same cluster would give two Applications
// the same namespace of the same cluster: each would prune what the other applies.
function checkDistinctDestinations(t: ResolvedTarget, clusters: readonly GitOpsCluster[]): void {
  clusters.forEach((c, i) => {
    const earlier = clusters.slice(0, i).find((o) => o.cluster.equals(c.cluster));
    if (earlier) {
      throw new PropValidationError(`target "${t.name}"`, 'gitops.clusters', c.name,
        `clusters "${earlier.name}" and "${c.name}" of the target would both be ${c.cluster} to Argo CD, so two Applications would manage namespace "${t.namespace}" there: `
        + 'give each cluster the entry that names it (its API server URL or its name in argocd cluster list)');
    }
  });
}

/** The GitOps delivery of target `name`; throws naming the targets there are. */
export function gitOpsTarget(gitops: ResolvedGitOps, name: string): GitOpsTarget {
  const found = gitops.targets.find((t) => t.target === name);
  if (!found) {
    throw new PropValidationError('target selection', 'target', name, `use one of ${gitops.targets.map((t) => `"${t.target}"`).join(', ')} (config/targets.ts)`);
  }
  return found;
}
