// A reader for the plain kind of YAML a Polaris check renders its schemas into: block mappings
// and sequences indented with spaces, one-line scalars (plain, single- or double-quoted without
// escapes) and one-line flow sequences of them. A thousand services render two thousand such
// texts that differ only in their labels, and the yaml package takes about 0.3 ms for each; this
// reads them in a fraction of that (`npm run bench` of this package prints both).
//
// It never guesses: anything else (anchors, aliases, tags, directives, block scalars, flow
// mappings, escapes, merge keys, multi-line scalars, tabs, duplicate keys, an indentation it
// does not expect) gives NOT_SIMPLE, and the caller reads the text with the yaml package, which
// also gives the error of a bad text. Plain scalars are resolved by the tags of the yaml
// package's own YAML 1.1 schema (kubernetes-yaml.ts), as its composer resolves them, so a value
// means what it means to the yaml package and to go-yaml: `yes` is true, `0777` is 511.

import { isScalar } from 'yaml';
import { KUBERNETES_YAML_OPTIONS } from './kubernetes-yaml';

/** What readSimpleBlockYaml gives for a text it does not cover. */
export const NOT_SIMPLE: unique symbol = Symbol('not simple YAML');

class NotSimple extends Error {}
const notSimple = (): never => {
  throw new NotSimple();
};

/** Characters that this reader leaves to the yaml package wherever they appear. */
const UNCOVERED_CHARACTERS = /[\t\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff]/;
/** A plain scalar's first character that makes it something else (an indicator). */
const INDICATOR_START = /^[?:,[\]{}#&*!|>'"%@`]|^-(?: |$)/;
/** What ends or breaks a plain scalar inside a line: a mapping value, a comment. */
const PLAIN_BREAK = /: |:$| #/;
/** Deeper texts are left to the yaml package, well within kubernetes-yaml's MAX_DEPTH (a flow sequence counts as a level there). */
const MAX_DEPTH = 50;

interface Line {
  readonly indent: number;
  readonly text: string; // without the indentation
}

const SCHEMA = KUBERNETES_YAML_OPTIONS.schema as unknown as { tags: ScalarTag[] };
interface ScalarTag {
  readonly tag: string;
  readonly default?: boolean | 'key';
  readonly test?: RegExp;
  readonly collection?: string;
  resolve(value: string, onError: (message: string) => void, options: unknown): unknown;
}
const BY_TEST = SCHEMA.tags.filter((t) => !t.collection && t.default === true && t.test);
const RESOLVED = new Map<string, unknown>();
const RESOLVED_LIMIT = 10000;

/** A plain scalar's value, as the yaml package's composer resolves it (findScalarTagByTest). */
function plainValue(source: string): unknown {
  if (RESOLVED.has(source)) return RESOLVED.get(source);
  const tag = BY_TEST.find((t) => t.test!.test(source));
  let value: unknown = source;
  if (tag) {
    value = tag.resolve(source, notSimple, KUBERNETES_YAML_OPTIONS);
    // The YAML 1.1 booleans and null come as Scalar nodes, as the composer takes them.
    if (isScalar(value)) value = value.value;
    if (typeof value === 'object' && value !== null) notSimple();
  }
  if (RESOLVED.size >= RESOLVED_LIMIT) RESOLVED.clear();
  RESOLVED.set(source, value);
  return value;
}

/**
 * The value of `text` when it is YAML of the simple kind above, as the yaml package with
 * KUBERNETES_YAML_OPTIONS reads it (parseKubernetesYaml); NOT_SIMPLE for any other text.
 */
export function readSimpleBlockYaml(text: string): unknown {
  if (UNCOVERED_CHARACTERS.test(text)) return NOT_SIMPLE;
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    const body = raw.trimStart();
    if (body === '' || body.startsWith('#')) continue;
    if (body.startsWith('---') || body.startsWith('...') || body.startsWith('%')) return NOT_SIMPLE;
    lines.push({ indent: raw.length - body.length, text: body.trimEnd() });
  }
  if (lines.length === 0 || lines[0].indent !== 0) return NOT_SIMPLE;
  try {
    const reader = new Reader(lines);
    const value = reader.block(0, 1);
    // A line no block took (deeper than the one before it, or between two indentations) is a
    // multi-line scalar or no YAML.
    return reader.done() ? value : NOT_SIMPLE;
  } catch (e) {
    if (e instanceof NotSimple) return NOT_SIMPLE;
    throw e;
  }
}

class Reader {
  private at = 0;

  public constructor(private readonly lines: Line[]) {}

  public done(): boolean {
    return this.at === this.lines.length;
  }

  /** The mapping or sequence whose first line is the next one, at that line's indentation. */
  public block(minIndent: number, depth: number): unknown {
    if (depth > MAX_DEPTH) notSimple();
    const first = this.lines[this.at];
    if (!first || first.indent < minIndent) notSimple();
    return isSeqItem(first.text) ? this.sequence(first.indent, depth) : this.mapping(first.indent, depth);
  }

