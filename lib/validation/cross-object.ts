import { Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PropValidationError } from './prop-errors';

/** `WebService at "dev/nginx1"`: how a construct is named in messages. */
export function describeConstruct(c: IConstruct): string {
  return `${c.constructor.name} at "${c.node.path}"`;
}

/** The namespace a construct's objects go into: its chart's. */
function namespaceOf(c: IConstruct): string | undefined {
  return Chart.of(c).namespace;
}

/**
 * Refuses a reference from `scope` to `other` that only works inside one namespace of one app
 * (a NetworkPolicy pod selector, an Ingress backend, a ServiceMonitor's selector): a service of
 * another target or namespace would be accepted by Kubernetes and never match.
 */
export function checkSameNamespace(scope: IConstruct, field: string, other: IConstruct, fix: string): void {
  const here = namespaceOf(scope);
  const there = namespaceOf(other);
  if (scope.node.root !== other.node.root || here !== there) {
    throw new PropValidationError(scope, field, other.node.path,
      `${describeConstruct(other)} is in namespace "${there ?? '(none)'}"${scope.node.root !== other.node.root ? ' of another app' : ''}, `
      + `this one in "${here ?? '(none)'}"; ${fix}`);
  }
}

/**
 * Claims of something that must be unique in an app (one target, one cluster): a node port, a
 * host and path. The first construct to claim a key keeps it; a second one is refused with both
 * paths named.
 */
export class UniqueClaims {
  private readonly byRoot = new WeakMap<IConstruct, Map<string, IConstruct>>();

  public constructor(private readonly what: string) {}

  /** Records that `scope` uses `key`; throws when another construct of the app already does. */
  public claim(scope: IConstruct, field: string, key: string, value: unknown, fix: string): void {
    const root = scope.node.root;
    let claims = this.byRoot.get(root);
    if (!claims) this.byRoot.set(root, claims = new Map());
    const holder = claims.get(key);
    if (holder && holder !== scope) {
      throw new PropValidationError(scope, field, value, `${describeConstruct(holder)} already uses this ${this.what}; ${fix}`);
    }
    claims.set(key, scope);
  }
}

/** Every service in a chart by name: its construct path and what it is ("web service"). */
const SERVICE_NAMES = new WeakMap<Chart, Map<string, { readonly path: string; readonly what: string }>>();

/**
 * Claims a service name in the chart of `scope`: two services of one name (of whatever kind)
 * would overwrite each other's objects (ServiceAccount, NetworkPolicy, Service) in the namespace.
 * @param what how the construct is named in the message, e.g. "web service"
 */
export function claimServiceName(scope: IConstruct, name: string, what: string): void {
  const chart = Chart.of(scope);
  let names = SERVICE_NAMES.get(chart);
  if (!names) SERVICE_NAMES.set(chart, names = new Map());
  const existing = names.get(name);
  if (existing !== undefined) {
    throw new PropValidationError(scope, 'name', name,
      `a ${existing.what} named "${name}" already exists in chart "${chart.node.path}" (at "${existing.path}"); give each service a unique name`);
  }
  names.set(name, { path: scope.node.path, what });
}
