// kube-score's default checks (those enabled without --enable-optional-test), re-implemented
// from zegl/kube-score's score/* packages. Ids are kube-score's test ids; any grade below
// "OK" (warning or critical) is a finding, skipped tests are not. Evaluated as
// `kube-score score --kubernetes-version v1.27`. Licence:
// policy/licenses/kube-score.LICENSE.

import { CheckMemo, remembered } from '../cache/check-memo';
import { isZeroQuantity } from './quantity';
import { KubernetesVersion, KubeScoreOptions, KubeObject, PolicyFinding, PolicyRule } from './types';
import {
  apiGroup, asArray, containerLabel, containersOf, finder, groupBy, isObject, NameIndex, objectKey, PodLabelIndex, rawNamespace,
  SelectorIndex, selectorMatches, serviceSelector, show, stringMap, Workload, workloadOf,
} from './workload';

const TOOL = 'kube-score' as const;

export const KUBE_SCORE_RULES: readonly PolicyRule[] = [
  // score/container
  { tool: TOOL, rule: 'container-resources', description: 'Containers set CPU and memory requests and limits.' },
  { tool: TOOL, rule: 'container-image-tag', description: 'Images use an explicit tag other than latest.' },
  { tool: TOOL, rule: 'container-image-pull-policy', description: 'imagePullPolicy is Always (unset is accepted only for untagged/latest images).' },
  { tool: TOOL, rule: 'container-ephemeral-storage-request-and-limit', description: 'Containers set ephemeral-storage requests and limits.' },
  { tool: TOOL, rule: 'environment-variable-key-duplication', description: 'No environment variable is defined twice in a container.' },
  // score/security
  { tool: TOOL, rule: 'container-security-context-user-group-id', description: 'Containers run with runAsUser and runAsGroup >= 10000.' },
  { tool: TOOL, rule: 'container-security-context-privileged', description: 'No container is privileged.' },
  { tool: TOOL, rule: 'container-security-context-readonlyrootfilesystem', description: 'Containers have a securityContext with readOnlyRootFilesystem: true.' },
  // score/probes
  { tool: TOOL, rule: 'pod-probes', description: 'Pods targeted by a Service (a Knative Service\'s always are) have a readinessProbe (a missing livenessProbe is graded almost OK, so no finding).' },
  { tool: TOOL, rule: 'pod-probes-identical', description: 'readinessProbe and livenessProbe of a container differ.' },
  // score/networkpolicy
  { tool: TOOL, rule: 'pod-networkpolicy', description: 'Pods are selected by NetworkPolicies covering both Ingress and Egress (policyTypes, or their defaulting).' },
  { tool: TOOL, rule: 'networkpolicy-targets-pod', description: 'Every NetworkPolicy selects at least one pod.' },
  // score/podtopologyspreadconstraints
  { tool: TOOL, rule: 'pod-topology-spread-constraints', description: 'topologySpreadConstraints are valid (labelSelector, maxSkew > 0, minDomains, topologyKey, whenUnsatisfiable).' },
  // score/apps
  { tool: TOOL, rule: 'deployment-has-host-podantiaffinity', description: 'Deployments with >1 replica (or unset) have a podAntiAffinity on a host/zone topology key selecting their own pods.' },
  { tool: TOOL, rule: 'deployment-targeted-by-hpa-does-not-have-replicas-configured', description: 'Deployments scaled by an HPA leave spec.replicas unset.' },
  { tool: TOOL, rule: 'deployment-pod-selector-labels-match-template-metadata-labels', description: 'The Deployment selector matches its pod template labels.' },
  { tool: TOOL, rule: 'statefulset-has-host-podantiaffinity', description: 'StatefulSets with >1 replica (or unset) have a host podAntiAffinity.' },
  { tool: TOOL, rule: 'statefulset-has-servicename', description: 'StatefulSets reference an existing headless Service selecting their pods.' },
  { tool: TOOL, rule: 'statefulset-pod-selector-labels-match-template-metadata-labels', description: 'The StatefulSet selector matches its pod template labels.' },
  // score/deployment
  { tool: TOOL, rule: 'deployment-strategy', description: 'Deployments targeted by a Service use the RollingUpdate strategy.' },
  { tool: TOOL, rule: 'deployment-replicas', description: 'Deployments targeted by a Service and not scaled by an HPA have at least --min-replicas-deployment (2) replicas.' },
  // score/disruptionbudget
  { tool: TOOL, rule: 'deployment-has-poddisruptionbudget', description: 'Deployments with >1 replica (or unset) are selected by a PodDisruptionBudget.' },
  { tool: TOOL, rule: 'statefulset-has-poddisruptionbudget', description: 'StatefulSets with >1 replica (or unset) are selected by a PodDisruptionBudget.' },
  { tool: TOOL, rule: 'poddisruptionbudget-has-policy', description: 'PodDisruptionBudgets set minAvailable or maxUnavailable.' },
  // score/service
  { tool: TOOL, rule: 'service-targets-pod', description: 'Every Service (other than ExternalName) selects a pod.' },
  { tool: TOOL, rule: 'service-type', description: 'Services are not of type NodePort.' },
  // score/ingress, score/hpa, score/cronjob
  { tool: TOOL, rule: 'ingress-targets-service', description: 'Every Ingress backend names an existing Service and port.' },
  { tool: TOOL, rule: 'horizontalpodautoscaler-has-target', description: 'The HPA scaleTargetRef names an existing object (apiVersion, kind, name).' },
  { tool: TOOL, rule: 'horizontalpodautoscaler-replicas', description: 'HPAs have minReplicas (default 1) of at least --min-replicas-hpa (2).' },
  { tool: TOOL, rule: 'cronjob-has-deadline', description: 'CronJobs set startingDeadlineSeconds.' },
  { tool: TOOL, rule: 'cronjob-restartpolicy', description: 'CronJobs\' pod templates set restartPolicy OnFailure or Never.' },
  // score/meta, score/stable
  { tool: TOOL, rule: 'label-values', description: 'Label values are valid Kubernetes label values.' },
  { tool: TOOL, rule: 'stable-version', description: 'No deprecated apiVersion is used when a stable one exists in Kubernetes 1.27.' },
];

