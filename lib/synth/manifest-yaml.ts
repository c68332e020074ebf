import * as YAML from 'yaml';
import { isPlainWord } from './yaml-words';

/** The options cdk8s' `Yaml.stringify` passes to the yaml library for every document. */
const CDK8S_YAML_OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' } as const;

/**
 * The multi-document YAML that cdk8s writes for these objects (`Yaml.stringify(...docs)`), byte
 * for byte, about twenty times faster.
 *
 * The yaml library builds a node tree for every document before it prints it; Kubernetes
 * objects are plain JSON, so their block layout can be printed directly. How each distinct
 * scalar is written is still decided by the yaml library (asked once per value and kept), so
 * quoting follows its YAML 1.1 rules exactly. A document this printer does not handle the same
 * way — a multi-line string, a shared object (the library writes an anchor), undefined, a
 * non-plain object — is handed to the library whole.
 */
export function stringifyManifests(docs: readonly unknown[]): string {
  return docs.map((doc) => (doc === undefined ? '\n' : stringifyDocument(doc))).join('---\n');
}

function stringifyDocument(doc: unknown): string {
  return printBlock(doc) ?? YAML.stringify(doc, CDK8S_YAML_OPTIONS);
}

/** The fast path alone: the document's YAML, or undefined when it is left to the yaml library. */
export function printBlock(doc: unknown): string | undefined {
  if (!isPlainObject(doc) || Object.keys(doc).length === 0) return undefined;
  const out: string[] = [];
  return blockMap(doc, '', out, new Set([doc])) ? out.join('') : undefined;
}

/** Not printable by the fast path; the document goes to the yaml library. */
const NO = null;

const scalars = new Map<unknown, string | null>();
const keys = new Map<string, string | null>();

/** `value` as the yaml library writes it in block context, when that is one line. */
function scalar(value: unknown): string | null {
  if (typeof value === 'string' && isPlainWord(value)) return value;
  let text = scalars.get(value);
  if (text === undefined) {
    text = NO;
    const type = typeof value;
    // Map keys do not tell -0 from 0; the yaml library does.
    if (value === null || type === 'boolean' || (type === 'number' && !Object.is(value, -0)) || (type === 'string' && !DOCUMENT_MARKER.test(value as string))) {
      const printed = YAML.stringify(value, CDK8S_YAML_OPTIONS);
      // One line and a newline: multi-line strings become block scalars, whose indentation depends on where they are.
      if (printed.indexOf('\n') === printed.length - 1) text = printed.slice(0, -1);
    }
    scalars.set(value, text);
  }
  return text;
}

/** A mapping key as the yaml library writes it, when that is a plain or quoted one-liner. */
function key(name: string): string | null {
  if (isPlainWord(name)) return name;
  let text = keys.get(name);
  if (text === undefined) {
    text = NO;
    if (!DOCUMENT_MARKER.test(name)) {
      const printed = YAML.stringify({ [name]: null }, CDK8S_YAML_OPTIONS);
      if (printed.endsWith(': null\n') && printed.indexOf('\n') === printed.length - 1) text = printed.slice(0, -': null\n'.length);
    }
    keys.set(name, text);
  }
  return text;
}

/** The yaml library quotes or block-indents these depending on depth; left to it. */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** Appends `value` after `- ` or `key:`; false when it has to be left to the yaml library. */
function nested(value: unknown, indent: string, prefix: string, out: string[], seen: Set<object>, afterDash: boolean): boolean {
  if (typeof value === 'object' && value !== null) {
    // The yaml library writes an object met twice as an anchor and an alias.
    if (seen.has(value)) return false;
    seen.add(value);
  }
  if (Array.isArray(value)) {
    if (value.length === 0) { out.push(`${prefix} []\n`); return true; }
    // Under a key a sequence is indented one step; after `- ` its first item shares the line.
    if (afterDash) { out.push(`${prefix} `); return blockSeq(value, indent, out, seen, true); }
    out.push(`${prefix}\n`);
    return blockSeq(value, indent, out, seen, false);
  }
  if (isPlainObject(value)) {
    if (Object.keys(value).length === 0) { out.push(`${prefix} {}\n`); return true; }
    if (afterDash) { out.push(`${prefix} `); return blockMap(value, indent, out, seen, true); }
    out.push(`${prefix}\n`);
    return blockMap(value, indent, out, seen, false);
  }
  if (value === undefined) return false;
  const text = scalar(value);
  if (text === NO) return false;
  out.push(`${prefix} ${text}\n`);
  return true;
}

function blockMap(map: Record<string, unknown>, indent: string, out: string[], seen: Set<object>, inline = false): boolean {
  let first = true;
  for (const name of Object.keys(map)) {
    const k = key(name);
    if (k === NO) return false;
    const lead = first && inline ? '' : indent;
    first = false;
    if (!nested(map[name], `${indent}  `, `${lead}${k}:`, out, seen, false)) return false;
  }
  return true;
}

function blockSeq(seq: readonly unknown[], indent: string, out: string[], seen: Set<object>, inline: boolean): boolean {
  for (let i = 0; i < seq.length; i++) {
    const lead = i === 0 && inline ? '' : indent;
    if (!nested(seq[i], `${indent}  `, `${lead}-`, out, seen, true)) return false;
  }
  return true;
}
