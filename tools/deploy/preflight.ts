import { apiGroup } from 'k8s-checks';
import { isCustomResource, projectCrd } from '../../app/project-crds';
import { Io, run, why } from './helm';

/** A cluster as the preflight sees it: its context, where that came from, the objects it gets. */
export interface Checked {
  readonly name: string; readonly context: string; readonly contextSource: string;
  readonly objects: ReadonlyArray<{ apiVersion: string; kind: string; metadata: { name: string } }>;
}

/** Every context must be in the kubeconfig; returns the problems, each with the fix. */
export async function checkContexts(kubectl: string, clusters: readonly Checked[], io: Io): Promise<string[]> {
  const r = await run(kubectl, 'kubectl', ['config', 'get-contexts', '-o', 'name'], io);
  const contexts = r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  return clusters.filter((c) => !contexts.includes(c.context)).map((c) => [
    `kube context "${c.context}" (${c.contextSource}) is not in the kubeconfig (${process.env.KUBECONFIG || '~/.kube/config'}).`,
    contexts.length > 0 ? `The kubeconfig has: ${contexts.map((x) => `"${x}"`).join(', ')}.` : 'The kubeconfig has no contexts.',
    'Pass --context <name> to use another one, or set the cluster\'s context in config/targets.ts.',
  ].join('\n'));
}

/**
 * Before anything is applied: each context answers, the clusters are different clusters (the
 * UID of their kube-system namespace: two contexts, or two URLs, can reach one API server),
 * and every CRD the target needs is Established. Returns every problem found.
 */
export async function preflight(kubectl: string, clusters: readonly Checked[], io: Io): Promise<string[]> {
  const contextProblems = await checkContexts(kubectl, clusters, io);
  if (contextProblems.length > 0) return contextProblems;
  const k = (c: Checked, args: string[]) => run(kubectl, 'kubectl', ['--context', c.context, ...args], io);
  const ids = await Promise.all(clusters.map((c) => k(c, ['get', 'namespace', 'kube-system', '-o', 'jsonpath={.metadata.uid}'])));
  const problems: string[] = [];
  clusters.forEach((c, i) => {
    if (ids[i].status !== 0 || !ids[i].stdout.trim()) problems.push(`cannot reach cluster ${c.name} (context "${c.context}"): ${why(ids[i]) || 'its kube-system namespace has no UID'}`);
    const same = clusters.findIndex((_d, j) => j < i && ids[j].status === 0 && ids[j].stdout.trim() === ids[i].stdout.trim());
    if (ids[i].status === 0 && same >= 0) {
      problems.push(`clusters ${clusters[same].name} and ${c.name} are one cluster: contexts "${clusters[same].context}" and "${c.context}" reach the same API `
        + `server (its kube-system namespace has UID ${ids[i].stdout.trim()} on both); the target would be deployed there twice, each release `
        + 'undoing the other. Point each context at its own cluster, or deploy one of them with --cluster NAME');
    }
  });
  if (problems.length > 0) return problems;
  await Promise.all(clusters.map(async (c) => {
    const byKind = new Map<string, Array<Checked['objects'][number]>>();
    for (const o of c.objects.filter(isCustomResource)) byKind.set(`${o.apiVersion}/${o.kind}`, [...(byKind.get(`${o.apiVersion}/${o.kind}`) ?? []), o]);
    const needed = [...byKind.values()].map((list) => list[0]);
    if (needed.length === 0) return;
    const known = needed.map((o) => projectCrd(apiGroup(o.apiVersion), o.kind));
    const names = [...new Set(known.filter((x) => x !== undefined).map((x) => x!.name))];
    const r = names.length ? await k(c, ['get', 'customresourcedefinitions.apiextensions.k8s.io', ...names, '--ignore-not-found', '-o', 'json']) : undefined;
    if (r && r.status !== 0) {
      problems.push(`cluster ${c.name}: cannot read its CRDs: ${why(r)}`);
      return;
    }
    const items: Array<{ metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> } }> = r
      ? (r.stdout.trim() ? (JSON.parse(r.stdout).items ?? [JSON.parse(r.stdout)]) : []) : [];
    needed.forEach((o, i) => {
      const crd = known[i];
      const what = `cluster ${c.name}: ${o.kind} (${o.apiVersion}), needed for ${o.kind} ${byKind.get(`${o.apiVersion}/${o.kind}`)!.map((x) => x.metadata.name).join(', ')}`;
      const live = crd && items.find((x) => x.metadata.name === crd.name);
      const established = live && live.status?.conditions?.find((x) => x.type === 'Established');
      if (!crd) {
        problems.push(`${what}: its CRD is not among the project's (crds/); install the operator that brings it`);
      } else if (!live) {
        problems.push(`${what}: CRD ${crd.name} is not installed. Install ${crd.controller} (it brings the CRD), or the CRD alone: kubectl apply --server-side -f ${crd.file}`);
      } else if (established?.status !== 'True') {
        problems.push(`${what}: CRD ${crd.name} exists but is not Established${established ? ` (${established.reason}: ${established.message})` : ''}; `
          + `wait for it, or check ${crd.controller}'s installation`);
      }
    });
  }));
  return problems;
}