/** score/stable: deprecated apiVersion/kind -> stable replacement and the version it appeared in. */
const WITH_STABLE: Record<string, Record<string, [string, number]>> = {
  'extensions/v1beta1': { Deployment: ['apps/v1', 9], DaemonSet: ['apps/v1', 9], Ingress: ['networking.k8s.io/v1', 19], IngressClass: ['networking.k8s.io/v1', 19] },
  'apps/v1beta1': { Deployment: ['apps/v1', 9], StatefulSet: ['apps/v1', 9] },
  'apps/v1beta2': { Deployment: ['apps/v1', 9], StatefulSet: ['apps/v1', 9], DaemonSet: ['apps/v1', 9] },
  'batch/v1beta1': { CronJob: ['batch/v1', 21] },
  'policy/v1beta1': { PodDisruptionBudget: ['policy/v1', 21] },
  'networking.k8s.io/v1beta1': { Ingress: ['networking.k8s.io/v1', 19], IngressClass: ['networking.k8s.io/v1', 19] },
  'autoscaling/v2beta1': { HorizontalPodAutoscaler: ['autoscaling/v2', 23] },
  'autoscaling/v2beta2': { HorizontalPodAutoscaler: ['autoscaling/v2', 23] },
};

/** The objects kube-score's parser decodes besides pod-bearing ones (parser/parse.go), by apiVersion and kind. */
const DECODED = new Set([
  'networking.k8s.io/v1/NetworkPolicy', 'v1/Service', 'policy/v1beta1/PodDisruptionBudget', 'policy/v1/PodDisruptionBudget',
  'extensions/v1beta1/Ingress', 'networking.k8s.io/v1beta1/Ingress', 'networking.k8s.io/v1/Ingress',
  'autoscaling/v1/HorizontalPodAutoscaler', 'autoscaling/v2beta1/HorizontalPodAutoscaler', 'autoscaling/v2beta2/HorizontalPodAutoscaler', 'autoscaling/v2/HorizontalPodAutoscaler',
]);
const decodedAs = (m: KubeObject, kind: string): boolean => m.kind === kind && DECODED.has(`${m.apiVersion}/${m.kind}`);

/**
 * kube-score's pod checks (RegisterPodCheck): they honour a `kube-score/ignore` annotation on the
 * pod template as well as on the object.
 */
export const KUBE_SCORE_POD_CHECKS: ReadonlySet<string> = new Set([
  'container-resources', 'container-image-tag', 'container-image-pull-policy', 'container-ephemeral-storage-request-and-limit',
  'environment-variable-key-duplication', 'container-security-context-user-group-id', 'container-security-context-privileged',
  'container-security-context-readonlyrootfilesystem', 'pod-probes', 'pod-probes-identical', 'pod-networkpolicy', 'pod-topology-spread-constraints',
]);

/** `kube-score score`'s defaults for the options that change a grade. */
const DEFAULTS: Required<KubeScoreOptions> = {
  kubernetesVersion: { major: 1, minor: 27 },
  minReplicasDeployment: 2,
  minReplicasHPA: 2,
  ignoreContainerCpuLimitRequirement: false,
  ignoreContainerMemoryLimitRequirement: false,
};

