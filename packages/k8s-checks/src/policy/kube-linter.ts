// kube-linter's default checks (internal/defaultchecks in stackrox/kube-linter), with the
// parameters of pkg/builtinchecks/yamls/*.yaml and the semantics of pkg/templates/*.
// "DeploymentLike" objects are the workload kinds of ./workload.ts.

import { parseQuantity } from './quantity';
import { Manifest, PolicyFinding, PolicyRule } from './types';
import {
  apiGroup, asArray, containerLabel, containersOf, finder, isObject, NameIndex, objectId, PodLabelIndex, rawNamespace,
  selectorMatches, serviceSelector, show, Workload, workloadOf,
} from './workload';

const TOOL = 'kube-linter' as const;

export const KUBE_LINTER_RULES: readonly PolicyRule[] = [
  { tool: TOOL, rule: 'dangling-service', description: 'Services select the pods of some workload (and have a selector).' },
  { tool: TOOL, rule: 'deprecated-service-account-field', description: 'The deprecated serviceAccount field is not used (or equals serviceAccountName).' },
  { tool: TOOL, rule: 'docker-sock', description: 'No container mounts the host docker.sock.' },
  { tool: TOOL, rule: 'drop-net-raw-capability', description: 'Containers drop NET_RAW (or ALL) and do not add it.' },
  { tool: TOOL, rule: 'duplicate-env-var', description: 'No environment variable is defined twice in a container.' },
  { tool: TOOL, rule: 'env-var-secret', description: 'No literal value in an environment variable whose name contains "secret".' },
  { tool: TOOL, rule: 'host-ipc', description: 'hostIPC is not set.' },
  { tool: TOOL, rule: 'host-network', description: 'hostNetwork is not set.' },
  { tool: TOOL, rule: 'host-pid', description: 'hostPID is not set.' },
  { tool: TOOL, rule: 'invalid-target-ports', description: 'Container port names and Service targetPorts are valid IANA service names / port numbers.' },
  { tool: TOOL, rule: 'latest-tag', description: 'Images have a tag other than latest (or a digest).' },
  { tool: TOOL, rule: 'liveness-port', description: 'The httpGet livenessProbe port is a port the container exposes.' },
  { tool: TOOL, rule: 'mismatching-selector', description: 'The workload selector matches its pod template labels.' },
  { tool: TOOL, rule: 'no-anti-affinity', description: 'Workloads with >= 2 replicas have a podAntiAffinity on kubernetes.io/hostname selecting their own pods.' },
  { tool: TOOL, rule: 'no-extensions-v1beta', description: 'No object uses the extensions/v1beta* API.' },
  { tool: TOOL, rule: 'no-read-only-root-fs', description: 'Containers set readOnlyRootFilesystem: true.' },
  { tool: TOOL, rule: 'non-existent-service-account', description: 'The serviceAccountName names a ServiceAccount in the same namespace.' },
  { tool: TOOL, rule: 'pdb-max-unavailable', description: 'A PodDisruptionBudget maxUnavailable is not 0.' },
  { tool: TOOL, rule: 'pdb-min-available', description: 'A PodDisruptionBudget minAvailable is below the replicas (or HPA minReplicas) of the workloads it selects.' },
  { tool: TOOL, rule: 'pdb-unhealthy-pod-eviction-policy', description: 'A PodDisruptionBudget sets unhealthyPodEvictionPolicy explicitly.' },
  { tool: TOOL, rule: 'privilege-escalation-container', description: 'No container allows privilege escalation (allowPrivilegeEscalation, privileged or SYS_ADMIN).' },
  { tool: TOOL, rule: 'privileged-container', description: 'No container is privileged.' },
  { tool: TOOL, rule: 'readiness-port', description: 'The httpGet readinessProbe port is a port the container exposes.' },
  { tool: TOOL, rule: 'run-as-non-root', description: 'Containers run with a non-zero runAsUser and runAsGroup, or runAsNonRoot with a group set.' },
  { tool: TOOL, rule: 'sensitive-host-mounts', description: 'No container mounts /, /boot, /dev, /etc, /lib, /proc, /sys or /usr from the host.' },
  { tool: TOOL, rule: 'ssh-port', description: 'No container exposes port 22/TCP.' },
  { tool: TOOL, rule: 'startup-port', description: 'The httpGet startupProbe port is a port the container exposes.' },
  { tool: TOOL, rule: 'unsafe-sysctls', description: 'No unsafe sysctls (kernel.msg*, kernel.sem*, kernel.shm*, fs.mqueue.*, net.*).' },
  { tool: TOOL, rule: 'unset-cpu-requirements', description: 'Containers set a CPU request.' },
  { tool: TOOL, rule: 'unset-memory-requirements', description: 'Containers set a memory limit.' },
];

