/* eslint-disable @typescript-eslint/no-explicit-any */
import type { KubeObject } from 'k8s-checks';

const FONT = 'Helvetica';
/** Node look per kind: shape and fill. Unknown kinds (any other custom resource) get a plain box. */
const STYLE: Record<string, { shape: string; fill: string }> = {
  Ingress: { shape: 'box', fill: '#fde68a' },
  IngressRoute: { shape: 'box', fill: '#fde68a' },
  Middleware: { shape: 'note', fill: '#fef3c7' },
  Certificate: { shape: 'note', fill: '#fef3c7' },
  Service: { shape: 'box', fill: '#bfdbfe' },
  Deployment: { shape: 'box3d', fill: '#c7d2fe' },
  KnativeService: { shape: 'box3d', fill: '#bbf7d0' },
  HorizontalPodAutoscaler: { shape: 'box', fill: '#ddd6fe' },
  PodDisruptionBudget: { shape: 'note', fill: '#f1f5f9' },
  NetworkPolicy: { shape: 'box', fill: '#fecaca' },
  ServiceAccount: { shape: 'note', fill: '#f1f5f9' },
  ConfigMap: { shape: 'note', fill: '#f1f5f9' },
  ServiceMonitor: { shape: 'box', fill: '#bbf7d0' },
  PrometheusRule: { shape: 'note', fill: '#bbf7d0' },
  PriorityClass: { shape: 'note', fill: '#f1f5f9' },
};

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
/** A quoted label of several centred lines. */
const qLines = (lines: readonly string[]) => `"${lines.map((s) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n')}"`;
/** A Knative Service (serving.knative.dev): a workload, not the core Service its kind is named like. */
const isKnative = (o: KubeObject) => o.kind === 'Service' && String(o.apiVersion).startsWith('serving.knative.dev/');
const idOf = (kind: string, name: string) => q(`${kind}/${name}`);
const id = (o: KubeObject) => idOf(isKnative(o) ? 'Service.serving.knative.dev' : o.kind, o.metadata.name);
const podsId = (d: KubeObject) => q(`Pods/${d.metadata.name}`);
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

function containers(d: KubeObject): any[] {
  return d.spec?.template?.spec?.containers ?? [];
}

/** `http` → `http (8080)` when a container of the pods names that port. */
function resolvePort(target: unknown, pods: KubeObject | undefined): string {
  if (typeof target === 'number' || !pods) return String(target);
  const port = containers(pods).flatMap((c) => c.ports ?? []).find((p: any) => p.name === target);
  return port ? `${target} (${port.containerPort})` : String(target);
}

function peer(p: any): string {
  if (p.ipBlock) return p.ipBlock.cidr;
  const ns = p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  const pods = p.podSelector && Object.keys(p.podSelector.matchLabels ?? {}).length
    ? p.podSelector.matchLabels['app.kubernetes.io/instance'] ?? Object.values(p.podSelector.matchLabels).join('/')
    : undefined;
  if (ns) return pods ? `${pods} in ns ${ns}` : `ns ${ns}`;
  if (p.namespaceSelector) return pods ? `${pods} in any ns` : 'any ns';
  return pods ? `pods ${pods}` : 'this ns';
}

const portsOf = (r: any) => (r.ports ?? []).map((p: any) => p.port).join(',') || 'any port';

/** A Knative Service's pods: min-scale–max-scale from its autoscaler annotations. */
function knativeScale(o: KubeObject): string {
  const a = o.spec?.template?.metadata?.annotations ?? {};
  return `${a['autoscaling.knative.dev/min-scale'] ?? '0'}–${a['autoscaling.knative.dev/max-scale'] ?? '∞'}`;
}