/** config.Semver.LessThan. */
function olderThan(v: KubernetesVersion, major: number, minor: number): boolean {
  return v.major < major || (v.major === major && v.minor < minor);
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const APPROVED_TOPOLOGY_KEYS = new Set(['kubernetes.io/hostname', 'topology.kubernetes.io/region', 'topology.kubernetes.io/zone', 'failure-domain.beta.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/zone']);

interface Ctx {
  readonly options: Required<KubeScoreOptions>;
  /** The objects kube-score decodes (its "metas"): what an HPA can target, what meta checks read. */
  readonly decoded: ReadonlySet<KubeObject>;
  readonly byName: NameIndex;
  readonly pods: PodLabelIndex;
  readonly services: ReadonlySet<KubeObject>;
  readonly servicesBySelector: SelectorIndex<KubeObject>;
  /** HPAs by namespace and the name of what they scale. */
  readonly hpasByTarget: ReadonlyMap<string, readonly KubeObject[]>;
  readonly hpaSet: ReadonlySet<KubeObject>;
  readonly pdbs: ReadonlySet<KubeObject>;
  readonly pdbsBySelector: SelectorIndex<KubeObject>;
  readonly netpols: ReadonlySet<KubeObject>;
  readonly netpolsBySelector: SelectorIndex<KubeObject>;
}

export function checkKubeScore(manifests: readonly KubeObject[], options: KubeScoreOptions = {}, memo?: CheckMemo): PolicyFinding[] {
  const workloads = new Map<KubeObject, Workload>();
  for (const m of manifests) {
    const w = workloadOf(m, 'kube-score');
    if (w) workloads.set(m, w);
  }
  const services = manifests.filter((m) => decodedAs(m, 'Service'));
  const hpas = manifests.filter((m) => decodedAs(m, 'HorizontalPodAutoscaler'));
  const pdbs = manifests.filter((m) => decodedAs(m, 'PodDisruptionBudget'));
  const netpols = manifests.filter((m) => decodedAs(m, 'NetworkPolicy'));
  const decoded = new Set(manifests.filter((m) => workloads.has(m) || DECODED.has(`${m.apiVersion}/${m.kind}`)));
  const ctx: Ctx = {
    options: { ...DEFAULTS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) },
    decoded,
    byName: new NameIndex([...decoded]),
    pods: new PodLabelIndex([...workloads.values()]),
    services: new Set(services),
    servicesBySelector: new SelectorIndex(services, rawNamespace, serviceSelector),
    hpasByTarget: groupBy(hpas, (h) => `${rawNamespace(h)}\u0000${h.spec?.scaleTargetRef?.name}`),
    hpaSet: new Set(hpas),
    pdbs: new Set(pdbs),
    pdbsBySelector: new SelectorIndex(pdbs, rawNamespace, (p) => p.spec?.selector),
    netpols: new Set(netpols),
    netpolsBySelector: new SelectorIndex(netpols, rawNamespace, (np) => np.spec?.podSelector),
  };
  const localPart = `${TOOL} ${JSON.stringify(ctx.options)}`;
  const out: PolicyFinding[] = [];
  for (const m of manifests) {
    if (!decoded.has(m)) continue;
    const w = workloads.get(m);
    // What kube-score finds in the object alone (with its options) is remembered.
    out.push(...remembered(memo, m, localPart, () => [...metaChecks(ctx, m), ...(w ? podChecks(ctx, w) : [])]));
    if (w) out.push(...podTargetChecks(ctx, w));
    // The Deployment and StatefulSet checks read apps/v1 objects only (the parser keeps no others as such).
    if (w && m.apiVersion === 'apps/v1' && m.kind === 'Deployment') out.push(...deploymentChecks(ctx, w));
    if (w && m.apiVersion === 'apps/v1' && m.kind === 'StatefulSet') out.push(...statefulSetChecks(ctx, w));
    if (w && m.kind === 'CronJob' && !w.knative) out.push(...cronJobChecks(w));
    if (ctx.services.has(m)) out.push(...serviceChecks(ctx, m));
    if (ctx.netpols.has(m)) out.push(...networkPolicyChecks(ctx, m));
    if (ctx.pdbs.has(m)) out.push(...pdbChecks(m));
    if (ctx.hpaSet.has(m)) out.push(...hpaChecks(ctx, m));
    if (decodedAs(m, 'Ingress')) out.push(...ingressChecks(ctx, m));
  }
  return out.map((f) => (isWarning(f) ? { ...f, severity: 'warning' } : f));
}

/** Rules whose failure kube-score grades WARNING rather than CRITICAL (score/apps, deployment, service, stable, hpa). */
const WARNING_RULES = new Set(['deployment-has-host-podantiaffinity', 'statefulset-has-host-podantiaffinity', 'deployment-strategy', 'deployment-replicas', 'service-type', 'stable-version', 'horizontalpodautoscaler-replicas']);

/**
 * kube-score's grade of a finding: WARNING for the rules above, for a missing resource request
 * (a missing limit is CRITICAL) and for a NetworkPolicy covering only one direction (none at all
 * is CRITICAL).
 */
function isWarning(f: PolicyFinding): boolean {
  return WARNING_RULES.has(f.rule)
    || (f.rule === 'container-resources' && / request is not set$/.test(f.message))
    || (f.rule === 'container-ephemeral-storage-request-and-limit' && / request is not set$/.test(f.message))
    || (f.rule === 'pod-networkpolicy' && / (ingress|egress) NetworkPolicy$/.test(f.message));
}

