/**
 * How a NodePort or LoadBalancer Service spreads traffic that arrives from outside the cluster
 * (`spec.externalTrafficPolicy`).
 *
 * - `local()`: a node passes such traffic only to the service's pods on that node, and the pod
 *   sees the client's own address. Per-client limits (the site's nginx) then see each client.
 *   The costs: a node without a ready pod of the service drops the connection (a client or load
 *   balancer must pick a node that has one), and traffic is spread per node, not per pod (a
 *   node with one pod takes as much as a node with three). A LoadBalancer learns which nodes
 *   have a pod from a health check port Kubernetes adds (`healthCheckNodePort`).
 * - `cluster()`: any node forwards to any pod, evenly, but translates the client's address to
 *   the node's own on the way (SNAT): every client behind one node is one address to the pod,
 *   and a per-client limit becomes a limit for all of them.
 */
export class ExternalTrafficPolicy {
  /** Keep the client's address; only nodes with a ready pod serve. */
  public static local(): ExternalTrafficPolicy {
    return new ExternalTrafficPolicy('Local');
  }

  /** Spread evenly over every pod; the pods see the node's address instead of the client's. */
  public static cluster(): ExternalTrafficPolicy {
    return new ExternalTrafficPolicy('Cluster');
  }

  private constructor(
    /** The value of `spec.externalTrafficPolicy`. */
    public readonly value: 'Local' | 'Cluster',
  ) {}
}
