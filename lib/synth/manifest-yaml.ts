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
  if (!isPlainObject(doc)) return undefined;
  const keys = Object.keys(doc);
  if (keys.length === 0) return undefined;
  const printer = new Printer(doc);
  return printer.map(doc, keys, 0, false) ? printer.out.join('') : undefined;
}

/** Not printable by the fast path; the document goes to the yaml library. */
const NO = null;

const scalars = new Map<unknown, string | null>();
const keys = new Map<string, string | null>();

/** `value` as the yaml library writes it in block context, when that is one line. */
function scalar(value: unknown): string | null {
  if (typeof value === 'string' && isPlainWord(value)) return value;
  // Map keys do not tell -0 from 0; the yaml library does.
  if (Object.is(value, -0)) return NO;
  let text = scalars.get(value);
  if (text === undefined) {
    text = NO;
    const type = typeof value;
    if (value === null || type === 'boolean' || type === 'number' || (type === 'string' && !DOCUMENT_MARKER.test(value as string))) {
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

const INDENTS = [''];
function indentOf(depth: number): string {
  while (INDENTS.length <= depth) INDENTS.push(`${INDENTS[INDENTS.length - 1]}  `);
  return INDENTS[depth];
}

/** Block-style output of one document; each method returns false when the yaml library must write it. */
class Printer {
  public readonly out: string[] = [];
  /** The yaml library writes an object met twice as an anchor and an alias. */
  private readonly seen = new Set<object>();

  public constructor(root: object) {
    this.seen.add(root);
  }

  /** A mapping's entries at `depth`; with `inline`, the first shares the line already begun (after `- `). */
  public map(map: Record<string, unknown>, keys: readonly string[], depth: number, inline: boolean): boolean {
    for (let i = 0; i < keys.length; i++) {
      const k = key(keys[i]);
      if (k === NO) return false;
      if (i > 0 || !inline) this.out.push(indentOf(depth));
      this.out.push(k, ':');
      if (!this.value(map[keys[i]], depth + 1, false)) return false;
    }
    return true;
  }

  private seq(seq: readonly unknown[], depth: number, inline: boolean): boolean {
    for (let i = 0; i < seq.length; i++) {
      if (i > 0 || !inline) this.out.push(indentOf(depth));
      this.out.push('-');
      if (!this.value(seq[i], depth + 1, true)) return false;
    }
    return true;
  }

  /**
   * `value` after `key:` or `-`. A nested collection starts on the next line under a key (a
   * sequence one step in), and on the same line after a dash.
   */
  private value(value: unknown, depth: number, afterDash: boolean): boolean {
    if (typeof value === 'object' && value !== null) {
      if (this.seen.has(value)) return false;
      this.seen.add(value);
      if (Array.isArray(value)) {
        if (value.length === 0) { this.out.push(' []\n'); return true; }
        this.out.push(afterDash ? ' ' : '\n');
        return this.seq(value, depth, afterDash);
      }
      if (!isPlainObject(value)) return false;
      const keys = Object.keys(value);
      if (keys.length === 0) { this.out.push(' {}\n'); return true; }
      this.out.push(afterDash ? ' ' : '\n');
      return this.map(value, keys, depth, afterDash);
    }
    if (value === undefined) return false;
    const text = scalar(value);
    if (text === NO) return false;
    this.out.push(' ', text, '\n');
    return true;
  }
}