// --- score/meta (label-values) and score/stable (stable-version): every object --------------

function metaChecks(ctx: Ctx, m: KubeObject): PolicyFinding[] {
  const f = finder(TOOL, objectKey(m));
  const out: PolicyFinding[] = [];
  for (const [key, value] of Object.entries(stringMap(m.metadata?.labels))) {
    if (!LABEL_VALUE.test(value)) {
      out.push(f('label-values', `Invalid label value ${show(value)} for label ${key}`, 'Label values are at most alphanumerics, "-", "_" and "." and must start and end with an alphanumeric character.', `metadata.labels["${key}"]`));
    }
  }
  const rec = WITH_STABLE[m.apiVersion]?.[m.kind];
  if (rec && !olderThan(ctx.options.kubernetesVersion, 1, rec[1])) {
    out.push(f('stable-version', `The apiVersion and kind ${m.apiVersion}/${m.kind} is deprecated`, `Use ${rec[0]} instead, available since Kubernetes v1.${rec[1]}.`, 'apiVersion'));
  }
  return out;
}

// --- pod checks (score/container, security, probes, networkpolicy, podtopologyspreadconstraints) --

function podChecks(ctx: Ctx, w: Workload): PolicyFinding[] {
  const f = finder(TOOL, w.id);
  const out: PolicyFinding[] = [];
  const all = containersOf(w);
  const res = (c: { container: any }, kind: 'limits' | 'requests', name: string): unknown => c.container.resources?.[kind]?.[name];

  // container-resources
  if (all.length === 0) out.push(f('container-resources', 'No containers defined', 'Define at least one container.', `${w.podSpecPath}.containers`));
  // --ignore-container-cpu-limit and --ignore-container-memory-limit drop the limit requirements.
  const required = (kind: 'limits' | 'requests', name: 'cpu' | 'memory'): boolean => kind === 'requests'
    || (name === 'cpu' ? !ctx.options.ignoreContainerCpuLimitRequirement : !ctx.options.ignoreContainerMemoryLimitRequirement);
  for (const c of all) {
    for (const [kind, name, why] of [
      ['limits', 'cpu', 'Resource limits are recommended to avoid resource DDOS.'],
      ['limits', 'memory', 'Resource limits are recommended to avoid resource DDOS.'],
      ['requests', 'cpu', 'Resource requests make sure the application can start and run without crashing.'],
      ['requests', 'memory', 'Resource requests make sure the application can start and run without crashing.'],
    ] as const) {
      if (required(kind, name) && isZeroQuantity(res(c, kind, name))) {
        out.push(f('container-resources', `${containerLabel(c)}: ${name === 'cpu' ? 'CPU' : 'Memory'} ${kind === 'limits' ? 'limit' : 'request'} is not set`, `${why} Set resources.${kind}.${name}.`, `${c.path}.resources.${kind}.${name}`));
      }
    }
  }

  // container-image-tag, container-image-pull-policy
  for (const c of all) {
    const tag = imageTag(String(c.container.image ?? ''));
    if (tag === '' || tag === 'latest') {
      out.push(f('container-image-tag', `${containerLabel(c)}: image ${show(c.container.image)} has no tag or the latest tag`, 'Use a fixed version tag (e.g. repo:1.0.0) or a digest, never latest.', `${c.path}.image`));
    }
    const policy = c.container.imagePullPolicy ?? '';
    if (!(policy === '' && (tag === '' || tag === 'latest')) && policy !== 'Always') {
      out.push(f('container-image-pull-policy', `${containerLabel(c)}: imagePullPolicy is ${show(c.container.imagePullPolicy)}, not Always`, 'Set imagePullPolicy: Always, so that imagePullSecrets are always validated and the image you want is pulled.', `${c.path}.imagePullPolicy`));
    }
  }

  // container-ephemeral-storage-request-and-limit
  for (const c of all) {
    if (isZeroQuantity(res(c, 'limits', 'ephemeral-storage'))) {
      out.push(f('container-ephemeral-storage-request-and-limit', `${containerLabel(c)}: Ephemeral Storage limit is not set`, 'Set resources.limits.ephemeral-storage.', `${c.path}.resources.limits.ephemeral-storage`));
    } else if (isZeroQuantity(res(c, 'requests', 'ephemeral-storage'))) {
      out.push(f('container-ephemeral-storage-request-and-limit', `${containerLabel(c)}: Ephemeral Storage request is not set`, 'Set resources.requests.ephemeral-storage.', `${c.path}.resources.requests.ephemeral-storage`));
    }
  }

  // environment-variable-key-duplication
  for (const c of all) {
    const seen = new Set<string>();
    asArray(c.container.env).forEach((e, i) => {
      const name = String(e?.name);
      if (seen.has(name)) {
        out.push(f('environment-variable-key-duplication', `${containerLabel(c)}: environment variable key '${name}' is duplicated`, 'Define each environment variable once.', `${c.path}.env[${i}]`));
      }
      seen.add(name);
    });
  }

  // container-security-context-user-group-id / -privileged / -readonlyrootfilesystem
  const podSc = isObject(w.podSpec.securityContext) ? w.podSpec.securityContext : undefined;
  for (const c of all) {
    const sc = isObject(c.container.securityContext) ? c.container.securityContext : undefined;
    if (!sc && !podSc) {
      out.push(f('container-security-context-user-group-id', `${containerLabel(c)} has no configured security context`, 'Set securityContext.runAsUser and runAsGroup to values >= 10000 (this project uses 10101).', `${c.path}.securityContext`));
    } else {
      const user = sc?.runAsUser ?? podSc?.runAsUser;
      const group = sc?.runAsGroup ?? podSc?.runAsGroup;
      if (typeof user !== 'number' || user < 10000) {
        out.push(f('container-security-context-user-group-id', `${containerLabel(c)} is running with a low user ID (runAsUser=${show(user)})`, 'Set securityContext.runAsUser to a value > 10000 (this project uses 10101).', `${c.path}.securityContext.runAsUser`));
      }
      if (typeof group !== 'number' || group < 10000) {
        out.push(f('container-security-context-user-group-id', `${containerLabel(c)} is running with a low group ID (runAsGroup=${show(group)})`, 'Set securityContext.runAsGroup to a value > 10000 (this project uses 10101).', `${c.path}.securityContext.runAsGroup`));
      }
    }
    if (sc?.privileged === true) {
      out.push(f('container-security-context-privileged', `${containerLabel(c)} is privileged`, 'Set securityContext.privileged to false.', `${c.path}.securityContext.privileged`));
    }
    if (!sc) {
      out.push(f('container-security-context-readonlyrootfilesystem', `${containerLabel(c)} has no configured security context`, 'Set securityContext.readOnlyRootFilesystem: true (mount an emptyDir where the app writes).', `${c.path}.securityContext`));
    } else if (sc.readOnlyRootFilesystem !== true) {
      out.push(f('container-security-context-readonlyrootfilesystem', `${containerLabel(c)} has a writable root filesystem (readOnlyRootFilesystem=${show(sc.readOnlyRootFilesystem)})`, 'Set securityContext.readOnlyRootFilesystem: true (mount an emptyDir where the app writes).', `${c.path}.securityContext.readOnlyRootFilesystem`));
    }
  }

  // pod-probes-identical (Jobs and CronJobs are skipped)
  if (!isBatch(w)) {
    const identical = all.find((c) => isObject(c.container.readinessProbe) && isObject(c.container.livenessProbe) && probesIdentical(c.container.readinessProbe, c.container.livenessProbe));
    if (identical) {
      out.push(f('pod-probes-identical', `${containerLabel(identical)} has the same readiness and liveness probe`, 'Make the livenessProbe differ from the readinessProbe (e.g. /healthz vs /readyz).', `${identical.path}.livenessProbe`));
    }
  }

  // pod-topology-spread-constraints
  asArray(w.podSpec.topologySpreadConstraints).some((t, i) => {
    const path = `${w.podSpecPath}.topologySpreadConstraints[${i}]`;
    let problem: string | undefined;
    if (!isObject(t) || !isObject(t.labelSelector)) problem = 'No labelSelector set';
    else if (!t.maxSkew) problem = 'maxSkew is zero or unset';
    else if (t.minDomains !== undefined && t.minDomains !== null && t.minDomains === 0) problem = 'minDomains is set to zero';
    else if (!t.topologyKey) problem = 'topologyKey is not set';
    else if (t.whenUnsatisfiable !== 'DoNotSchedule' && t.whenUnsatisfiable !== 'ScheduleAnyway') problem = `invalid whenUnsatisfiable ${show(t.whenUnsatisfiable)}`;
    if (problem) out.push(f('pod-topology-spread-constraints', `Invalid topology spread constraint: ${problem}`, 'Give each constraint a labelSelector, maxSkew >= 1, a topologyKey and whenUnsatisfiable DoNotSchedule or ScheduleAnyway.', path));
    return problem !== undefined;
  });
  return out;
}

