import * as fs from 'fs';
import * as path from 'path';
import { readManifestFolder } from '../../lib/synth/manifest-files';

export interface K8sObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  readonly [field: string]: unknown;
}

/** Kinds that have no namespace. They cannot be members of the namespace's ApplySet. */
export const CLUSTER_SCOPED_KINDS: ReadonlySet<string> = new Set([
  'Namespace', 'PriorityClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition',
  'IngressClass', 'StorageClass', 'RuntimeClass', 'PersistentVolume', 'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration', 'APIService', 'ClusterIssuer',
]);

/** One target's objects, split the way they are applied. */
export interface DeployPlan {
  readonly clusterScoped: readonly K8sObject[];
  readonly namespaced: readonly K8sObject[];
  /** Names of the Deployments, in manifest order: each one's rollout is awaited. */
  readonly deployments: readonly string[];
  /** Folders of JSON files, one object per file, in manifest order. */
  readonly clusterScopedDir: string;
  /** The namespace's objects labelled as members of the ApplySet: diffed and applied before the rollout. */
  readonly namespacedDir: string;
  /** The same objects without that label (kubectl adds it): applied with --applyset --prune after the rollout. */
  readonly pruneDir: string;
}

export const describe = (o: K8sObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

/**
 * Reads `targetDir` and writes its objects as JSON into `<work>/cluster-scoped/`,
 * `<work>/namespaced/` (with `memberLabels`) and `<work>/prune/`, one file per object (`NN-kind-name.json`, so kubectl, which reads a
 * folder's files in name order, keeps the manifest order and names the file in an error).
 * JSON says exactly what synth validated: no YAML 1.1 / 1.2 reading differences.
 * Throws when an object sits in another namespace than the target's (the ApplySet covers one).
 */
export function planDeploy(targetDir: string, namespace: string, memberLabels: Record<string, string>, work: string): DeployPlan {
  const objects = readManifestFolder(targetDir).files.flatMap((f) => f.manifests) as unknown as K8sObject[];
  if (objects.length === 0) throw new Error(`${targetDir} holds no objects`);
  const clusterScoped: K8sObject[] = [];
  const namespaced: K8sObject[] = [];
  for (const o of objects) {
    if (CLUSTER_SCOPED_KINDS.has(o.kind)) {
      clusterScoped.push(o);
    } else if (o.metadata.namespace === namespace) {
      namespaced.push(o);
    } else {
      throw new Error(`${describe(o)}: every namespaced object of this target must be in namespace "${namespace}" `
        + `(found ${o.metadata.namespace === undefined ? 'no namespace' : `"${o.metadata.namespace}"`})`);
    }
  }
  if (!clusterScoped.some((o) => o.kind === 'Namespace' && o.metadata.name === namespace)) {
    throw new Error(`${targetDir} does not define Namespace "${namespace}", which the target deploys into`);
  }
  const write = (dir: string, list: readonly K8sObject[], labels: Record<string, string> = {}) => {
    fs.mkdirSync(dir, { recursive: true });
    list.forEach((o, i) => {
      const file = `${String(i + 1).padStart(2, '0')}-${o.kind.toLowerCase()}-${o.metadata.name}.json`;
      const labelled = { ...o, metadata: { ...o.metadata, labels: { ...(o.metadata as { labels?: Record<string, string> }).labels, ...labels } } };
      fs.writeFileSync(path.join(dir, file), `${JSON.stringify(Object.keys(labels).length ? labelled : o, null, 2)}\n`);
    });
  };
  const clusterScopedDir = path.join(work, 'cluster-scoped');
  const namespacedDir = path.join(work, 'namespaced');
  const pruneDir = path.join(work, 'prune');
  write(clusterScopedDir, clusterScoped);
  write(namespacedDir, namespaced, memberLabels);
  write(pruneDir, namespaced);
  return {
    clusterScoped,
    namespaced,
    deployments: namespaced.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name),
    clusterScopedDir,
    namespacedDir,
    pruneDir,
  };
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
