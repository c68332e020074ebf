import { Duration } from 'cdk8s';
import { IngressController } from '../lib/ingress-controller';
import { IngressTls } from '../lib/ingress-tls';
import { KnativeNetworking } from '../lib/knative-networking';
import { ServiceType } from 'cdk8s-plus-27';
import { ResourceProfile } from '../lib/resource-profile';
import { ServiceMesh } from '../lib/service-mesh';
import { checkDnsLabel, checkInteger, checkOneOf, PropValidationError } from '../lib/validation/prop-errors';
import { checkKnownProps, PropKeys } from '../lib/validation/known-props';
import { checkHostListedOnce } from '../lib/validation/host-list';
import { checkReplicas, DEFAULT_PROGRESS_DEADLINE } from '../lib/web-service';
import type { GitOpsConfig } from './gitops-config';
import { checkEksCluster, EksClusterConfig } from './eks-cluster-config';

/** A Kubernetes cluster, as kubectl knows it. */
export interface ClusterConfig {
  /** The kubeconfig context that reaches it (`kubectl --context`). */
  readonly context: string;
  /** What it is, for people. @default - none */
  readonly description?: string;
  /**
   * The cluster's pod network (CIDR ranges): where its ingress controller's pods connect from.
   * The site trusts these, and only these, for the client address in `X-Forwarded-For`, so its
   * per-client limits see each client rather than the controller. Needed by targets with an
   * ingress. @default - none
   */
  readonly podNetwork?: string[];
  /**
   * Define the cluster as an Amazon EKS cluster with the AWS CDK (`npm run clusters`,
   * packages/clusters), carrying the chart of every target placed on it.
   * @default - the cluster is the user's to provision (kubeadm, ...)
   */
  readonly eks?: EksClusterConfig;
}

/** How `npm run deploy` rolls a target out and when it gives up. */
export interface RolloutConfig {
  /**
   * How long the deploy waits for the Deployments it changed to roll out (all at once,
   * `kubectl rollout status --timeout`); `--timeout` overrides it. Above `progressDeadline`:
   * a stuck rollout ends on the deadline, this only stops one that progresses too slowly.
   * @default Duration.minutes(15)
   */
  readonly timeout?: Duration;
  /**
   * The `progressDeadlineSeconds` the target's Deployments carry (WebService's
   * `progressDeadline`); the deploy checks the synthesized Deployments against it.
   * @default Duration.minutes(3), WebService's default
   */
  readonly progressDeadline?: Duration;
}

/** How a target runs the API as a Knative Service (`TargetConfig.serverless`). */
export interface ServerlessConfig {
  /** Knative's networking layer on the cluster. @default KnativeNetworking.kourier() */
  readonly networking?: KnativeNetworking;
  /** Let the API scale to zero pods when idle; the first request after that waits for a cold start. @default false */
  readonly scaleToZero?: boolean;
  /** At most this many API pods. @default 10 */
  readonly maxScale?: number;
}

/**
 * One place the app is deployed to: an environment in its own namespace, on one cluster or on
 * several (`clusters`, rolled out in their order). Give exactly one of `cluster` and `clusters`.
 */
