import { IConstruct } from 'constructs';
import { ImagePullPolicy } from 'cdk8s-plus-27';
import * as k8s from '../imports/k8s';
import { checkEnvName, sortedEnv } from './container-env';
import {
  checkHealthCheckKeys, checkProbePaths, DEFAULT_HEALTH_CHECK_PATH, DEFAULT_READINESS_PATH, HealthChecks, renderProbes,
} from './health-checks';
import { checkImageReference, ImageReference } from './image-reference';
import { recommendedLabels, selectorLabels } from './labels';
import { NamespaceChart } from './namespace-chart';
import { hostAntiAffinity, topologySpread } from './pod-spreading';
import { exceptionAnnotations, ExceptionTarget, PolicyException } from './policy-exception';
import { checkResourceProfile, ResourceProfile } from './resource-profile';
import {
  checkRunAsIds, checkWritablePaths, DEFAULT_WRITABLE_PATHS, resolveRunAs, restrictedContainerSecurity, restrictedPodSecurity, RUN_AS_KEYS, RunAs,
  writableVolumes,
} from './restricted-security';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { checkDnsLabel, checkPort, PropValidationError } from './validation/prop-errors';

/**
 * What runs in a service's pods, the props `WebService` and `ServerlessService` share: the
 * image, names and labels, the container's port, environment, resources and probes, its user
 * and writable paths, and the policy exceptions of its objects.
 */
export interface PodTemplateProps {
  /** The container image: always a tag or a digest, never `latest`. */
  readonly image: ImageReference;

  /**
   * Name of the service's objects (and of the Service that callers use). Unique within the chart.
   * At most 63 characters; 49 for a ServerlessService, whose Revisions Knative names
   * `<name>-00001` and their Services `<name>-00001-private`.
   * @default - the construct id
   */
  readonly name?: string;

  /** The application name for `app.kubernetes.io/name`. @default - `name` */
  readonly appName?: string;

  /** `app.kubernetes.io/component`. @default 'web' */
  readonly component?: string;

  /** `app.kubernetes.io/part-of`. @default 'mincloud' */
  readonly partOf?: string;

  /**
   * Port the container listens on: named `http` in a WebService; `http1` in a ServerlessService,
   * as Knative names an HTTP/1 port, given to the container in `$PORT` and not one of Knative's
   * own pod ports (8008, 8012, 8013, 8022, 9090, 9091).
   * @default 8080
   */
  readonly containerPort?: number;

  /** Environment variables of the container (a ServerlessService's not `PORT` and `K_*`, which Knative sets). More with `addEnv`. @default - none */
  readonly env?: Record<string, string>;

  /** CPU, memory and ephemeral storage of the container. @default ResourceProfile.SMALL */
  readonly resources?: ResourceProfile;

  /** HTTP path that answers 200 while the process is alive (liveness and startup probes). @default '/healthz' */
  readonly healthCheckPath?: string;

  /**
   * HTTP path that answers 200 when the service can take traffic (readiness probe). Kept apart
   * from `healthCheckPath` so "not ready" (taken out of the Service) and "broken" (restarted)
   * can be told apart. @default '/readyz'
   */
  readonly readinessPath?: string;

  /** Timings of the readiness, liveness and startup probes, all HTTP on the container port. @default - see `HealthChecks` */
  readonly healthChecks?: HealthChecks;

  /**
   * User and groups of the pod. A ServerlessService's `fsGroup` needs the pod security context
   * (`clusterFeatures.podSecurityContext`). @default 10101 for all, the images' user
   */
  readonly runAs?: RunAs;

  /**
   * Paths the container may write to; each gets its own emptyDir, the root filesystem stays
   * read-only.
   * @default ['/tmp']
   */
  readonly writablePaths?: string[];

  /** @default - pull `Always` for tags (they can move), `IfNotPresent` for digests (they cannot) */
  readonly imagePullPolicy?: ImagePullPolicy;

  /**
   * PriorityClass of the pods; a ServerlessService's needs `clusterFeatures.priorityClassName`.
   * @default - the NamespaceChart's PriorityClass (a ServerlessService's only with that flag), else none
   */
  readonly priorityClassName?: string;