const LATEST_BLOCKLIST = [/.*:(latest)$/, /^[^:]*$/, /(.*\/[^:]+)$/];
const SENSITIVE_DIRS = [/^\/$/, /^\/boot$/, /^\/dev$/, /^\/etc$/, /^\/lib$/, /^\/proc$/, /^\/sys$/, /^\/usr$/];
const DOCKER_SOCK = [/docker.sock$/];
const UNSAFE_SYSCTLS = ['kernel.msg', 'kernel.sem', 'kernel.shm', 'fs.mqueue.', 'net.'];

export function checkKubeLinter(manifests: readonly Manifest[]): PolicyFinding[] {
  const workloads = manifests.map((m) => workloadOf(m, 'kube-linter')).filter((w): w is Workload => w !== undefined);
  const byName = new NameIndex(manifests);
  const pods = new PodLabelIndex(workloads);
  const out: PolicyFinding[] = [];
  for (const m of manifests) {
    const f = finder(TOOL, objectId(m));
    // no-extensions-v1beta (disallowed-api-obj: group extensions, version v1beta.+)
    const [group, version] = m.apiVersion.includes('/') ? m.apiVersion.split('/', 2) : ['', m.apiVersion];
    if (group === 'extensions' && /^v1beta.+$/.test(version)) {
      out.push(f('no-extensions-v1beta', `disallowed API object found: ${m.apiVersion}/${m.kind}`, 'Use the stable API (apps/v1, networking.k8s.io/v1).', 'apiVersion'));
    }
    const w = workloadOf(m, 'kube-linter');
    if (w) out.push(...workloadChecks(byName, w));
    if (m.kind === 'Service' && apiGroup(m.apiVersion) === '') out.push(...serviceChecks(pods, m));
    if (m.kind === 'PodDisruptionBudget' && apiGroup(m.apiVersion) === 'policy') out.push(...pdbChecks(manifests, workloads, m));
  }
  return out;
}

