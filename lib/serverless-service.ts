import { Chart, Duration, Lazy } from 'cdk8s';
import { ImagePullPolicy, ServiceAccount } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import * as knative from '../imports/knative-service-serving.knative.dev';
import { checkEnvName, sortedEnv } from './container-env';
import { dnsEgressRule } from './dns-egress';
import {
  checkHealthCheckKeys, checkProbePaths, DEFAULT_HEALTH_CHECK_PATH, DEFAULT_READINESS_PATH, HealthChecks, probeSettings, ProbeSettings,
} from './health-checks';
import { checkImageReference, ImageReference } from './image-reference';
import { IngressSource } from './ingress-source';
import { KNATIVE_FEATURE_FLAGS, KNATIVE_FEATURE_KEYS, KnativeFeatures } from './knative-features';
import { KnativeNetworking, QUEUE_PROXY_HTTP_PORT, QUEUE_PROXY_METRICS_PORT } from './knative-networking';
import { recommendedLabels, selectorLabels } from './labels';
import { NamespaceChart } from './namespace-chart';
import { hostAntiAffinity, topologySpread } from './pod-spreading';
import { exceptionAnnotations, ExceptionTarget, PolicyException, pinnedImageExceptions } from './policy-exception';
import { checkResourceProfile, ResourceProfile } from './resource-profile';
import {
  checkRunAsIds, checkWritablePaths, DEFAULT_WRITABLE_PATHS, resolveRunAs, restrictedContainerSecurity, restrictedPodSecurity, RUN_AS_KEYS, RunAs,
  writableVolumes,
} from './restricted-security';
import { ScalingMetric } from './scaling-metric';
import { checkSameNamespace, claimServiceName } from './validation/cross-object';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { checkDnsLabel, checkInteger, checkPort, PropValidationError } from './validation/prop-errors';
import { WebService } from './web-service';

/** How Knative scales the service's pods, as its autoscaler's (KPA) annotations on the Revision. */
export interface ServerlessAutoscaling {
  /**
   * Let the service go down to zero pods when idle (`autoscaling.knative.dev/min-scale: "0"`):
   * nothing runs while nobody calls it, and the first request after that waits for a pod to
   * start (a cold start), held meanwhile by Knative's activator. Not together with `minScale`.
   * @default false
   */
  readonly scaleToZero?: boolean;
  /** Pods kept running however idle the service is (`autoscaling.knative.dev/min-scale`). @default 1 */
  readonly minScale?: number;
  /** At most this many pods (`autoscaling.knative.dev/max-scale`); Knative's own default has no limit. @default 10 */
  readonly maxScale?: number;
  /** What the autoscaler keeps per pod. @default ScalingMetric.concurrency(100), Knative's default */
  readonly metric?: ScalingMetric;
  /**
   * Requests a pod's container takes at once (`containerConcurrency`); more wait in the
   * queue-proxy. 0 is no limit, Knative's default. @default 0
   */
  readonly containerConcurrency?: number;
}

export interface ServerlessServiceProps {
  /** The container image: always a tag or a digest, never `latest`. */
  readonly image: ImageReference;

  /**
   * Name of the Knative Service, its ServiceAccount and NetworkPolicy, and the first label of its
   * address (`<name>.<namespace>.svc.cluster.local`). Unique within the chart, at most 49
   * characters: Knative names the Revisions `<name>-00001` and their Services
   * `<name>-00001-private`. @default - the construct id
   */
  readonly name?: string;

  /** The application name for `app.kubernetes.io/name`. @default - `name` */
  readonly appName?: string;

  /** `app.kubernetes.io/component`. @default 'web' */
  readonly component?: string;

  /** `app.kubernetes.io/part-of`. @default 'mincloud' */
  readonly partOf?: string;

  /**
   * Port the container listens on; named `http1`, as Knative names an HTTP/1 port, and given to
   * the container in `$PORT`. Not one of Knative's own pod ports (8008, 8012, 8013, 8022, 9090,
   * 9091). @default 8080
   */
  readonly containerPort?: number;

  /** Environment variables of the container (not `PORT` and `K_*`, which Knative sets). More with `addEnv`. @default - none */
  readonly env?: Record<string, string>;

