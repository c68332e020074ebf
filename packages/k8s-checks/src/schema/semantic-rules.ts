import { KubeObject } from '../manifest/kube-object';

/** A violation before the validator adds which object it is in. */
export interface RuleViolation {
  /** Which rule: allowed-values, port, name-format, label, replicas or size. */
  readonly rule: string;
  readonly path: string;
  readonly message: string;
}

/** The values of a manifest the rules read (see FIELDS), with their JSON pointers, in document order. */
type Nodes = ReadonlyArray<readonly [pointer: string, value: unknown, field: string, parent: string]>;

type Rule = (manifest: KubeObject, nodes: Nodes) => Array<Omit<RuleViolation, 'rule'>>;

// Formats from k8s.io/apimachinery/pkg/util/validation (IsDNS1123Label, IsDNS1123Subdomain,
// IsDNS1035Label, IsValidPortName, IsQualifiedName, IsValidLabelValue).
export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
// IsValidPortName (IANA_SVC_NAME): at most 15 characters, a letter among them, no "--".
const PORT_NAME = /^(?!.*--)(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/**
 * Values the API server accepts for enum-like string fields. The OpenAPI definitions only
 * describe these in prose, so a typo (`type: NodePrt`) would pass the schema alone.
 * Keyed by the field's name (an item of a list: `list[]`) and a pattern on its JSON pointer.
 */
const ENUMS: ReadonlyArray<readonly [string, RegExp, readonly string[]]> = [
  ['imagePullPolicy', /\/(containers|initContainers|ephemeralContainers)\/\d+\/imagePullPolicy$/, ['Always', 'IfNotPresent', 'Never']],
  ['protocol', /\/ports\/\d+\/protocol$/, ['TCP', 'UDP', 'SCTP']],
  ['type', /\/seccompProfile\/type$/, ['RuntimeDefault', 'Localhost', 'Unconfined']],
  ['restartPolicy', /^\/spec\/template\/spec\/restartPolicy$/, ['Always', 'OnFailure', 'Never']],
  ['dnsPolicy', /\/spec\/dnsPolicy$/, ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None']],
  ['type', /^\/spec\/strategy\/type$/, ['RollingUpdate', 'Recreate']],
  ['policyTypes[]', /^\/spec\/policyTypes\/\d+$/, ['Ingress', 'Egress']],
  ['unhealthyPodEvictionPolicy', /^\/spec\/unhealthyPodEvictionPolicy$/, ['IfHealthyBudget', 'AlwaysAllow']],
  ['pathType', /\/paths\/\d+\/pathType$/, ['Exact', 'Prefix', 'ImplementationSpecific']],
  ['whenUnsatisfiable', /\/topologySpreadConstraints\/\d+\/whenUnsatisfiable$/, ['DoNotSchedule', 'ScheduleAnyway']],
  ['type', /^\/spec\/metrics\/\d+\/type$/, ['ContainerResource', 'External', 'Object', 'Pods', 'Resource']],
  ['type', /\/target\/type$/, ['Utilization', 'Value', 'AverageValue']],
];
const ENUMS_BY_FIELD = new Map<string, Array<readonly [RegExp, readonly string[]]>>();
for (const [field, pattern, allowed] of ENUMS) ENUMS_BY_FIELD.set(field, [...(ENUMS_BY_FIELD.get(field) ?? []), [pattern, allowed]]);

const SERVICE_ENUMS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['/spec/type', ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName']],
  ['/spec/externalTrafficPolicy', ['Cluster', 'Local']],
  ['/spec/internalTrafficPolicy', ['Cluster', 'Local']],
  ['/spec/sessionAffinity', ['ClientIP', 'None']],
];

const PORT_FIELDS = /\/(containerPort|hostPort|port)$/;

const enumRule: Rule = (m, nodes) => {
  const out: Array<Omit<RuleViolation, 'rule'>> = [];
  for (const [pointer, value, field, parent] of nodes) {
    if (typeof value !== 'string') continue;
    const enums = ENUMS_BY_FIELD.get(field) ?? ENUMS_BY_FIELD.get(`${parent}[]`);
    if (!enums) continue;
    for (const [pattern, allowed] of enums) {
      // The value first: for a valid object, the pointer's pattern is then hardly ever tested.
      if (!allowed.includes(value) && pattern.test(pointer)) {
        out.push({ path: pointer, message: `"${value}" is not allowed; use one of: ${allowed.join(', ')}` });
      }
    }
  }
  if (m.kind === 'Service') {
    for (const [pointer, allowed] of SERVICE_ENUMS) {
      const value = at(m, pointer);
      if (value !== undefined && !allowed.includes(String(value))) {
        out.push({ path: pointer, message: `"${String(value)}" is not allowed; use one of: ${allowed.join(', ')}` });
      }
    }
  }
  return out;
};

const IANA_PORT_NAME = 'use at most 15 lower-case letters, digits and \'-\', with at least one letter and no "--"';
const CONTAINER_PORT_NAME = /\/(containers|initContainers|ephemeralContainers)\/\d+\/ports\/\d+\/name$/;

const portRule: Rule = (m, nodes) => {
  const out: Array<Omit<RuleViolation, 'rule'>> = [];
  for (const [pointer, value] of nodes) {
    // What is wrong with the value decides first; where it is, only then.
    const badNumber = typeof value === 'number' && !isPort(value);
    const badName = typeof value === 'string' && !isPortName(value);
    if (badNumber && PORT_FIELDS.test(pointer)) {
      out.push({ path: pointer, message: `port ${value} is out of range; use an integer from 1 to 65535` });
    }
    if ((badNumber || badName) && (/\/(targetPort|httpGet\/port|tcpSocket\/port|grpc\/port)$/.test(pointer) || /\/ports\/\d+\/port$/.test(pointer) && m.kind === 'NetworkPolicy')) {
      if (badNumber) {
        out.push({ path: pointer, message: `port ${value} is out of range; use an integer from 1 to 65535 or a port name` });
      }
      if (badName) {
        out.push({ path: pointer, message: `port name "${value}" is invalid; ${IANA_PORT_NAME}` });
      }
    }
    // A container's port name is an IANA service name; the name of a Service's (or an
    // EndpointSlice's) port is a DNS-1123 label of up to 63 characters.
    if (typeof value === 'string' && /\/ports\/\d+\/name$/.test(pointer)) {
      if (CONTAINER_PORT_NAME.test(pointer)) {
        if (badName) out.push({ path: pointer, message: `port name "${value}" is invalid; ${IANA_PORT_NAME}` });
      } else if (value !== '' && !isDnsLabel(value)) {
        out.push({ path: pointer, message: `port name "${value}" is invalid; use a DNS-1123 label: at most 63 lower-case letters, digits and '-', starting and ending with a letter or digit` });
      }
    }
  }
  if (m.kind === 'Service') {
    const ports = at(m, '/spec/ports');
    const type = at(m, '/spec/type') ?? 'ClusterIP';
    (Array.isArray(ports) ? ports : []).forEach((p: { nodePort?: unknown }, i) => {
      // 0 is the API's "unset": the cluster picks a port.
      if (typeof p?.nodePort !== 'number' || p.nodePort === 0) return;
      if (p.nodePort < 30000 || p.nodePort > 32767 || !Number.isInteger(p.nodePort)) {
        out.push({ path: `/spec/ports/${i}/nodePort`, message: `nodePort ${p.nodePort} is outside the default NodePort range; use an integer from 30000 to 32767, or leave it out to let the cluster choose` });
      }
      if (type === 'ClusterIP') {
        out.push({ path: `/spec/ports/${i}/nodePort`, message: `nodePort ${p.nodePort} may not be used when type is ClusterIP${at(m, '/spec/type') === undefined ? ' (the default)' : ''}; set type: NodePort or LoadBalancer, or remove nodePort` });
      }
    });
  }
  return out;
};

/** The most a ConfigMap or Secret may hold (MaxSecretSize of the API server): 1 MiB. */
export const MAX_CONFIG_SIZE = 1024 * 1024;

const sizeRule: Rule = (m) => {
  if (m.kind !== 'ConfigMap' && m.kind !== 'Secret') return [];
  const bytes = new Map<string, number>();
  const add = (field: string, encoding: BufferEncoding) => {
    const values = (m as Record<string, unknown>)[field];
    if (values === null || typeof values !== 'object' || Array.isArray(values)) return;
    for (const [key, v] of Object.entries(values)) if (typeof v === 'string') bytes.set(key, Buffer.byteLength(v, encoding));
  };
  if (m.kind === 'ConfigMap') {
    add('data', 'utf8');
    add('binaryData', 'base64');
  } else {
    add('data', 'base64');
    add('stringData', 'utf8'); // the API server merges stringData into data, over keys of the same name
  }
  let total = 0;
  for (const n of bytes.values()) total += n;
  if (total <= MAX_CONFIG_SIZE) return [];
  const fields = m.kind === 'ConfigMap' ? 'data and binaryData' : 'data and stringData';
  return [{ path: '', message: `the ${m.kind} holds ${(total / MAX_CONFIG_SIZE).toFixed(2)} MiB (${total} bytes) in ${fields}; the API server refuses more than 1 MiB (${MAX_CONFIG_SIZE} bytes)` }];
};

const nameRule: Rule = (m, nodes) => {
  const out: Array<Omit<RuleViolation, 'rule'>> = [];
  const name = m.metadata?.name;
  if (typeof name === 'string' && name !== '') {
    // Services and Namespaces become DNS labels; most other objects only need a subdomain.
    const [format, pattern, max] = m.kind === 'Service'
      ? ['an RFC 1035 label (lower-case letters, digits and "-", starting with a letter)', DNS1035_LABEL, 63]
      : m.kind === 'Namespace'
        ? ['a DNS-1123 label (lower-case letters, digits and "-")', DNS1123_LABEL, 63]
        : ['a DNS-1123 subdomain (lower-case letters, digits, "-" and ".")', DNS1123_SUBDOMAIN, 253];
    if (!pattern.test(name) || name.length > max) {
      out.push({ path: '/metadata/name', message: `name "${name}" must be ${format}, at most ${max} characters` });
    }
  }
  const namespace = m.metadata?.namespace;
  if (typeof namespace === 'string' && (!DNS1123_LABEL.test(namespace) || namespace.length > 63)) {
    out.push({ path: '/metadata/namespace', message: `namespace "${namespace}" must be a DNS-1123 label of at most 63 characters` });
  }
  for (const [pointer, value] of nodes) {
    if (typeof value === 'string' && (!DNS1123_LABEL.test(value) || value.length > 63) && /\/(containers|initContainers)\/\d+\/name$/.test(pointer)) {
      out.push({ path: pointer, message: `container name "${value}" must be a DNS-1123 label of at most 63 characters` });
    }
  }
  return out;
};

const labelRule: Rule = (m, nodes) => {
  const out: Array<Omit<RuleViolation, 'rule'>> = [];
  for (const [pointer, value] of nodes) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !/\/(labels|matchLabels|selector)$/.test(pointer)) continue;
    if (pointer.endsWith('/selector') && m.kind !== 'Service') continue; // other selectors are LabelSelector objects
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      const problem = labelKeyProblem(key);
      if (problem) out.push({ path: `${pointer}/${escapePointer(key)}`, message: problem });
      if (typeof v === 'string' && !isLabelValue(v)) {
        out.push({
          path: `${pointer}/${escapePointer(key)}`,
          message: `label value "${v}" is invalid; use at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`,
        });
      }
    }
  }
  return out;
};

