import { parse as parseYaml } from 'yaml';
import { isPlainWord } from '../synth/yaml-words';

// Reads the block YAML that Polaris' check templates render (nested mappings and sequences,
// one-line scalars, one-line flow sequences), as the yaml library reads it with YAML 1.1, at a
// small fraction of its cost: those schemas are rendered anew for every object checked.
//
// It returns undefined for anything outside that subset, and the caller then asks the yaml
// library; what each scalar means (string, number, boolean, null) is always the library's
// answer, asked once per distinct scalar.

const OPTIONS = { version: '1.1' } as const;

/** The value of `text`, or undefined when it is not in the subset read here. */
export function parseBlockYaml(text: string): unknown {
  const lines: Line[] = [];
  for (const raw of text.split('\n')) {
    const line = toLine(raw);
    if (line === NOT_SUBSET) return undefined;
    if (line) lines.push(line);
  }
  if (lines.length === 0) return undefined;
  const reader = new Reader(lines);
  try {
    const value = reader.node(lines[0].indent);
    return reader.done() ? value : undefined;
  } catch (e) {
    if (e === NOT_SUBSET) return undefined;
    throw e;
  }
}

interface Line { readonly indent: number; readonly text: string }

const NOT_SUBSET = Symbol('not in the subset');

/** Characters that start something this reader leaves to the library (tags, anchors, block scalars, flow maps, ...). */
const SPECIAL_START = /^[!&*|>{%@`?]/;

function toLine(raw: string): Line | null | typeof NOT_SUBSET {
  const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const indent = line.length - line.trimStart().length;
  const text = line.slice(indent).trimEnd();
  if (text === '' || text.startsWith('#')) return null;
  if (line.slice(0, indent).includes('\t') || /^(---|\.\.\.)(\s|$)/.test(text)) return NOT_SUBSET;
  return { indent, text };
}

class Reader {
  private i = 0;

  public constructor(private readonly lines: readonly Line[]) {}

  public done(): boolean {
    return this.i === this.lines.length;
  }

  /** The block node starting at the current line, which is at `indent`. */
  public node(indent: number): unknown {
    const line = this.lines[this.i];
    if (line.indent !== indent) throw NOT_SUBSET;
    return isSeqEntry(line.text) ? this.sequence(indent) : this.mapping(indent, line.text);
  }

  private sequence(indent: number): unknown[] {
    const out: unknown[] = [];
    while (this.i < this.lines.length && this.lines[this.i].indent === indent && isSeqEntry(this.lines[this.i].text)) {
      const rest = this.lines[this.i].text.slice(1).trimStart();
      if (rest === '') {
        this.i++;
        out.push(this.nested(indent, false));
      } else if (isSeqEntry(rest)) {
        throw NOT_SUBSET; // `- - x`
      } else if (splitKey(rest)) {
        // `- key: value`: a mapping whose first entry shares the dash's line.
        const column = indent + (this.lines[this.i].text.length - rest.length);
        out.push(this.mapping(column, rest));
      } else {
        this.i++;
        out.push(scalar(rest));
      }
    }
    return out;
  }

  /** Entries at `indent`; the first one's text is given (it may follow a `- ` on the same line). */
  private mapping(indent: number, firstText: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    let text: string | undefined = firstText;
    while (text !== undefined) {
      const entry = splitKey(text);
      if (!entry) throw NOT_SUBSET;
      const [key, rest] = entry;
      if (Object.prototype.hasOwnProperty.call(out, key) || key === '<<' || key === '__proto__') throw NOT_SUBSET;
      this.i++;
      out[key] = rest === '' ? this.nested(indent, true) : scalar(rest);
      const next = this.lines[this.i];
      text = next && next.indent === indent && !isSeqEntry(next.text) ? next.text : undefined;
    }
    const next = this.lines[this.i];
    if (next && next.indent > indent) throw NOT_SUBSET; // continuation lines of a plain scalar, or stray indentation
    return out;
  }

  /** What follows `key:` or `-` on later lines: a deeper block, a sequence at the key's column, or nothing (null). */
  private nested(indent: number, afterKey: boolean): unknown {
    const next = this.lines[this.i];
    if (next && next.indent > indent) return this.node(next.indent);
    if (afterKey && next && next.indent === indent && isSeqEntry(next.text)) return this.sequence(indent);
    return null;
  }
}

function isSeqEntry(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** `key: rest` or `key:` (rest ''), with a plain or quoted key; undefined when the text is no mapping entry. */
function splitKey(text: string): [string, string] | undefined {
  let keyText: string;
  let after: string;
  if (text[0] === '"' || text[0] === "'") {
    const end = quotedEnd(text, 0);
    if (end < 0) return undefined;
    keyText = text.slice(0, end + 1);
    after = text.slice(end + 1);
    if (!after.startsWith(':') || (after.length > 1 && after[1] !== ' ')) return undefined;
  } else {
    const colon = text.search(/:( |$)/);
    if (colon <= 0) return undefined;
    keyText = text.slice(0, colon);
    after = text.slice(colon);
    if (SPECIAL_START.test(keyText) || /[#"'\[\]{},]/.test(keyText) || keyText !== keyText.trim()) throw NOT_SUBSET;
  }
  const key = scalar(keyText);
  if (typeof key !== 'string') throw NOT_SUBSET; // a number or boolean key: left to the library
  return [key, after.slice(1).trim()];
}

/** Index of the quote that closes the quoted scalar starting at `start`, or -1. */
function quotedEnd(text: string, start: number): number {
  const q = text[start];
  for (let i = start + 1; i < text.length; i++) {
    if (q === '"' && text[i] === '\\') i++;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return -1;
}

const scalars = new Map<string, unknown>();

/** A one-line scalar or flow sequence, as the yaml library reads it. */
function scalar(text: string): unknown {
  if (text[0] === '[') return flowSequence(text); // a new array each time: callers may keep it
  if (isPlainWord(text)) return text;
  if (scalars.has(text)) return scalars.get(text);
  if (SPECIAL_START.test(text) || text === '-' || text.startsWith('- ')) throw NOT_SUBSET;
  if (text[0] === '"' || text[0] === "'") {
    if (quotedEnd(text, 0) !== text.length - 1) throw NOT_SUBSET;
  } else if (/ #|: |:$|[\[\]{}]|^,/.test(text)) {
    throw NOT_SUBSET; // a comment, a nested mapping on one line, or flow syntax
  }
  const value = parseYaml(text, OPTIONS);
  if (value !== null && typeof value === 'object') throw NOT_SUBSET;
  scalars.set(text, value);
  return value;
}

/** `[a, "b", 'c']` with scalar items only. */
function flowSequence(text: string): unknown[] {
  if (!text.endsWith(']')) throw NOT_SUBSET;
  const body = text.slice(1, -1).trim();
  const items: unknown[] = [];
  let i = 0;
  while (i < body.length) {
    let end: number;
    if (body[i] === '"' || body[i] === "'") {
      end = quotedEnd(body, i) + 1;
      if (end === 0) throw NOT_SUBSET;
    } else {
      end = body.indexOf(',', i);
      if (end < 0) end = body.length;
    }
    const item = body.slice(i, end).trim();
    if (item === '' || /[\[\]{}]/.test(item[0]) || /: /.test(item)) throw NOT_SUBSET;
    items.push(scalar(item));
    const rest = body.slice(end).trimStart();
    if (rest === '') break;
    if (rest[0] !== ',') throw NOT_SUBSET;
    i = body.length - rest.length + 1;
    while (body[i] === ' ') i++;
    if (i >= body.length) throw NOT_SUBSET; // a trailing comma
  }
  return items;
}