function workloadChecks(byName: NameIndex, w: Workload): PolicyFinding[] {
  const f = finder(TOOL, w.id);
  const out: PolicyFinding[] = [];
  const spec = w.podSpec;
  const all = containersOf(w);
  const regular = containersOf(w, { init: false });
  const sc = (c: { container: any }): Record<string, any> => (isObject(c.container.securityContext) ? c.container.securityContext : {});
  const podSc = isObject(spec.securityContext) ? spec.securityContext : {};

  // deprecated-service-account-field
  const sa = spec.serviceAccount;
  if (sa && sa !== spec.serviceAccountName) {
    out.push(f('deprecated-service-account-field', spec.serviceAccountName
      ? `serviceAccount and serviceAccountName are specified, but serviceAccount (${sa}) does not match serviceAccountName (${spec.serviceAccountName})`
      : `serviceAccount is specified (${sa}), but this field is deprecated; use serviceAccountName instead`, 'Use serviceAccountName and drop serviceAccount.', `${w.podSpecPath}.serviceAccount`));
  }

  // docker-sock, sensitive-host-mounts (host-mounts template: hostPath volumes mounted by a container)
  const volumes = new Map<string, any>(asArray(spec.volumes).filter(isObject).map((v) => [String(v.name), v]));
  for (const c of all) {
    asArray(c.container.volumeMounts).forEach((vm, i) => {
      const path = volumes.get(String(vm?.name))?.hostPath?.path;
      if (typeof path !== 'string') return;
      if (DOCKER_SOCK.some((re) => re.test(path))) {
        out.push(f('docker-sock', `host system directory ${show(path)} is mounted on ${containerLabel(c)}`, 'Do not mount the Docker socket; remove the hostPath volume and its volumeMount.', `${c.path}.volumeMounts[${i}]`));
      }
      if (SENSITIVE_DIRS.some((re) => re.test(path))) {
        out.push(f('sensitive-host-mounts', `host system directory ${show(path)} is mounted on ${containerLabel(c)}`, 'Do not mount sensitive host directories; remove the hostPath volume and its volumeMount.', `${c.path}.volumeMounts[${i}]`));
      }
    });
  }

  // drop-net-raw-capability (verify-container-capabilities, forbiddenCapabilities [NET_RAW])
  const isAll = (cap: unknown): boolean => /^all$/i.test(String(cap));
  const isNetRaw = (cap: unknown): boolean => String(cap) === 'NET_RAW';
  for (const c of all) {
    const caps = sc(c).capabilities;
    if (!isObject(caps)) continue;
    for (const cap of asArray(caps.add)) {
      if (isNetRaw(cap) || isAll(cap)) out.push(f('drop-net-raw-capability', `${containerLabel(c)} has ADD capability: ${show(cap)}, which matched with the forbidden capability for containers`, 'Do not add NET_RAW (or ALL).', `${c.path}.securityContext.capabilities.add`));
    }
    if (!asArray(caps.drop).some((cap) => isNetRaw(cap) || isAll(cap))) {
      out.push(f('drop-net-raw-capability', `${containerLabel(c)} has DROP capabilities: ${show(caps.drop ?? [])}, but does not drop capability "NET_RAW" which is required`, 'Set securityContext.capabilities.drop: ["ALL"].', `${c.path}.securityContext.capabilities.drop`));
    }
  }

  // duplicate-env-var, env-var-secret
  for (const c of all) {
    const seen = new Set<string>();
    asArray(c.container.env).forEach((e, i) => {
      const name = String(e?.name ?? '');
      if (seen.has(name)) out.push(f('duplicate-env-var', `Duplicate environment variable ${name} in ${containerLabel(c)}`, 'Define each environment variable once.', `${c.path}.env[${i}]`));
      seen.add(name);
      if (/secret/i.test(name) && typeof e?.value === 'string' && e.value.length > 0) {
        out.push(f('env-var-secret', `environment variable ${name} in ${containerLabel(c)} found`, 'Do not put secrets in env values: use valueFrom.secretKeyRef or mount the Secret as a file.', `${c.path}.env[${i}].value`));
      }
    });
  }

  // host-ipc, host-network, host-pid
  for (const [rule, field] of [['host-ipc', 'hostIPC'], ['host-network', 'hostNetwork'], ['host-pid', 'hostPID']] as const) {
    if (spec[field] === true) out.push(f(rule, `resource shares host's ${field.slice(4)} namespace (${field}=true)`, `Remove ${field}.`, `${w.podSpecPath}.${field}`));
  }

  // invalid-target-ports (container side)
  for (const c of all) {
    asArray(c.container.ports).forEach((p, i) => {
      if (!p?.name) return;
      for (const v of portNameViolations(String(p.name))) out.push(f('invalid-target-ports', `port name ${show(p.name)} in ${containerLabel(c)} ${v}`, 'Use an IANA service name: at most 15 lowercase letters, digits and "-", with at least one letter.', `${c.path}.ports[${i}].name`));
    });
  }

  // latest-tag
  for (const c of all) {
    const image = String(c.container.image ?? '');
    if (LATEST_BLOCKLIST.some((re) => re.test(image))) {
      out.push(f('latest-tag', `The ${containerLabel(c)} is using an invalid container image, ${show(image)}. Please use images that are not blocked by the BlockList criteria : [".*:(latest)$","^[^:]*$","(.*/[^:]+)$"]`, 'Use an explicit version tag (repo:1.0.0) or a digest.', `${c.path}.image`));
    }
  }

  // liveness-port, readiness-port, startup-port (non-init containers, httpGet probes)
  for (const [rule, probe] of [['liveness-port', 'livenessProbe'], ['readiness-port', 'readinessProbe'], ['startup-port', 'startupProbe']] as const) {
    for (const c of regular) {
      const port = c.container[probe]?.httpGet?.port;
      if (port === undefined || port === null) continue;
      const open = asArray(c.container.ports).some((p) => (typeof port === 'number' ? p?.containerPort === port : p?.name === String(port)));
      if (!open) out.push(f(rule, `${containerLabel(c)} does not have an open port ${port}`, `Declare the port in ports (containerPort or name) or point the ${probe} at a declared port.`, `${c.path}.${probe}.httpGet.port`));
    }
  }

  // mismatching-selector
  const selector = w.manifest.spec?.selector;
  if (w.kind !== 'Pod' && w.kind !== 'CronJob' && w.kind !== 'Job' && isObject(selector)) {
    if (!isObject(selector.matchLabels) && asArray(selector.matchExpressions).length === 0) {
      out.push(f('mismatching-selector', 'object has no selector specified', 'Set spec.selector.matchLabels to a subset of the pod template labels.', 'spec.selector'));
    } else if (!selectorMatches(selector, w.podLabels)) {
      out.push(f('mismatching-selector', `labels in pod spec (${show(w.podLabels)}) do not match labels in selector (${show(selector)})`, 'Make spec.selector match spec.template.metadata.labels.', 'spec.selector'));
    }
  }

  // no-anti-affinity (minReplicas 2, topologyKey kubernetes.io/hostname)
  if (['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController'].includes(w.kind)) {
    const r = w.manifest.spec?.replicas;
    const replicas = typeof r === 'number' ? r : 1;
    if (replicas >= 2) {
      const anti = spec.affinity?.podAntiAffinity;
      const terms = isObject(anti) ? [...asArray(anti.preferredDuringSchedulingIgnoredDuringExecution).map((p) => p?.podAffinityTerm), ...asArray(anti.requiredDuringSchedulingIgnoredDuringExecution)] : [];
      const ok = terms.some((t) => isObject(t) && (asArray(t.namespaces).length === 0 || asArray(t.namespaces).includes(w.namespace))
        && t.topologyKey === 'kubernetes.io/hostname' && selectorMatches(t.labelSelector, w.podLabels));
      if (!ok) out.push(f('no-anti-affinity', `object has ${replicas} replicas but does not specify inter pod anti-affinity on kubernetes.io/hostname matching its pods`, 'Add podAntiAffinity (preferred is enough) with topologyKey kubernetes.io/hostname and a labelSelector matching the pod labels.', `${w.podSpecPath}.affinity.podAntiAffinity`));
    }
  }

  // no-read-only-root-fs, privilege-escalation-container, privileged-container
  for (const c of all) {
    const s = sc(c);
    if (s.readOnlyRootFilesystem !== true) out.push(f('no-read-only-root-fs', `${containerLabel(c)} does not have a read-only root file system`, 'Set securityContext.readOnlyRootFilesystem: true.', `${c.path}.securityContext.readOnlyRootFilesystem`));
    const sysAdmin = asArray(s.capabilities?.add).some((cap) => String(cap) === 'SYS_ADMIN');
    if (s.allowPrivilegeEscalation === true || s.privileged === true || sysAdmin) {
      out.push(f('privilege-escalation-container', `${containerLabel(c)} allows privilege escalation (allowPrivilegeEscalation=${show(s.allowPrivilegeEscalation)}, privileged=${show(s.privileged)}${sysAdmin ? ', adds SYS_ADMIN' : ''})`, 'Set allowPrivilegeEscalation: false and privileged: false, and do not add SYS_ADMIN.', `${c.path}.securityContext.allowPrivilegeEscalation`));
    }
    if (s.privileged === true) out.push(f('privileged-container', `${containerLabel(c)} is privileged`, 'Set securityContext.privileged to false.', `${c.path}.securityContext.privileged`));
  }

  // non-existent-service-account
  const saName = spec.serviceAccountName || spec.serviceAccount || '';
  if (saName && saName !== 'default') {
    const exists = byName.get('ServiceAccount', w.namespace, saName).length > 0;
    if (!exists) out.push(f('non-existent-service-account', `serviceAccount ${show(saName)} not found`, 'Add the ServiceAccount to the same target, or reference one that exists.', `${w.podSpecPath}.serviceAccountName`));
  }

  // run-as-non-root (effective user and group, runAsNonRoot)
  for (const c of all) {
    const s = sc(c);
    const user = s.runAsUser ?? podSc.runAsUser;
    const group = s.runAsGroup ?? podSc.runAsGroup;
    const nonZero = (n: unknown): boolean => typeof n === 'number' && n > 0;
    if (nonZero(user) && nonZero(group)) continue;
    const problems: string[] = [];
    if (group === 0) problems.push(`has runAsGroup set to 0`);
    if (group === undefined || group === null) problems.push('does not have runAsGroup set');
    const nonRoot = s.runAsNonRoot ?? podSc.runAsNonRoot ?? false;
    if (nonRoot === true) {
      if (user === 0) problems.push('is set to runAsNonRoot, but runAsUser set to 0');
    } else {
      problems.push('is not set to runAsNonRoot');
    }
    for (const p of problems) out.push(f('run-as-non-root', `${containerLabel(c)} ${p}`, 'Set runAsNonRoot: true, runAsUser and runAsGroup to non-zero ids (this project uses 10101) on the pod or container securityContext.', `${c.path}.securityContext`));
  }

  // ssh-port
  for (const c of all) {
    asArray(c.container.ports).forEach((p, i) => {
      if (Number(p?.containerPort) === 22 && String(p?.protocol ?? 'TCP').toUpperCase() === 'TCP') {
        out.push(f('ssh-port', `port 22 and protocol TCP in ${containerLabel(c)}`, 'Do not expose port 22 unless it is a vetted SSH server.', `${c.path}.ports[${i}]`));
      }
    });
  }

  // unsafe-sysctls
  asArray(podSc.sysctls).forEach((s, i) => {
    const name = String(s?.name ?? '');
    if (UNSAFE_SYSCTLS.some((p) => name.startsWith(p))) out.push(f('unsafe-sysctls', `resource specifies unsafe sysctl ${show(name)}`, 'Remove the unsafe sysctl.', `${w.podSpecPath}.securityContext.sysctls[${i}]`));
  });

  // unset-cpu-requirements (request in [0,0] millicores), unset-memory-requirements (limit in [0,0] MB)
  for (const c of all) {
    const cpu = parseQuantity(c.container.resources?.requests?.cpu) ?? 0;
    if (Math.round(cpu * 1000) === 0) out.push(f('unset-cpu-requirements', `${containerLabel(c)} has cpu request ${show(c.container.resources?.requests?.cpu ?? 0)}`, 'Set resources.requests.cpu.', `${c.path}.resources.requests.cpu`));
    const mem = parseQuantity(c.container.resources?.limits?.memory) ?? 0;
    if (Math.floor(mem / (1024 * 1024)) === 0) out.push(f('unset-memory-requirements', `${containerLabel(c)} has memory limit ${show(c.container.resources?.limits?.memory ?? 0)}`, 'Set resources.limits.memory.', `${c.path}.resources.limits.memory`));
  }
  return out;
}