/** The lines under an object's kind and name. */
function details(o: KubeObject, all: readonly KubeObject[]): string[] {
  const s = o.spec ?? {};
  if (isKnative(o)) {
    const a = s.template?.metadata?.annotations ?? {};
    return [`Knative, ${o.metadata.labels?.['networking.knative.dev/visibility'] ?? 'external'}`,
      `scale ${knativeScale(o)} on ${a['autoscaling.knative.dev/metric'] ?? 'concurrency'} ${a['autoscaling.knative.dev/target'] ?? ''}`.trimEnd(),
      ...containers(o).map((c) => `${c.name}: ${String(c.image).replace(/@sha256:(.{12}).*/, '@sha256:$1…')}`)];
  }
  switch (o.kind) {
    case 'Service':
      return [`type ${s.type ?? 'ClusterIP'}`, ...(s.ports ?? []).map((p: any) => `${p.name ? `${p.name} ` : ''}port ${p.port}`
        + `${s.type === 'NodePort' || s.type === 'LoadBalancer' ? `, nodePort ${p.nodePort ?? 'auto'}` : ''}`)];
    case 'Deployment':
      return [`${s.replicas !== undefined ? `replicas ${s.replicas}` : 'replicas from the HPA'}, ${s.strategy?.type ?? 'RollingUpdate'}`,
        ...containers(o).map((c) => `${c.name}: ${String(c.image).replace(/@sha256:(.{12}).*/, '@sha256:$1…')}`)];
    case 'HorizontalPodAutoscaler':
      return [`${s.minReplicas}–${s.maxReplicas} pods`, ...(s.metrics ?? []).map((m: any) => `${m.resource?.name} ${m.resource?.target?.averageUtilization}%`)];
    case 'PodDisruptionBudget':
      return [s.maxUnavailable !== undefined ? `maxUnavailable ${s.maxUnavailable}` : `minAvailable ${s.minAvailable}`];
    case 'NetworkPolicy':
      return [`deny ${(s.policyTypes ?? []).join(' + ')}, except`,
        ...(s.ingress ?? []).map((r: any) => `in :${portsOf(r)} from ${(r.from ?? []).map(peer).join(', ') || 'anywhere'}`),
        ...(s.egress ?? []).map((r: any) => `out :${portsOf(r)} to ${(r.to ?? []).map(peer).join(', ') || 'anywhere'}`)];
    case 'Ingress':
      return [`class ${s.ingressClassName ?? '(default)'}`, ...[...new Set((s.rules ?? []).map((r: any) => r.host ?? '*'))] as string[],
        ...(s.tls ?? []).map((t: any) => `TLS secret ${t.secretName}`)];
    case 'IngressRoute':
      return [`entry points ${(s.entryPoints ?? []).join(', ')}`, ...[...new Set((s.routes ?? []).flatMap((r: any) => [...String(r.match).matchAll(/Host\(`([^`]+)`\)/g)].map((m) => m[1])))] as string[],
        ...(s.tls?.secretName ? [`TLS secret ${s.tls.secretName}`] : [])];
    case 'Middleware':
      return Object.entries(s).map(([k, v]) => `${k} ${Object.entries(v as object).map(([a, b]) => `${a}=${b}`).join(' ')}`);
    case 'Certificate':
      return [`issuer ${s.issuerRef?.kind ?? 'Issuer'} ${s.issuerRef?.name}`, `secret ${s.secretName}`, ...(s.dnsNames ?? [])];
    case 'ServiceMonitor':
      return (s.endpoints ?? []).map((e: any) => `${e.port}${e.path ?? ''} every ${e.interval ?? '?'}`);
    case 'PrometheusRule':
      return (s.groups ?? []).flatMap((g: any) => (g.rules ?? []).filter((r: any) => r.alert).map((r: any) => `alert ${r.alert}`));
    case 'PriorityClass':
      return [`value ${o.value}`];
    case 'ConfigMap':
      return Object.keys(o.data ?? {}).sort();
    default:
      void all;
      return [];
  }
}

function node(o: KubeObject, all: readonly KubeObject[], indent: string, notes: readonly string[] = []): string {
  const st = STYLE[isKnative(o) ? 'KnativeService' : o.kind] ?? { shape: 'box', fill: '#ffffff' };
  const lines = [`<B>${esc(o.kind)}</B>`, esc(o.metadata.name), ...details(o, all).map((l) => `<FONT POINT-SIZE="9">${esc(l)}</FONT>`),
    ...notes.map((l) => `<FONT POINT-SIZE="9"><I>${esc(l)}</I></FONT>`)];
  return `${indent}${id(o)} [shape=${st.shape}, fillcolor="${st.fill}", label=<${lines.join('<BR/>')}>];`;
}

export interface DotOptions {
  /** The picture's title. @default `target <target>` */
  readonly title?: string;
  /** Extra lines under some objects, e.g. on which clusters they are. @default - none */
  readonly notes?: ReadonlyMap<KubeObject, readonly string[]>;
}

/**
 * A Graphviz graph of one target's objects, traffic flowing left to right: clients → Ingress /
 * IngressRoute (or the NodePort) → Service → the pods of each Deployment, the objects that shape
 * those pods (HPA, PDB, NetworkPolicy, ServiceAccount, ConfigMap) beside them, each workload in
 * its own box inside the Namespace's box. The output depends only on the objects and their
 * order, so the same folder always gives the same bytes.
 */
export function toDot(target: string, objects: readonly KubeObject[], options: DotOptions = {}): string {
  const all = [...objects];
  const at = (o: KubeObject, indent: string) => node(o, all, indent, options.notes?.get(o));
  const ns = all.find((o) => o.kind === 'Namespace');
  const clusterScoped = all.filter((o) => !o.metadata.namespace && o.kind !== 'Namespace');
  const inNs = all.filter((o) => o.metadata.namespace);
  // The workloads, each in its own box: Deployments, and Knative Services (whose pods Knative runs).
  const deployments = inNs.filter((o) => o.kind === 'Deployment' || isKnative(o));
  const hpaOf = (d: KubeObject) => inNs.find((h) => h.kind === 'HorizontalPodAutoscaler' && h.spec?.scaleTargetRef?.name === d.metadata.name);
  const podsMatching = (selector: Record<string, string> | undefined) => deployments.filter((d) => matches(selector, d.spec?.template?.metadata?.labels));
  const mounts = (d: KubeObject) => (d.spec?.template?.spec?.volumes ?? []).map((v: any) => v.configMap?.name).filter(Boolean) as string[];

  // Which workload box each namespaced object goes into: the Deployment it belongs to.
  const workloadOf = new Map<KubeObject, KubeObject>();
  for (const o of inNs) {
    const s = o.spec ?? {};
    let d: KubeObject | undefined;
    if (o.kind === 'Deployment' || isKnative(o)) d = o;
    else if (o.kind === 'HorizontalPodAutoscaler') d = deployments.find((x) => x.metadata.name === s.scaleTargetRef?.name);
    else if (o.kind === 'PodDisruptionBudget') [d] = podsMatching(s.selector?.matchLabels);
    else if (o.kind === 'NetworkPolicy') [d] = podsMatching(s.podSelector?.matchLabels);
    else if (o.kind === 'ServiceAccount') d = deployments.find((x) => x.spec?.template?.spec?.serviceAccountName === o.metadata.name);
    else if (o.kind === 'ConfigMap') d = deployments.find((x) => mounts(x).includes(o.metadata.name));
    if (d) workloadOf.set(o, d);
  }

  const out: string[] = [
    `digraph ${q(target)} {`,
    `  graph [rankdir=LR, compound=true, newrank=true, nodesep=0.25, ranksep=0.55, fontname="${FONT}", fontsize=13, labelloc=t, label=${q(options.title ?? `target ${target}`)}];`,
    `  node [fontname="${FONT}", fontsize=11, style=filled, color="#475569", penwidth=0.8, margin="0.12,0.06"];`,
    `  edge [fontname="${FONT}", fontsize=9, color="#475569", fontcolor="#334155", arrowsize=0.7];`,
    '  "clients" [shape=oval, fillcolor="#e2e8f0", label="clients"];',
  ];
  if (clusterScoped.length > 0) {
    out.push('  subgraph "cluster_scoped" {', '    label="cluster-scoped"; style="rounded,dashed"; color="#94a3b8"; fontsize=10;');
    for (const o of clusterScoped) out.push(at(o, '    '));
    out.push('  }');
  }
  const enforce = ns?.metadata.labels?.['pod-security.kubernetes.io/enforce'];
  out.push('  subgraph "cluster_namespace" {',
    `    label=${q(`Namespace ${ns?.metadata.name ?? '(none)'}${enforce ? ` (Pod Security: ${enforce})` : ''}`)}; style="rounded"; color="#334155"; penwidth=1.2;`);
  for (const o of inNs.filter((x) => !workloadOf.has(x))) out.push(at(o, '    '));
  for (const d of deployments) {
    const hpa = hpaOf(d);
    const replicas = isKnative(d) ? knativeScale(d) : hpa ? `${hpa.spec.minReplicas}–${hpa.spec.maxReplicas}` : String(d.spec?.replicas ?? 1);
    const ports = containers(d).flatMap((c) => (c.ports ?? []).map((p: any) => `${p.name ? `${p.name} ` : ''}:${p.containerPort}`));
    const priority = d.spec?.template?.spec?.priorityClassName;
    if (priority) ports.push(`priority ${priority}`);
    const podAnnotations = d.spec?.template?.metadata?.annotations ?? {};
    if (podAnnotations['linkerd.io/inject'] === 'enabled') ports.push('Linkerd mesh');
    if (d.spec?.template?.metadata?.labels?.['sidecar.istio.io/inject'] === 'true') ports.push('Istio mesh');
    out.push(`    subgraph ${q(`cluster_workload_${d.metadata.name}`)} {`,
      `      label=${q(`workload ${d.metadata.name}`)}; style="rounded,filled"; fillcolor="#f8fafc"; color="#94a3b8"; fontsize=10;`,
      `      ${podsId(d)} [shape=box, style="rounded,filled", fillcolor="#e0e7ff", peripheries=2, label=<<B>pods ${esc(d.metadata.name)} ×${replicas}</B>`
        + `${ports.map((p) => `<BR/><FONT POINT-SIZE="9">${esc(p)}</FONT>`).join('')}>];`);
    for (const o of inNs.filter((x) => workloadOf.get(x) === d)) out.push(at(o, '      '));
    out.push('    }');
  }
  out.push('  }');

  const edges: string[] = [];
  const edge = (from: string, to: string, attrs: string) => edges.push(`  ${from} -> ${to} [${attrs}];`);
  for (const o of inNs) {
    const s = o.spec ?? {};
    if (isKnative(o)) {
      edge(id(o), podsId(o), 'style=dashed, label="runs, scales"');
      if (s.template?.spec?.serviceAccountName) edge(podsId(o), idOf('ServiceAccount', s.template.spec.serviceAccountName), 'style=dotted, arrowhead=none, label="runs as"');
      continue;
    }
    switch (o.kind) {
      case 'Service': {
        const [pods] = podsMatching(s.selector);
        for (const d of podsMatching(s.selector)) {
          edge(id(o), podsId(d), `label=${qLines((s.ports ?? []).map((p: any) => `${p.port} → ${resolvePort(p.targetPort, pods)}`))}`);
        }
        if (s.type === 'NodePort' || s.type === 'LoadBalancer') {
          edge('"clients"', id(o), `label=${q(`${s.type} ${(s.ports ?? []).map((p: any) => p.nodePort ?? 'auto').join(',')}`)}`);
        }
        break;
      }
      case 'Ingress':
        edge('"clients"', id(o), `label=${q(s.tls ? 'HTTPS' : 'HTTP')}`);
        for (const r of s.rules ?? []) {
          for (const p of r.http?.paths ?? []) {
            const port = p.backend?.service?.port;
            edge(id(o), idOf('Service', p.backend?.service?.name), `label=${q(`${p.path} → ${port?.name ?? port?.number ?? ''}`)}`);
          }
        }
        for (const t of s.tls ?? []) {
          for (const c of inNs.filter((x) => x.kind === 'Certificate' && x.spec?.secretName === t.secretName)) edge(id(c), id(o), 'style=dashed, label="TLS secret"');
        }
        break;
      case 'IngressRoute':
        edge('"clients"', id(o), `label=${q((s.entryPoints ?? []).join(', '))}`);
        for (const r of s.routes ?? []) {
          const path = /PathPrefix\(`([^`]+)`\)/.exec(String(r.match))?.[1];
          for (const svc of r.services ?? []) {
            if (svc.kind === 'Service' || svc.kind === undefined) edge(id(o), idOf('Service', svc.name), `label=${q(`${path ?? '*'} → ${svc.port}`)}`);
          }
          for (const m of r.middlewares ?? []) edge(id(o), idOf('Middleware', m.name), 'style=dashed, arrowhead=none, label="uses"');
        }
        if (s.tls?.secretName) {
          for (const c of inNs.filter((x) => x.kind === 'Certificate' && x.spec?.secretName === s.tls.secretName)) edge(id(c), id(o), 'style=dashed, label="TLS secret"');
        }
        break;
      case 'Deployment':
        edge(id(o), podsId(o), 'style=dashed, label="manages"');
        if (s.template?.spec?.serviceAccountName) edge(podsId(o), idOf('ServiceAccount', s.template.spec.serviceAccountName), 'style=dotted, arrowhead=none, label="runs as"');
        for (const cm of mounts(o)) edge(podsId(o), idOf('ConfigMap', cm), 'style=dotted, arrowhead=none, label="mounts"');
        break;
      case 'HorizontalPodAutoscaler':
        edge(id(o), idOf('Deployment', s.scaleTargetRef?.name), 'style=dashed, label="scales"');
        break;
      case 'PodDisruptionBudget':
        for (const d of podsMatching(s.selector?.matchLabels)) edge(podsId(d), id(o), 'style=dotted, arrowhead=none, label="limits eviction"');
        break;
      case 'NetworkPolicy':
        for (const d of podsMatching(s.podSelector?.matchLabels)) edge(podsId(d), id(o), 'style=dotted, arrowhead=none, label="firewall"');
        break;
      case 'ServiceMonitor':
        for (const svc of inNs.filter((x) => x.kind === 'Service' && matches(s.selector?.matchLabels, x.metadata.labels))) {
          edge(id(o), id(svc), `style=dashed, label=${q(`scrapes ${(s.endpoints ?? []).map((e: any) => e.port).join(',')}`)}`);
        }
        break;
      default:
        break;
    }
  }
  // Keep each PrometheusRule beside the ServiceMonitor of the same name.
  for (const r of inNs.filter((x) => x.kind === 'PrometheusRule')) {
    const sm = inNs.find((x) => x.kind === 'ServiceMonitor' && x.metadata.name === r.metadata.name);
    if (sm) edges.push(`  ${id(r)} -> ${id(sm)} [style=invis];`);
  }
  // One edge per pair and label, however many hosts share a path.
  out.push(...edges.filter((l, i) => edges.indexOf(l) === i), '}');
  return `${out.join('\n')}\n`;
}
