import { Chart, Duration, Lazy } from 'cdk8s';
import { ServiceAccount } from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import * as knative from '../imports/knative-service-serving.knative.dev';
import { dnsEgressRule } from './dns-egress';
import { ImageReference } from './image-reference';
import { IngressSource } from './ingress-source';
import { KNATIVE_FEATURE_FLAGS, KNATIVE_FEATURE_KEYS, KnativeFeatures } from './knative-features';
import { KnativeNetworking, QUEUE_PROXY_HTTP_PORT, QUEUE_PROXY_METRICS_PORT } from './knative-networking';
import { POD_TEMPLATE_PROPS, PodTemplate, PodTemplateOptions, PodTemplateProps } from './pod-template';
import { PolicyException, pinnedImageExceptions } from './policy-exception';
import { ScalingMetric } from './scaling-metric';
import { checkSameNamespace, claimServiceName } from './validation/cross-object';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { checkDnsLabel, checkInteger, PropValidationError } from './validation/prop-errors';
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

/** A ServerlessService's props: what runs in its pods (`PodTemplateProps`), and how Knative scales and reaches them. */
export interface ServerlessServiceProps extends PodTemplateProps {
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
}

const SERVERLESS_SERVICE_PROPS: PropKeys<ServerlessServiceProps> = {
  ...POD_TEMPLATE_PROPS,
  autoscaling: true,
  requestTimeout: true,
  external: true,
  networking: true,
  clusterFeatures: true,
};
const AUTOSCALING_KEYS: PropKeys<ServerlessAutoscaling> = { scaleToZero: true, minScale: true, maxScale: true, metric: true, containerConcurrency: true };