  /** Deliberate exceptions to policy rules, each with its reason, on one of the service's objects. @default - none */
  readonly policyExceptions?: PolicyException[];
}

/** Every prop of PodTemplateProps, checked against the interface by the compiler; each service adds its own. */
export const POD_TEMPLATE_PROPS: PropKeys<PodTemplateProps> = {
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
  priorityClassName: true,
  policyExceptions: true,
};

/** How a service construct renders its pods: what differs between a Deployment's and Knative's. */
export interface PodTemplateOptions {
  /** How messages and name claims call the service, e.g. 'web service'. */
  readonly describedAs: string;
  /** Name of the container's port: `http`, or `http1` as Knative names an HTTP/1 port. */
  readonly portName: string;
  /** The longest `name` the service's objects allow. */
  readonly maxNameLength: number;
  /** The service's objects: what `policyExceptions` may be attached to. */
  readonly objects: readonly ExceptionTarget[];
  /** The object that holds the pod template (its pull policy exceptions go there). */
  readonly podObject: ExceptionTarget;
  /** Checks of an environment variable's name beyond the Kubernetes rules. @default - none */
  readonly checkEnv?: (scope: IConstruct, name: string) => void;
}

/**
 * The pods of a service, built once from `PodTemplateProps` for both service constructs: their
 * names, labels, checks, policy annotations and the container (hardened, probed,
 * resource-bounded), spelled for Kubernetes; each construct places them in its own object.
 */
export class PodTemplate {
  public readonly name: string;
  public readonly image: ImageReference;
  public readonly containerPort: number;
  /** The labels the Service, PodDisruptionBudget and NetworkPolicy select pods by. */
  public readonly selector: Record<string, string>;
  /** The labels on every object of the service. */
  public readonly labels: Record<string, string>;
  /** The pull policy of the container. */
  public readonly imagePullPolicy: ImagePullPolicy;

  private readonly env: Map<string, string>;
  private readonly runAs: Required<RunAs>;
  private readonly exceptions: PolicyException[];

  /**
   * @param scope the service construct: messages name its path
   * @param implicitExceptions exceptions that follow from the service's own props, so users need not repeat them; asked once the props are checked
   */
  public constructor(
    private readonly scope: IConstruct,
    private readonly props: PodTemplateProps,
    private readonly options: PodTemplateOptions,
    implicitExceptions: () => readonly PolicyException[] = () => [],
  ) {
    checkKnownProps(scope, 'props.runAs', props.runAs, RUN_AS_KEYS);
    checkHealthCheckKeys(scope, props.healthChecks);
    this.name = props.name ?? scope.node.id;
    this.validate();

    this.image = props.image;
    this.containerPort = props.containerPort ?? 8080;
    this.env = new Map(Object.entries(props.env ?? {}));
    this.runAs = resolveRunAs(props.runAs);
    this.imagePullPolicy = props.imagePullPolicy ?? (this.image.isImmutable ? ImagePullPolicy.IF_NOT_PRESENT : ImagePullPolicy.ALWAYS);
    const appName = props.appName ?? this.name;
    this.selector = selectorLabels({ name: appName, instance: this.name });
    this.labels = recommendedLabels({
      name: appName,
      instance: this.name,
      version: props.image.version,
      component: props.component ?? 'web',
      partOf: props.partOf ?? 'mincloud',
    });
    this.exceptions = [...(props.policyExceptions ?? []), ...implicitExceptions()];
  }

  /** Adds or replaces an environment variable of the container. */
  public addEnv(name: string, value: string): void {
    this.checkEnv(name);
    this.env.set(name, value);
  }

