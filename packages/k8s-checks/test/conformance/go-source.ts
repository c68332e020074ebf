// The few pieces of Go source text the kube-score extractor reads: top-level functions, calls
// and their arguments, string literals. Not a Go parser: it knows Go's string, rune and comment
// syntax well enough to find where a brace, parenthesis or argument ends, and nothing else.

/** Where the quoted text that starts at `i` (", ` or ') ends: the index after its closing quote. */
function skipQuoted(src: string, i: number): number {
  const quote = src[i];
  let j = i + 1;
  while (j < src.length && src[j] !== quote) j += quote !== '`' && src[j] === '\\' ? 2 : 1;
  return j + 1;
}

/** Where a comment that starts at `i` ends, or `i` when none starts there. */
function skipComment(src: string, i: number): number {
  if (src.startsWith('//', i)) {
    const end = src.indexOf('\n', i);
    return end < 0 ? src.length : end;
  }
  if (src.startsWith('/*', i)) {
    const end = src.indexOf('*/', i + 2);
    return end < 0 ? src.length : end + 2;
  }
  return i;
}

const CLOSING: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/** The index of the bracket that closes the one at `open`, or -1 when it is never closed. */
export function matchingBracket(src: string, open: number): number {
  const stack: string[] = [];
  let i = open;
  while (i < src.length) {
    const c = src[i];
    const afterComment = skipComment(src, i);
    if (afterComment !== i) {
      i = afterComment;
    } else if (c === '"' || c === '`' || c === '\'') {
      i = skipQuoted(src, i);
    } else {
      if (CLOSING[c]) stack.push(CLOSING[c]);
      else if (c === ')' || c === ']' || c === '}') {
        if (stack.pop() !== c) return -1;
        if (stack.length === 0) return i;
      }
      i++;
    }
  }
  return -1;
}

/** Splits at the commas that are outside brackets, strings and comments; trims each part and drops a trailing empty one. */
export function splitTopLevel(src: string, separator = ','): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const afterComment = skipComment(src, i);
    if (afterComment !== i) {
      i = afterComment;
      continue;
    }
    if (c === '"' || c === '`' || c === '\'') {
      i = skipQuoted(src, i);
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === separator && depth === 0) {
      parts.push(src.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  parts.push(src.slice(start).trim());
  return parts.length > 1 && parts[parts.length - 1] === '' ? parts.slice(0, -1) : parts;
}

export interface GoFunction {
  readonly name: string;
  /** The text between the body's braces. */
  readonly body: string;
  /** 1-based line of the `func` keyword. */
  readonly line: number;
}

/** The top-level functions of a Go file (those whose `func` starts a line), in order. */
export function goFunctions(src: string): GoFunction[] {
  const out: GoFunction[] = [];
  const re = /^func\s+(?:\([^)]*\)\s*)?(\w+)\s*\(/gm;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const paramsOpen = m.index + m[0].length - 1;
    const paramsClose = matchingBracket(src, paramsOpen);
    if (paramsClose < 0) continue;
    const open = src.indexOf('{', paramsClose);
    const close = open < 0 ? -1 : matchingBracket(src, open);
    if (close < 0) continue;
    out.push({ name: m[1], body: src.slice(open + 1, close), line: src.slice(0, m.index).split('\n').length });
    re.lastIndex = close;
  }
  return out;
}

export interface GoCall {
  readonly callee: string;
  readonly args: string[];
  /** Offset of the callee's name in the text searched. */
  readonly at: number;
}

/** Every call of one of `callees` in `src` (not their declarations), with its arguments as text. */
export function goCalls(src: string, callees: readonly string[]): GoCall[] {
  const out: GoCall[] = [];
  const re = new RegExp(`(?<![\\w.])(${callees.join('|')})\\s*\\(`, 'g');
  for (let m = re.exec(src); m; m = re.exec(src)) {
    if (/\bfunc\s*$/.test(src.slice(Math.max(0, m.index - 10), m.index))) continue;
    const open = m.index + m[0].length - 1;
    const close = matchingBracket(src, open);
    if (close < 0) continue;
    out.push({ callee: m[1], args: splitTopLevel(src.slice(open + 1, close)), at: m.index });
  }
  return out;
}

/** The value of a Go interpreted ("...") or raw (`...`) string literal, or undefined when `text` is not one. */
export function goStringLiteral(text: string): string | undefined {
  const t = text.trim();
  if (t.length >= 2 && t.startsWith('`') && t.endsWith('`') && !t.slice(1, -1).includes('`')) return t.slice(1, -1);
  if (t.length < 2 || !t.startsWith('"') || skipQuoted(t, 0) !== t.length) return undefined;
  try {
    // Go's escapes in the strings these tests use (\" \\ \n \t \u) read the same as JSON's.
    return JSON.parse(t) as string;
  } catch {
    return undefined;
  }
}

/**
 * A string expression: literals joined by `+`, each term a literal or a variable `vars` binds.
 * Undefined when a term is something else.
 */
export function goStringExpression(text: string, vars: Readonly<Record<string, string>> = {}): string | undefined {
  const terms = splitTopLevel(text, '+');
  let out = '';
  for (const term of terms) {
    const literal = goStringLiteral(term);
    if (literal !== undefined) out += literal;
    else if (/^\w+$/.test(term) && Object.prototype.hasOwnProperty.call(vars, term)) out += vars[term];
    else return undefined;
  }
  return out;
}

/** `Field: value` pairs of a composite literal's body (`{A: 1, B: x}` without its braces), or undefined when a part is not one. */
export function goKeyedFields(body: string): Array<[string, string]> | undefined {
  const out: Array<[string, string]> = [];
  for (const part of splitTopLevel(body)) {
    const m = /^(\w+)\s*:\s*([\s\S]+)$/.exec(part);
    if (!m) return undefined;
    out.push([m[1], m[2].trim()]);
  }
  return out;
}
