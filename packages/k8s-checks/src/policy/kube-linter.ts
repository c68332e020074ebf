// kube-linter's default checks (internal/defaultchecks in stackrox/kube-linter), with the
// parameters of pkg/builtinchecks/yamls/*.yaml and the semantics of pkg/templates/*.
// "DeploymentLike" objects are kube-linter's pod-bearing kinds (workload.ts); messages are
// kube-linter's own, with Go's formatting of values (go-format.ts).

import { CheckMemo, remembered } from '../cache/check-memo';
import { parseQuantity } from './quantity';
import { KubeObject, PolicyFinding, PolicyRule } from './types';
import { goLabelSelector, goMap, goQuote, goQuoteList, labelSelectorString, labelSetString } from './go-format';
import {
  asArray, ContainerRef, containersOf, finder, isObject, NameIndex, objectKey, PodLabelIndex, rawNamespace,
  selectorMatches, serviceSelector, stringMap, Workload, workloadOf,
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
  { tool: TOOL, rule: 'job-ttl-seconds-after-finished', description: 'A standalone Job sets ttlSecondsAfterFinished; a CronJob\'s job template does not (its history limits clean up).' },
  { tool: TOOL, rule: 'latest-tag', description: 'Images have a tag other than latest (or a digest).' },
  { tool: TOOL, rule: 'liveness-port', description: 'The livenessProbe port (httpGet, tcpSocket, grpc) is a TCP port the container declares.' },
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
  { tool: TOOL, rule: 'readiness-port', description: 'The readinessProbe port (httpGet, tcpSocket, grpc) is a TCP port the container declares.' },
  { tool: TOOL, rule: 'run-as-non-root', description: 'Containers run with runAsNonRoot or a non-zero runAsUser, and never with runAsGroup 0 (nor runAsNonRoot with runAsUser 0).' },
  { tool: TOOL, rule: 'sensitive-host-mounts', description: 'No container mounts /, /boot, /dev, /etc, /lib, /proc, /sys or /usr from the host.' },
  { tool: TOOL, rule: 'ssh-port', description: 'No container exposes port 22/TCP.' },
  { tool: TOOL, rule: 'startup-port', description: 'The startupProbe port (httpGet, tcpSocket, grpc) is a TCP port the container declares.' },
  { tool: TOOL, rule: 'unsafe-sysctls', description: 'No unsafe sysctls (kernel.msg*, kernel.sem*, kernel.shm*, fs.mqueue.*, net.*).' },
  { tool: TOOL, rule: 'unset-cpu-requirements', description: 'Containers set a CPU request.' },
  { tool: TOOL, rule: 'unset-memory-requirements', description: 'Containers set a memory limit.' },
];

const LATEST_BLOCKLIST = ['.*:(latest)$', '^[^:]*$', '(.*/[^:]+)$'];
const SENSITIVE_DIRS = [/^\/$/, /^\/boot$/, /^\/dev$/, /^\/etc$/, /^\/lib$/, /^\/proc$/, /^\/sys$/, /^\/usr$/];
const DOCKER_SOCK = [/docker.sock$/];
const UNSAFE_SYSCTLS = ['kernel.msg', 'kernel.sem', 'kernel.shm', 'fs.mqueue.', 'net.'];

/** The kinds whose Spec has a Replicas field (extract.Replicas): unset reads as 1, but a DeploymentConfig's as 0. */
const REPLICATED = new Set(['Deployment', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'DeploymentConfig']);

function replicasOf(w: Workload): number | undefined {
  if (!REPLICATED.has(w.kind) || w.knative) return undefined;
  const r = w.manifest.spec?.replicas;
  return typeof r === 'number' ? r : w.kind === 'DeploymentConfig' ? 0 : 1;
}

/**
 * extract.Selector: a DeploymentConfig's selector is a plain map (read as matchLabels), a CronJob's
 * is its job template's; a Pod has none (undefined); null when the field is unset.
 */
function selectorOf(w: Workload): Record<string, any> | null | undefined {
  const spec = w.manifest.spec;
  if (w.kind === 'Pod' || w.knative) return undefined;
  if (w.kind === 'DeploymentConfig') return isObject(spec?.selector) ? { matchLabels: spec.selector } : { matchLabels: {} };
  const selector = w.kind === 'CronJob' ? spec?.jobTemplate?.spec?.selector : spec?.selector;
  return isObject(selector) ? selector : null;
}