  /** CPU, memory and ephemeral storage of the container. @default ResourceProfile.SMALL */
  readonly resources?: ResourceProfile;

  /** HTTP path that answers 200 while the process is alive (liveness and startup probes). @default '/healthz' */
  readonly healthCheckPath?: string;

  /** HTTP path that answers 200 when the container can take requests (readiness probe). @default '/readyz' */
  readonly readinessPath?: string;

  /** Timings of the readiness, liveness and startup probes, all HTTP on the container port. @default - see `HealthChecks` */
  readonly healthChecks?: HealthChecks;

  /**
   * User and groups of the container. `fsGroup` needs the pod security context
   * (`clusterFeatures.podSecurityContext`). @default 10101 for all, the images' user
   */
  readonly runAs?: RunAs;

  /** Paths the container may write to; each gets its own emptyDir, the root filesystem stays read-only. @default ['/tmp'] */
  readonly writablePaths?: string[];

  /** @default - pull `Always` for tags, `IfNotPresent` for digests (Knative resolves tags to digests for each Revision anyway) */
  readonly imagePullPolicy?: ImagePullPolicy;

  /** Pods between a minimum (or zero) and a maximum, on requests in flight or per second. @default - 1 to 10 pods, 100 requests in flight per pod */
  readonly autoscaling?: ServerlessAutoscaling;

  /**
   * How long a request may take (`timeoutSeconds`); whole seconds up to 600, Knative's default
   * `max-revision-timeout-seconds`. @default - the cluster's `revision-timeout-seconds` (300 s unless changed)
   */
  readonly requestTimeout?: Duration;

  /**
   * Served through the networking layer's external gateway too, on the cluster's domain. By
   * default the service is cluster-local (`networking.knative.dev/visibility: cluster-local`):
   * reachable only from inside the cluster, at `url`. @default false
   */
  readonly external?: boolean;

  /** Knative's networking layer on the cluster: who connects to the pods, where callers connect to. @default KnativeNetworking.kourier() */
  readonly networking?: KnativeNetworking;

  /**
   * Knative feature flags the cluster turns on (all off by default), which let the pods have a
   * PriorityClass, spread over nodes and zones, and a pod security context. Without them the
   * service declares the Polaris exceptions the missing fields need, with the reason.
   * @default - none: Knative's defaults
   */
  readonly clusterFeatures?: KnativeFeatures;

  /** PriorityClass of the pods; needs `clusterFeatures.priorityClassName`. @default - the NamespaceChart's PriorityClass when the flag is on, else none */
  readonly priorityClassName?: string;

  /** Deliberate exceptions to policy rules, each with its reason, on `KnativeService`, `NetworkPolicy` or `ServiceAccount`. @default - none */
  readonly policyExceptions?: PolicyException[];
}

const SERVERLESS_SERVICE_PROPS: PropKeys<ServerlessServiceProps> = {
  image: true,
  name: true,
  appName: true,
  component: true,
  partOf: true,
  containerPort: true,
  env: true,
  resources: true,
  healthCheckPath: true,
  readinessPath: true,
  healthChecks: true,
  runAs: true,
  writablePaths: true,
  imagePullPolicy: true,
  autoscaling: true,
  requestTimeout: true,
  external: true,
  networking: true,
  clusterFeatures: true,
  priorityClassName: true,
  policyExceptions: true,
};
const AUTOSCALING_KEYS: PropKeys<ServerlessAutoscaling> = { scaleToZero: true, minScale: true, maxScale: true, metric: true, containerConcurrency: true };

/** Knative's name of an HTTP/1 container port (the other one is `h2c`). */
const PORT_NAME = 'http1';
/** Pod ports of Knative's queue-proxy (requests, HTTP/2, admin, metrics) and profiling: the container cannot use them. */
const KNATIVE_RESERVED_PORTS = [8008, 8012, 8013, 8022, 9090, 9091];
/** Set by Knative in every container. */
const KNATIVE_RESERVED_ENV = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];
/** The objects a ServerlessService renders, for `policyExceptions`. */
const EXCEPTION_TARGETS: readonly ExceptionTarget[] = ['KnativeService', 'NetworkPolicy', 'ServiceAccount'];
const VISIBILITY_LABEL = 'networking.knative.dev/visibility';

