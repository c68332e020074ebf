import { Yaml } from 'cdk8s';
import * as YAML from 'yaml';

// The YAML of a manifest file, byte for byte what cdk8s' Yaml.stringify writes (the `yaml`
// package, YAML 1.1, no line folding), at a fraction of its cost: writing was a third of a
// 1000-service synth (bench:synth prints both, side by side). Only the plain JSON data
// Kubernetes objects are made of takes the fast way — maps, lists, booleans, null, safe
// integers, and one-line strings — and a string is written plain only where the `yaml` package's
// own rules (its indicator test and the YAML 1.1 tags of its schema) write it plain; any other
// string or number is written by the package itself, once per value. A document the fast way
// does not cover (a multi-line string, an object used twice, which the package writes as an
// alias, a class instance) is written whole by cdk8s' own Yaml.stringify.
// manifest-yaml.test.ts holds the output equal to cdk8s' for every target of the app and for
// generated documents full of edge cases.

const OPTIONS = { keepUndefined: true, lineWidth: 0, version: '1.1' } as const;

/** The YAML 1.1 scalars a plain string could be read as (null, bool, int, float, timestamp…). */
const TYPED_PLAIN = new YAML.Document(null, { version: '1.1' }).schema.tags
  .filter((tag) => tag.default && tag.tag !== 'tag:yaml.org,2002:str' && tag.test)
  .map((tag) => tag.test as RegExp);

/** The `yaml` package's test for a string that must not be written plain (stringifyString.js). */
const NOT_PLAIN = /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
/** Printable ASCII: no control characters, line breaks or characters the package escapes. */
const PRINTABLE = /^[\x20-\x7e]+$/;
/** A document marker at the start of a line: the package writes such a string in a context-dependent way. */
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;
/** The longest key the package writes as an implicit `key:` (a longer one gets `? key`). */
const MAX_IMPLICIT_KEY = 1024;

/** Raised inside the fast way for a document it does not cover. */
class NotCovered extends Error {}

/** The package's writing of each number it was asked for (-0 apart). */
const numbers = new Map<string, string>();
/** How each string is written, as a value and as a key: plain, or as the package writes it. */
const valueStrings = new Map<string, string>();
const keyStrings = new Map<string, string>();
/** Bounds each cache: a watch loop that runs for days asks for new values on every save. */
const MAX_CACHED = 50_000;

export interface ManifestYamlOptions {
  /**
   * Also replaces each undefined value inside the documents by null, in place, as reading the
   * YAML back gives it (the writing walks every value anyway). @default false
   */
  readonly undefinedToNull?: boolean;
  /** Called with each document and its text, as the document is written. @default - none */
  readonly onDocument?: (doc: unknown, text: string) => void;
}

/** The documents as one multi-document YAML text, exactly as cdk8s' Yaml.stringify(...docs) writes them. */
export function manifestYaml(docs: readonly unknown[], options: ManifestYamlOptions = {}): string {
  const fix = options.undefinedToNull === true;
  return docs.map((doc) => {
    if (doc === undefined) return '\n';
    const text = documentText(doc, fix);
    options.onDocument?.(doc, text);
    return text;
  }).join('---\n');
}

function documentText(doc: unknown, fix: boolean): string {
  try {
    return documentYaml(doc, fix);
  } catch (err) {
    if (!(err instanceof NotCovered)) throw err;
    const text = Yaml.stringify(doc);
    if (fix) nullForUndefined(doc);
    return text;
  }
}

/** Turns undefined values into null, in place. */
function nullForUndefined(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  const entries = value as Record<string, unknown>;
  for (const k of Object.keys(entries)) {
    if (entries[k] === undefined) entries[k] = null;
    else nullForUndefined(entries[k]);
  }
}

function documentYaml(doc: unknown, fix: boolean): string {
  if (!isCollection(doc)) return `${scalar(doc, false)}\n`;
  const out: string[] = [];
  block(doc, '', out, new Set(), fix);
  return out.join('');
}

