// Manifests from files, folders (recursively: .yaml, .yml, .json) and standard input, read as
// kubectl reads them (multi-document YAML, go-yaml's YAML 1.1 scalars). Anything that cannot be
// read as Kubernetes objects is an InputError naming the file and what is wrong.

import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../input-error';
import { parseKubernetesYamlDocuments } from '../yaml/kubernetes-yaml';

export { InputError } from '../input-error';

/** One manifest file, read: its path (`-` for standard input) and its objects (empty documents left out). */
export interface ManifestFile {
  readonly path: string;
  readonly objects: readonly unknown[];
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;

/** The manifest files of the paths given (a folder: its .yaml, .yml and .json files, recursively, sorted). */
export function manifestPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(p);
      continue;
    }
    let stat: fs.Stats;
    try {
      stat = fs.statSync(p);
    } catch {
      throw new InputError(`${p}: no such file or folder; give manifest files (.yaml, .yml, .json), folders of them, or - for standard input`);
    }
    if (stat.isDirectory()) {
      const found = fs.readdirSync(p, { recursive: true, encoding: 'utf-8' })
        .filter((f) => MANIFEST_FILE.test(f) && fs.statSync(path.join(p, f)).isFile()).sort();
      if (found.length === 0) throw new InputError(`${p}: the folder holds no manifest files (.yaml, .yml, .json)`);
      out.push(...found.map((f) => path.join(p, f)));
    } else {
      out.push(p);
    }
  }
  return out;
}

/**
 * The objects of one manifest text: YAML documents (JSON is YAML too), each a Kubernetes
 * object; a JSON or YAML `List` (kind: List, items: [...]) gives its items, as kubectl does.
 */
export function parseManifestText(text: string, file: string): unknown[] {
  let docs: unknown[];
  try {
    docs = parseKubernetesYamlDocuments(text, file);
  } catch (e) {
    throw new InputError(`${file}: not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
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
      throw new InputError(`${file}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  return { path: file, objects: parseManifestText(text, file === '-' ? '(standard input)' : file) };
}
