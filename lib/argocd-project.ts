import { Construct } from 'constructs';
import { AppProject } from '../imports/argocd-appproject-argoproj.io';
import { ArgoCdCluster } from './argocd-cluster';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { checkDnsLabel, PropValidationError } from './validation/prop-errors';

/** A cluster and namespace an AppProject lets its Applications deploy to. */
export interface ProjectDestination {
  readonly cluster: ArgoCdCluster;
  readonly namespace: string;
}

/** A cluster-scoped object an AppProject lets its Applications manage. */
export interface ClusterResource {
  /** API group, `''` for the core group (Namespace). */
  readonly group: string;
  readonly kind: string;
  /** The object's name; a project that names it allows no other object of the kind. @default - any name */
  readonly name?: string;
}

export interface ArgoCdProjectProps {
  /** The AppProject's name (what an Application's `spec.project` names). */
  readonly name: string;
  /** What the project is for, as Argo CD shows it. @default - none */
  readonly description?: string;
  /** The repositories its Applications may read. At least one. */
  readonly sourceRepos: readonly string[];
  /** The clusters and namespaces its Applications may deploy to. At least one. */
  readonly destinations: readonly ProjectDestination[];
  /**
   * The cluster-scoped objects its Applications may create, change and prune; any other
   * cluster-scoped object is refused at sync. @default [] (none)
   */
  readonly clusterResources?: readonly ClusterResource[];
  /** Labels of the AppProject. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

const PROJECT_PROPS: PropKeys<ArgoCdProjectProps> = {
  name: true, description: true, sourceRepos: true, destinations: true, clusterResources: true, labels: true,
};
const DESTINATION_KEYS: PropKeys<ProjectDestination> = { cluster: true, namespace: true };
const CLUSTER_RESOURCE_KEYS: PropKeys<ClusterResource> = { group: true, kind: true, name: true };

const KIND = /^[A-Z][A-Za-z0-9]*$/;
const GROUP = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)?$/;

/**
 * An Argo CD AppProject: the fence around its Applications. They may read only `sourceRepos`,
 * deploy only to `destinations` (a cluster and a namespace each) and manage no cluster-scoped
 * object but `clusterResources`; Argo CD refuses a sync that would go further. Objects in those
 * namespaces that no Application manages are reported (orphaned-resource warnings).
 */
export class ArgoCdProject extends Construct {
  public readonly appProject: AppProject;
  public readonly name: string;
  public readonly sourceRepos: readonly string[];
  public readonly destinations: readonly ProjectDestination[];
  public readonly clusterResources: readonly ClusterResource[];

  public constructor(scope: Construct, id: string, props: ArgoCdProjectProps) {
    super(scope, id);
    checkKnownProps(this, 'props', props, PROJECT_PROPS);
    checkDnsLabel(this, 'name', props.name);
    if (!Array.isArray(props.sourceRepos) || props.sourceRepos.length === 0 || props.sourceRepos.some((r) => typeof r !== 'string' || r.trim() === '')) {
      throw new PropValidationError(this, 'sourceRepos', props.sourceRepos, 'name at least one repository URL its Applications may read');
    }
    if (!Array.isArray(props.destinations) || props.destinations.length === 0) {
      throw new PropValidationError(this, 'destinations', props.destinations, 'name at least one { cluster, namespace } its Applications may deploy to');
    }
    for (const d of props.destinations) {
      checkKnownProps(this, 'destinations', d, DESTINATION_KEYS);
      if (!(d.cluster instanceof ArgoCdCluster)) {
        throw new PropValidationError(this, 'destinations.cluster', d.cluster, 'use ArgoCdCluster.inCluster(), .server(url) or .named(name)');
      }
      checkDnsLabel(this, 'destinations.namespace', d.namespace);
    }
    for (const r of props.clusterResources ?? []) {
      checkKnownProps(this, 'clusterResources', r, CLUSTER_RESOURCE_KEYS);
      if (typeof r.kind !== 'string' || !KIND.test(r.kind)) {
        throw new PropValidationError(this, 'clusterResources.kind', r.kind, 'use the kind as the API spells it, e.g. "Namespace"');
      }
      if (typeof r.group !== 'string' || !GROUP.test(r.group)) {
        throw new PropValidationError(this, 'clusterResources.group', r.group, 'use the API group, e.g. "scheduling.k8s.io", or "" for the core group');
      }
      if (r.name !== undefined && (typeof r.name !== 'string' || r.name.trim() === '')) {
        throw new PropValidationError(this, 'clusterResources.name', r.name, 'give the object\'s name, or leave name out to allow any');
      }
    }
    this.name = props.name;
    this.sourceRepos = [...props.sourceRepos];
    this.destinations = [...props.destinations];
    this.clusterResources = [...(props.clusterResources ?? [])];

    this.appProject = new AppProject(this, 'Resource', {
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        description: props.description,
        sourceRepos: [...this.sourceRepos],
        destinations: this.destinations.map((d) => d.cluster.destination(d.namespace)),
        clusterResourceWhitelist: this.clusterResources.map((r) => ({ group: r.group, kind: r.kind, name: r.name })),
        orphanedResources: { warn: true },
      },
    });
  }

  /** True when an Application of this project may read `repository` and deploy to `namespace` of `cluster`. */
  public allows(repository: string, cluster: ArgoCdCluster, namespace: string): boolean {
    return this.sourceRepos.includes(repository) && this.destinations.some((d) => d.cluster.equals(cluster) && d.namespace === namespace);
  }
}