  /** The metadata of one of the service's objects: its name, labels and the annotations of its exceptions. */
  public metadata(on: ExceptionTarget, labels: Record<string, string> = this.labels): { name: string; labels: Record<string, string>; annotations?: Record<string, string> } {
    const annotations = exceptionAnnotations(this.exceptions.filter((e) => e.on === on));
    return { name: this.name, labels, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) };
  }

  /** The writable paths, each an emptyDir of at most `sizeLimit`. */
  public get writable(): ReturnType<typeof writableVolumes> {
    return writableVolumes(this.props.writablePaths ?? DEFAULT_WRITABLE_PATHS);
  }

  /** Whether `path` is one of the writable paths (an emptyDir nothing else may be mounted at). */
  public isWritable(path: string): boolean {
    return (this.props.writablePaths ?? DEFAULT_WRITABLE_PATHS).includes(path);
  }

  /**
   * The container: image, port, environment, resources, the three probes on `probePort`,
   * restricted security, the writable paths and `mounts`, and `lifecycle`.
   */
  public container(options: { readonly probePort: k8s.IntOrString; readonly mounts?: k8s.VolumeMount[]; readonly lifecycle?: k8s.Lifecycle }): k8s.Container {
    const probes = renderProbes(this.props.healthChecks ?? {}, this.props.healthCheckPath ?? DEFAULT_HEALTH_CHECK_PATH,
      this.props.readinessPath ?? DEFAULT_READINESS_PATH, options.probePort);
    const env = sortedEnv(this.env);
    return {
      name: this.name,
      image: this.image.toString(),
      imagePullPolicy: this.imagePullPolicy,
      ports: [{ name: this.options.portName, containerPort: this.containerPort, protocol: 'TCP' }],
      ...(env.length > 0 ? { env } : {}),
      resources: (this.props.resources ?? ResourceProfile.SMALL).toKube(),
      readinessProbe: probes.readinessProbe,
      livenessProbe: probes.livenessProbe,
      ...(probes.startupProbe ? { startupProbe: probes.startupProbe } : {}),
      securityContext: this.containerSecurity,
      volumeMounts: [...this.writable.mounts, ...(options.mounts ?? [])],
      ...(options.lifecycle ? { lifecycle: options.lifecycle } : {}),
    };
  }

  /** The container's restricted security context (Pod Security `restricted`), for sidecars too. */
  public get containerSecurity(): k8s.SecurityContext {
    return restrictedContainerSecurity(this.runAs);
  }

  /** The pod's restricted security context. */
  public get podSecurity(): k8s.PodSecurityContext {
    return restrictedPodSecurity(this.runAs);
  }

  /** The pod's PriorityClass: the prop, else the NamespaceChart's. @default - none */
  public get priorityClassName(): string | undefined {
    return this.props.priorityClassName ?? NamespaceChart.priorityClassNameOf(this.scope);
  }

  /** The pods spread over zones and nodes. */
  public get topologySpreadConstraints(): k8s.TopologySpreadConstraint[] {
    return topologySpread(this.selector);
  }

  /** No two pods on one node while there are nodes enough. */
  public get affinity(): k8s.Affinity {
    return hostAntiAffinity(this.selector);
  }

  private checkEnv(name: string): void {
    checkEnvName(this.scope, name);
    this.options.checkEnv?.(this.scope, name);
  }

  private validate(): void {
    const props = this.props;
    const scope = this.scope;
    checkDnsLabel(scope, 'name', this.name, this.options.maxNameLength);
    checkImageReference(scope, props.image);
    if (props.containerPort !== undefined) checkPort(scope, 'containerPort', props.containerPort);
    checkProbePaths(scope, props.healthCheckPath ?? DEFAULT_HEALTH_CHECK_PATH, props.readinessPath ?? DEFAULT_READINESS_PATH);
    checkResourceProfile(scope, props.resources);
    checkRunAsIds(scope, props.runAs);
    checkWritablePaths(scope, props.writablePaths);
    for (const name of Object.keys(props.env ?? {})) this.checkEnv(name);
    for (const e of props.policyExceptions ?? []) {
      if (!(e instanceof PolicyException) || !this.options.objects.includes(e.on)) {
        throw new PropValidationError(scope, 'policyExceptions', e instanceof PolicyException ? `${e.tool} ${e.rule} on ${e.on}` : e,
          `a ${this.options.describedAs} has the objects ${this.options.objects.map((t) => `"${t}"`).join(', ')}; attach the exception to one of them`);
      }
    }
  }
}

