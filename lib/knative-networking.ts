import { EgressDestination } from './egress-destination';
import { IngressSource } from './ingress-source';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { checkDnsLabel, checkPort, PropValidationError } from './validation/prop-errors';

/** Options of `KnativeNetworking.custom`. */
export interface KnativeNetworkingOptions {
  /** Namespace of the networking layer's gateway pods (the ones that route by Host header). */
  readonly gatewayNamespace: string;
  /** Labels of those pods. */
  readonly gatewayPodLabels: Record<string, string>;
  /**
   * The gateway pods' port behind the cluster-local address (`<service>.<namespace>.svc.cluster.local`
   * resolves to the local gateway's Service, whose target is this port).
   */
  readonly localGatewayPort: number;
  /** Namespace of Knative Serving itself (activator, autoscaler). @default 'knative-serving' */
  readonly servingNamespace?: string;
}

const OPTION_KEYS: PropKeys<KnativeNetworkingOptions> = { gatewayNamespace: true, gatewayPodLabels: true, localGatewayPort: true, servingNamespace: true };

/**
 * The pod ports of Knative's queue-proxy, the sidecar Knative puts in front of the container in
 * every pod (knative.dev/serving/pkg/apis/networking): requests (HTTP/1) and the autoscaler's
 * metrics.
 */
export const QUEUE_PROXY_HTTP_PORT = 8012;
export const QUEUE_PROXY_METRICS_PORT = 9090;

/**
 * How Knative Serving routes requests in a cluster, which decides who connects to a serverless
 * service's pods and where its callers connect to:
 *
 * - a caller in the cluster resolves `<service>.<namespace>.svc.cluster.local` to the
 *   networking layer's local gateway and connects to the gateway's pods (`localGatewayPort`);
 * - the gateway forwards to the pods' queue-proxy (port 8012), or, while the service has no
 *   ready pod (scaled to zero, or a burst above what the pods can take), to Knative's
 *   activator in `knative-serving`, which holds the request and forwards it to the queue-proxy
 *   when a pod is ready;
 * - Knative's autoscaler (in `knative-serving`) reads each queue-proxy's metrics (port 9090).
 */
export class KnativeNetworking {
  /** Kourier (net-kourier): gateway pods `app: 3scale-kourier-gateway` in `kourier-system`, cluster-local listener 8081. */
  public static kourier(): KnativeNetworking {
    return new KnativeNetworking('kourier', 'kourier-system', { app: '3scale-kourier-gateway' }, 8081, 'knative-serving');
  }

  /** Istio (net-istio): `knative-local-gateway` in `istio-system`, to the ingress gateway pods `istio: ingressgateway` on 8081. */
  public static istio(): KnativeNetworking {
    return new KnativeNetworking('istio', 'istio-system', { istio: 'ingressgateway' }, 8081, 'knative-serving');
  }

  /** Another networking layer, or one installed with other names. */
  public static custom(options: KnativeNetworkingOptions): KnativeNetworking {
    const where = 'KnativeNetworking.custom';
    checkKnownProps(where, 'options', options, OPTION_KEYS);
    checkDnsLabel(where, 'gatewayNamespace', options.gatewayNamespace);
    if (typeof options.gatewayPodLabels !== 'object' || options.gatewayPodLabels === null || Object.keys(options.gatewayPodLabels).length === 0) {
      throw new PropValidationError(where, 'gatewayPodLabels', options.gatewayPodLabels, 'name at least one label of the gateway pods, e.g. { app: "3scale-kourier-gateway" }');
    }
    checkPort(where, 'localGatewayPort', options.localGatewayPort);
    if (options.servingNamespace !== undefined) checkDnsLabel(where, 'servingNamespace', options.servingNamespace);
    return new KnativeNetworking('custom', options.gatewayNamespace, { ...options.gatewayPodLabels }, options.localGatewayPort, options.servingNamespace ?? 'knative-serving');
  }

  private constructor(
    /** `kourier`, `istio` or `custom`. */
    public readonly name: string,
    public readonly gatewayNamespace: string,
    public readonly gatewayPodLabels: Readonly<Record<string, string>>,
    public readonly localGatewayPort: number,
    public readonly servingNamespace: string,
  ) {}

  /** Where a caller in the cluster connects to: the gateway pods, on the local gateway's port. */
  public get localGateway(): EgressDestination {
    return EgressDestination.pods({ ...this.gatewayPodLabels }, this.gatewayNamespace, [this.localGatewayPort]);
  }

  /** Who sends requests to the pods' queue-proxy: the gateway pods and Knative's activator. */
  public get requestSources(): IngressSource[] {
    return [IngressSource.pods({ ...this.gatewayPodLabels }, this.gatewayNamespace), IngressSource.pods({ app: 'activator' }, this.servingNamespace)];
  }

  /** Who reads the queue-proxy's metrics: Knative's autoscaler. */
  public get metricsSources(): IngressSource[] {
    return [IngressSource.pods({ app: 'autoscaler' }, this.servingNamespace)];
  }
}
