type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; [k: string]: any };

const STYLE: Record<string, { shape: string; fill: string }> = {
  Ingress: { shape: 'box', fill: '#fde68a' },
  IngressRoute: { shape: 'box', fill: '#fde68a' },
  Middleware: { shape: 'note', fill: '#fef3c7' },
  Certificate: { shape: 'note', fill: '#fef3c7' },
  Service: { shape: 'box', fill: '#bfdbfe' },
  Deployment: { shape: 'box3d', fill: '#c7d2fe' },
  Pod: { shape: 'box', fill: '#e0e7ff' },
  HorizontalPodAutoscaler: { shape: 'component', fill: '#ddd6fe' },
  PodDisruptionBudget: { shape: 'note', fill: '#f5f5f4' },
  NetworkPolicy: { shape: 'octagon', fill: '#fecaca' },
  ServiceAccount: { shape: 'note', fill: '#f5f5f4' },
  ConfigMap: { shape: 'note', fill: '#f5f5f4' },
  ServiceMonitor: { shape: 'component', fill: '#bbf7d0' },
  PrometheusRule: { shape: 'component', fill: '#bbf7d0' },
  PriorityClass: { shape: 'note', fill: '#f5f5f4' },
};

const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
const id = (o: Obj) => q(`${o.kind}/${o.metadata.name}`);

function matches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** What each object shows under its name. */
function details(o: Obj, all: Obj[]): string[] {
  const s = o.spec ?? {};
  switch (o.kind) {
    case 'Service':
      return [`type ${s.type ?? 'ClusterIP'}`, ...(s.ports ?? []).map((p: any) =>
        `${p.name ?? ''} ${p.port} → ${p.targetPort}${p.nodePort ? ` (node ${p.nodePort})` : ''}`.trim())];
    case 'Deployment': {
      const hpa = all.find((h) => h.kind === 'HorizontalPodAutoscaler' && h.spec?.scaleTargetRef?.name === o.metadata.name);
      const c = s.template?.spec?.containers ?? [];
      return [hpa ? `replicas ${hpa.spec.minReplicas}–${hpa.spec.maxReplicas} (HPA)` : `replicas ${s.replicas ?? 1}`,
        ...c.map((x: any) => `${x.name}: ${x.image.replace(/@sha256:(.{12}).*/, '@sha256:$1…')}`),
        ...c.flatMap((x: any) => (x.ports ?? []).map((p: any) => `port ${p.name ?? ''} ${p.containerPort}`.replace('  ', ' ')))];
    }
    case 'HorizontalPodAutoscaler':
      return [`${s.minReplicas}–${s.maxReplicas} pods`, ...(s.metrics ?? []).map((m: any) => `${m.resource?.name} ${m.resource?.target?.averageUtilization}%`)];
    case 'PodDisruptionBudget':
      return [s.maxUnavailable !== undefined ? `maxUnavailable ${s.maxUnavailable}` : `minAvailable ${s.minAvailable}`];
    case 'NetworkPolicy':
      return [`deny ${(s.policyTypes ?? []).join('+')} except:`, ...(s.ingress ?? []).map((r: any) =>
        `in :${(r.ports ?? []).map((p: any) => p.port).join(',')} from ${(r.from ?? []).map(peer).join(', ') || 'nowhere'}`),
      ...(s.egress ?? []).map((r: any) => `out :${(r.ports ?? []).map((p: any) => p.port).join(',')} to ${(r.to ?? []).map(peer).join(', ')}`)];
    case 'Ingress':
      return [`class ${s.ingressClassName ?? '-'}`, ...(s.rules ?? []).flatMap((r: any) => (r.http?.paths ?? []).map((p: any) => `${r.host ?? '*'}${p.path}`)),
        ...(s.tls ? ['TLS'] : [])];
    default:
      return [];
  }
}

function peer(p: any): string {
  if (p.ipBlock) return p.ipBlock.cidr;
  const ns = p.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  if (ns) return `ns ${ns}`;
  if (p.namespaceSelector) return 'any ns';
  if (p.podSelector) return Object.keys(p.podSelector.matchLabels ?? {}).length ? Object.values(p.podSelector.matchLabels).join('/') : 'same ns';
  return '?';
}