/** k8s.io/apimachinery validation.IsValidPortName. */
export function portNameViolations(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push('must be no more than 15 characters');
  if (!/^[-a-z0-9]+$/.test(name)) out.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (name.includes('--')) out.push('must not contain consecutive hyphens');
  if (!/[a-z]/.test(name)) out.push('must contain at least one letter (a-z)');
  if (name.startsWith('-') || name.endsWith('-')) out.push('must not begin or end with a hyphen');
  return out;
}

function serviceChecks(pods: PodLabelIndex, s: Manifest): PolicyFinding[] {
  const f = finder(TOOL, objectId(s));
  const out: PolicyFinding[] = [];
  // invalid-target-ports (service side)
  asArray(s.spec?.ports).forEach((p, i) => {
    const tp = p?.targetPort;
    if (typeof tp === 'string') {
      for (const v of portNameViolations(tp)) out.push(f('invalid-target-ports', `port targetPort ${show(tp)} in service ${show(s.metadata.name)} ${v}`, 'Use the container port\'s IANA name (e.g. "http") or its number.', `spec.ports[${i}].targetPort`));
    } else if (typeof tp === 'number' && tp !== 0 && (tp < 1 || tp > 65535 || !Number.isInteger(tp))) {
      out.push(f('invalid-target-ports', `port targetPort ${tp} in service ${show(s.metadata.name)} must be between 1 and 65535, inclusive`, 'Use a port number between 1 and 65535.', `spec.ports[${i}].targetPort`));
    }
  });
  // dangling-service
  if (s.spec?.type !== 'ExternalName') {
    const selector = s.spec?.selector;
    if (!isObject(selector) || Object.keys(selector).length === 0) {
      out.push(f('dangling-service', 'service has no selector specified', 'Give the Service a selector matching the pod labels of a workload.', 'spec.selector'));
    } else if (!pods.some(rawNamespace(s), serviceSelector(s))) {
      out.push(f('dangling-service', `no pods found matching service labels (${show(selector)})`, 'Make spec.selector match the pod template labels of a workload in the same namespace.', 'spec.selector'));
    }
  }
  return out;
}

