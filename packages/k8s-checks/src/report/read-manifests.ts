// Manifests from files, folders (manifest-sources.ts) and standard input, read as
// kubectl reads them (multi-document YAML, go-yaml's YAML 1.1 scalars). Anything that cannot be
// read as Kubernetes objects is an InputError naming the file and what is wrong.

import * as fs from 'fs';
import { InputError } from '../input-error';
import { AliasLimitError, MAX_DEPTH, parseKubernetesYamlDocuments, YamlNestingError } from '../yaml/kubernetes-yaml';
import { manifestSources, unreadable } from '../files/manifest-sources';

export { InputError } from '../input-error';

/** One manifest file, read: its path (`-` for standard input) and its objects (empty documents left out). */
export interface ManifestFile {
  readonly path: string;
  readonly objects: readonly unknown[];
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
export function parseManifestText(text: string, file: string): unknown[] {
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
  const objects: unknown[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    const where = docs.length > 1 ? `${file}: document ${i + 1}` : file;
    if (typeof doc !== 'object' || Array.isArray(doc) || typeof (doc as any).apiVersion !== 'string' || typeof (doc as any).kind !== 'string') {
      throw new InputError(`${where}: not a Kubernetes object (a mapping with apiVersion and kind); found ${describe(doc)}`);
    }
    if ((doc as any).kind === 'List' && Array.isArray((doc as any).items)) objects.push(...(doc as any).items);
    else objects.push(doc);
  });
  return objects;
}

function describe(doc: unknown): string {
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
