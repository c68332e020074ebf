import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { describe, groupOf, K8sObject } from './manifests';
import { Kubectl, why } from './kubectl';

/**
 * Server versions the manifests are for: they are validated against the Kubernetes 1.27
 * schema (PodDisruptionBudget's unhealthyPodEvictionPolicy is beta and on from 1.27; an older
 * server drops it), and kubectl 1.27 supports servers one minor version either side, of which
 * only the newer one has all the fields.
 */
export const SUPPORTED_SERVER = { major: 1, minMinor: 27, maxMinor: 28 } as const;

/** What the cluster serves for the target's kinds: `<group>/<version>/<Kind>` -> resource. */
export type ServedKinds = ReadonlyMap<string, { readonly resource: string; readonly namespaced: boolean }>;
export const kindKey = (o: { apiVersion: string; kind: string }): string => `${o.apiVersion.includes('/') ? o.apiVersion : `/${o.apiVersion}`}/${o.kind}`;

/** kubectl's `<resource>.<group>` of a served kind (just `<resource>` for the core group). */
export function groupResource(o: K8sObject, served: ServedKinds): string {
  const r = served.get(kindKey(o))!;
  const group = groupOf(o);
  return group ? `${r.resource}.${group}` : r.resource;
}

/**
 * The context check, before anything reaches a cluster: the context must be in the kubeconfig.
 * Returns a message naming what was looked for, where, what exists and how to fix it, or
 * undefined when it is there.
 */
export async function checkContext(kubectl: Kubectl, where: string, quiet = false): Promise<string | undefined> {
  const r = await kubectl.contexts(quiet);
  const contexts = r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()).filter(Boolean) : [];
  if (contexts.includes(kubectl.context)) return undefined;
  const kubeconfig = process.env.KUBECONFIG || '~/.kube/config';
  return [
    `kube context "${kubectl.context}" (${where}) is not in the kubeconfig (${kubeconfig}); nothing was sent to any cluster.`,
    contexts.length > 0 ? `The kubeconfig has: ${contexts.map((c) => `"${c}"`).join(', ')}.` : 'The kubeconfig has no contexts.',
    `Pass --context <name> to use another one, or set the cluster's context in config/targets.ts.`,
    ...(r.status !== 0 ? [`(kubectl config get-contexts: ${why(r)})`] : []),
  ].join('\n');
}

/** A project CRD: its name, file and the controller that brings it, from crds/<controller>/<group>_<plural>.yaml. */
interface KnownCrd { readonly name: string; readonly file: string; readonly controller: string }
let knownCrds: Map<string, KnownCrd> | undefined;
function crdFor(group: string, kind: string): KnownCrd | undefined {
  if (!knownCrds) {
    knownCrds = new Map();
    const root = path.join(__dirname, '..', '..', 'crds');
    for (const controller of fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)) {
      for (const file of fs.readdirSync(path.join(root, controller)).filter((f) => f.endsWith('.yaml'))) {
        const crd = YAML.parse(fs.readFileSync(path.join(root, controller, file), 'utf-8'));
        knownCrds.set(`${crd.spec.group}/${crd.spec.names.kind}`, { name: crd.metadata.name, file: path.join('crds', controller, file), controller });
      }
    }
  }
  return knownCrds.get(`${group}/${kind}`);
}

/** The rows of a kubectl table (`-o wide`), cut at the header's column starts. */
export function readTable(text: string): Array<Record<string, string>> {
  const [header, ...rows] = text.split('\n').filter((l) => l.trim() !== '');
  if (!header) return [];
  const columns = [...header.matchAll(/\S+/g)].map((m) => ({ name: m[0], at: m.index! }));
  return rows.map((row) => Object.fromEntries(columns.map((c, i) => [c.name, row.slice(c.at, columns[i + 1]?.at ?? row.length).trim()])));
}

export interface ServerFacts {
  readonly clientVersion: string;
  readonly serverVersion: string;
  readonly served: ServedKinds;
}

/**
 * Asks the cluster, before anything is applied, whether it can take the target: its version is
 * one the manifests support, and every kind of `objects` is served (discovery; a custom kind is
 * served only once its CRD is Established). Returns the facts, or every problem found, each
 * saying what to install or change.
 */