function node(o: Obj, all: Obj[]): string {
  const st = STYLE[o.kind] ?? { shape: 'box', fill: '#ffffff' };
  const lines = [`<B>${esc(o.kind)}</B>`, esc(o.metadata.name), ...details(o, all).map((l) => `<FONT POINT-SIZE="10">${esc(l)}</FONT>`)];
  return `  ${id(o)} [shape=${st.shape}, style="filled", fillcolor="${st.fill}", label=<${lines.join('<BR/>')}>];`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A Graphviz graph of one target's objects: traffic flows left to right. */
export function toDot(target: string, objects: readonly Obj[]): string {
  const all = [...objects];
  const ns = all.find((o) => o.kind === 'Namespace');
  const clusterScoped = all.filter((o) => o.kind === 'PriorityClass');
  const inNs = all.filter((o) => o.kind !== 'Namespace' && !clusterScoped.includes(o));
  const out: string[] = [
    `digraph ${q(target)} {`,
    '  rankdir=LR; compound=true; nodesep=0.35; ranksep=0.6;',
    '  graph [fontname="Helvetica", fontsize=12]; node [fontname="Helvetica", fontsize=11]; edge [fontname="Helvetica", fontsize=10, color="#475569"];',
    `  label=${q(`target ${target}`)}; labelloc=t;`,
    '  "clients" [shape=oval, style="filled", fillcolor="#e2e8f0", label="clients"];',
    ...clusterScoped.map((o) => node(o, all)),
    `  subgraph "cluster_ns" {`,
    `    label=${q(`Namespace ${ns?.metadata.name ?? '?'}${ns?.metadata.labels?.['pod-security.kubernetes.io/enforce'] ? ` (Pod Security: ${ns.metadata.labels['pod-security.kubernetes.io/enforce']})` : ''}`)};`,
    '    style="rounded,dashed"; color="#64748b";',
    ...inNs.map((o) => node(o, all)),
  ];
  const deployments = inNs.filter((o) => o.kind === 'Deployment');
  for (const d of deployments) {
    const replicas = d.spec?.replicas ?? all.find((h) => h.kind === 'HorizontalPodAutoscaler' && h.spec?.scaleTargetRef?.name === d.metadata.name)?.spec?.minReplicas ?? 1;
    out.push(`  ${q(`Pods/${d.metadata.name}`)} [shape=box, style="filled,rounded", fillcolor="#e0e7ff", peripheries=2, label=${q(`pods ${d.metadata.name} ×${replicas}`)}];`);
  }
  out.push('  }');
  const podsOf = (labels: Record<string, string> | undefined) => deployments.filter((d) => matches(labels, d.spec?.template?.metadata?.labels));
  for (const o of inNs) {
    const s = o.spec ?? {};
    switch (o.kind) {
      case 'Service':
        for (const d of podsOf(s.selector)) out.push(`  ${id(o)} -> ${q(`Pods/${d.metadata.name}`)} [label=${q(String((s.ports ?? []).map((p: any) => p.targetPort).join(',')))}];`);
        if (s.type === 'NodePort' || s.type === 'LoadBalancer') out.push(`  "clients" -> ${id(o)} [label=${q(s.type)}];`);
        break;
      case 'Ingress':
        out.push(`  "clients" -> ${id(o)} [label=${q(s.tls ? 'HTTPS' : 'HTTP')}];`);
        for (const r of s.rules ?? []) for (const p of r.http?.paths ?? []) {
          out.push(`  ${id(o)} -> ${q(`Service/${p.backend?.service?.name}`)} [label=${q(p.path)}];`);
        }
        break;
      case 'Deployment':
        out.push(`  ${id(o)} -> ${q(`Pods/${o.metadata.name}`)} [style=dashed, label="manages"];`);
        if (s.template?.spec?.serviceAccountName) out.push(`  ${q(`Pods/${o.metadata.name}`)} -> ${q(`ServiceAccount/${s.template.spec.serviceAccountName}`)} [style=dotted, arrowhead=none];`);
        break;
      case 'HorizontalPodAutoscaler':
        out.push(`  ${id(o)} -> ${q(`Deployment/${s.scaleTargetRef?.name}`)} [style=dashed, label="scales"];`);
        break;
      case 'PodDisruptionBudget':
      case 'NetworkPolicy':
        for (const d of podsOf(o.kind === 'NetworkPolicy' ? s.podSelector?.matchLabels : s.selector?.matchLabels)) {
          out.push(`  ${id(o)} -> ${q(`Pods/${d.metadata.name}`)} [style=dotted, arrowhead=none];`);
        }
        break;
      case 'ServiceMonitor':
        for (const svc of inNs.filter((x) => x.kind === 'Service' && matches(s.selector?.matchLabels, x.metadata.labels))) {
          out.push(`  ${id(o)} -> ${id(svc)} [style=dashed, label="scrapes"];`);
        }
        break;
      default:
        break;
    }
  }
  // One edge per path, however many hosts share it.
  const lines = out.filter((l, i) => !l.includes(' -> ') || out.indexOf(l) === i);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