/** Jobs and CronJobs, which kube-score's probe checks skip. */
function isBatch(w: Workload): boolean {
  return (w.kind === 'Job' || w.kind === 'CronJob') && apiGroup(w.manifest.apiVersion) === 'batch';
}

/** The pod checks that look at other objects: the Services that target the pods, the NetworkPolicies that select them. */
function podTargetChecks(ctx: Ctx, w: Workload): PolicyFinding[] {
  const f = finder(TOOL, w.id);
  const out: PolicyFinding[] = [];
  // pod-probes (Jobs and CronJobs are skipped)
  if (!isBatch(w)) {
    // Knative routes to the pods of its Service itself (through a Service it creates), so they
    // are always a Service's target.
    const targeted = w.knative || ctx.servicesBySelector.some(w.namespace, w.podLabels);
    // A missing livenessProbe alone is graded "almost OK", which kube-score shows as OK.
    if (targeted && !containersOf(w).some((c) => isObject(c.container.readinessProbe))) {
      out.push(f('pod-probes', 'Container is missing a readinessProbe (the pod is targeted by a Service)', 'Add a readinessProbe so the pod receives traffic only when ready.', `${w.podSpecPath}.containers`));
    }
  }

  // pod-networkpolicy: both directions OK, one of them WARNING, none CRITICAL
  let ingress = false;
  let egress = false;
  for (const np of ctx.netpolsBySelector.matching(w.namespace, w.podLabels)) {
    const types = asArray(np.spec?.policyTypes);
    if (types.length === 0) {
      // Kubernetes' defaulting: Ingress always, Egress when there are egress rules.
      ingress = true;
      if (asArray(np.spec?.egress).length > 0) egress = true;
    }
    if (types.includes('Ingress')) ingress = true;
    if (types.includes('Egress')) egress = true;
  }
  if (!ingress || !egress) {
    const missing = !ingress && !egress ? 'a matching NetworkPolicy' : !ingress ? 'a matching ingress NetworkPolicy' : 'a matching egress NetworkPolicy';
    out.push(f('pod-networkpolicy', `The pod does not have ${missing}`, 'Add a NetworkPolicy selecting these pods with policyTypes [Ingress, Egress].', `${w.templatePath ? `${w.templatePath}.` : ''}metadata.labels`));
  }

  return out;
}

