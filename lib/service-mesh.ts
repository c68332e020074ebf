import * as k8s from '../imports/k8s';
import { checkDnsLabel, PropValidationError } from './validation/prop-errors';
import { checkKnownProps, PropKeys } from './validation/known-props';

export interface LinkerdOptions {
  /** Namespace of the Linkerd control plane. @default 'linkerd' */
  readonly controlPlaneNamespace?: string;
  /**
   * Trace collector the proxy sends spans to, `host:port` (e.g. linkerd-jaeger's collector,
   * which accepts Zipkin-compatible B3 context). @default - no tracing
   */
  readonly traceCollector?: string;
  /**
   * Namespace of the trace collector's pods: the only namespace the tracing egress rule admits.
   * @default - the namespace in `traceCollector`'s host (`collector.linkerd-jaeger` -> `linkerd-jaeger`)
   */
  readonly traceCollectorNamespace?: string;
  /**
   * Labels of the trace collector's pods: the only pods the tracing egress rule admits.
   * @default { component: 'collector' } (linkerd-jaeger's collector)
   */
  readonly traceCollectorPodLabels?: Record<string, string>;
}

export interface IstioOptions {
  /** Namespace of istiod. @default 'istio-system' */
  readonly controlPlaneNamespace?: string;
  /** Zipkin endpoint the sidecar reports to, `host:port`. @default - no tracing */
  readonly zipkinAddress?: string;
  /**
   * Namespace of the Zipkin pods: the only namespace the tracing egress rule admits.
   * @default - the namespace in `zipkinAddress`'s host (`zipkin.istio-system` -> `istio-system`)
   */
  readonly zipkinNamespace?: string;
  /** Labels of the Zipkin pods: the only pods the tracing egress rule admits. @default { app: 'zipkin' } (Istio's Zipkin addon) */
  readonly zipkinPodLabels?: Record<string, string>;
}

/** What joining a mesh changes in a web service's pods and NetworkPolicy. */
export interface MeshPodSettings {
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  /** Egress the sidecar needs (control plane, tracing). */
  readonly egress: k8s.NetworkPolicyEgressRule[];
  /** Ingress the sidecar needs (control plane scraping the proxy's admin port). */
  readonly ingress: k8s.NetworkPolicyIngressRule[];
}

const LINKERD_KEYS: PropKeys<LinkerdOptions> = { controlPlaneNamespace: true, traceCollector: true, traceCollectorNamespace: true, traceCollectorPodLabels: true };
const ISTIO_KEYS: PropKeys<IstioOptions> = { controlPlaneNamespace: true, zipkinAddress: true, zipkinNamespace: true, zipkinPodLabels: true };

const ENDPOINT = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?:\d{1,5}$/;

/**
 * Opt-in service mesh membership: the mesh's injector adds its proxy at admission, so this only
 * asks for injection, configures tracing, and opens the NetworkPolicy for what the proxy needs.
 *
 * Under Pod Security "restricted" the mesh must run its CNI plugin (linkerd-cni, istio-cni):
 * the default init container that rewrites iptables needs NET_ADMIN, which "restricted" forbids.
 */
export class ServiceMesh {
  /** Linkerd 2: `linkerd.io/inject: enabled`. */
  public static linkerd(options: LinkerdOptions = {}): ServiceMesh {
    checkKnownProps('ServiceMesh.linkerd', 'options', options, LINKERD_KEYS);
    const ns = options.controlPlaneNamespace ?? 'linkerd';
    checkDnsLabel('ServiceMesh.linkerd', 'controlPlaneNamespace', ns);
    const annotations: Record<string, string> = {
      'linkerd.io/inject': 'enabled',
      // The app starts only once its proxy is ready, so its first outbound calls succeed.
      'config.linkerd.io/proxy-await': 'enabled',
    };
    const egress = [toNamespace(ns, [8080, 8086, 8090])]; // identity, destination, policy
    if (options.traceCollector) {
      checkEndpoint('ServiceMesh.linkerd', 'traceCollector', options.traceCollector);
      annotations['config.linkerd.io/trace-collector'] = options.traceCollector;
      egress.push(toCollector('ServiceMesh.linkerd', 'traceCollector', options.traceCollector,
        options.traceCollectorNamespace, options.traceCollectorPodLabels ?? { component: 'collector' }));
    }
    // The proxy's admin port, scraped by linkerd-viz's Prometheus and the control plane.
    const ingress = [fromNamespaces(['linkerd', 'linkerd-viz', ns], 4191)];
    return new ServiceMesh('linkerd', { labels: {}, annotations, egress, ingress });
  }

