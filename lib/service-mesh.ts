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
}

export interface IstioOptions {
  /** Namespace of istiod. @default 'istio-system' */
  readonly controlPlaneNamespace?: string;
  /** Zipkin endpoint the sidecar reports to, `host:port`. @default - no tracing */
  readonly zipkinAddress?: string;
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

const LINKERD_KEYS: PropKeys<LinkerdOptions> = { controlPlaneNamespace: true, traceCollector: true };
const ISTIO_KEYS: PropKeys<IstioOptions> = { controlPlaneNamespace: true, zipkinAddress: true };

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
      egress.push(toAnyNamespace(Number(options.traceCollector.split(':')[1])));
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
      egress.push(toAnyNamespace(Number(options.zipkinAddress.split(':')[1])));
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

function toAnyNamespace(port: number): k8s.NetworkPolicyEgressRule {
  return { to: [{ namespaceSelector: {} }], ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }] };
}

function fromNamespaces(namespaces: string[], port: number): k8s.NetworkPolicyIngressRule {
  return {
    from: [...new Set(namespaces)].map((n) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': n } } })),
    ports: [{ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) }],
  };
}