function imageTag(image: string): string {
  const parts = image.split(':');
  return parts.length > 1 ? parts[parts.length - 1] : '';
}

function probesIdentical(r: any, l: any): boolean {
  const portInt = (p: unknown): number => (typeof p === 'number' ? p : /^-?\d+$/.test(String(p)) ? Number(p) : 0);
  if (isObject(r.httpGet) && isObject(l.httpGet)) return (r.httpGet.path ?? '') === (l.httpGet.path ?? '') && portInt(r.httpGet.port) === portInt(l.httpGet.port);
  if (isObject(r.tcpSocket) && isObject(l.tcpSocket)) return String(r.tcpSocket.port) === String(l.tcpSocket.port);
  if (isObject(r.exec) && isObject(l.exec)) {
    const a = asArray(r.exec.command);
    const b = asArray(l.exec.command);
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }
  return false;
}

// --- score/apps, score/deployment, score/disruptionbudget -----------------------------------

function replicasOf(m: KubeObject): number | undefined {
  const r = m.spec?.replicas;
  return typeof r === 'number' ? r : undefined;
}

function hasHostAntiAffinity(w: Workload): boolean {
  const anti = w.podSpec.affinity?.podAntiAffinity;
  if (!isObject(anti)) return false;
  const terms = [...asArray(anti.preferredDuringSchedulingIgnoredDuringExecution).map((p) => p?.podAffinityTerm), ...asArray(anti.requiredDuringSchedulingIgnoredDuringExecution)];
  return terms.some((t) => isObject(t) && APPROVED_TOPOLOGY_KEYS.has(t.topologyKey) && selectorMatches(t.labelSelector, w.podLabels));
}

function pdbSelects(ctx: Ctx, w: Workload): boolean {
  return ctx.pdbsBySelector.some(w.namespace, w.podLabels);
}

function targetedByService(ctx: Ctx, w: Workload): boolean {
  return ctx.servicesBySelector.some(w.namespace, w.podLabels);
}

