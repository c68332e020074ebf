import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../imports/argocd-application-argoproj.io';
import { ArgoCdCluster } from './argocd-cluster';
import { ArgoCdProject } from './argocd-project';
import { ArgoCdSyncPolicy } from './argocd-sync-policy';
import { describeConstruct } from './validation/cross-object';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { checkDnsLabel, checkInteger, PropValidationError } from './validation/prop-errors';

export interface ArgoCdApplicationProps {
  /** The Application's name. */
  readonly name: string;
  /** The AppProject that fences it in; it must allow the repository and the destination. */
  readonly project: ArgoCdProject;
  /** The git repository of the manifests. */
  readonly repository: string;
  /** The branch Argo CD follows (`targetRevision`). */
  readonly revision: string;
  /** The folder of the manifests in that branch. @default '.' (its root) */
  readonly path?: string;
  /** The cluster to deploy to. */
  readonly cluster: ArgoCdCluster;
  /** The namespace to deploy to; the manifests name it on every object too. */
  readonly namespace: string;
  /** When Argo CD applies a new commit. @default ArgoCdSyncPolicy.automated() */
  readonly syncPolicy?: ArgoCdSyncPolicy;
  /** Syncs kept in the Application's history (`argocd app history`, `argocd app rollback`). @default 10 */
  readonly revisionHistoryLimit?: number;
  /** Labels of the Application. @default {} */
  readonly labels?: Readonly<Record<string, string>>;
}

const APPLICATION_PROPS: PropKeys<ArgoCdApplicationProps> = {
  name: true, project: true, repository: true, revision: true, path: true, cluster: true, namespace: true,
  syncPolicy: true, revisionHistoryLimit: true, labels: true,
};

const PATH = /^(\.|[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*)$/;

/**
 * An Argo CD Application that keeps one namespace of one cluster in step with a folder of
 * plain manifests in git (the "rendered manifests" pattern: the folder holds exactly what the
 * synth wrote; Argo CD renders nothing). Only `*.yaml` files of that folder are read, not its
 * subfolders.
 */
export class ArgoCdApplication extends Construct {
  public readonly application: Application;
  public readonly name: string;
  public readonly project: ArgoCdProject;

  public constructor(scope: Construct, id: string, props: ArgoCdApplicationProps) {
    super(scope, id);
    checkKnownProps(this, 'props', props, APPLICATION_PROPS);
    checkDnsLabel(this, 'name', props.name);
    if (!(props.project instanceof ArgoCdProject)) {
      throw new PropValidationError(this, 'project', props.project, 'give the ArgoCdProject construct that fences this Application in');
    }
    if (typeof props.repository !== 'string' || props.repository.trim() === '') {
      throw new PropValidationError(this, 'repository', props.repository, 'give the git repository URL of the manifests');
    }
    if (typeof props.revision !== 'string' || props.revision.trim() === '' || /\s/.test(props.revision)) {
      throw new PropValidationError(this, 'revision', props.revision, 'give the branch Argo CD follows, e.g. "env/dev"');
    }
    const path = props.path ?? '.';
    if (!PATH.test(path) || path.split('/').some((p) => p === '..')) {
      throw new PropValidationError(this, 'path', path, 'use "." or a relative folder inside the repository, e.g. "dev"');
    }
    if (!(props.cluster instanceof ArgoCdCluster)) {
      throw new PropValidationError(this, 'cluster', props.cluster, 'use ArgoCdCluster.inCluster(), .server(url) or .named(name)');
    }
    checkDnsLabel(this, 'namespace', props.namespace);
    if (props.syncPolicy !== undefined && !(props.syncPolicy instanceof ArgoCdSyncPolicy)) {
      throw new PropValidationError(this, 'syncPolicy', props.syncPolicy, 'use ArgoCdSyncPolicy.automated() or ArgoCdSyncPolicy.manual()');
    }
    const historyLimit = props.revisionHistoryLimit ?? 10;
    checkInteger(this, 'revisionHistoryLimit', historyLimit, 1, 1000);
    this.name = props.name;
    this.project = props.project;

    this.application = new Application(this, 'Resource', {
      metadata: { name: props.name, labels: { ...props.labels } },
      spec: {
        project: props.project.name,
        source: {
          repoUrl: props.repository,
          targetRevision: props.revision,
          path,
          directory: { recurse: false, include: '*.yaml' },
        },
        destination: props.cluster.destination(props.namespace),
        syncPolicy: (props.syncPolicy ?? ArgoCdSyncPolicy.automated()).render(),
        revisionHistoryLimit: historyLimit,
      },
    });

    this.node.addValidation({
      validate: () => {
        const project = props.project;
        const problems: string[] = [];
        if (project.node.root !== this.node.root || Chart.of(project).namespace !== Chart.of(this).namespace) {
          problems.push(`${describeConstruct(this)}: project ${describeConstruct(project)} is in namespace "${Chart.of(project).namespace ?? '(none)'}", `
            + `this Application in "${Chart.of(this).namespace ?? '(none)'}"; Argo CD looks an Application's project up in its own namespace: put both in the same chart`);
        }
        if (!project.allows(props.repository, props.cluster, props.namespace)) {
          problems.push(`${describeConstruct(this)}: AppProject "${project.name}" does not allow repository ${props.repository} with ${props.cluster} namespace "${props.namespace}" `
            + `(it allows repositories ${project.sourceRepos.join(', ')} and ${project.destinations.map((d) => `${d.cluster} namespace "${d.namespace}"`).join(', ')}); `
            + 'add them to the project, or use the project made for this destination');
        }
        return problems;
      },
    });
  }
}