export interface TargetConfig {
  /** Name of the target (`TARGET=<name> npx cdk8s synth`, `npm run deploy -- --target <name>`). A DNS-1123 label. */
  readonly name: string;
  /** Key of the target's one cluster in the clusters map. @default - the target names `clusters` */
  readonly cluster?: string;
  /**
   * Keys of the target's clusters in the clusters map, in the order `npm run deploy` rolls the
   * target out to them: the first is the canary, and the deploy stops at the first cluster that
   * fails. The same namespace and manifests on each, but for what a cluster itself changes (its
   * pod network). @default - the one `cluster`
   */
  readonly clusters?: readonly string[];
  /** Namespace the target's objects go into; the target creates it. */
  readonly namespace: string;
  /** Pods per web service (fixed count). @default 2 */
  readonly replicas?: number;
  /** Resource preset of the pods: nano, micro, small, medium, large. @default 'small' */
  readonly size?: string;
  /** How the site is exposed. @default NodePort, as the seed did */
  readonly serviceType?: ServiceType;
  /** Fixed node port of the site, for NodePort. @default - Kubernetes picks one */
  readonly nodePort?: number;
  /** Host names the site answers to behind an Ingress. @default - none */
  readonly hosts?: string[];
  /** Scale between replicas and this many pods on CPU/memory. @default - fixed replicas */
  readonly maxReplicas?: number;
  /** Deploy the API service and route `/api` to it. @default false */
  readonly api?: boolean;
  /**
   * Run the API as a Knative Service (ServerlessService) instead of a Deployment: the site's
   * `/api` proxy reaches it at its cluster-local address through Knative's gateway. Needs
   * `api: true`, and Knative Serving on the cluster. @default - the API is a WebService
   */
  readonly serverless?: ServerlessConfig;
  /**
   * Serve `hosts` through an Ingress; the Services then default to ClusterIP.
   * @default - no Ingress: the site's own Service is exposed (NodePort, as the seed)
   */
  readonly ingress?: {
    readonly controller: IngressController;
    readonly tls?: IngressTls;
    /** Traefik only: IngressRoute custom resources instead of an Ingress. @default false */
    readonly traefikCrds?: boolean;
  };
  /** Prometheus metrics and alerts (prometheus-operator). @default - none */
  readonly monitoring?: {
    /** Labels the cluster's Prometheus selects ServiceMonitors and rules by. @default {} */
    readonly prometheusLabels?: Record<string, string>;
    /** Namespace Prometheus runs in. @default 'monitoring' */
    readonly namespace?: string;
  };
  /** Join a service mesh. @default - none */
  readonly mesh?: ServiceMesh;
  /** Rollout timeout and progress deadline of `npm run deploy`. @default - see RolloutConfig */
  readonly rollout?: RolloutConfig;
  /**
   * Releases `npm run deploy` keeps in the target's namespace (`--history`, `--rollback`);
   * older ones are deleted. At least 2: a rollback needs the release before the current one.
   * @default 10
   */
  readonly releaseHistory?: number;
}

/** The whole deployment configuration: clusters and the targets on them. */
export interface DeploymentConfig {
  readonly clusters: Readonly<Record<string, ClusterConfig>>;
  readonly targets: readonly TargetConfig[];
  /** GitOps delivery with Argo CD (`npm run gitops`); checked with the targets by `resolveGitOps` (config/gitops-config.ts) whenever the app loads the config. @default - none */
  readonly gitops?: GitOpsConfig;
}

/** A cluster of a target, with its key in the clusters map. */
export interface ResolvedCluster extends ClusterConfig {
  /** Its key in the clusters map, e.g. `prod-eu`. */
  readonly name: string;
}

/** A target after validation, with its clusters resolved. */
export interface ResolvedTarget extends Omit<TargetConfig, 'cluster' | 'clusters'> {
  /** Every cluster of the target, in rollout order (the first is the canary); one for a target with `cluster`. */
  readonly clusters: readonly ResolvedCluster[];
  /**
   * The cluster these manifests are for (the site's pod network comes from it): the first of
   * `clusters`, or the one chosen with `onCluster`.
   */
  readonly placement: ResolvedCluster;
  readonly resources: ResourceProfile;
  /** `rollout` with its defaults, in whole seconds. */
  readonly rolloutSeconds: { readonly timeout: number; readonly progressDeadline: number };
  /** `releaseHistory` with its default. */
  readonly releasesKept: number;
}

/** `RolloutConfig.timeout` when none is given. */
export const DEFAULT_ROLLOUT_TIMEOUT = Duration.minutes(15);