export function checkKubeLinter(manifests: readonly KubeObject[], memo?: CheckMemo): PolicyFinding[] {
  const byManifest = new Map<KubeObject, Workload>();
  for (const m of manifests) {
    const w = workloadOf(m, 'kube-linter');
    if (w) byManifest.set(m, w);
  }
  const workloads = [...byManifest.values()];
  const byName = new NameIndex(manifests);
  const pods = new PodLabelIndex(workloads);
  const out: PolicyFinding[] = [];
  for (const m of manifests) {
    const f = finder(TOOL, objectKey(m));
    // no-extensions-v1beta (disallowed-api-obj: group extensions, version v1beta.+)
    const [group, version] = m.apiVersion.includes('/') ? m.apiVersion.split('/', 2) : ['', m.apiVersion];
    if (group === 'extensions' && /^v1beta.+$/.test(version)) {
      out.push(f('no-extensions-v1beta', `disallowed API object found: ${m.apiVersion}, Kind=${m.kind}`, 'Use the stable API (apps/v1, networking.k8s.io/v1).', 'apiVersion'));
    }
    const w = byManifest.get(m);
    if (w) out.push(...remembered(memo, m, TOOL, () => workloadChecks(w)), ...serviceAccountChecks(byName, w));
    if (m.kind === 'Service' && m.apiVersion === 'v1') out.push(...serviceChecks(pods, m));
    if (m.kind === 'PodDisruptionBudget' && m.apiVersion === 'policy/v1') out.push(...pdbChecks(manifests, workloads, m));
    if (group === 'batch' && (m.kind === 'Job' || (m.kind === 'CronJob' && version === 'v1'))) out.push(...jobChecks(m));
  }
  return out;
}

/** job-ttl-seconds-after-finished (extract.JobSpec: batch/v1 Jobs and CronJobs). */
function jobChecks(m: KubeObject): PolicyFinding[] {
  const f = finder(TOOL, objectKey(m));
  if (m.kind === 'Job') {
    return m.spec?.ttlSecondsAfterFinished === undefined || m.spec?.ttlSecondsAfterFinished === null
      ? [f('job-ttl-seconds-after-finished', 'Standalone Job does not specify ttlSecondsAfterFinished', 'Set spec.ttlSecondsAfterFinished so that finished Jobs are cleaned up.', 'spec.ttlSecondsAfterFinished')]
      : [];
  }
  const ttl = m.spec?.jobTemplate?.spec?.ttlSecondsAfterFinished;
  return ttl === undefined || ttl === null ? [] : [f('job-ttl-seconds-after-finished',
    'Managed Job specifies ttlSecondsAfterFinished which might conflict with successfulJobsHistoryLimit and failedJobsHistoryLimit from CronJob that have default values. Final behaviour is determined by the strictest parameter, and therefore, setting ttlSecondsAfterFinished at the job level can result with unexpected behaviour with regard to finished jobs removal',
    'Remove spec.jobTemplate.spec.ttlSecondsAfterFinished and let the CronJob\'s history limits clean up finished Jobs.', 'spec.jobTemplate.spec.ttlSecondsAfterFinished')];
}

/** pkg/templates/util CheckProbePort: the probe's port must be a TCP port the container declares, by number or name. */
function probePortProblem(container: Record<string, any>, probe: unknown): string | undefined {
  if (!isObject(probe)) return undefined;
  const numbers = new Set<number>();
  const names = new Set<string>();
  for (const p of asArray(container.ports).filter(isObject)) {
    if (p.protocol && p.protocol !== 'TCP') continue;
    numbers.add(Number(p.containerPort ?? 0));
    names.add(String(p.name ?? ''));
  }
  const declared = (port: unknown): boolean => (typeof port === 'number' ? numbers.has(port) : names.has(String(port ?? '')));
  const name = goQuote(container.name);
  if (isObject(probe.httpGet) && !declared(probe.httpGet.port)) return `container ${name} does not expose port ${probe.httpGet.port ?? 0} for the HTTPGet`;
  if (isObject(probe.tcpSocket) && !declared(probe.tcpSocket.port)) return `container ${name} does not expose port ${probe.tcpSocket.port ?? 0} for the TCPSocket`;
  if (isObject(probe.grpc) && !numbers.has(Number(probe.grpc.port ?? 0))) return `container ${name} does not expose port ${probe.grpc.port ?? 0} for the GRPC check`;
  return undefined;
}