const replicasRule: Rule = (m) => {
  for (const pointer of ['/spec/replicas', '/spec/minReplicas', '/spec/maxReplicas']) {
    const value = at(m, pointer);
    if (typeof value === 'number' && (!Number.isInteger(value) || value < 0)) {
      return [{ path: pointer, message: `${value} is not allowed; use a whole number of at least 0` }];
    }
  }
  return [];
};

const RULES: ReadonlyArray<readonly [string, Rule]> = [
  ['allowed-values', enumRule], ['port', portRule], ['name-format', nameRule], ['label', labelRule], ['replicas', replicasRule], ['size', sizeRule],
];

/** The checks the schema cannot express, over one manifest, in a stable order. */
export function semanticViolations(manifest: KubeObject): RuleViolation[] {
  const nodes: Array<readonly [string, unknown, string, string]> = [];
  walk(manifest, [], '', '', (pointer, value, field, parent) => nodes.push([pointer, value, field, parent]));
  return RULES.flatMap(([name, rule]) => rule(manifest, nodes).map((v) => ({ rule: name, ...v })));
}

/**
 * The field names the rules above look at (the last part of a pointer; `policyTypes` items are
 * found by their parent). Only those nodes are handed to the rules: most of an object is
 * containers, probes and labels the rules have nothing to say about, and testing a dozen
 * patterns on every node of a thousand services takes longer than the schema check itself.
 */
