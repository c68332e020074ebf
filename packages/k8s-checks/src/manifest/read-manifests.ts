// The one reader of manifests, for the checks, the app and its tools: a text (a file's, standard
// input's, a command's output), a file, a folder of synthesized output, or the paths of the
// command line (manifest-sources.ts), read as kubectl reads them (multi-document YAML, go-yaml's
// YAML 1.1 scalars, kubectl's alias limit, bounded nesting). Anything that cannot be read as
// Kubernetes objects is an InputError naming the file, the line where the YAML is wrong, and
// what is wrong.

import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../input-error';
import { KubeObject } from './kube-object';
import { AliasLimitError, MAX_DEPTH, parseKubernetesYamlDocuments, YamlNestingError } from '../yaml/kubernetes-yaml';
import { manifestSources, unreadable } from './manifest-sources';

export { InputError } from '../input-error';

/** One manifest file, read: its path (`-` for standard input) and its objects (empty documents left out). */
export interface ManifestFile {
  readonly path: string;
  readonly objects: readonly KubeObject[];
}

/**
 * The manifest files of the paths given (a folder: its .yaml, .yml and .json files,
 * recursively, sorted; each real file once). Throws the first path that cannot be read;
 * manifestSources returns them all.
 */
export function manifestPaths(paths: readonly string[]): string[] {
  const sources = manifestSources(paths);
  if (sources.problems.length > 0) throw sources.problems[0];
  return sources.files;
}

/**
 * The objects of one manifest text: YAML documents (JSON is YAML too), each a Kubernetes
 * object; a JSON or YAML `List` (kind: List, items: [...]) gives its items, as kubectl does.
 */
export function parseManifestText(text: string, file: string): KubeObject[] {
  let docs: unknown[];
  try {
    docs = parseKubernetesYamlDocuments(text);
  } catch (e) {
    const reason = (e as Error).message.split('\n')[0];
    if (e instanceof YamlNestingError) {
      const where = / \(\d+:\d+\)$/.exec(reason)?.[0] ?? '';
      throw new InputError(`${file}: collections nested more than ${MAX_DEPTH} levels deep${where}, which no Kubernetes object needs (CRD schemas included); refused so that no check runs out of stack`);
    }
    throw new InputError(e instanceof AliasLimitError ? `${file}: ${reason}` : `${file}: not valid YAML or JSON: ${reason}`);
  }
  const objects: KubeObject[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    const where = docs.length > 1 ? `${file}: document ${i + 1}` : file;
    const object = asObject(doc, where);
    if (object.kind === 'List' && Array.isArray(object.items)) {
      object.items.forEach((item: unknown, j: number) => objects.push(asObject(item, `${where}: item ${j + 1} of the List`)));
    } else {
      objects.push(object);
    }
  });
  return objects;
}

function asObject(doc: unknown, where: string): KubeObject {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc) || typeof (doc as any).apiVersion !== 'string' || typeof (doc as any).kind !== 'string') {
    throw new InputError(`${where}: not a Kubernetes object (a mapping with apiVersion and kind); found ${shapeOf(doc)}`);
  }
  return doc as KubeObject;
}

function shapeOf(doc: unknown): string {
  if (Array.isArray(doc)) return 'a list';
  if (typeof doc !== 'object' || doc === null) return `the ${typeof doc} ${JSON.stringify(doc).slice(0, 40)}`;
  const keys = Object.keys(doc);
  return `a mapping with ${keys.length ? `the keys ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}` : 'no keys'}`;
}

/** Reads one manifest file (`-`: the text given as standard input). */
export function readManifestFile(file: string, stdin?: string): ManifestFile {
  let text: string;
  if (file === '-') {
    if (stdin === undefined) throw new InputError('-: standard input was not read');
    text = stdin;
  } else {
    try {
      text = fs.readFileSync(file, 'utf-8');
    } catch (e) {
      throw unreadable(file, e);
    }
  }
  return { path: file, objects: parseManifestText(text, file === '-' ? '(standard input)' : file) };
}

/** What a synth writes into a folder: its manifest files, `.yaml` and `.yml`, directly in it. */
const FOLDER_MANIFEST = /\.ya?ml$/;

/**
 * The manifest files directly in a folder of synthesized output (`dist/`), in name order, each
 * read (the `.json` beside them is the cdk8s CLI's construct metadata, no manifest).
 * Throws an InputError when `dir` is no folder.
 */
export function readManifestFolder(dir: string): ManifestFile[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw unreadable(dir, e);
  }
  return names.filter((name) => FOLDER_MANIFEST.test(name)).sort().map((name) => readManifestFile(path.join(dir, name)));
}

/** Every object of a folder of synthesized output, file by file in name order (readManifestFolder). */
export function readManifestObjects(dir: string): KubeObject[] {
  return readManifestFolder(dir).flatMap((f) => f.objects);
}