function isCollection(v: unknown): v is Record<string, unknown> | unknown[] {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) throw new NotCovered();
  return true;
}

/** Whether a collection (isCollection) is empty; without listing its keys. */
function isEmpty(c: Record<string, unknown> | unknown[]): boolean {
  if (Array.isArray(c)) return c.length === 0;
  // A plain object's prototype has no enumerable property: the first key found is its own.
  for (const _ in c) return false;
  return true;
}

/** An empty collection, written in flow style as the package writes it. */
const emptyText = (c: Record<string, unknown> | unknown[]): string => (Array.isArray(c) ? '[]' : '{}');

/**
 * Appends a non-empty collection in block style at `indent`, its first line without the
 * indentation (the caller has put the line's start: the indentation, or `- ` of a list).
 */
function block(c: Record<string, unknown> | unknown[], indent: string, out: string[], seen: Set<object>, fix: boolean): void {
  const before = seen.size;
  if (seen.add(c).size === before) throw new NotCovered();
  if (isEmpty(c)) {
    out.push(emptyText(c), '\n');
    return;
  }
  const inner = `${indent}  `;
  if (Array.isArray(c)) {
    for (let i = 0; i < c.length; i++) {
      if (i > 0) out.push(indent);
      out.push('- ');
      const value = c[i];
      if (value === undefined && fix) c[i] = null;
      // A list item's collection starts on the item's line.
      if (isCollection(value) && !isEmpty(value)) block(value, inner, out, seen, fix);
      else out.push(isCollection(value) ? emptyText(value) : scalar(value, false), '\n');
    }
    return;
  }
  let first = true;
  for (const key of Object.keys(c)) {
    if (!first) out.push(indent);
    first = false;
    out.push(scalar(key, true), ':');
    const value = c[key];
    if (value === undefined && fix) c[key] = null;
    // A key's collection starts on the next line.
    if (isCollection(value) && !isEmpty(value)) {
      out.push('\n', inner);
      block(value, inner, out, seen, fix);
    } else {
      out.push(' ', isCollection(value) ? emptyText(value) : scalar(value, false), '\n');
    }
  }
}

/** A scalar as the `yaml` package writes it as a value (or, `asKey`, as a key) in block style. */
function scalar(v: unknown, asKey: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0)) return String(v);
  if (typeof v === 'string') {
    // The same strings come back in every object (keys, names, ports): each is judged once.
    const known = (asKey ? keyStrings : valueStrings).get(v);
    if (known !== undefined) return known;
    if (v.includes('\n') || DOCUMENT_MARKER.test(v) || (asKey && v.length > MAX_IMPLICIT_KEY)) throw new NotCovered();
    const text = PRINTABLE.test(v) && !NOT_PLAIN.test(v) && !TYPED_PLAIN.some((t) => t.test(v)) ? v : packageScalar(v, asKey);
    remember(asKey ? keyStrings : valueStrings, v, text);
    return text;
  }
  if (typeof v !== 'number') throw new NotCovered();
  const id = `${String(v)}${Object.is(v, -0) ? '-' : ''}`;
  let text = numbers.get(id);
  if (text === undefined) {
    text = packageScalar(v, asKey);
    remember(numbers, id, text);
  }
  return text;
}

function remember(cache: Map<string, string>, id: string, text: string): void {
  if (cache.size >= MAX_CACHED) cache.clear();
  cache.set(id, text);
}

/** The `yaml` package's own writing of one string or number, taken from a one-entry map. */
function packageScalar(v: string | number, asKey: boolean): string {
  const line = asKey ? YAML.stringify({ [v as string]: 0 }, OPTIONS) : YAML.stringify({ k: v }, OPTIONS);
  const text = asKey ? line.slice(0, -': 0\n'.length) : line.slice('k: '.length, -1);
  if (text.includes('\n') || line !== (asKey ? `${text}: 0\n` : `k: ${text}\n`)) throw new NotCovered();
  return text;
}