/** A Duration as whole seconds from `min` to `max`, or an error naming the target and field. */
function wholeSeconds(where: string, field: string, d: Duration, min: number, max: number): number {
  const seconds = d instanceof Duration ? d.toSeconds({ integral: false }) : NaN;
  if (!Number.isInteger(seconds) || seconds < min || seconds > max) {
    throw new PropValidationError(where, field, Number.isNaN(seconds) ? d : `${seconds}s`,
      `use whole seconds from ${min} to ${max}, e.g. Duration.minutes(${Math.max(1, Math.round(min / 60))})`);
  }
  return seconds;
}

const DEPLOYMENT_CONFIG_KEYS: PropKeys<DeploymentConfig> = { clusters: true, targets: true, gitops: true };
const CLUSTER_KEYS: PropKeys<ClusterConfig> = { context: true, description: true, podNetwork: true, eks: true };
const TARGET_KEYS: PropKeys<TargetConfig> = {
  name: true, cluster: true, clusters: true, namespace: true, replicas: true, size: true, serviceType: true, nodePort: true,
  hosts: true, maxReplicas: true, api: true, serverless: true, ingress: true, monitoring: true, mesh: true, rollout: true, releaseHistory: true,
};
const TARGET_SERVERLESS_KEYS: PropKeys<ServerlessConfig> = { networking: true, scaleToZero: true, maxScale: true };
const ROLLOUT_KEYS: PropKeys<RolloutConfig> = { timeout: true, progressDeadline: true };
const TARGET_INGRESS_KEYS: PropKeys<NonNullable<TargetConfig['ingress']>> = { controller: true, tls: true, traefikCrds: true };
const TARGET_MONITORING_KEYS: PropKeys<NonNullable<TargetConfig['monitoring']>> = { prometheusLabels: true, namespace: true };

const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Checks the configuration as a whole and resolves each target's cluster; throws on the first
 * problem with a message that names the target, the field and what is allowed.
 */
