import { IConstruct } from 'constructs';
import { PropValidationError } from './prop-errors';

/**
 * Refuses the host at `hosts[index]` when an earlier entry is the same host: every host becomes
 * an Ingress rule and a name on the certificate, so a second one duplicates both.
 */
export function checkHostListedOnce(scope: IConstruct | string, field: string, hosts: readonly string[], index: number): void {
  const first = hosts.indexOf(hosts[index]);
  if (first !== index) {
    throw new PropValidationError(scope, field, hosts[index],
      `listed twice (${field}[${first}] and ${field}[${index}]): each host becomes one Ingress rule and one name on the certificate, so the second copy would duplicate both; list it once`);
  }
}