/** The anti-affinity template's verdict on one affinity term: undefined when it matches, else why not. */
function affinityTermProblem(term: unknown, namespace: string, podLabels: Record<string, string>): string {
  const t: Record<string, any> = isObject(term) ? term : {};
  const namespaces = asArray(t.namespaces).map(String);
  if (namespaces.length > 0 && !namespaces.includes(namespace)) return `pod's namespace ${goQuote(namespace)} not found in anti-affinity's namespaces [${namespaces.join(', ')}]`;
  if (t.topologyKey !== 'kubernetes.io/hostname') return `anti-affinity's topology key does not match ${goQuote(t.topologyKey ?? '')}`;
  if (!selectorMatches(t.labelSelector, podLabels)) return `pod's labels ${goQuote(labelSetString(podLabels))} do not match with anti-affinity's labels ${goQuote(labelSelectorString(t.labelSelector))}`;
  return '';
}

/** non-existent-service-account: the one workload check that looks at other objects. */
function serviceAccountChecks(byName: NameIndex, w: Workload): PolicyFinding[] {
  const saName = w.podSpec.serviceAccountName || w.podSpec.serviceAccount || '';
  if (!saName || saName === 'default' || byName.get('ServiceAccount', w.namespace, saName).length > 0) return [];
  return [finder(TOOL, w.id)('non-existent-service-account', `serviceAccount ${goQuote(saName)} not found`, 'Add the ServiceAccount to the same target, or reference one that exists.', `${w.podSpecPath}.serviceAccountName`)];
}

