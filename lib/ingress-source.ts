import * as k8s from '../imports/k8s';

/**
 * Where traffic to a web service may come from; each source becomes one `from` peer of the
 * service's NetworkPolicy, which admits nothing else.
 */
export class IngressSource {
  /** Any address, in and outside the cluster: what a NodePort or LoadBalancer Service needs. */
  public static anyAddress(): IngressSource {
    return new IngressSource('any address', [{ ipBlock: { cidr: '0.0.0.0/0' } }, { ipBlock: { cidr: '::/0' } }]);
  }

  /** Every pod in the service's own namespace. */
  public static sameNamespace(): IngressSource {
    return new IngressSource('pods in the same namespace', [{ podSelector: {} }]);
  }

  /** Every pod in the named namespace, e.g. an ingress controller's (`ingress-nginx`). */
  public static namespace(name: string): IngressSource {
    return new IngressSource(`namespace ${name}`, [{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
    }]);
  }

  /** Pods with these labels, in the service's namespace or in the named one. */
  public static pods(labels: Record<string, string>, namespace?: string): IngressSource {
    return new IngressSource(`pods ${JSON.stringify(labels)}${namespace ? ` in ${namespace}` : ''}`, [{
      podSelector: { matchLabels: { ...labels } },
      ...(namespace ? { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } } } : {}),
    }]);
  }

  /** An address range in CIDR notation. */
  public static cidr(cidr: string): IngressSource {
    return new IngressSource(`addresses ${cidr}`, [{ ipBlock: { cidr } }]);
  }

  private constructor(
    /** For reports and pictures. */
    public readonly description: string,
    /** @internal */
    public readonly _peers: k8s.NetworkPolicyPeer[],
  ) {}
}