export async function checkServer(kubectl: Kubectl, objects: readonly K8sObject[]): Promise<ServerFacts | { problems: string[] }> {
  const problems: string[] = [];
  const [version, table] = await Promise.all([kubectl.version(), kubectl.apiResources()]);
  let versionInfo: { clientVersion?: { gitVersion?: string }; serverVersion?: { major?: string; minor?: string; gitVersion?: string } } = {};
  try {
    versionInfo = JSON.parse(version.stdout);
  } catch { /* reported below */ }
  const server = versionInfo.serverVersion;
  if (version.status !== 0 || !server) {
    return { problems: [`cannot reach the cluster of context "${kubectl.context}": ${why(version).split('\n').filter((l) => !l.startsWith('{')).join(' ').trim() || `kubectl version exited ${version.status}`}`] };
  }
  const major = parseInt(server.major ?? '', 10);
  const minor = parseInt(server.minor ?? '', 10);
  if (major !== SUPPORTED_SERVER.major || !(minor >= SUPPORTED_SERVER.minMinor && minor <= SUPPORTED_SERVER.maxMinor)) {
    problems.push(`the server runs Kubernetes ${server.gitVersion ?? `${server.major}.${server.minor}`}; the manifests are for `
      + `${SUPPORTED_SERVER.major}.${SUPPORTED_SERVER.minMinor}-${SUPPORTED_SERVER.major}.${SUPPORTED_SERVER.maxMinor} (validated against the 1.27 schema, `
      + `applied with kubectl 1.27): upgrade the cluster, or deploy to one that runs a supported version`);
  }

  // kubectl exits 1 when one API group cannot be listed (an aggregated API that is down, say)
  // but prints the others: those are enough to judge this target's kinds.
  const rows = readTable(table.stdout);
  if (rows.length === 0) return { problems: [`discovery failed on the cluster of context "${kubectl.context}": ${why(table)}`] };
  const served = new Map<string, { resource: string; namespaced: boolean }>();
  for (const row of rows) {
    served.set(kindKey({ apiVersion: row.APIVERSION, kind: row.KIND }), { resource: row.NAME, namespaced: row.NAMESPACED === 'true' });
  }
  // api-resources lists each group's preferred version only: another version the target uses
  // is looked up by itself.
  const otherVersions = [...new Set(objects.filter((o) => !served.has(kindKey(o))).map((o) => o.apiVersion))];
  const lists = await Promise.all(otherVersions.map((gv) => kubectl.raw(gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`)));
  otherVersions.forEach((gv, i) => {
    if (lists[i].status !== 0) return;
    try {
      for (const r of JSON.parse(lists[i].stdout).resources ?? []) {
        if (!r.name.includes('/')) served.set(kindKey({ apiVersion: gv, kind: r.kind }), { resource: r.name, namespaced: r.namespaced });
      }
    } catch { /* not served */ }
  });
  const missing = new Map<string, K8sObject[]>();
  for (const o of objects) {
    if (!served.has(kindKey(o))) missing.set(kindKey(o), [...(missing.get(kindKey(o)) ?? []), o]);
  }
  for (const [, list] of missing) {
    const o = list[0];
    const group = groupOf(o);
    const names = list.map(describe).join(', ');
    const crd = crdFor(group, o.kind);
    if (!crd) {
      problems.push(`${o.kind} (${o.apiVersion}) is not served by the cluster, needed for ${names}: `
        + `the server does not offer this API version; use a cluster that serves ${o.apiVersion}`);
      continue;
    }
    const state = await kubectl.getJson(['customresourcedefinitions.apiextensions.k8s.io', crd.name], { ignoreNotFound: true });
    let established: { status?: string; reason?: string; message?: string } | undefined;
    let exists = false;
    try {
      const obj = state.stdout.trim() ? JSON.parse(state.stdout) : undefined;
      exists = obj !== undefined;
      established = (obj?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Established');
    } catch { /* treated as missing */ }
    problems.push(exists
      ? `${o.kind} (${o.apiVersion}) is not served, needed for ${names}: CRD ${crd.name} exists but is not Established`
        + `${established ? ` (${established.reason ?? ''}: ${established.message ?? ''})` : ''}; wait for it, or check ${crd.controller}'s installation`
      : `${o.kind} (${o.apiVersion}) is not served, needed for ${names}: CRD ${crd.name} is not installed. `
        + `Install ${crd.controller} (it brings the CRD), or the CRD alone: kubectl apply --server-side -f ${crd.file}`);
  }
  if (missing.size > 0 && table.status !== 0) problems.push(`discovery was incomplete, which may be why: ${why(table)}`);
  if (problems.length > 0) return { problems };
  return { clientVersion: versionInfo.clientVersion?.gitVersion ?? 'unknown', serverVersion: server.gitVersion ?? `${major}.${minor}`, served };
}