/** Knative's name of an HTTP/1 container port (the other one is `h2c`). */
const PORT_NAME = 'http1';
/** Pod ports of Knative's queue-proxy (requests, HTTP/2, admin, metrics) and profiling: the container cannot use them. */
const KNATIVE_RESERVED_PORTS = [8008, 8012, 8013, 8022, 9090, 9091];
/** Set by Knative in every container. */
const KNATIVE_RESERVED_ENV = ['PORT', 'K_SERVICE', 'K_CONFIGURATION', 'K_REVISION'];
/** A ServerlessService's pods: in a Knative Service, which renders their Deployment and Service itself. */
const POD_OPTIONS: PodTemplateOptions = {
  describedAs: 'serverless service',
  portName: PORT_NAME,
  maxNameLength: 49,
  objects: ['KnativeService', 'NetworkPolicy', 'ServiceAccount'],
  podObject: 'KnativeService',
  checkEnv: (scope, name) => {
    if (KNATIVE_RESERVED_ENV.includes(name)) {
      throw new PropValidationError(scope, 'env name', name, `Knative sets ${KNATIVE_RESERVED_ENV.join(', ')} itself (PORT is containerPort); use another name`);
    }
  },
};
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
  /** What runs in the pods, as a WebService's pods run it too. */
  public readonly pod: PodTemplate;

  /** cdk8s-plus' ServiceAccount; `ApiObject.of(service.serviceAccount)` reaches its manifest. */
  public readonly serviceAccount: ServiceAccount;
  public readonly knativeService: knative.Service;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;

  private readonly props: ServerlessServiceProps;
  private readonly features: KnativeFeatures;

  public constructor(scope: Construct, id: string, props: ServerlessServiceProps) {
    super(scope, id);
    checkKnownProps(this, 'props', props, SERVERLESS_SERVICE_PROPS);
    checkKnownProps(this, 'props.autoscaling', props.autoscaling, AUTOSCALING_KEYS);
    checkKnownProps(this, 'props.clusterFeatures', props.clusterFeatures, KNATIVE_FEATURE_KEYS);
    this.props = props;
    this.features = props.clusterFeatures ?? {};
    this.pod = new PodTemplate(this, props, POD_OPTIONS, () => this.implicitExceptions(props));
    this.name = this.pod.name;
    this.validate(props);

    this.image = this.pod.image;
    this.containerPort = this.pod.containerPort;
    this.networking = props.networking ?? KnativeNetworking.kourier();
    this.selector = this.pod.selector;
    this.labels = this.pod.labels;

    this.serviceAccount = new ServiceAccount(this, 'ServiceAccount', {
      metadata: this.pod.metadata('ServiceAccount'),
      automountToken: false,
    });

    this.knativeService = new knative.Service(this, 'Service', {
      metadata: this.pod.metadata('KnativeService', { ...this.labels, ...(props.external ? {} : { [VISIBILITY_LABEL]: 'cluster-local' }) }),
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });

    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: this.pod.metadata('NetworkPolicy'),
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
    this.pod.addEnv(name, value);
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

  private validate(props: ServerlessServiceProps): void {
    if (props.containerPort !== undefined && KNATIVE_RESERVED_PORTS.includes(props.containerPort)) {
      throw new PropValidationError(this, 'containerPort', props.containerPort,
        `Knative's queue-proxy uses ${KNATIVE_RESERVED_PORTS.join(', ')} in every pod; use another port, e.g. 8080`);
    }
    if (props.runAs?.fsGroup !== undefined && !this.features.podSecurityContext) {
      throw new PropValidationError(this, 'runAs.fsGroup', props.runAs.fsGroup,
        `fsGroup is a pod security context field, which Knative accepts only with ${KNATIVE_FEATURE_FLAGS.podSecurityContext}: set clusterFeatures.podSecurityContext when the cluster turns it on, or leave fsGroup out`);
    }
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
    const container = knativeContainer(this.pod.container({ probePort: k8s.IntOrString.fromNumber(this.containerPort) }));
    const priorityClassName = this.features.priorityClassName ? this.pod.priorityClassName : undefined;
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
          ...(this.features.podSecurityContext ? { securityContext: this.pod.podSecurity } : {}),
          containers: [container],
          volumes: this.pod.writable.volumes.map(({ name, sizeLimit }) => ({ name, emptyDir: { sizeLimit } })),
          ...(this.features.topologySpreadConstraints ? { topologySpreadConstraints: this.pod.topologySpreadConstraints } : {}),
          ...(this.features.affinity ? { affinity: this.pod.affinity } : {}),
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

/**
 * The pod template's container in Knative's spelling: the same fields, with Knative's own
 * classes for quantities and probe ports (Knative probes the container's port by number).
 */
function knativeContainer(c: k8s.Container): knative.ServiceSpecTemplateSpecContainers {
  const probe = <P>(p: k8s.Probe | undefined, port: (n: number) => P) => p && {
    httpGet: { path: p.httpGet!.path, port: port(Number(p.httpGet!.port.value)), scheme: p.httpGet!.scheme },
    initialDelaySeconds: p.initialDelaySeconds,
    periodSeconds: p.periodSeconds,
    timeoutSeconds: p.timeoutSeconds,
    failureThreshold: p.failureThreshold,
    successThreshold: p.successThreshold,
  };
  const quantities = <Q>(amounts: Record<string, k8s.Quantity> | undefined, of: (v: string) => Q) =>
    Object.fromEntries(Object.entries(amounts ?? {}).map(([k, v]) => [k, of(String(v.value))]));
  const startupProbe = probe(c.startupProbe, knative.ServiceSpecTemplateSpecContainersStartupProbeHttpGetPort.fromNumber);
  return {
    name: c.name,
    image: c.image,
    imagePullPolicy: c.imagePullPolicy,
    ports: c.ports,
    ...(c.env ? { env: c.env.map(({ name, value }) => ({ name, value })) } : {}),
    resources: {
      requests: quantities(c.resources?.requests, knative.ServiceSpecTemplateSpecContainersResourcesRequests.fromString),
      limits: quantities(c.resources?.limits, knative.ServiceSpecTemplateSpecContainersResourcesLimits.fromString),
    },
    readinessProbe: probe(c.readinessProbe, knative.ServiceSpecTemplateSpecContainersReadinessProbeHttpGetPort.fromNumber),
    livenessProbe: probe(c.livenessProbe, knative.ServiceSpecTemplateSpecContainersLivenessProbeHttpGetPort.fromNumber),
    ...(startupProbe ? { startupProbe } : {}),
    securityContext: c.securityContext,
    volumeMounts: c.volumeMounts,
  };
}