  private sequence(indent: number, depth: number): unknown[] {
    const out: unknown[] = [];
    for (let line = this.lines[this.at]; line && line.indent === indent && isSeqItem(line.text); line = this.lines[this.at]) {
      this.at++;
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        // `-` alone: the item is the block below it, or null.
        out.push(this.nextIndent() > indent ? this.block(indent + 1, depth + 1) : null);
      } else if (isSeqItem(rest)) {
        notSimple();
      } else if (keyOf(rest)) {
        // `- key: value`: a mapping whose keys sit where `key` does.
        this.at--;
        const column = indent + line.text.length - rest.length;
        this.lines[this.at] = { indent: column, text: rest };
        out.push(this.mapping(column, depth + 1));
      } else {
        out.push(this.scalar(rest));
      }
    }
    return out;
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let line = this.lines[this.at]; line && line.indent === indent; line = this.lines[this.at]) {
      const entry = keyOf(line.text);
      if (!entry) notSimple();
      this.at++;
      const { key, rest } = entry!;
      if (key in out || key === '__proto__') notSimple();
      if (rest !== '') {
        out[key] = this.scalar(rest);
      } else if (this.nextIndent() > indent) {
        out[key] = this.block(indent + 1, depth + 1);
      } else if (this.nextIndent() === indent && isSeqItem(this.lines[this.at].text)) {
        // A sequence may sit at its key's own indentation.
        out[key] = this.sequence(indent, depth + 1);
      } else {
        out[key] = null;
      }
    }
    return out;
  }

  /** A one-line value: quoted, a flow sequence of scalars, or plain. */
  private scalar(text: string): unknown {
    if (text.startsWith('[')) return flowSequence(text);
    if (text.startsWith("'") || text.startsWith('"')) {
      const { value, end } = quoted(text, 0);
      if (end !== text.length) notSimple();
      return value;
    }
    return plain(text);
  }

  private nextIndent(): number {
    return this.lines[this.at]?.indent ?? -1;
  }
}

const isSeqItem = (text: string): boolean => text === '-' || text.startsWith('- ');

/** A mapping entry's key (as the yaml package makes it a JavaScript key) and what follows its `:`. */
function keyOf(text: string): { key: string; rest: string } | undefined {
  let keyValue: unknown;
  let after: number;
  if (text.startsWith("'") || text.startsWith('"')) {
    const q = quoted(text, 0);
    if (text[q.end] !== ':') return undefined;
    keyValue = q.value;
    after = q.end + 1;
  } else {
    const colon = text.search(/:(?: |$)/);
    if (colon <= 0) return undefined;
    const source = text.slice(0, colon).trimEnd();
    if (source === '<<') notSimple(); // a merge key
    keyValue = plain(source);
    after = colon + 1;
  }
  if (after < text.length && text[after] !== ' ') notSimple();
  const rest = text.slice(after).trimStart();
  if (typeof keyValue === 'object' && keyValue !== null) notSimple();
  return { key: keyValue === null ? '' : String(keyValue), rest };
}

function plain(source: string): unknown {
  if (INDICATOR_START.test(source) || PLAIN_BREAK.test(source)) notSimple();
  return plainValue(source);
}

/** A quoted scalar starting at `from`: single-quoted (`''` for a quote) or double-quoted without escapes. */
function quoted(text: string, from: number): { value: string; end: number } {
  const q = text[from];
  if (q === '"') {
    const close = text.indexOf('"', from + 1);
    if (close < 0) notSimple();
    const value = text.slice(from + 1, close);
    if (value.includes('\\')) notSimple();
    return { value, end: close + 1 };
  }
  let value = '';
  let i = from + 1;
  for (;;) {
    const close = text.indexOf("'", i);
    if (close < 0) notSimple();
    value += text.slice(i, close);
    if (text[close + 1] !== "'") return { value, end: close + 1 };
    value += "'";
    i = close + 2;
  }
}

/** `[a, "b", 'c']` on one line, each item a scalar. */
function flowSequence(text: string): unknown[] {
  if (!text.endsWith(']')) notSimple();
  const out: unknown[] = [];
  let i = 1;
  const skipSpaces = () => {
    while (text[i] === ' ') i++;
  };
  skipSpaces();
  if (text[i] === ']') {
    if (i !== text.length - 1) notSimple();
    return out;
  }
  for (;;) {
    skipSpaces();
    if (text[i] === "'" || text[i] === '"') {
      const q = quoted(text, i);
      out.push(q.value);
      i = q.end;
    } else {
      const end = text.slice(i).search(/[,\]]/);
      if (end <= 0) notSimple();
      const source = text.slice(i, i + end).trimEnd();
      if (/[[{}:#]/.test(source) || source === '' || INDICATOR_START.test(source)) notSimple();
      out.push(plainValue(source));
      i += end;
    }
    skipSpaces();
    if (text[i] === ',') {
      i++;
      skipSpaces();
      if (text[i] === ']') notSimple(); // a trailing comma: left to the yaml package
      continue;
    }
    if (text[i] === ']' && i === text.length - 1) return out;
    notSimple();
  }
}