  /** Istio: `sidecar.istio.io/inject: "true"`. */
  public static istio(options: IstioOptions = {}): ServiceMesh {
    checkKnownProps('ServiceMesh.istio', 'options', options, ISTIO_KEYS);
    const ns = options.controlPlaneNamespace ?? 'istio-system';
    checkDnsLabel('ServiceMesh.istio', 'controlPlaneNamespace', ns);
    const proxyConfig: Record<string, unknown> = { holdApplicationUntilProxyStarts: true };
    const egress = [toNamespace(ns, [15012])]; // istiod: xDS and certificates
    if (options.zipkinAddress) {
      checkEndpoint('ServiceMesh.istio', 'zipkinAddress', options.zipkinAddress);
      proxyConfig.tracing = { zipkin: { address: options.zipkinAddress } };
      egress.push(toCollector('ServiceMesh.istio', 'zipkinAddress', options.zipkinAddress,
        options.zipkinNamespace, options.zipkinPodLabels ?? { app: 'zipkin' }));
    }
    return new ServiceMesh('istio', {
      labels: { 'sidecar.istio.io/inject': 'true' },
      annotations: {
        'proxy.istio.io/config': JSON.stringify(proxyConfig),
        // The kubelet's plain-HTTP probes would fail against a strict-mTLS sidecar; the agent
        // rewrites them to its own port and forwards them to the app.
        'sidecar.istio.io/rewriteAppHTTPProbers': 'true',
      },
      egress,
      // Envoy's Prometheus endpoint.
      ingress: [fromNamespaces([ns], 15090)],
    });
  }

  private constructor(
    public readonly kind: 'linkerd' | 'istio',
    /** @internal */
    public readonly _pod: MeshPodSettings,
  ) {}
}

function checkEndpoint(scope: string, field: string, value: string): void {
  if (!ENDPOINT.test(value) || Number(value.split(':')[1]) > 65535) {
    throw new PropValidationError(scope, field, value, 'use host:port, e.g. "zipkin.istio-system:9411"');
  }
}

function toNamespace(namespace: string, ports: number[]): k8s.NetworkPolicyEgressRule {
  return {
    to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } }],
    ports: ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
  };
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

/**
 * Egress to a trace collector: its port, on its pods (by label) in its namespace only. A
 * tracing endpoint is no reason to reach every namespace of the cluster.
 */
function toCollector(scope: string, field: string, endpoint: string, namespace: string | undefined,
  podLabels: Record<string, string>): k8s.NetworkPolicyEgressRule {
  const [host, port] = endpoint.split(':');
  const ns = namespace ?? host.split('.')[1];
  if (ns === undefined) {
    throw new PropValidationError(scope, field, endpoint,
      `name the collector's namespace in the host (e.g. "collector.linkerd-jaeger:${port}") or set ${field === 'traceCollector' ? 'traceCollectorNamespace' : 'zipkinNamespace'}`);
  }
  checkDnsLabel(scope, field === 'traceCollector' ? 'traceCollectorNamespace' : 'zipkinNamespace', ns);
  const labelsField = field === 'traceCollector' ? 'traceCollectorPodLabels' : 'zipkinPodLabels';
  if (Object.keys(podLabels).length === 0) {
    throw new PropValidationError(scope, labelsField, podLabels, 'name at least one label of the collector\'s pods, e.g. { component: "collector" }');
  }
  for (const [key, value] of Object.entries(podLabels)) {
    if (!LABEL_KEY.test(key) || key.length > 253 + 63 || !LABEL_VALUE.test(value)) {
      throw new PropValidationError(scope, labelsField, { [key]: value }, 'use Kubernetes label keys and values, e.g. { app: "zipkin" }');
    }
  }
  return {
    to: [{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
      podSelector: { matchLabels: { ...podLabels } },
    }],
    ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(Number(port)) }],
  };
}

function fromNamespaces(namespaces: string[], port: number): k8s.NetworkPolicyIngressRule {
  return {
    from: [...new Set(namespaces)].map((n) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } } })),
    ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }],
  };
}