function deploymentChecks(ctx: Ctx, w: Workload): PolicyFinding[] {
  const f = finder(TOOL, w.id);
  const m = w.manifest;
  const out: PolicyFinding[] = [];
  const replicas = replicasOf(m);

  if (!(replicas !== undefined && replicas < 2) && !hasHostAntiAffinity(w)) {
    out.push(f('deployment-has-host-podantiaffinity', 'Deployment does not have a host podAntiAffinity set', 'Add a podAntiAffinity term (preferred is enough) with topologyKey kubernetes.io/hostname whose labelSelector matches the pod labels.', `${w.podSpecPath}.affinity.podAntiAffinity`));
  }
  const scalers = (ctx.hpasByTarget.get(`${w.namespace}\u0000${m.metadata.name}`) ?? []).filter((h) => h.spec?.scaleTargetRef?.name === m.metadata.name);
  const hpa = scalers.find((h) => String(h.spec?.scaleTargetRef?.kind ?? '').toLowerCase() === m.kind.toLowerCase());
  if (hpa && m.spec?.replicas !== undefined && m.spec?.replicas !== null) {
    out.push(f('deployment-targeted-by-hpa-does-not-have-replicas-configured', `The deployment is targeted by HPA ${hpa.metadata.name}, but a static replica count (${show(m.spec.replicas)}) is configured`, 'Remove spec.replicas when the Deployment is scaled by a HorizontalPodAutoscaler.', 'spec.replicas'));
  }
  if (!selectorMatches(m.spec?.selector, w.podLabels)) {
    out.push(f('deployment-pod-selector-labels-match-template-metadata-labels', `Deployment selector ${show(m.spec?.selector)} does not match the template labels ${show(w.podLabels)}`, 'Make spec.selector.matchLabels a subset of spec.template.metadata.labels.', 'spec.selector'));
  }
  const targeted = targetedByService(ctx, w);
  const strategy = m.spec?.strategy?.type ?? '';
  if (targeted && strategy !== 'RollingUpdate' && strategy !== '') {
    out.push(f('deployment-strategy', `The deployment is used by a Service but uses the ${show(strategy)} strategy`, 'Set spec.strategy.type to RollingUpdate.', 'spec.strategy.type'));
  }
  const hasHpa = scalers.some((h) => h.spec?.scaleTargetRef?.apiVersion === m.apiVersion && h.spec?.scaleTargetRef?.kind === m.kind);
  const minReplicas = ctx.options.minReplicasDeployment;
  if (targeted && !hasHpa && (replicas ?? 1) < minReplicas) {
    out.push(f('deployment-replicas', `Deployment has few replicas (${replicas ?? 'unset = 1'})`, `Set spec.replicas to at least ${minReplicas} (or scale it with a HorizontalPodAutoscaler).`, 'spec.replicas'));
  }
  if (!(replicas !== undefined && replicas < 2) && !pdbSelects(ctx, w)) {
    out.push(f('deployment-has-poddisruptionbudget', 'No matching PodDisruptionBudget was found', 'Add a PodDisruptionBudget (policy/v1) in the same namespace whose selector matches the pod labels.', 'spec.template.metadata.labels'));
  }
  return out;
}

function statefulSetChecks(ctx: Ctx, w: Workload): PolicyFinding[] {
  const f = finder(TOOL, w.id);
  const m = w.manifest;
  const out: PolicyFinding[] = [];
  const replicas = replicasOf(m);
  if (!(replicas !== undefined && replicas < 2) && !hasHostAntiAffinity(w)) {
    out.push(f('statefulset-has-host-podantiaffinity', 'StatefulSet does not have a host podAntiAffinity set', 'Add a podAntiAffinity term with topologyKey kubernetes.io/hostname whose labelSelector matches the pod labels.', `${w.podSpecPath}.affinity.podAntiAffinity`));
  }
  const headless = ctx.servicesBySelector.some(w.namespace, w.podLabels, (s) => s.metadata.name === m.spec?.serviceName && s.spec?.clusterIP === 'None');
  if (!headless) {
    out.push(f('statefulset-has-servicename', `StatefulSet serviceName ${show(m.spec?.serviceName)} does not name a headless Service selecting its pods`, 'Create a headless Service (clusterIP: None) selecting the pods and set spec.serviceName to its name.', 'spec.serviceName'));
  }
  if (!selectorMatches(m.spec?.selector, w.podLabels)) {
    out.push(f('statefulset-pod-selector-labels-match-template-metadata-labels', `StatefulSet selector ${show(m.spec?.selector)} does not match the template labels ${show(w.podLabels)}`, 'Make spec.selector.matchLabels a subset of spec.template.metadata.labels.', 'spec.selector'));
  }
  if (!(replicas !== undefined && replicas < 2) && !pdbSelects(ctx, w)) {
    out.push(f('statefulset-has-poddisruptionbudget', 'No matching PodDisruptionBudget was found', 'Add a PodDisruptionBudget whose selector matches the pod labels.', 'spec.template.metadata.labels'));
  }
  return out;
}

function pdbChecks(m: KubeObject): PolicyFinding[] {
  const spec = m.spec ?? {};
  if ((spec.minAvailable === undefined || spec.minAvailable === null) && (spec.maxUnavailable === undefined || spec.maxUnavailable === null)) {
    return [finder(TOOL, objectKey(m))('poddisruptionbudget-has-policy', 'PodDisruptionBudget sets neither minAvailable nor maxUnavailable', 'Set spec.maxUnavailable: 1 (this project\'s default) or spec.minAvailable.', 'spec')];
  }
  return [];
}

// --- score/service, score/networkpolicy, score/hpa, score/ingress ---------------------------

function serviceChecks(ctx: Ctx, s: KubeObject): PolicyFinding[] {
  const f = finder(TOOL, objectKey(s));
  const out: PolicyFinding[] = [];
  if (s.spec?.type !== 'ExternalName') {
    const match = ctx.pods.some(rawNamespace(s), serviceSelector(s));
    if (!match) out.push(f('service-targets-pod', `The Service selector ${show(s.spec?.selector)} does not match any pods`, 'Make spec.selector match the pod template labels of a workload in the same namespace.', 'spec.selector'));
  }
  if (s.spec?.type === 'NodePort') {
    out.push(f('service-type', 'The Service is of type NodePort', 'Use ClusterIP behind an Ingress (or a LoadBalancer); if NodePort is deliberate, add the annotations kube-score/ignore: service-type and policy.mincloud.dev/reason: "<why>".', 'spec.type'));
  }
  return out;
}