/** The checks of a workload's pod that look at the workload alone. */
function workloadChecks(w: Workload): PolicyFinding[] {
  const f = finder(TOOL, w.id);
  const out: PolicyFinding[] = [];
  const spec = w.podSpec;
  // AllContainers: init, regular and ephemeral containers; the probe checks read the regular ones.
  const all = containersOf(w, { init: true, ephemeral: true });
  const regular = containersOf(w, { init: false });
  const sc = (c: { container: any }): Record<string, any> => (isObject(c.container.securityContext) ? c.container.securityContext : {});
  const podSc = isObject(spec.securityContext) ? spec.securityContext : {};
  const name = (c: ContainerRef): string => goQuote(c.container.name);

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
        out.push(f('docker-sock', `host system directory ${goQuote(path)} is mounted on container ${name(c)}`, 'Do not mount the Docker socket; remove the hostPath volume and its volumeMount.', `${c.path}.volumeMounts[${i}]`));
      }
      if (SENSITIVE_DIRS.some((re) => re.test(path))) {
        out.push(f('sensitive-host-mounts', `host system directory ${goQuote(path)} is mounted on container ${name(c)}`, 'Do not mount sensitive host directories; remove the hostPath volume and its volumeMount.', `${c.path}.volumeMounts[${i}]`));
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
      if (isNetRaw(cap) || isAll(cap)) out.push(f('drop-net-raw-capability', `container ${name(c)} has ADD capability: ${goQuote(cap)}, which matched with the forbidden capability for containers`, 'Do not add NET_RAW (or ALL).', `${c.path}.securityContext.capabilities.add`));
    }
    if (!asArray(caps.drop).some((cap) => isNetRaw(cap) || isAll(cap))) {
      out.push(f('drop-net-raw-capability', `container ${name(c)} has DROP capabilities: ${goQuoteList(asArray(caps.drop))}, but does not drop capability "NET_RAW" which is required`, 'Set securityContext.capabilities.drop: ["ALL"].', `${c.path}.securityContext.capabilities.drop`));
    }
  }

  // duplicate-env-var, env-var-secret
  for (const c of all) {
    const seen = new Set<string>();
    asArray(c.container.env).forEach((e, i) => {
      const env = String(e?.name ?? '');
      if (seen.has(env)) out.push(f('duplicate-env-var', `Duplicate environment variable ${env} in container ${name(c)} found`, 'Define each environment variable once.', `${c.path}.env[${i}]`));
      seen.add(env);
      if (/secret/i.test(env) && typeof e?.value === 'string' && e.value.length > 0) {
        out.push(f('env-var-secret', `environment variable ${env} in container ${name(c)} found`, 'Do not put secrets in env values: use valueFrom.secretKeyRef or mount the Secret as a file.', `${c.path}.env[${i}].value`));
      }
    });
  }

  // host-ipc, host-network, host-pid
  if (spec.hostIPC === true) out.push(f('host-ipc', 'resource shares host\'s IPC namespace (via hostIPC=true).', 'Remove hostIPC.', `${w.podSpecPath}.hostIPC`));
  if (spec.hostNetwork === true) out.push(f('host-network', 'resource shares host\'s network namespace (via hostNetwork=true).', 'Remove hostNetwork.', `${w.podSpecPath}.hostNetwork`));
  if (spec.hostPID === true) out.push(f('host-pid', 'object shares the host\'s process namespace (via hostPID=true).', 'Remove hostPID.', `${w.podSpecPath}.hostPID`));

  // invalid-target-ports (container side)
  for (const c of all) {
    asArray(c.container.ports).forEach((p, i) => {
      if (!p?.name) return;
      for (const v of portNameViolations(String(p.name))) out.push(f('invalid-target-ports', `port name ${goQuote(p.name)} in container ${name(c)} ${v}`, 'Use an IANA service name: at most 15 lowercase letters, digits and "-", with at least one letter.', `${c.path}.ports[${i}].name`));
    });
  }

  // latest-tag
  for (const c of all) {
    const image = String(c.container.image ?? '');
    if (LATEST_BLOCKLIST.some((re) => new RegExp(re).test(image))) {
      out.push(f('latest-tag', `The container ${name(c)} is using an invalid container image, ${goQuote(image)}. Please use images that are not blocked by the \`BlockList\` criteria : ${goQuoteList(LATEST_BLOCKLIST)}`, 'Use an explicit version tag (repo:1.0.0) or a digest.', `${c.path}.image`));
    }
  }

  // liveness-port, readiness-port, startup-port (regular containers; httpGet, tcpSocket and grpc probes)
  for (const [rule, probe] of [['liveness-port', 'livenessProbe'], ['readiness-port', 'readinessProbe'], ['startup-port', 'startupProbe']] as const) {
    for (const c of regular) {
      const problem = probePortProblem(c.container, c.container[probe]);
      if (problem) out.push(f(rule, problem, `Declare the port in ports (containerPort or name, TCP) or point the ${probe} at a declared port.`, `${c.path}.${probe}`));
    }
  }

  // mismatching-selector
  const selector = selectorOf(w);
  if (selector !== undefined) {
    const empty = selector === null || (Object.keys(isObject(selector.matchLabels) ? selector.matchLabels : {}).length === 0 && asArray(selector.matchExpressions).length === 0);
    if (empty) {
      // It's fine for Jobs and CronJobs to have no selector.
      if (w.kind !== 'Job' && w.kind !== 'CronJob') out.push(f('mismatching-selector', 'object has no selector specified', 'Set spec.selector.matchLabels to a subset of the pod template labels.', 'spec.selector'));
    } else if (!selectorMatches(selector, w.podLabels)) {
      out.push(f('mismatching-selector', `labels in pod spec (${goMap(w.template.metadata?.labels)}) do not match labels in selector (${goLabelSelector(selector)})`, 'Make spec.selector match spec.template.metadata.labels.', 'spec.selector'));
    }
  }

  // no-anti-affinity (minReplicas 2, topologyKey kubernetes.io/hostname)
  const replicas = replicasOf(w);
  if (replicas !== undefined && replicas >= 2) {
    const count = `${replicas} ${replicas > 1 ? 'replicas' : 'replica'}`;
    const anti = isObject(spec.affinity) ? spec.affinity.podAntiAffinity : undefined;
    const path = `${w.podSpecPath}.affinity.podAntiAffinity`;
    const fix = 'Add podAntiAffinity (preferred is enough) with topologyKey kubernetes.io/hostname and a labelSelector matching the pod labels.';
    if (!isObject(anti)) {
      out.push(f('no-anti-affinity', `object has ${count} but does not specify inter pod anti-affinity`, fix, path));
    } else {
      const terms = [...asArray(anti.preferredDuringSchedulingIgnoredDuringExecution).map((p) => p?.podAffinityTerm), ...asArray(anti.requiredDuringSchedulingIgnoredDuringExecution)];
      if (terms.length === 0) {
        out.push(f('no-anti-affinity', `object has ${count} but does not specify preferred or required inter pod anti-affinity during scheduling`, fix, path));
      } else {
        const problems = terms.map((t) => affinityTermProblem(t, w.namespace, w.podLabels));
        if (!problems.includes('')) for (const p of problems) out.push(f('no-anti-affinity', p, fix, path));
      }
    }
  }

  // no-read-only-root-fs, privilege-escalation-container, privileged-container
  for (const c of all) {
    const s = sc(c);
    if (s.readOnlyRootFilesystem !== true) out.push(f('no-read-only-root-fs', `container ${name(c)} does not have a read-only root file system`, 'Set securityContext.readOnlyRootFilesystem: true.', `${c.path}.securityContext.readOnlyRootFilesystem`));
    if (isObject(c.container.securityContext)) {
      const escalation = s.allowPrivilegeEscalation === true ? `container ${name(c)} has AllowPrivilegeEscalation set to true.`
        : s.privileged === true ? `container ${name(c)} is Privileged hence allows privilege escalation.`
          : asArray(s.capabilities?.add).some((cap) => cap === 'SYS_ADMIN') ? `container ${name(c)} has SYS_ADMIN capability hence allows privilege escalation.` : undefined;
      if (escalation) out.push(f('privilege-escalation-container', escalation, 'Set allowPrivilegeEscalation: false and privileged: false, and do not add SYS_ADMIN.', `${c.path}.securityContext`));
    }
    if (s.privileged === true) out.push(f('privileged-container', `container ${name(c)} is privileged`, 'Set securityContext.privileged to false.', `${c.path}.securityContext.privileged`));
  }

  // run-as-non-root: a container's effective user and group, and runAsNonRoot
  for (const c of all) {
    const s = sc(c);
    const user = s.runAsUser ?? podSc.runAsUser;
    const group = s.runAsGroup ?? podSc.runAsGroup;
    const positive = (n: unknown): boolean => typeof n === 'number' && n > 0;
    if (positive(user) && positive(group)) continue;
    if (group === 0) out.push(f('run-as-non-root', `container ${name(c)} is set to runAsGroup 0`, 'Set runAsGroup to a non-zero id (this project uses 10101).', `${c.path}.securityContext.runAsGroup`));
    if ((s.runAsNonRoot ?? podSc.runAsNonRoot) === true) {
      if (user === 0) out.push(f('run-as-non-root', `container ${name(c)} is set to runAsNonRoot, but runAsUser set to 0`, 'Set runAsUser to a non-zero id (this project uses 10101).', `${c.path}.securityContext.runAsUser`));
    } else if (!positive(user)) {
      out.push(f('run-as-non-root', `container ${name(c)} is not set to runAsNonRoot`, 'Set runAsNonRoot: true, or runAsUser to a non-zero id (this project uses 10101), on the pod or container securityContext.', `${c.path}.securityContext.runAsNonRoot`));
    }
  }

  // ssh-port
  for (const c of all) {
    asArray(c.container.ports).forEach((p, i) => {
      const protocol = String(p?.protocol || 'TCP');
      if (Number(p?.containerPort) === 22 && protocol === 'TCP') {
        out.push(f('ssh-port', `port 22 and protocol ${protocol} in container ${name(c)} found`, 'Do not expose port 22 unless it is a vetted SSH server.', `${c.path}.ports[${i}]`));
      }
    });
  }

  // unsafe-sysctls
  asArray(podSc.sysctls).forEach((s, i) => {
    const sysctl = String(s?.name ?? '');
    if (UNSAFE_SYSCTLS.some((p) => sysctl.startsWith(p))) out.push(f('unsafe-sysctls', `resource specifies unsafe sysctl ${goQuote(sysctl)}.`, 'Remove the unsafe sysctl.', `${w.podSpecPath}.securityContext.sysctls[${i}]`));
  });

  // unset-cpu-requirements (request in [0,0] millicores), unset-memory-requirements (limit in [0,0] MB)
  for (const c of all) {
    const cpu = parseQuantity(c.container.resources?.requests?.cpu) ?? 0;
    if (Math.round(cpu * 1000) === 0) out.push(f('unset-cpu-requirements', `container ${name(c)} has cpu request ${c.container.resources?.requests?.cpu ?? 0}`, 'Set resources.requests.cpu.', `${c.path}.resources.requests.cpu`));
    const mem = parseQuantity(c.container.resources?.limits?.memory) ?? 0;
    if (Math.floor(mem / (1024 * 1024)) === 0) out.push(f('unset-memory-requirements', `container ${name(c)} has memory limit ${c.container.resources?.limits?.memory ?? 0}`, 'Set resources.limits.memory.', `${c.path}.resources.limits.memory`));
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

function serviceChecks(pods: PodLabelIndex, s: KubeObject): PolicyFinding[] {
  const f = finder(TOOL, objectKey(s));
  const out: PolicyFinding[] = [];
  // invalid-target-ports (service side)
  asArray(s.spec?.ports).forEach((p, i) => {
    const tp = p?.targetPort;
    if (typeof tp === 'string') {
      for (const v of portNameViolations(tp)) out.push(f('invalid-target-ports', `port targetPort ${goQuote(tp)} in service ${goQuote(s.metadata.name)} ${v}`, 'Use the container port\'s IANA name (e.g. "http") or its number.', `spec.ports[${i}].targetPort`));
    } else if (typeof tp === 'number' && tp !== 0 && (tp < 1 || tp > 65535 || !Number.isInteger(tp))) {
      out.push(f('invalid-target-ports', `port targetPort ${goQuote(tp)} in service ${goQuote(s.metadata.name)} must be between 1 and 65535, inclusive`, 'Use a port number between 1 and 65535.', `spec.ports[${i}].targetPort`));
    }
  });
  // dangling-service
  if (s.spec?.type !== 'ExternalName') {
    const selector = s.spec?.selector;
    if (!isObject(selector) || Object.keys(selector).length === 0) {
      out.push(f('dangling-service', 'service has no selector specified', 'Give the Service a selector matching the pod labels of a workload.', 'spec.selector'));
    } else if (!pods.some(rawNamespace(s), serviceSelector(s))) {
      out.push(f('dangling-service', `no pods found matching service labels (${goMap(selector)})`, 'Make spec.selector match the pod template labels of a workload in the same namespace.', 'spec.selector'));
    }
  }
  return out;
}

function pdbChecks(manifests: readonly KubeObject[], workloads: readonly Workload[], pdb: KubeObject): PolicyFinding[] {
  const f = finder(TOOL, objectKey(pdb));
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
      out.push(f('pdb-min-available', `PDB has invalid MinAvailable value: ${intOrPercentError(spec.minAvailable)}`, 'Use an integer or a percentage.', 'spec.minAvailable'));
    } else if (v.percent && v.value === 100) {
      out.push(f('pdb-min-available', 'PDB has minimum available replicas set to 100 percent of replicas', 'Lower minAvailable, or use maxUnavailable: 1 instead.', 'spec.minAvailable'));
    } else if (isObject(spec.selector)) {
      // HPAs (and KEDA ScaledObjects) of the namespace by the name they scale, the last one winning.
      const scalers = new Map<string, KubeObject>();
      for (const h of manifests) {
        if ((h.kind === 'HorizontalPodAutoscaler' || h.kind === 'ScaledObject') && rawNamespace(h) === rawNamespace(pdb)) {
          const target = h.spec?.scaleTargetRef?.name;
          if (typeof target === 'string') scalers.set(target, h);
        }
      }
      for (const w of workloads) {
        if (w.namespace !== rawNamespace(pdb)) continue;
        // The workload's own selector, as labels (kube-linter converts it through its string form).
        const selector = selectorOf(w);
        if (!selector) continue;
        if (!selectorMatches(spec.selector, stringMap(selector.matchLabels))) continue;
        let replicas = replicasOf(w) ?? 0;
        if (replicas === 1) {
          const minReplicas = scalers.get(String(w.manifest.metadata.name ?? ''))?.spec?.minReplicas;
          if (typeof minReplicas === 'number') replicas = minReplicas;
        }
        const min = v.percent ? Math.ceil(replicas * (v.value / 100)) : v.value;
        if (replicas <= min) {
          out.push(f('pdb-min-available', `The current number of replicas for deployment ${w.manifest.metadata.name ?? ''} is equal to or lower than the minimum number of replicas specified by its PDB.`, `Use maxUnavailable: 1, or set minAvailable below the replica count (${replicas}, minAvailable ${min}).`, 'spec.minAvailable'));
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

/** Why getIntOrPercentValueSafelyFromString refuses a value, in its words. */
function intOrPercentError(v: unknown): string {
  const text = String(v);
  if (!text.endsWith('%')) return `invalid type: string ${goQuote(text)} is not a percentage`;
  return `invalid value ${goQuote(text)}: strconv.Atoi: parsing ${goQuote(text.slice(0, -1))}: invalid syntax`;
}

function intOrPercent(v: unknown): { value: number; percent: boolean } | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return { value: v, percent: false };
  if (typeof v !== 'string') return undefined;
  if (/^-?\d+$/.test(v)) return { value: Number(v), percent: false };
  const m = /^(-?\d+)%$/.exec(v);
  return m ? { value: Number(m[1]), percent: true } : undefined;
}
