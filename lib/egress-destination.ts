import * as k8s from '../imports/k8s';
import { checkDnsLabel, checkPort } from './validation/prop-errors';

/**
 * Where a web service's pods may open connections besides DNS and the services that admit it
 * (`allowFrom`): one egress rule of its NetworkPolicy, which allows nothing else out.
 */
export class EgressDestination {
  /** Pods with these labels in the named namespace, on these TCP ports (the pods' own ports). */
  public static pods(labels: Record<string, string>, namespace: string, ports: readonly number[]): EgressDestination {
    const where = 'EgressDestination.pods';
    checkDnsLabel(where, 'namespace', namespace);
    for (const port of ports) checkPort(where, 'ports', port);
    return new EgressDestination(`pods ${JSON.stringify(labels)} in ${namespace} on ${ports.join(',')}`, {
      to: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
        podSelector: { matchLabels: { ...labels } },
      }],
      ports: ports.map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
    });
  }

  private constructor(
    /** For reports and pictures. */
    public readonly description: string,
    /** @internal */
    public readonly _rule: k8s.NetworkPolicyEgressRule,
  ) {}
}