function networkPolicyChecks(ctx: Ctx, np: KubeObject): PolicyFinding[] {
  const match = ctx.pods.some(rawNamespace(np), np.spec?.podSelector);
  return match ? [] : [finder(TOOL, objectKey(np))('networkpolicy-targets-pod', `The NetworkPolicy's podSelector ${show(np.spec?.podSelector)} does not match any pods`, 'Make spec.podSelector match the pod template labels of a workload in the same namespace.', 'spec.podSelector')];
}

function hpaChecks(ctx: Ctx, h: KubeObject): PolicyFinding[] {
  const f = finder(TOOL, objectKey(h));
  const out: PolicyFinding[] = [];
  const ref = isObject(h.spec?.scaleTargetRef) ? h.spec.scaleTargetRef : {};
  // What kube-score decodes is what an HPA can target: same apiVersion, kind, name and namespace.
  if (!ctx.byName.get(ref.kind, rawNamespace(h), ref.name).some((m) => m.apiVersion === ref.apiVersion)) {
    out.push(f('horizontalpodautoscaler-has-target', `The HPA target ${show(ref)} does not match anything`, 'Point spec.scaleTargetRef (apiVersion apps/v1, kind Deployment, name) at an object in the same namespace.', 'spec.scaleTargetRef'));
  }
  const minReplicas = typeof h.spec?.minReplicas === 'number' ? h.spec.minReplicas : 1;
  if (minReplicas < ctx.options.minReplicasHPA) {
    out.push(f('horizontalpodautoscaler-replicas', `HPA few replicas: minReplicas is ${minReplicas}`, `Set spec.minReplicas to at least ${ctx.options.minReplicasHPA}, to prevent unwanted downtime.`, 'spec.minReplicas'));
  }
  return out;
}

/** score/cronjob: a deadline, and a restart policy a Job accepts. */
function cronJobChecks(w: Workload): PolicyFinding[] {
  const f = finder(TOOL, w.id);
  const out: PolicyFinding[] = [];
  const deadline = w.manifest.spec?.startingDeadlineSeconds;
  if (deadline === undefined || deadline === null) {
    out.push(f('cronjob-has-deadline', 'The CronJob should have startingDeadlineSeconds configured', 'Set spec.startingDeadlineSeconds, so that jobs that could not be scheduled in time are cancelled.', 'spec.startingDeadlineSeconds'));
  }
  const policy = w.podSpec.restartPolicy;
  if (policy !== 'Never' && policy !== 'OnFailure') {
    out.push(f('cronjob-restartpolicy', `The CronJob must have a valid RestartPolicy configured (restartPolicy=${show(policy)})`, 'Set restartPolicy OnFailure or Never in the job template\'s pod spec.', `${w.podSpecPath}.restartPolicy`));
  }
  return out;
}

function ingressChecks(ctx: Ctx, ing: KubeObject): PolicyFinding[] {
  const f = finder(TOOL, objectKey(ing));
  const out: PolicyFinding[] = [];
  // networking.k8s.io/v1 names the backend as service.{name, port.{number, name}}; the v1beta1
  // Ingresses as serviceName and servicePort. Fields of the other form are unknown, so unset.
  const v1 = ing.apiVersion === 'networking.k8s.io/v1';
  asArray(ing.spec?.rules).forEach((rule, ri) => {
    asArray(rule?.http?.paths).forEach((p, pi) => {
      const backend = isObject(p?.backend) ? p.backend : {};
      let name: unknown;
      let port: { number?: unknown; name?: unknown };
      if (v1) {
        name = backend.service?.name;
        port = isObject(backend.service?.port) ? backend.service.port : {};
      } else {
        name = backend.serviceName;
        port = backend.servicePort === undefined || backend.servicePort === null ? {} : typeof backend.servicePort === 'number' ? { number: backend.servicePort } : { name: backend.servicePort };
      }
      // As kube-score compares: a port number > 0 must equal the Service port, otherwise the
      // names must be equal (an unnamed Service port matches a backend without a port name).
      const ok = name !== undefined && ctx.byName.get('Service', rawNamespace(ing), name).some((s) => ctx.services.has(s)
        && asArray(s.spec?.ports).some((sp) => (Number(port.number) > 0 && sp?.port === port.number) || (sp?.name ?? '') === (port.name ?? '')));
      if (!ok) {
        out.push(f('ingress-targets-service', `No Service with name ${show(name)} and port ${show(port.number ?? port.name)} was found`, 'Point the backend at an existing Service in the same namespace and one of its ports (by number or name).', `spec.rules[${ri}].http.paths[${pi}].backend`));
      }
    });
  });
  return out;
}