export function resolveTargets(config: DeploymentConfig): ResolvedTarget[] {
  checkKnownProps('deployment config', 'config', config, DEPLOYMENT_CONFIG_KEYS);
  if (!config.targets || config.targets.length === 0) {
    throw new PropValidationError('deployment config', 'targets', config.targets, 'define at least one target');
  }
  for (const [name, cluster] of Object.entries(config.clusters ?? {})) {
    // The name becomes a folder (`build/deploy/<target>/<cluster>/`) and appears in commands.
    checkDnsLabel('deployment config', 'clusters key', name);
    checkKnownProps(`cluster "${name}"`, 'cluster', cluster, CLUSTER_KEYS);
    if (!cluster.context || /\s/.test(cluster.context)) {
      throw new PropValidationError(`cluster "${name}"`, 'context', cluster.context, 'name the kubeconfig context, without spaces');
    }
    if (cluster.eks !== undefined) checkEksCluster(name, cluster.eks, cluster.podNetwork);
  }
  const seenNames = new Map<string, number>();
  const seenPlaces = new Map<string, string>();
  return config.targets.map((t, i) => {
    const where = `target "${t.name ?? `#${i + 1}`}"`;
    checkKnownProps(where, 'target', t, TARGET_KEYS);
    checkKnownProps(where, 'target.ingress', t.ingress, TARGET_INGRESS_KEYS);
    checkKnownProps(where, 'target.monitoring', t.monitoring, TARGET_MONITORING_KEYS);
    checkKnownProps(where, 'target.rollout', t.rollout, ROLLOUT_KEYS);
    checkKnownProps(where, 'target.serverless', t.serverless, TARGET_SERVERLESS_KEYS);
    checkDnsLabel(where, 'name', t.name);
    if (seenNames.has(t.name)) {
      throw new PropValidationError(where, 'name', t.name, `another target (#${seenNames.get(t.name)! + 1}) has this name; target names must be unique`);
    }
    seenNames.set(t.name, i);
    const clusters = targetClusters(where, t, config.clusters ?? {});
    checkDnsLabel(where, 'namespace', t.namespace);
    for (const c of clusters) {
      const place = `${c.name}/${t.namespace}`;
      if (seenPlaces.has(place)) {
        throw new PropValidationError(where, 'namespace', t.namespace,
          `target "${seenPlaces.get(place)}" already deploys to namespace "${t.namespace}" on cluster "${c.name}"; use another namespace`);
      }
      seenPlaces.set(place, t.name);
    }
    if (t.replicas !== undefined) checkReplicas(where, 'replicas', t.replicas);
    if (t.serviceType !== undefined) {
      checkOneOf(where, 'serviceType', t.serviceType, [ServiceType.NODE_PORT, ServiceType.CLUSTER_IP, ServiceType.LOAD_BALANCER]);
    }
    if (t.maxReplicas !== undefined) {
      checkInteger(where, 'maxReplicas', t.maxReplicas, (t.replicas ?? 2) + 1, 1000,
        `above replicas, ${t.replicas ?? 2}${t.replicas === undefined ? ' by default' : ''}, which is the autoscaler's minimum: it scales the site between the two; `
        + 'for a fixed count remove maxReplicas');
    }
    if (t.ingress && (t.hosts ?? []).length === 0) {
      throw new PropValidationError(where, 'hosts', t.hosts ?? [], 'an ingress needs at least one host name, e.g. ["www.example.com"]');
    }
    if (!t.ingress && (t.hosts ?? []).length > 0) {
      throw new PropValidationError(where, 'ingress', undefined, 'hosts are served through an Ingress: set ingress: { controller: IngressController.nginx() }');
    }
    (t.hosts ?? []).forEach((host, i) => {
      if (!HOST.test(host) || host.length > 253) {
        throw new PropValidationError(where, 'hosts', host, 'use a lower-case DNS name such as "www.example.com"');
      }
      checkHostListedOnce(where, 'hosts', t.hosts!, i);
    });
    for (const c of clusters) {
      if (t.ingress && !(c.podNetwork ?? []).length) {
        throw new PropValidationError(where, 'ingress', t.ingress.controller.kind,
          `behind an ingress the site must know the controller's pods to see its clients' addresses: set podNetwork (the pod CIDR, e.g. ["10.244.0.0/16"]) on cluster "${c.name}"`);
      }
    }
    const timeout = wholeSeconds(where, 'rollout.timeout', t.rollout?.timeout ?? DEFAULT_ROLLOUT_TIMEOUT, 60, 86400);
    const progressDeadline = wholeSeconds(where, 'rollout.progressDeadline', t.rollout?.progressDeadline ?? DEFAULT_PROGRESS_DEADLINE, 60, 3600);
    if (progressDeadline >= timeout) {
      throw new PropValidationError(where, 'rollout.timeout', `${timeout}s`,
        `use a timeout above rollout.progressDeadline (${progressDeadline}s): a stuck rollout must end on its deadline, not on the timeout`);
    }
    if (t.releaseHistory !== undefined) checkInteger(where, 'releaseHistory', t.releaseHistory, 2, 100);
    if (t.serverless !== undefined) checkServerless(where, t);
    const { cluster: _one, clusters: _several, ...rest } = t;
    return {
      ...rest,
      clusters,
      placement: clusters[0],
      resources: ResourceProfile.named(t.size ?? 'small', where),
      rolloutSeconds: { timeout, progressDeadline },
      releasesKept: t.releaseHistory ?? 10,
    };
  });
}

