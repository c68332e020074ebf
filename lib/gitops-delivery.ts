import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ArgoCdApplication } from './argocd-application';
import { ArgoCdProject, ClusterResource } from './argocd-project';
import { GitOpsTarget } from './gitops-config';
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
 * target's repository, its cluster and namespace and its own cluster-scoped objects, and an
 * Application `mincloud-<target>` in it that follows the target's branch (or folder) of rendered
 * manifests. Goes into a chart whose namespace is Argo CD's.
 */
export class GitOpsDelivery extends Construct {
  public readonly project: ArgoCdProject;
  public readonly application: ArgoCdApplication;

  public constructor(scope: Construct, id: string, props: GitOpsDeliveryProps) {
    super(scope, id);
    checkKnownProps(this, 'props', props, DELIVERY_PROPS);
    const t = props.target;
    const namespace = Chart.of(this).namespace;
    if (namespace !== t.argoCdNamespace) {
      throw new PropValidationError(this, 'target.argoCdNamespace', t.argoCdNamespace,
        `Argo CD reads Applications and AppProjects from its own namespace: put GitOpsDelivery in a chart with namespace "${t.argoCdNamespace}" (this one is "${namespace ?? '(none)'}")`);
    }
    const name = `mincloud-${t.target}`;
    const labels = {
      ...recommendedLabels({ name: 'mincloud', instance: name, version: props.version, component: 'gitops', partOf: 'mincloud' }),
      'mincloud.dev/target': t.target,
    };
    this.project = new ArgoCdProject(this, 'Project', {
      name,
      description: `mincloud target ${t.target}: namespace ${t.namespace} on cluster ${t.clusterName}, from ${t.branch}${t.path === '.' ? '' : `:${t.path}`}`,
      sourceRepos: [t.repository],
      destinations: [{ cluster: t.cluster, namespace: t.namespace }],
      clusterResources: props.clusterResources,
      labels,
    });
    this.application = new ArgoCdApplication(this, 'Application', {
      name,
      project: this.project,
      repository: t.repository,
      revision: t.branch,
      path: t.path,
      cluster: t.cluster,
      namespace: t.namespace,
      syncPolicy: t.syncPolicy,
      labels,
    });
  }
}
