import * as fs from 'fs';
import * as path from 'path';
import { readManifestFolder } from '../../lib/synth/manifest-files';

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly [field: string]: unknown;
}

export const describe = (o: K8sObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
/** `kind/name` as kubectl names an object on its command line. */
export const ref = (o: K8sObject): string => `${o.kind.toLowerCase()}/${o.metadata.name}`;
export const groupOf = (o: { apiVersion: string }): string => (o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '');

/** Every object of a synthesized target folder, in manifest order. */
export function readTargetFolder(dir: string): K8sObject[] {
  const objects = readManifestFolder(dir).files.flatMap((f) => f.manifests) as unknown as K8sObject[];
  if (objects.length === 0) throw new Error(`${dir} holds no objects`);
  return objects;
}

/**
 * One target's objects, split the way they are applied. The Namespace goes first and alone:
 * it holds the ApplySet's parent, so it cannot be a member, and it is never pruned. Every
 * other object is a member of the target's ApplySet, the cluster-scoped ones (PriorityClass)
 * too, so a renamed or dropped one is pruned like any other.
 */
export interface DeployPlan {
  /** Every object, in manifest order. */
  readonly objects: readonly K8sObject[];
  readonly namespace: K8sObject;
  readonly clusterMembers: readonly K8sObject[];
  readonly namespacedMembers: readonly K8sObject[];
  readonly deployments: readonly K8sObject[];
  /** Folders of JSON files, one object per file, in manifest order (kubectl reads a folder's files in name order). */
  readonly dirs: {
    readonly namespace: string;
    /** The members with the ApplySet member label: diffed and applied before the rollout. */
    readonly members: readonly string[];
    /** The cluster-scoped members alone: what can be diffed before the namespace exists. */
    readonly clusterMembers: readonly string[];
    /** The members without that label (kubectl adds it, and refuses input that has it): the prune. */
    readonly prune: readonly string[];
  };
}

/**
 * Splits `objects` and writes them as JSON into folders under `work`. JSON says exactly what
 * synth validated: no YAML 1.1 / 1.2 reading differences. Throws when the target's Namespace
 * is missing or a namespaced object sits in another namespace (the ApplySet covers one).
 * `namespaced` tells a kind's scope, from the cluster's discovery.
 */
export function planDeploy(objects: readonly K8sObject[], namespace: string, memberLabels: Record<string, string>, work: string,
  namespaced: (o: K8sObject) => boolean): DeployPlan {
  const ns = objects.find((o) => o.kind === 'Namespace' && groupOf(o) === '' && o.metadata.name === namespace);
  if (!ns) throw new Error(`the target does not define Namespace "${namespace}", which it deploys into`);
  const clusterMembers: K8sObject[] = [];
  const namespacedMembers: K8sObject[] = [];
  for (const o of objects) {
    if (o === ns) continue;
    if (!namespaced(o)) {
      if (o.kind === 'Namespace') throw new Error(`${describe(o)}: a target deploys into its own namespace "${namespace}" only; move the object there`);
      clusterMembers.push(o);
    } else if (o.metadata.namespace === namespace) {
      namespacedMembers.push(o);
    } else {
      throw new Error(`${describe(o)}: every namespaced object of this target must be in namespace "${namespace}" `
        + `(found ${o.metadata.namespace === undefined ? 'no namespace' : `"${o.metadata.namespace}"`})`);
    }
  }
  const write = (dir: string, list: readonly K8sObject[], labels: Record<string, string> = {}): string[] => {
    if (list.length === 0) return [];
    fs.mkdirSync(dir, { recursive: true });
    list.forEach((o, i) => {
      const file = `${String(i + 1).padStart(2, '0')}-${o.kind.toLowerCase()}-${o.metadata.name}.json`;
      fs.writeFileSync(path.join(dir, file), `${JSON.stringify(withLabels(o, labels), null, 2)}\n`);
    });
    return [dir];
  };
  const clusterDir = write(path.join(work, 'members-cluster'), clusterMembers, memberLabels);
  return {
    objects,
    namespace: ns,
    clusterMembers,
    namespacedMembers,
    deployments: namespacedMembers.filter((o) => o.kind === 'Deployment' && groupOf(o) === 'apps'),
    dirs: {
      namespace: write(path.join(work, 'namespace'), [ns])[0],
      members: [...clusterDir, ...write(path.join(work, 'members-namespaced'), namespacedMembers, memberLabels)],
      clusterMembers: clusterDir,
      prune: [...write(path.join(work, 'prune-cluster'), clusterMembers), ...write(path.join(work, 'prune-namespaced'), namespacedMembers)],
    },
  };
}

/** The object with extra labels (none: the object itself). */
export function withLabels(o: K8sObject, labels: Record<string, string>): K8sObject {
  if (Object.keys(labels).length === 0) return o;
  return { ...o, metadata: { ...o.metadata, labels: { ...o.metadata.labels, ...labels } } };
}

/** Writes objects (JSON, one per file) into a fresh folder; returns it. */
export function writeObjects(dir: string, objects: readonly K8sObject[]): string {
  fs.mkdirSync(dir, { recursive: true });
  objects.forEach((o, i) => fs.writeFileSync(path.join(dir, `${String(i + 1).padStart(2, '0')}-${o.kind.toLowerCase()}-${o.metadata.name}.json`),
    `${JSON.stringify(o, null, 2)}\n`));
  return dir;
}

/** One object in `kubectl diff` output. */
export interface DiffEntry {
  /** `Kind namespace/name`. */
  readonly object: string;
  readonly added: number;
  readonly removed: number;
  /** The live side was empty: the object does not exist yet. */
  readonly isNew: boolean;
}

/**
 * Reads `kubectl diff` output made with `diff -u -N`: one block per object, whose files are
 * named `<group.>version.Kind.namespace.name` (cluster-scoped objects: an empty namespace).
 */
export function summarizeDiff(output: string): DiffEntry[] {
  const entries: DiffEntry[] = [];
  let current: { object: string; added: number; removed: number; isNew: boolean } | undefined;
  for (const line of output.split('\n')) {
    const head = /^diff -u -N \S+\/(\S+) \S+$/.exec(line);
    if (head) {
      current = { object: objectOfDiffFile(head[1]), added: 0, removed: 0, isNew: false };
      entries.push(current);
      continue;
    }
    if (!current) continue;
    if (line.startsWith('@@ -0,0 ')) current.isNew = true;
    else if (line.startsWith('+') && !line.startsWith('+++ ')) current.added += 1;
    else if (line.startsWith('-') && !line.startsWith('--- ')) current.removed += 1;
  }
  return entries;
}

function objectOfDiffFile(file: string): string {
  // kubectl names each file [group.]version.Kind.namespace.name: the group may hold dots and
  // is absent for the core group, a namespace never holds one (a DNS label), a name may.
  const parts = file.split('.');
  const at = parts.findIndex((p, i) => /^v\d+((alpha|beta)\d+)?$/.test(p) && /^[A-Z]/.test(parts[i + 1] ?? ''));
  if (at < 0 || parts.length < at + 4) return file;
  const namespace = parts[at + 2];
  return `${parts[at + 1]} ${namespace ? `${namespace}/` : ''}${parts.slice(at + 3).join('.')}`;
}