function checkServerless(where: string, t: TargetConfig): void {
  const s = t.serverless!;
  if (!t.api) {
    throw new PropValidationError(where, 'serverless', s, 'serverless says how the API runs: set api: true as well, or remove serverless');
  }
  if (t.mesh) {
    throw new PropValidationError(where, 'mesh', t.mesh.kind, 'the serverless API joins no service mesh: remove mesh, or serverless to run the API as a Deployment');
  }
  if (s.networking !== undefined && !(s.networking instanceof KnativeNetworking)) {
    throw new PropValidationError(where, 'serverless.networking', s.networking, 'use KnativeNetworking.kourier(), .istio() or .custom({...})');
  }
  if (s.scaleToZero !== undefined && typeof s.scaleToZero !== 'boolean') {
    throw new PropValidationError(where, 'serverless.scaleToZero', s.scaleToZero, 'use true or false');
  }
  if (s.maxScale !== undefined) checkInteger(where, 'serverless.maxScale', s.maxScale, 1, 1000);
}

/**
 * The clusters of a target, in rollout order, from exactly one of `cluster` and `clusters`;
 * throws naming the target, the field and what to write instead.
 */
function targetClusters(where: string, t: TargetConfig, defined: Readonly<Record<string, ClusterConfig>>): ResolvedCluster[] {
  const known = Object.keys(defined);
  const useDefined = known.length ? `use a cluster defined in clusters: ${known.map((c) => `"${c}"`).join(', ')}` : 'define the cluster under clusters first';
  if (t.cluster !== undefined && t.clusters !== undefined) {
    throw new PropValidationError(where, 'clusters', t.clusters,
      `give either cluster (one cluster) or clusters (several, in rollout order), not both: e.g. clusters: [${[t.cluster, ...t.clusters.filter((c) => c !== t.cluster)].map((c) => `'${c}'`).join(', ')}]`);
  }
  if (t.clusters === undefined) {
    if (t.cluster === undefined) {
      throw new PropValidationError(where, 'cluster', t.cluster,
        `name the target's cluster (cluster: '${known[0] ?? 'local'}'), or its clusters in rollout order (clusters: [${known.slice(0, 2).map((c) => `'${c}'`).join(', ')}])`);
    }
    if (!known.includes(t.cluster)) throw new PropValidationError(where, 'cluster', t.cluster, useDefined);
    return [{ ...defined[t.cluster], name: t.cluster }];
  }
  if (!Array.isArray(t.clusters) || t.clusters.length === 0) {
    throw new PropValidationError(where, 'clusters', t.clusters, `list the target's clusters in rollout order, the canary first, e.g. ['${known[0] ?? 'eu'}']`);
  }
  return t.clusters.map((name, i) => {
    if (!known.includes(name)) throw new PropValidationError(where, `clusters[${i}]`, name, useDefined);
    const first = t.clusters!.indexOf(name);
    if (first !== i) throw new PropValidationError(where, `clusters[${i}]`, name, `clusters[${first}] is "${name}" already; name each cluster once`);
    return { ...defined[name], name };
  });
}

/**
 * The target placed on its cluster `name` (`--cluster`): what its manifests are synthesized for
 * there. No name: the target as it is (placed on its first cluster). Throws naming the target's
 * clusters when it has no cluster of that name.
 */
export function onCluster(target: ResolvedTarget, name: string | undefined): ResolvedTarget {
  const wanted = name?.trim();
  if (!wanted) return target;
  const cluster = target.clusters.find((c) => c.name === wanted);
  if (!cluster) {
    throw new PropValidationError(`target "${target.name}"`, 'cluster', wanted,
      `the target runs on ${target.clusters.length === 1 ? 'cluster' : 'clusters'} ${target.clusters.map((c) => `"${c.name}"`).join(', ')} (config/targets.ts); name one of them`);
  }
  return cluster === target.placement ? target : { ...target, placement: cluster };
}

/** The targets named in `selection` (comma-separated), or all when it is empty. */
export function selectTargets(all: readonly ResolvedTarget[], selection: string | undefined): ResolvedTarget[] {
  const names = (selection ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) return [...all];
  return names.map((n) => {
    const t = all.find((x) => x.name === n);
    if (!t) {
      throw new PropValidationError('target selection', 'target', n, `use one of ${all.map((x) => `"${x.name}"`).join(', ')}`);
    }
    return t;
  });
}
