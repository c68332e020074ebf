import { KubeObject } from './types';
import { groupBy, NameIndex, PodLabelIndex, rawNamespace, SelectorIndex, selectorMatches, serviceSelector, Workload, workloadOf } from './workload';

// The indexes only narrow down where to look; their answers must be those of a plain scan.

function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

const rnd = random(5);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const NAMESPACES = ['a', 'b', ''];
const KEYS = ['app', 'tier', 'app.kubernetes.io/instance'];
const VALUES = ['web', 'api', 'db', ''];

function labels(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEYS) if (rnd() < 0.6) out[k] = pick(VALUES);
  return out;
}

function selector(): unknown {
  const r = rnd();
  if (r < 0.05) return undefined;
  if (r < 0.1) return {};
  const s: Record<string, unknown> = {};
  if (rnd() < 0.8) s.matchLabels = rnd() < 0.1 ? {} : labels();
  if (rnd() < 0.3) s.matchExpressions = [{ key: pick(KEYS), operator: pick(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Bad']), values: [pick(VALUES)] }];
  return s;
}

function objects(count: number): KubeObject[] {
  return Array.from({ length: count }, (_, i) => {
    const namespace = pick(NAMESPACES);
    const metadata = { name: `o${i % 17}`, ...(namespace ? { namespace } : {}) };
    switch (i % 4) {
      case 0: return { apiVersion: 'apps/v1', kind: 'Deployment', metadata, spec: { template: { metadata: { labels: labels() }, spec: { containers: [] } } } };
      case 1: return { apiVersion: 'v1', kind: 'Service', metadata, spec: rnd() < 0.1 ? {} : { selector: labels() } };
      case 2: return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata, spec: { selector: selector() } };
      default: return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec: { podSelector: selector() } };
    }
  }) as KubeObject[];
}

describe('lookups across objects give the answers of a plain scan', () => {
  const all = objects(400);
  const workloads = all.map((m) => workloadOf(m, 'kube-score')).filter((w): w is Workload => w !== undefined);
  const of = (kind: string) => all.filter((m) => m.kind === kind);

  test('SelectorIndex.some and .matching: which PDBs, NetworkPolicies and Services select a set of labels', () => {
    const cases: Array<[KubeObject[], (m: KubeObject) => unknown]> = [
      [of('PodDisruptionBudget'), (p) => p.spec?.selector],
      [of('NetworkPolicy'), (p) => p.spec?.podSelector],
      [of('Service'), serviceSelector],
    ];
    let matches = 0;
    for (const [items, selectorOf] of cases) {
      const index = new SelectorIndex(items, rawNamespace, selectorOf);
      for (let i = 0; i < 300; i++) {
        const namespace = pick(NAMESPACES);
        const l = labels();
        const scan = items.filter((m) => rawNamespace(m) === namespace && selectorMatches(selectorOf(m), l));
        expect(index.some(namespace, l)).toBe(scan.length > 0);
        expect(new Set(index.matching(namespace, l))).toEqual(new Set(scan));
        const named = (m: KubeObject) => m.metadata.name === 'o3';
        expect(index.some(namespace, l, named)).toBe(scan.some(named));
        matches += scan.length;
      }
    }
    expect(matches).toBeGreaterThan(100); // both answers occur
  });

  test('PodLabelIndex.some: whether a selector picks the pods of a workload', () => {
    const index = new PodLabelIndex(workloads);
    let hits = 0;
    for (let i = 0; i < 500; i++) {
      const namespace = pick(NAMESPACES);
      const s = selector();
      const scan = workloads.some((w) => w.namespace === namespace && selectorMatches(s, w.podLabels));
      expect(index.some(namespace, s)).toBe(scan);
      if (scan) hits++;
    }
    expect(hits).toBeGreaterThan(50);
    expect(hits).toBeLessThan(450);
  });

  test('NameIndex.get and groupBy keep input order', () => {
    const index = new NameIndex(all);
    for (const m of all.slice(0, 50)) {
      expect(index.get(m.kind, rawNamespace(m), m.metadata.name))
        .toEqual(all.filter((o) => o.kind === m.kind && rawNamespace(o) === rawNamespace(m) && o.metadata.name === m.metadata.name));
    }
    expect(index.get('Service', 'a', 5)).toEqual([]); // a name is compared as it is, not as its string
    const groups = groupBy(all, (m) => m.kind);
    expect(groups.get('Service')).toEqual(of('Service'));
  });
});