/**
 * A stateless HTTP service run by Knative Serving: a Knative Service (serving.knative.dev/v1)
 * whose pods are as hardened, probed and resource-bounded as a WebService's, scaled by Knative's
 * autoscaler between a minimum (zero only when asked) and a maximum; its own ServiceAccount
 * without an API token; a default-deny NetworkPolicy that admits only what Knative routes
 * through (the networking layer's gateway and the activator, on the queue-proxy's port, and the
 * autoscaler reading its metrics).
 *
 * Callers in the cluster use `url`, the Knative Service's cluster-local address; a WebService
 * gets the egress it needs for it from `allowFrom`. Every object is a public field.
 */
export class ServerlessService extends Construct {
  public readonly name: string;
  public readonly image: ImageReference;
  public readonly containerPort: number;
  public readonly networking: KnativeNetworking;
  /** The labels of the pods' template; the NetworkPolicy selects the pods by their instance label. */
  public readonly selector: Record<string, string>;
  /** The labels on every object of this service. */
  public readonly labels: Record<string, string>;

  /** cdk8s-plus' ServiceAccount; `ApiObject.of(service.serviceAccount)` reaches its manifest. */
  public readonly serviceAccount: ServiceAccount;
  public readonly knativeService: knative.Service;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;

  private readonly props: ServerlessServiceProps;
  private readonly features: KnativeFeatures;
  private readonly env: Map<string, string>;

