import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ArgoCdApplication } from './argocd-application';
import { ArgoCdProject, ClusterResource } from './argocd-project';
import { GitOpsTarget } from './gitops-target';
import { recommendedLabels } from './labels';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { PropValidationError } from './validation/prop-errors';

export interface GitOpsDeliveryProps {
  /** The target's GitOps settings, from `resolveGitOps` (config/targets.ts). */
  readonly target: GitOpsTarget;
  /**
   * The cluster-scoped objects the target's manifests hold (its Namespace and PriorityClass),
   * by group, kind and name: the only cluster-scoped objects its project allows.
   */
  readonly clusterResources: readonly ClusterResource[];
  /** `app.kubernetes.io/version` of the objects, e.g. the app's release. */
  readonly version: string;
}

const DELIVERY_PROPS: PropKeys<GitOpsDeliveryProps> = { target: true, clusterResources: true, version: true };

/**
 * How Argo CD delivers one target: an AppProject `mincloud-<target>` that allows only the
 * target's repository, its clusters with its namespace and its own cluster-scoped objects, and
 * in it an Application per cluster of the target that follows that cluster's folder of rendered
 * manifests (`mincloud-<target>`, the target's branch or folder, for a target on one cluster;
 * `mincloud-<target>-<cluster>`, a folder per cluster, for a target on several). Goes into a
 * chart whose namespace is Argo CD's.
 */
export class GitOpsDelivery extends Construct {
  public readonly project: ArgoCdProject;
  /** One per cluster of the target, in the target's order of clusters. */
  public readonly applications: readonly ArgoCdApplication[];

  public constructor(scope: Construct, id: string, props: GitOpsDeliveryProps) {
    super(scope, id);
    checkKnownProps(this, 'props', props, DELIVERY_PROPS);
    const t = props.target;
    const namespace = Chart.of(this).namespace;
    if (namespace !== t.argoCdNamespace) {
      throw new PropValidationError(this, 'target.argoCdNamespace', t.argoCdNamespace,
        `Argo CD reads Applications and AppProjects from its own namespace: put GitOpsDelivery in a chart with namespace "${t.argoCdNamespace}" (this one is "${namespace ?? '(none)'}")`);
    }
    if (!Array.isArray(t.clusters) || t.clusters.length === 0) {
      throw new PropValidationError(this, 'target.clusters', t.clusters, 'give at least one cluster of the target (resolveGitOps in config/gitops-config.ts resolves them from config/targets.ts)');
    }
    const several = t.clusters.length > 1;
    const labelsOf = (instance: string, cluster?: string) => ({
      ...recommendedLabels({ name: 'mincloud', instance, version: props.version, component: 'gitops', partOf: 'mincloud' }),
      'mincloud.dev/target': t.target,
      ...(cluster !== undefined ? { 'mincloud.dev/cluster': cluster } : {}),
    });
    const from = `from ${t.branch}${t.path === '.' ? '' : `:${t.path}`}`;
    this.project = new ArgoCdProject(this, 'Project', {
      name: t.project,
      description: several
        ? `mincloud target ${t.target}: namespace ${t.namespace} on clusters ${t.clusters.map((c) => c.name).join(', ')}, ${from}, a folder per cluster`
        : `mincloud target ${t.target}: namespace ${t.namespace} on cluster ${t.clusters[0].name}, ${from}`,
      sourceRepos: [t.repository],
      destinations: t.clusters.map((c) => ({ cluster: c.cluster, namespace: t.namespace })),
      clusterResources: props.clusterResources,
      labels: labelsOf(t.project),
    });
    this.applications = t.clusters.map((c) => new ArgoCdApplication(this, several ? `Application-${c.name}` : 'Application', {
      name: c.application,
      project: this.project,
      repository: t.repository,
      revision: t.branch,
      path: c.path,
      cluster: c.cluster,
      namespace: t.namespace,
      syncPolicy: t.syncPolicy,
      labels: several ? labelsOf(c.application, c.name) : labelsOf(t.project),
    }));
  }
}
