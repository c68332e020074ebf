import { createHash } from 'crypto';
import { Duration, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from '../imports/k8s';
import { dnsEgressRule } from './dns-egress';
import { EgressDestination } from './egress-destination';
import { ExternalTrafficPolicy } from './external-traffic-policy';
import { ImageReference } from './image-reference';
import { IngressSource } from './ingress-source';
import { ConfigMap, ImagePullPolicy, ServiceAccount, ServiceType } from 'cdk8s-plus-27';
import { PolicyException, pinnedImageExceptions } from './policy-exception';
import { POD_TEMPLATE_PROPS, PodTemplate, PodTemplateOptions, PodTemplateProps } from './pod-template';
import { ResourceProfile } from './resource-profile';
import { MetricsExporter } from './metrics-exporter';
import { ServiceMesh } from './service-mesh';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { checkDnsLabel, checkInteger, checkOneOf, checkPort, PropValidationError } from './validation/prop-errors';
import { checkSameNamespace, claimServiceName, UniqueClaims } from './validation/cross-object';

export type { RunAs } from './restricted-security';

/** Autoscaling on CPU and memory utilisation (autoscaling/v2). */
export interface AutoscalingOptions {
  /** @default 2 */
  readonly minReplicas?: number;
  readonly maxReplicas: number;
  /** Target average CPU utilisation, percent of requests. @default 70 */
  readonly cpuUtilization?: number;
  /** Target average memory utilisation, percent of requests. @default 80 */
  readonly memoryUtilization?: number;
}

/** A WebService's props: what runs in its pods (`PodTemplateProps`), and how the Deployment and Service around them behave. */
export interface WebServiceProps extends PodTemplateProps {
  /** Pods to run. Ignored when `autoscaling` is set, which then owns the count. @default 2 */
  readonly replicas?: number;

  /** How the Service is exposed. @default ServiceType.CLUSTER_IP */
  readonly serviceType?: ServiceType;

  /** Port the Service listens on. @default 80 */
  readonly servicePort?: number;

  /**
   * Fixed node port (30000-32767), for NodePort and LoadBalancer Services only.
   * @default - Kubernetes picks a free one
   */
  readonly nodePort?: number;

  /**
   * For NodePort and LoadBalancer Services: whether traffic from outside the cluster keeps the
   * client's address. `Local` does, so per-client limits in the pods see each client; the cost
   * is that only nodes with a ready pod serve and each node gets an even share whatever its pod
   * count (see `ExternalTrafficPolicy`). With `Cluster` kube-proxy gives every client the
   * node's address, and a per-client limit becomes one limit for every client of that node.
   * @default ExternalTrafficPolicy.local() for NodePort and LoadBalancer Services; not set for ClusterIP
   */
  readonly externalTrafficPolicy?: ExternalTrafficPolicy;

  /** Scale on CPU and memory instead of a fixed replica count. @default - no autoscaler */
  readonly autoscaling?: AutoscalingOptions;

  /**
   * Where traffic to the service port may come from. More with `allowFrom`.
   * @default - `IngressSource.anyAddress()` for NodePort and LoadBalancer Services (their
   * clients are outside the cluster), `IngressSource.sameNamespace()` for ClusterIP; the first
   * `allowFrom` call (an Ingress routing to the service makes one) replaces this default
   */
  readonly ingressFrom?: IngressSource[];

  /** Pods that may be unavailable at once during voluntary disruptions (drains). @default 1 */
  readonly maxUnavailableDuringDisruption?: number;

  /** Old ReplicaSets kept for `kubectl rollout undo`. @default 5 */
  readonly revisionHistoryLimit?: number;

  /**
   * How long a rollout may go without progress (no new pod becoming available) before the
   * Deployment controller marks it failed (`ProgressDeadlineExceeded`), which ends
   * `kubectl rollout status` at once. Kubernetes' own default, 10 minutes, is longer than a
   * stuck rollout needs to show itself: the startup probe gives up on a pod after 60 s. Keep
   * it below the deploy's rollout timeout (`npm run deploy` refuses it otherwise), so that a
   * stuck rollout ends on this deadline and a slow but healthy one is not cut off.
   * @default Duration.minutes(3)
   */
  readonly progressDeadline?: Duration;

  /**
   * How long a terminating pod keeps serving while endpoints stop sending it traffic, so a
   * rollout drops no request. Needs `sleep` in the image; `Duration.seconds(0)` turns it off.
   * @default Duration.seconds(5)
   */
  readonly drainDelay?: Duration;

  /** Join a service mesh (Linkerd or Istio) with optional tracing. @default - no mesh */
  readonly mesh?: ServiceMesh;

  /**
   * A metrics exporter sidecar; adds a `metrics` port to the pod and the Service, admitted
   * from the Prometheus namespace only. @default - no metrics
   */
  readonly metrics?: MetricsExporter;
}

/** Every prop of WebServiceProps and its option objects, checked against the interfaces by the compiler. */
const WEB_SERVICE_PROPS: PropKeys<WebServiceProps> = {
  ...POD_TEMPLATE_PROPS,
  replicas: true,
  serviceType: true,
  servicePort: true,
  nodePort: true,
  externalTrafficPolicy: true,
  autoscaling: true,
  ingressFrom: true,
  maxUnavailableDuringDisruption: true,
  revisionHistoryLimit: true,
  drainDelay: true,
  mesh: true,
  metrics: true,
  progressDeadline: true,
};
const AUTOSCALING_KEYS: PropKeys<AutoscalingOptions> = { minReplicas: true, maxReplicas: true, cpuUtilization: true, memoryUtilization: true };

/** Node ports are open on every node: one service per port in a cluster, so in an app. */
const NODE_PORTS = new UniqueClaims('node port');

const SERVICE_TYPES = [ServiceType.CLUSTER_IP, ServiceType.NODE_PORT, ServiceType.LOAD_BALANCER];
/** `WebServiceProps.progressDeadline` when none is given. */
export const DEFAULT_PROGRESS_DEADLINE = Duration.minutes(3);
const PORT_NAME = 'http';
/** A WebService's pods: in a Deployment, next to a Service, a PodDisruptionBudget and a NetworkPolicy. */
const POD_OPTIONS: PodTemplateOptions = {
  describedAs: 'web service',
  portName: PORT_NAME,
  maxNameLength: 63,
  objects: ['Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy', 'ServiceAccount'],
  podObject: 'Deployment',
};
const METRICS_PORT_NAME = 'metrics';

/**
 * A stateless HTTP service on Kubernetes, production-grade by default: a Deployment of
 * hardened, probed, resource-bounded pods spread over nodes and zones, a Service in front,
 * its own ServiceAccount without an API token, a PodDisruptionBudget, a default-deny
 * NetworkPolicy that admits only the service port from the configured sources, and
 * optionally a HorizontalPodAutoscaler.
 *
 * Every object is reachable as a public field to change what the props do not cover.
 */
export class WebService extends Construct {
  public readonly name: string;
  public readonly image: ImageReference;
  public readonly containerPort: number;
  public readonly servicePort: number;
  public readonly serviceType: ServiceType;
  /** The metrics sidecar, when the service has one. */
  public readonly metrics?: MetricsExporter;
  /** The labels the Service, PodDisruptionBudget and NetworkPolicy select pods by. */
  public readonly selector: Record<string, string>;
  /** The labels on every object of this service. */
  public readonly labels: Record<string, string>;
  /** What runs in the pods, as a ServerlessService's pods run it too. */
  public readonly pod: PodTemplate;

  /** cdk8s-plus' ServiceAccount; `ApiObject.of(service.serviceAccount)` reaches its manifest. */
  public readonly serviceAccount: ServiceAccount;
  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  public readonly autoscaler?: k8s.KubeHorizontalPodAutoscalerV2;

  private readonly ingressFrom: IngressSource[];
  /** True while `ingressFrom` holds only the default, which an Ingress replaces. */
  private ingressFromIsDefault: boolean;
  private readonly egressTo: Array<{ peer: WebService }> = [];
  private readonly egressDestinations: EgressDestination[] = [];
  private readonly configMounts: Array<{ volume: string; mountPath: string; configMap: ConfigMap }> = [];
  private readonly props: WebServiceProps;

  public constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    checkKnownProps(this, 'props', props, WEB_SERVICE_PROPS);
    checkKnownProps(this, 'props.autoscaling', props.autoscaling, AUTOSCALING_KEYS);
    this.props = props;
    this.pod = new PodTemplate(this, props, POD_OPTIONS, () => this.implicitExceptions(props));
    this.name = this.pod.name;
    this.validate(props);

    this.image = this.pod.image;
    this.containerPort = this.pod.containerPort;
    this.servicePort = props.servicePort ?? 80;
    this.serviceType = props.serviceType ?? ServiceType.CLUSTER_IP;
    this.metrics = props.metrics;
    this.ingressFrom = [...(props.ingressFrom ?? [this.serviceType === ServiceType.CLUSTER_IP
      ? IngressSource.sameNamespace() : IngressSource.anyAddress()])];
    this.ingressFromIsDefault = props.ingressFrom === undefined;
    this.selector = this.pod.selector;
    this.labels = this.pod.labels;

    this.serviceAccount = new ServiceAccount(this, 'ServiceAccount', {
      metadata: this.pod.metadata('ServiceAccount'),
      automountToken: false,
    });

    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata: this.pod.metadata('Deployment'),
      spec: Lazy.any({ produce: () => this.renderDeploymentSpec() }),
    });

    this.service = new k8s.KubeService(this, 'Service', {
      metadata: this.pod.metadata('Service'),
      spec: {
        type: this.serviceType,
        ...(this.serviceType === ServiceType.CLUSTER_IP ? {} : { externalTrafficPolicy: (props.externalTrafficPolicy ?? ExternalTrafficPolicy.local()).value }),
        selector: this.selector,
        ports: [{
          name: PORT_NAME,
          protocol: 'TCP',
          port: this.servicePort,
          targetPort: k8s.IntOrString.fromString(PORT_NAME),
          ...(props.nodePort !== undefined ? { nodePort: props.nodePort } : {}),
        }, ...(props.metrics ? [{
          name: METRICS_PORT_NAME,
          protocol: 'TCP',
          port: props.metrics.port,
          targetPort: k8s.IntOrString.fromString(METRICS_PORT_NAME),
        }] : [])],
      },
    });

    this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata: this.pod.metadata('PodDisruptionBudget'),
      spec: {
        maxUnavailable: k8s.IntOrString.fromNumber(props.maxUnavailableDuringDisruption ?? 1),
        selector: { matchLabels: this.selector },
        // Lets a drain evict pods that are not ready anyway, instead of blocking on them.
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
      },
    });

    this.networkPolicy = new k8s.KubeNetworkPolicy(this, 'NetworkPolicy', {
      metadata: this.pod.metadata('NetworkPolicy'),
      spec: Lazy.any({ produce: () => this.renderNetworkPolicySpec() }),
    });

    if (props.autoscaling) {
      const a = props.autoscaling;
      this.autoscaler = new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: { name: this.name, labels: this.labels },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
          minReplicas: a.minReplicas ?? 2,
          maxReplicas: a.maxReplicas,
          metrics: [
            utilization('cpu', a.cpuUtilization ?? 70),
            utilization('memory', a.memoryUtilization ?? 80),
          ],
        },
      });
    }
  }

  /** Adds or replaces an environment variable of the container. */
  public addEnv(name: string, value: string): void {
    this.pod.addEnv(name, value);
  }

  /** Admits traffic to the service port from another source. */
  public allowFrom(source: IngressSource | WebService): void {
    if (this.ingressFromIsDefault) {
      // The first explicit source replaces the default: only what is named is admitted.
      this.ingressFrom.length = 0;
      this.ingressFromIsDefault = false;
    }
    if (source instanceof WebService) {
      checkSameNamespace(this, 'allowFrom', source, 'a pod selector only matches pods of its own namespace: create both services in one chart, '
        + 'or admit the other one with IngressSource.pods(labels, namespace)');
      this.ingressFrom.push(IngressSource.pods(source.selector));
      source.egressTo.push({ peer: this });
    } else {
      this.ingressFrom.push(source);
    }
  }

  /**
   * Lets the pods open connections to a destination outside this namespace's services, e.g. the
   * gateway a serverless service is reached through (`ServerlessService.allowFrom` calls it).
   * Adding the same destination twice adds it once.
   */
  public allowTo(destination: EgressDestination): void {
    if (!(destination instanceof EgressDestination)) {
      throw new PropValidationError(this, 'allowTo', destination, 'use EgressDestination.pods(labels, namespace, ports)');
    }
    if (!this.egressDestinations.some((d) => d.description === destination.description)) this.egressDestinations.push(destination);
  }

  /**
   * Mounts files into the container, read-only, from a ConfigMap the service owns. The
   * ConfigMap's name carries a hash of its content, so changing a file rolls the pods.
   * @param id short name of this set of files, e.g. `api-proxy`
   * @returns the ConfigMap
   */
  public mountConfig(id: string, mountPath: string, files: Record<string, string>): ConfigMap {
    checkDnsLabel(this, 'config id', id, 40);
    if (!/^\/[^\s:]*$/.test(mountPath) || mountPath === '/') {
      throw new PropValidationError(this, 'config mountPath', mountPath, 'use an absolute directory path below "/"');
    }
    if (this.pod.isWritable(mountPath)) {
      throw new PropValidationError(this, 'config mountPath', mountPath, 'this path is already a writable emptyDir (writablePaths); mount the config at another path');
    }
    if (this.configMounts.some((m) => m.mountPath === mountPath || m.volume === `config-${id}`)) {
      throw new PropValidationError(this, 'config', `${id} at ${mountPath}`, 'mount each config id and path once');
    }
    for (const name of Object.keys(files)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(name)) {
        throw new PropValidationError(this, 'config file name', name, 'use letters, digits, "-", "_" and "."');
      }
    }
    const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
    const hash = createHash('sha256').update(JSON.stringify(sorted)).digest('hex').slice(0, 10);
    const configMap = new ConfigMap(this, `Config-${id}`, {
      metadata: { name: `${this.name}-${id}-${hash}`, labels: this.labels },
      data: sorted,
      immutable: true,
    });
    this.configMounts.push({ volume: `config-${id}`, mountPath, configMap });
    return configMap;
  }

  /** The in-cluster URL of the service, e.g. `http://api` (same namespace). */
  public get url(): string {
    return `http://${this.name}${this.servicePort === 80 ? '' : `:${this.servicePort}`}`;
  }

  /** Exceptions that follow from the props themselves, so users need not repeat them. */
  private implicitExceptions(props: WebServiceProps): PolicyException[] {
    const out: PolicyException[] = [];
    if (props.autoscaling) {
      out.push(PolicyException.polaris('deploymentMissingReplicas', 'Deployment',
        'Replicas are owned by the HorizontalPodAutoscaler (minReplicas >= 2); a fixed count would fight it.'));
    }
    // The metrics sidecar's pull policy follows its own image (IfNotPresent when pinned by digest).
    if ((props.imagePullPolicy === undefined && props.image.isImmutable) || props.metrics?.image.isImmutable) {
      out.push(...pinnedImageExceptions('Deployment'));
    }
    return out;
  }

  private validate(props: WebServiceProps): void {
    if (props.servicePort !== undefined) checkPort(this, 'servicePort', props.servicePort);
    if (props.replicas !== undefined) checkReplicas(this, 'replicas', props.replicas);
    if (props.serviceType !== undefined) checkOneOf(this, 'serviceType', props.serviceType, SERVICE_TYPES);
    if (props.nodePort !== undefined) {
      checkInteger(this, 'nodePort', props.nodePort, 30000, 32767);
      NODE_PORTS.claim(this, 'nodePort', String(props.nodePort), props.nodePort, 'a node port is open on every node of the cluster; give each service its own');
      if ((props.serviceType ?? ServiceType.CLUSTER_IP) === ServiceType.CLUSTER_IP) {
        throw new PropValidationError(this, 'nodePort', props.nodePort, 'a nodePort needs serviceType NodePort or LoadBalancer');
      }
    }
    if (props.externalTrafficPolicy !== undefined) {
      if (!(props.externalTrafficPolicy instanceof ExternalTrafficPolicy)) {
        throw new PropValidationError(this, 'externalTrafficPolicy', props.externalTrafficPolicy, 'use ExternalTrafficPolicy.local() or ExternalTrafficPolicy.cluster()');
      }
      if ((props.serviceType ?? ServiceType.CLUSTER_IP) === ServiceType.CLUSTER_IP) {
        throw new PropValidationError(this, 'externalTrafficPolicy', props.externalTrafficPolicy.value,
          'only NodePort and LoadBalancer Services take traffic from outside the cluster; set serviceType, or drop externalTrafficPolicy');
      }
    }
    if (props.maxUnavailableDuringDisruption !== undefined) {
      checkInteger(this, 'maxUnavailableDuringDisruption', props.maxUnavailableDuringDisruption, 1, 1000);
    }
    if (props.revisionHistoryLimit !== undefined) checkInteger(this, 'revisionHistoryLimit', props.revisionHistoryLimit, 0, 100);
    if (props.progressDeadline !== undefined) {
      const seconds = props.progressDeadline.toSeconds({ integral: false });
      // The controller needs a deadline above the pods' start (startup probe: up to 60 s).
      if (!Number.isInteger(seconds) || seconds < 60 || seconds > 3600) {
        throw new PropValidationError(this, 'progressDeadline', `${seconds}s`, 'use whole seconds from Duration.seconds(60) to Duration.hours(1)');
      }
    }
    if (props.autoscaling) {
      const a = props.autoscaling;
      const min = a.minReplicas ?? 2;
      checkInteger(this, 'autoscaling.minReplicas', min, 1, 1000);
      checkInteger(this, 'autoscaling.maxReplicas', a.maxReplicas, min + 1, 1000,
        `above autoscaling.minReplicas, ${min}${a.minReplicas === undefined ? ' by default' : ''}: the autoscaler scales between the two; for a fixed count drop autoscaling and set replicas`);
      if (a.cpuUtilization !== undefined) checkInteger(this, 'autoscaling.cpuUtilization', a.cpuUtilization, 1, 100);
      if (a.memoryUtilization !== undefined) checkInteger(this, 'autoscaling.memoryUtilization', a.memoryUtilization, 1, 100);
    }
    claimServiceName(this, this.name, 'web service');
  }

  private renderDeploymentSpec(): k8s.DeploymentSpec {
    const props = this.props;
    const drainSeconds = (props.drainDelay ?? Duration.seconds(5)).toSeconds();
    const container = this.pod.container({
      probePort: k8s.IntOrString.fromString(PORT_NAME),
      mounts: this.configMounts.map((m) => ({ name: m.volume, mountPath: m.mountPath, readOnly: true })),
      ...(drainSeconds > 0 ? { lifecycle: { preStop: { exec: { command: ['sleep', String(drainSeconds)] } } } } : {}),
    });
    const priorityClassName = this.pod.priorityClassName;
    const mesh = props.mesh?._pod;
    const podLabels = { ...this.labels, ...mesh?.labels };
    return {
      ...(props.autoscaling ? {} : { replicas: props.replicas ?? 2 }),
      revisionHistoryLimit: props.revisionHistoryLimit ?? 5,
      progressDeadlineSeconds: (props.progressDeadline ?? DEFAULT_PROGRESS_DEADLINE).toSeconds(),
      selector: { matchLabels: this.selector },
      strategy: {
        type: 'RollingUpdate',
        // Never below the desired count during a rollout: a new pod must be ready first.
        rollingUpdate: { maxUnavailable: k8s.IntOrString.fromNumber(0), maxSurge: k8s.IntOrString.fromNumber(1) },
      },
      template: {
        metadata: { labels: podLabels, ...(mesh && Object.keys(mesh.annotations).length ? { annotations: mesh.annotations } : {}) },
        spec: {
          serviceAccountName: this.name,
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          ...(priorityClassName ? { priorityClassName } : {}),
          terminationGracePeriodSeconds: Math.max(30, drainSeconds + 10),
          securityContext: this.pod.podSecurity,
          containers: [container, ...(props.metrics ? [this.renderExporter(props.metrics, this.pod.containerSecurity)] : [])],
          volumes: [
            ...this.pod.writable.volumes.map(({ name, sizeLimit }) => ({ name, emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit) } })),
            ...this.configMounts.map((m) => ({ name: m.volume, configMap: { name: m.configMap.name } })),
          ],
          topologySpreadConstraints: this.pod.topologySpreadConstraints,
          affinity: this.pod.affinity,
        },
      },
    };
  }

  private renderExporter(metrics: MetricsExporter, securityContext: k8s.SecurityContext): k8s.Container {
    const timing = { timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1, initialDelaySeconds: 0 };
    const port = k8s.IntOrString.fromString(METRICS_PORT_NAME);
    return {
      name: 'metrics',
      image: metrics.image.toString(),
      imagePullPolicy: metrics.image.isImmutable ? ImagePullPolicy.IF_NOT_PRESENT : ImagePullPolicy.ALWAYS,
      args: metrics.args,
      ports: [{ name: METRICS_PORT_NAME, containerPort: metrics.port, protocol: 'TCP' }],
      resources: ResourceProfile.NANO.toKube(),
      // Ready once it serves metrics; alive while its port is open (a failing scrape of nginx
      // is nginx's problem, and restarting the exporter would not fix it).
      readinessProbe: { httpGet: { path: '/metrics', port, scheme: 'HTTP' }, periodSeconds: 10, ...timing },
      livenessProbe: { tcpSocket: { port }, periodSeconds: 20, ...timing },
      securityContext,
    };
  }

  private renderNetworkPolicySpec(): k8s.NetworkPolicySpec {
    const dns = dnsEgressRule();
    const sources = this.ingressFrom.flatMap((s) => s._peers);
    const egressToServices = this.egressTo.map(({ peer }): k8s.NetworkPolicyEgressRule => ({
      to: [{ podSelector: { matchLabels: peer.selector } }],
      ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(peer.containerPort) }],
    }));
    return {
      // One label only: Polaris (missingNetworkPolicy) matches a policy to pods by exactly one of
      // their labels, and the instance label alone already identifies this service's pods.
      podSelector: { matchLabels: { 'app.kubernetes.io/instance': this.name } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        // An empty `from` would admit every source, so no sources means no rule at all.
        ...(sources.length > 0 ? [{ from: sources, ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(this.containerPort) }] }] : []),
        ...(this.props.mesh?._pod.ingress ?? []),
        ...(this.props.metrics ? [{
          from: IngressSource.namespace(this.props.metrics.scrapedFrom)._peers,
          ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(this.props.metrics.port) }],
        }] : []),
      ],
      egress: [dns, ...egressToServices, ...this.egressDestinations.map((d) => d._rule), ...(this.props.mesh?._pod.egress ?? [])],
    };
  }
}

function utilization(name: 'cpu' | 'memory', averageUtilization: number): k8s.MetricSpecV2 {
  return { type: 'Resource', resource: { name, target: { type: 'Utilization', averageUtilization } } };
}

/**
 * Refuses a replica count a Deployment cannot serve with. 0 is refused rather than rendered: a
 * Deployment scaled to zero has no pods, its Service no endpoints, and nothing starts a pod when
 * a request comes; scaling to zero when idle needs something that holds the request and starts
 * one, which Knative's activator does for a ServerlessService.
 */
export function checkReplicas(scope: IConstruct | string, field: string, replicas: number): void {
  if (replicas === 0) {
    throw new PropValidationError(scope, field, replicas,
      'a web service with 0 pods serves nothing: its Service has no endpoints and nothing starts a pod when a request comes. '
      + 'Use 2 or more (kube-score and Polaris ask for 2, so that a drain or a crash leaves one serving); to run nothing while idle, '
      + 'run it as a ServerlessService with autoscaling: { scaleToZero: true } (serverless: { scaleToZero: true } in config/targets.ts); to stop it, remove it');
  }
  checkInteger(scope, field, replicas, 1, 1000);
}