const FIELDS = new Set([
  'imagePullPolicy', 'protocol', 'type', 'restartPolicy', 'dnsPolicy', 'unhealthyPodEvictionPolicy', 'pathType',
  'whenUnsatisfiable', 'containerPort', 'hostPort', 'port', 'targetPort', 'name', 'labels', 'matchLabels', 'selector',
]);
const PARENT_FIELDS = new Set(['policyTypes']);

// The same keys, values and port names come back on every object: each is judged once.
const labelKeyProblems = new Map<string, string | undefined>();
const labelValues = new Map<string, boolean>();
const portNames = new Map<string, boolean>();

function isLabelValue(v: string): boolean {
  let ok = labelValues.get(v);
  if (ok === undefined) labelValues.set(v, ok = LABEL_VALUE.test(v) && v.length <= 63);
  return ok;
}

function isPortName(v: string): boolean {
  let ok = portNames.get(v);
  if (ok === undefined) portNames.set(v, ok = PORT_NAME.test(v) && v.length <= 15);
  return ok;
}

function labelKeyProblem(key: string): string | undefined {
  if (!labelKeyProblems.has(key)) labelKeyProblems.set(key, judgeLabelKey(key));
  return labelKeyProblems.get(key);
}

function judgeLabelKey(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (!DNS1123_SUBDOMAIN.test(prefix) || prefix.length > 253)) {
    return `label key prefix "${prefix}" must be a DNS-1123 subdomain`;
  }
  if (!LABEL_NAME.test(name) || name.length > 63) {
    return `label key "${key}" is invalid; its name part must be at most 63 letters, digits, "-", "_" or "."`;
  }
  return undefined;
}

function isDnsLabel(v: string): boolean {
  return DNS1123_LABEL.test(v) && v.length <= 63;
}

function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** Visits the nodes under `value` whose field (or whose parent's field) is one the rules read. */
function walk(value: unknown, path: string[], field: string, parent: string, visit: (pointer: string, value: unknown, field: string, parent: string) => void): void {
  // The path holds raw keys: escaped only for the few nodes visited, not for every key walked.
  if (FIELDS.has(field) || PARENT_FIELDS.has(parent)) visit(path.length ? `/${path.map(escapePointer).join('/')}` : '', value, field, parent);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(String(i));
      walk(value[i], path, path[path.length - 1], field, visit);
      path.pop();
    }
  } else if (value !== null && typeof value === 'object') {
    for (const k of Object.keys(value)) {
      path.push(k);
      walk((value as Record<string, unknown>)[k], path, k, field, visit);
      path.pop();
    }
  }
}

function at(obj: unknown, pointer: string): unknown {
  let cur: unknown = obj;
  for (const part of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function escapePointer(key: string): string {
  return key.includes('~') || key.includes('/') ? key.replace(/~/g, '~0').replace(/\//g, '~1') : key;
}