  public constructor(scope: Construct, id: string, props: ServerlessServiceProps) {
    super(scope, id);
    checkKnownProps(this, 'props', props, SERVERLESS_SERVICE_PROPS);
    checkKnownProps(this, 'props.autoscaling', props.autoscaling, AUTOSCALING_KEYS);
    checkKnownProps(this, 'props.runAs', props.runAs, RUN_AS_KEYS);
    checkKnownProps(this, 'props.clusterFeatures', props.clusterFeatures, KNATIVE_FEATURE_KEYS);
    checkHealthCheckKeys(this, props.healthChecks);
    this.props = props;
    this.name = props.name ?? id;
    this.features = props.clusterFeatures ?? {};
    this.validate(props);

    this.image = props.image;
    this.containerPort = props.containerPort ?? 8080;
    this.networking = props.networking ?? KnativeNetworking.kourier();
    this.env = new Map(Object.entries(props.env ?? {}));

    const appName = props.appName ?? this.name;
    this.selector = selectorLabels({ name: appName, instance: this.name });
    this.labels = recommendedLabels({
      name: appName,
      instance: this.name,
      version: props.image.version,
      component: props.component ?? 'web',
      partOf: props.partOf ?? 'mincloud',
    });

    const allExceptions = [...(props.policyExceptions ?? []), ...this.implicitExceptions(props)];
    const annotationsOn = (on: ExceptionTarget): { annotations?: Record<string, string> } => {
      const annotations = exceptionAnnotations(allExceptions.filter((e) => e.on === on));
      return Object.keys(annotations).length > 0 ? { annotations } : {};
    };

    this.serviceAccount = new ServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.name, labels: this.labels, ...annotationsOn('ServiceAccount') },
      automountToken: false,
    });

    this.knativeService = new knative.Service(this, 'Service', {
      metadata: {
        name: this.name,
        labels: { ...this.labels, ...(props.external ? {} : { [VISIBILITY_LABEL]: 'cluster-local' }) },
        ...annotationsOn('KnativeService'),
      },
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });

    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: { name: this.name, labels: this.labels, ...annotationsOn('NetworkPolicy') },
      spec: Lazy.any({ produce: () => this.renderNetworkPolicySpec() }),
    });
  }

  /**
   * The service's address inside the cluster, `http://<name>.<namespace>.svc.cluster.local`:
   * Knative points it at the networking layer's local gateway, which routes by this host name.
   */
  public get url(): string {
    const namespace = Chart.of(this).namespace;
    if (!namespace) {
      throw new PropValidationError(this, 'namespace', namespace,
        'the address names the namespace: create the service in a chart with a namespace (a NamespaceChart)');
    }
    return `http://${this.name}.${namespace}.svc.cluster.local`;
  }

  /** Adds or replaces an environment variable of the container. */
  public addEnv(name: string, value: string): void {
    this.checkEnv(name);
    this.env.set(name, value);
  }

  /**
   * Lets a web service's pods call this one: they connect to the networking layer's local
   * gateway (at `url`), so its NetworkPolicy gets that egress. This service's own pods admit
   * only the gateway and the activator anyway: a NetworkPolicy cannot tell which pod a
   * gateway forwards for.
   */
  public allowFrom(source: WebService): void {
    if (!(source instanceof WebService)) {
      throw new PropValidationError(this, 'allowFrom', source, 'pass the WebService whose pods call this service');
    }
    checkSameNamespace(this, 'allowFrom', source, 'create both services in one chart');
    source.allowTo(this.networking.localGateway);
  }

  /** Exceptions that follow from the props and Knative's defaults, so users need not repeat them. */
  private implicitExceptions(props: ServerlessServiceProps): PolicyException[] {
    const out: PolicyException[] = [];
    if (!this.features.priorityClassName) {
      out.push(PolicyException.polaris('priorityClassNotSet', 'KnativeService',
        `Knative accepts priorityClassName only with its ${KNATIVE_FEATURE_FLAGS.priorityClassName} feature flag, off by default; set clusterFeatures.priorityClassName where the cluster turns it on.`));
    }
    if (!this.features.topologySpreadConstraints) {
      out.push(PolicyException.polaris('topologySpreadConstraint', 'KnativeService',
        `Knative accepts topologySpreadConstraints only with its ${KNATIVE_FEATURE_FLAGS.topologySpreadConstraints} feature flag, off by default; set clusterFeatures.topologySpreadConstraints where the cluster turns it on.`));
    }
    if (props.imagePullPolicy === undefined && props.image.isImmutable) out.push(...pinnedImageExceptions('KnativeService'));
    return out;
  }

  private checkEnv(name: string): void {
    checkEnvName(this, name);
    if (KNATIVE_RESERVED_ENV.includes(name)) {
      throw new PropValidationError(this, 'env name', name, `Knative sets ${KNATIVE_RESERVED_ENV.join(', ')} itself (PORT is containerPort); use another name`);
    }
  }

  private validate(props: ServerlessServiceProps): void {
    checkDnsLabel(this, 'name', this.name, 49);
    checkImageReference(this, props.image);
    if (props.containerPort !== undefined) {
      checkPort(this, 'containerPort', props.containerPort);
      if (KNATIVE_RESERVED_PORTS.includes(props.containerPort)) {
        throw new PropValidationError(this, 'containerPort', props.containerPort,
          `Knative's queue-proxy uses ${KNATIVE_RESERVED_PORTS.join(', ')} in every pod; use another port, e.g. 8080`);
      }
    }
    checkProbePaths(this, props.healthCheckPath ?? DEFAULT_HEALTH_CHECK_PATH, props.readinessPath ?? DEFAULT_READINESS_PATH);
    checkResourceProfile(this, props.resources);
    checkRunAsIds(this, props.runAs);
    if (props.runAs?.fsGroup !== undefined && !this.features.podSecurityContext) {
      throw new PropValidationError(this, 'runAs.fsGroup', props.runAs.fsGroup,
        `fsGroup is a pod security context field, which Knative accepts only with ${KNATIVE_FEATURE_FLAGS.podSecurityContext}: set clusterFeatures.podSecurityContext when the cluster turns it on, or leave fsGroup out`);
    }
    checkWritablePaths(this, props.writablePaths);
    for (const name of Object.keys(props.env ?? {})) this.checkEnv(name);
    if (props.priorityClassName !== undefined) {
      if (!this.features.priorityClassName) {
        throw new PropValidationError(this, 'priorityClassName', props.priorityClassName,
          `Knative accepts it only with ${KNATIVE_FEATURE_FLAGS.priorityClassName}: set clusterFeatures.priorityClassName when the cluster turns it on, or leave it out`);
      }
      checkDnsLabel(this, 'priorityClassName', props.priorityClassName, 253);
    }
    if (props.requestTimeout !== undefined) {
      const seconds = props.requestTimeout instanceof Duration ? props.requestTimeout.toSeconds({ integral: false }) : NaN;
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 600) {
        throw new PropValidationError(this, 'requestTimeout', Number.isNaN(seconds) ? props.requestTimeout : `${seconds}s`,
          'use whole seconds from Duration.seconds(1) to Duration.seconds(600) (Knative refuses more than its max-revision-timeout-seconds, 600 by default)');
      }
    }
    if (props.networking !== undefined && !(props.networking instanceof KnativeNetworking)) {
      throw new PropValidationError(this, 'networking', props.networking, 'use KnativeNetworking.kourier(), .istio() or .custom({...})');
    }
    for (const e of props.policyExceptions ?? []) {
      if (!(e instanceof PolicyException) || !EXCEPTION_TARGETS.includes(e.on)) {
        throw new PropValidationError(this, 'policyExceptions', e instanceof PolicyException ? `${e.tool} ${e.rule} on ${e.on}` : e,
          `a serverless service has the objects ${EXCEPTION_TARGETS.map((t) => `"${t}"`).join(', ')}; attach the exception to one of them`);
      }
    }
    this.validateAutoscaling(props.autoscaling ?? {});
    claimServiceName(this, this.name, 'serverless service');
  }

  private validateAutoscaling(a: ServerlessAutoscaling): void {
    if (a.scaleToZero !== undefined && typeof a.scaleToZero !== 'boolean') {
      throw new PropValidationError(this, 'autoscaling.scaleToZero', a.scaleToZero, 'use true or false');
    }
    if (a.scaleToZero && a.minScale !== undefined) {
      throw new PropValidationError(this, 'autoscaling.minScale', a.minScale,
        'a service that scales to zero keeps no pods when idle: leave minScale out, or set scaleToZero: false to keep minScale pods');
    }
    if (a.minScale !== undefined) checkInteger(this, 'autoscaling.minScale', a.minScale, 1, 1000);
    const min = a.scaleToZero ? 0 : a.minScale ?? 1;
    if (a.maxScale !== undefined) checkInteger(this, 'autoscaling.maxScale', a.maxScale, Math.max(1, min), 1000);
    if (a.metric !== undefined && !(a.metric instanceof ScalingMetric)) {
      throw new PropValidationError(this, 'autoscaling.metric', a.metric, 'use ScalingMetric.concurrency(target) or ScalingMetric.requestsPerSecond(target)');
    }
    if (a.containerConcurrency !== undefined) {
      checkInteger(this, 'autoscaling.containerConcurrency', a.containerConcurrency, 0, 1000);
      const metric = a.metric ?? ScalingMetric.concurrency(100);
      if (a.containerConcurrency > 0 && metric.metric === 'concurrency' && metric.target > a.containerConcurrency) {
        throw new PropValidationError(this, 'autoscaling.containerConcurrency', a.containerConcurrency,
          `it is below the autoscaler's target of ${metric.target} requests in flight per pod, which a pod could then never reach; raise it, or lower the target (ScalingMetric.concurrency(n))`);
      }
    }
  }

  /** The Revision annotations of Knative's autoscaler (KPA), values as strings. */
  private autoscalingAnnotations(): Record<string, string> {
    const a = this.props.autoscaling ?? {};
    const metric = a.metric ?? ScalingMetric.concurrency(100);
    return {
      'autoscaling.knative.dev/class': 'kpa.autoscaling.knative.dev',
      'autoscaling.knative.dev/metric': metric.metric,
      'autoscaling.knative.dev/target': String(metric.target),
      'autoscaling.knative.dev/min-scale': String(a.scaleToZero ? 0 : a.minScale ?? 1),
      'autoscaling.knative.dev/max-scale': String(a.maxScale ?? 10),
    };
  }

  private renderSpec(): knative.ServiceSpec {
    const props = this.props;
    const runAs = resolveRunAs(props.runAs);
    const writable = writableVolumes(props.writablePaths ?? DEFAULT_WRITABLE_PATHS);
    const probes = probeSettings(props.healthChecks ?? {}, props.healthCheckPath ?? DEFAULT_HEALTH_CHECK_PATH, props.readinessPath ?? DEFAULT_READINESS_PATH);
    const amounts = (props.resources ?? ResourceProfile.SMALL).toAmounts();
    const env = sortedEnv(this.env);
    // Knative probes one port, the container's, over HTTP.
    const probe = <P>(s: ProbeSettings, port: (n: number) => P) => {
      const { path, ...timing } = s;
      return { httpGet: { path, port: port(this.containerPort), scheme: 'HTTP' }, ...timing };
    };
    const container: knative.ServiceSpecTemplateSpecContainers = {
      name: this.name,
      image: this.image.toString(),
      imagePullPolicy: props.imagePullPolicy ?? (this.image.isImmutable ? ImagePullPolicy.IF_NOT_PRESENT : ImagePullPolicy.ALWAYS),
      ports: [{ name: PORT_NAME, containerPort: this.containerPort, protocol: 'TCP' }],
      ...(env.length > 0 ? { env } : {}),
      resources: {
        requests: Object.fromEntries(Object.entries(amounts.requests).map(([k, v]) => [k, knative.ServiceSpecTemplateSpecContainersResourcesRequests.fromString(v)])),
        limits: Object.fromEntries(Object.entries(amounts.limits).map(([k, v]) => [k, knative.ServiceSpecTemplateSpecContainersResourcesLimits.fromString(v)])),
      },
      readinessProbe: probe(probes.readiness, knative.ServiceSpecTemplateSpecContainersReadinessProbeHttpGetPort.fromNumber),
      livenessProbe: probe(probes.liveness, knative.ServiceSpecTemplateSpecContainersLivenessProbeHttpGetPort.fromNumber),
      ...(probes.startup ? { startupProbe: probe(probes.startup, knative.ServiceSpecTemplateSpecContainersStartupProbeHttpGetPort.fromNumber) } : {}),
      securityContext: restrictedContainerSecurity(runAs),
      volumeMounts: writable.mounts,
    };
    const priorityClassName = this.features.priorityClassName ? props.priorityClassName ?? NamespaceChart.priorityClassNameOf(this) : undefined;
    const timeout = props.requestTimeout?.toSeconds();
    return {
      template: {
        metadata: { labels: this.labels, annotations: this.autoscalingAnnotations() },
        spec: {
          serviceAccountName: this.name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          containerConcurrency: props.autoscaling?.containerConcurrency ?? 0,
          ...(timeout !== undefined ? { timeoutSeconds: timeout } : {}),
          ...(priorityClassName ? { priorityClassName } : {}),
          ...(this.features.podSecurityContext ? { securityContext: restrictedPodSecurity(runAs) } : {}),
          containers: [container],
          volumes: writable.volumes.map(({ name, sizeLimit }) => ({ name, emptyDir: { sizeLimit } })),
          ...(this.features.topologySpreadConstraints ? { topologySpreadConstraints: topologySpread(this.selector) } : {}),
          ...(this.features.affinity ? { affinity: hostAntiAffinity(this.selector) } : {}),
        },
      },
    };
  }

  private renderNetworkPolicySpec(): k8s.NetworkPolicySpec {
    const port = (n: number): k8s.NetworkPolicyPort => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(n) });
    const peers = (sources: IngressSource[]) => sources.flatMap((s) => s._peers);
    return {
      // One label only, as WebService's: Polaris matches a policy to pods by exactly one of their labels.
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': this.name } },
      policyTypes: ['Ingress', 'Egress'],
      // The container's own port is reached only by the queue-proxy, inside the pod.
      ingress: [
        { from: peers(this.networking.requestSources), ports: [port(QUEUE_PROXY_HTTP_PORT)] },
        { from: peers(this.networking.metricsSources), ports: [port(QUEUE_PROXY_METRICS_PORT)] },
      ],
      egress: [dnsEgressRule()],
    };
  }
}