function pdbChecks(manifests: readonly Manifest[], workloads: readonly Workload[], pdb: Manifest): PolicyFinding[] {
  const f = finder(TOOL, objectId(pdb));
  const out: PolicyFinding[] = [];
  const spec = pdb.spec ?? {};
  // pdb-max-unavailable
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const v = intOrPercent(spec.maxUnavailable);
    if (v === undefined) out.push(f('pdb-max-unavailable', `maxUnavailable has invalid value [${spec.maxUnavailable}]`, 'Use an integer or a percentage.', 'spec.maxUnavailable'));
    else if (v.value === 0) out.push(f('pdb-max-unavailable', 'MaxUnavailable is set to 0', 'Set spec.maxUnavailable to at least 1.', 'spec.maxUnavailable'));
  }
  // pdb-min-available
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    const v = intOrPercent(spec.minAvailable);
    if (v === undefined) {
      out.push(f('pdb-min-available', `PDB has invalid MinAvailable value: ${show(spec.minAvailable)}`, 'Use an integer or a percentage.', 'spec.minAvailable'));
    } else if (v.percent && v.value === 100) {
      out.push(f('pdb-min-available', 'PDB has minimum available replicas set to 100 percent of replicas', 'Lower minAvailable, or use maxUnavailable: 1 instead.', 'spec.minAvailable'));
    } else {
      for (const w of workloads) {
        if (w.namespace !== rawNamespace(pdb)) continue;
        const sel = w.manifest.spec?.selector;
        if (!isObject(sel)) continue;
        if (!selectorMatches(spec.selector, isObject(sel.matchLabels) ? Object.fromEntries(Object.entries(sel.matchLabels).map(([k, x]) => [k, String(x)])) : {})) continue;
        let replicas = typeof w.manifest.spec?.replicas === 'number' ? w.manifest.spec.replicas : 1;
        if (replicas === 1) {
          const hpa = manifests.find((h) => h.kind === 'HorizontalPodAutoscaler' && rawNamespace(h) === rawNamespace(pdb) && h.spec?.scaleTargetRef?.name === w.manifest.metadata.name);
          if (typeof hpa?.spec?.minReplicas === 'number') replicas = hpa.spec.minReplicas;
        }
        const min = v.percent ? Math.ceil(replicas * (v.value / 100)) : v.value;
        if (replicas <= min) {
          out.push(f('pdb-min-available', `The current number of replicas for deployment ${w.manifest.metadata.name} (${replicas}) is equal to or lower than the minimum number of replicas specified by its PDB (${min}).`, 'Use maxUnavailable: 1, or set minAvailable below the replica count.', 'spec.minAvailable'));
        }
      }
    }
  }
  // pdb-unhealthy-pod-eviction-policy
  if (spec.unhealthyPodEvictionPolicy === undefined || spec.unhealthyPodEvictionPolicy === null) {
    out.push(f('pdb-unhealthy-pod-eviction-policy', 'unhealthyPodEvictionPolicy is not explicitly set', 'Set spec.unhealthyPodEvictionPolicy: AlwaysAllow.', 'spec.unhealthyPodEvictionPolicy'));
  }
  return out;
}

function intOrPercent(v: unknown): { value: number; percent: boolean } | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return { value: v, percent: false };
  if (typeof v !== 'string') return undefined;
  if (/^-?\d+$/.test(v)) return { value: Number(v), percent: false };
  const m = /^(-?\d+)%$/.exec(v);
  return m ? { value: Number(m[1]), percent: true } : undefined;
}
