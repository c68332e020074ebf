// A small implementation of Go's text/template, enough for the Polaris check files:
// {{ .a.b }}, {{ $x := ... }}, {{ $x = ... }}, if / else if / else / end, range (over maps in
// sorted key order, and arrays), with, comments, trim markers {{- -}}, parenthesised
// pipelines, `|` pipes, and the functions and, or, not, eq, ne, lt, le, gt, ge, len, index,
// print, printf, plus Polaris' hasPrefix and hasSuffix.
//
// Values follow Go's semantics for data decoded from JSON into map[string]interface{}:
// a missing map key is Go's "invalid" value (`undefined` here): it prints as "<no value>",
// is false in conditions, compares unequal, and field access on it yields "invalid" again.
// JSON null is Go's nil (`null` here) and prints as "<nil>".

export class TemplateError extends Error {}

type Value = unknown;

// ---------------------------------------------------------------------------------- lexer --

type Tok =
  | { t: 'field'; v: string[] } // .a.b  ('.' alone: [])
  | { t: 'var'; v: string; fields: string[] } // $x.a.b ('$' alone: name '$')
  | { t: 'ident'; v: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'bool'; v: boolean }
  | { t: 'nil' }
  | { t: '(' } | { t: ')' } | { t: '|' } | { t: ':=' } | { t: '=' } | { t: ',' }
  | { t: 'chain'; v: string[] }; // .a.b directly after ')'

type Piece = { kind: 'text'; text: string } | { kind: 'action'; toks: Tok[]; src: string };

function lex(src: string): Piece[] {
  const pieces: Piece[] = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = open < 0 ? src.slice(i) : src.slice(i, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open < 0) {
      if (text) pieces.push({ kind: 'text', text });
      break;
    }
    let j = open + 2;
    const trimLeft = src[j] === '-' && /\s/.test(src[j + 1] ?? '');
    if (trimLeft) {
      text = text.replace(/\s+$/, '');
      j += 1;
    }
    if (text) pieces.push({ kind: 'text', text });
    // comment
    const rest = src.slice(j).replace(/^\s*/, '');
    if (rest.startsWith('/*')) {
      const startComment = src.indexOf('/*', j);
      const endComment = src.indexOf('*/', startComment + 2);
      if (endComment < 0) throw new TemplateError('unclosed comment');
      let k = endComment + 2;
      const m = /^\s*(-)?\s*\}\}/.exec(src.slice(k));
      if (!m) throw new TemplateError('comment ends before closing delimiter');
      if (m[1]) trimNext = true;
      k += m[0].length;
      i = k;
      continue;
    }
    const { toks, end, trimRight } = lexAction(src, j);
    pieces.push({ kind: 'action', toks, src: src.slice(open, end) });
    trimNext = trimRight;
    i = end;
  }
  return pieces;
}

function lexAction(src: string, start: number): { toks: Tok[]; end: number; trimRight: boolean } {
  const toks: Tok[] = [];
  let i = start;
  const ident = /[A-Za-z0-9_]/;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      // " -}}" closes the action and trims the whitespace after it
      if (src[i + 1] === '-' && src.startsWith('}}', i + 2)) return { toks, end: i + 4, trimRight: true };
      i++;
      continue;
    }
    if (src.startsWith('}}', i)) return { toks, end: i + 2, trimRight: false };
    if (c === '(' || c === ')' || c === '|' || c === ',') {
      toks.push({ t: c } as Tok);
      i++;
      if (c === ')' && src[i] === '.') {
        const m = /^(\.[A-Za-z0-9_]+)+/.exec(src.slice(i));
        if (m) {
          toks.push({ t: 'chain', v: m[0].slice(1).split('.') });
          i += m[0].length;
        }
      }
      continue;
    }
    if (src.startsWith(':=', i)) { toks.push({ t: ':=' }); i += 2; continue; }
    if (c === '=') { toks.push({ t: '=' }); i++; continue; }
    if (c === '"') {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') {
          const n = src[j + 1];
          s += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
          j += 2;
        } else {
          s += src[j++];
        }
      }
      if (j >= src.length) throw new TemplateError('unterminated quoted string');
      toks.push({ t: 'string', v: s });
      i = j + 1;
      continue;
    }
    if (c === '`') {
      const j = src.indexOf('`', i + 1);
      if (j < 0) throw new TemplateError('unterminated raw string');
      toks.push({ t: 'string', v: src.slice(i + 1, j) });
      i = j + 1;
      continue;
    }
    if (c === '.') {
      const m = /^\.([A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*)?/.exec(src.slice(i))!;
      toks.push({ t: 'field', v: m[1] ? m[1].split('.') : [] });
      i += m[0].length;
      continue;
    }
    if (c === '$') {
      const m = /^\$([A-Za-z0-9_]*)((\.[A-Za-z0-9_]+)*)/.exec(src.slice(i))!;
      toks.push({ t: 'var', v: `$${m[1]}`, fields: m[2] ? m[2].slice(1).split('.') : [] });
      i += m[0].length;
      continue;
    }
    if (/[-+0-9]/.test(c)) {
      const m = /^[-+]?(0x[0-9a-fA-F]+|\d+(\.\d+)?([eE][-+]?\d+)?)/.exec(src.slice(i));
      if (m) {
        toks.push({ t: 'number', v: Number(m[0]) });
        i += m[0].length;
        continue;
      }
    }
    if (ident.test(c)) {
      let j = i;
      while (j < src.length && ident.test(src[j])) j++;
      const word = src.slice(i, j);
      if (word === 'true' || word === 'false') toks.push({ t: 'bool', v: word === 'true' });
      else if (word === 'nil') toks.push({ t: 'nil' });
      else toks.push({ t: 'ident', v: word });
      i = j;
      continue;
    }
    throw new TemplateError(`unexpected ${JSON.stringify(c)} in action`);
  }
  throw new TemplateError('unclosed action');
}

// --------------------------------------------------------------------------------- parser --

type Operand =
  | { k: 'field'; path: string[] }
  | { k: 'var'; name: string; path: string[] }
  | { k: 'lit'; v: Value }
  | { k: 'call'; name: string; args: Operand[] }
  | { k: 'pipe'; pipe: Pipeline; path: string[] };

interface Pipeline {
  decl?: { names: string[]; op: ':=' | '=' };
  cmds: Operand[][]; // each command: operands; first may be a function
}

type Node =
  | { n: 'text'; text: string }
  | { n: 'action'; pipe: Pipeline }
  | { n: 'if'; pipe: Pipeline; then: Node[]; else: Node[] }
  | { n: 'with'; pipe: Pipeline; then: Node[]; else: Node[] }
  | { n: 'range'; pipe: Pipeline; then: Node[]; else: Node[] };

class Parser {
  private pos = 0;
  constructor(private readonly pieces: Piece[]) {}

  parse(): Node[] {
    const { nodes, end } = this.list();
    if (end) throw new TemplateError(`unexpected {{${end}}}`);
    return nodes;
  }

  /** Parses until {{end}} / {{else ...}} (returned as `end`) or the end of input. */
  private list(): { nodes: Node[]; end?: string; endToks?: Tok[] } {
    const nodes: Node[] = [];
    while (this.pos < this.pieces.length) {
      const p = this.pieces[this.pos++];
      if (p.kind === 'text') {
        nodes.push({ n: 'text', text: p.text });
        continue;
      }
      const [first, ...rest] = p.toks;
      if (first?.t === 'ident' && (first.v === 'end' || first.v === 'else')) return { nodes, end: first.v, endToks: rest };
      if (first?.t === 'ident' && (first.v === 'if' || first.v === 'with' || first.v === 'range')) {
        nodes.push(this.control(first.v, rest));
        continue;
      }
      if (first?.t === 'ident' && ['define', 'template', 'block', 'break', 'continue'].includes(first.v)) {
        throw new TemplateError(`{{${first.v}}} is not supported`);
      }
      if (p.toks.length) nodes.push({ n: 'action', pipe: parsePipeline(p.toks) });
    }
    return { nodes };
  }

  private control(kind: 'if' | 'with' | 'range', toks: Tok[]): Node {
    const pipe = parsePipeline(toks);
    const body = this.list();
    let elseNodes: Node[] = [];
    if (body.end === 'else') {
      const et = body.endToks ?? [];
      if (et.length && et[0].t === 'ident' && (et[0].v === 'if' || et[0].v === 'with')) {
        // {{else if ...}} chains share the enclosing {{end}}
        elseNodes = [this.control(et[0].v as 'if' | 'with', et.slice(1))];
      } else {
        const alt = this.list();
        if (alt.end !== 'end') throw new TemplateError(`missing {{end}} for {{${kind}}}`);
        elseNodes = alt.nodes;
      }
    } else if (body.end !== 'end') {
      throw new TemplateError(`missing {{end}} for {{${kind}}}`);
    }
    return { n: kind, pipe, then: body.nodes, else: elseNodes };
  }
}

function parsePipeline(toks: Tok[]): Pipeline {
  let i = 0;
  let decl: Pipeline['decl'];
  // $a := / $a, $b := / $a =
  const names: string[] = [];
  let j = 0;
  while (toks[j]?.t === 'var' && (toks[j] as any).fields.length === 0) {
    names.push((toks[j] as any).v);
    j++;
    if (toks[j]?.t === ',') { j++; continue; }
    break;
  }
  if (names.length && (toks[j]?.t === ':=' || toks[j]?.t === '=')) {
    decl = { names, op: toks[j].t as ':=' | '=' };
    i = j + 1;
  }
  const cmds: Operand[][] = [];
  let cmd: Operand[] = [];
  while (i < toks.length) {
    const t = toks[i];
    if (t.t === '|') {
      if (!cmd.length) throw new TemplateError('missing command before |');
      cmds.push(cmd);
      cmd = [];
      i++;
      continue;
    }
    const [op, next] = parseOperand(toks, i);
    cmd.push(op);
    i = next;
  }
  if (cmd.length) cmds.push(cmd);
  if (!cmds.length) throw new TemplateError('missing value for command');
  return { decl, cmds };
}

function parseOperand(toks: Tok[], i: number): [Operand, number] {
  const t = toks[i];
  switch (t.t) {
    case 'field': return [{ k: 'field', path: t.v }, i + 1];
    case 'var': return [{ k: 'var', name: t.v, path: t.fields }, i + 1];
    case 'string': return [{ k: 'lit', v: t.v }, i + 1];
    case 'number': return [{ k: 'lit', v: t.v }, i + 1];
    case 'bool': return [{ k: 'lit', v: t.v }, i + 1];
    case 'nil': return [{ k: 'lit', v: null }, i + 1];
    case 'ident': return [{ k: 'call', name: t.v, args: [] }, i + 1];
    case '(': {
      let depth = 1;
      let j = i + 1;
      while (j < toks.length && depth > 0) {
        if (toks[j].t === '(') depth++;
        if (toks[j].t === ')') depth--;
        j++;
      }
      if (depth !== 0) throw new TemplateError('unclosed left paren');
      const inner = parsePipeline(toks.slice(i + 1, j - 1));
      const chain = toks[j]?.t === 'chain' ? (toks[j] as { v: string[] }).v : [];
      return [{ k: 'pipe', pipe: inner, path: chain }, chain.length ? j + 1 : j];
    }
    default:
      throw new TemplateError(`unexpected ${t.t} in operand`);
  }
}

// ------------------------------------------------------------------------------ evaluator --

interface Scope { vars: Map<string, Value>[] }

const isMap = (v: Value): v is Record<string, Value> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeName(v: Value): string {
  if (v === undefined) return 'invalid';
  if (v === null) return 'nil';
  if (Array.isArray(v)) return '[]interface {}';
  if (isMap(v)) return 'map[string]interface {}';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  return typeof v;
}

function field(v: Value, name: string): Value {
  if (v === undefined || v === null) return undefined;
  if (isMap(v)) return Object.prototype.hasOwnProperty.call(v, name) ? v[name] : undefined;
  throw new TemplateError(`can't evaluate field ${name} in type ${typeName(v)}`);
}

function fieldPath(v: Value, path: string[]): Value {
  return path.reduce((acc, name) => field(acc, name), v);
}

export function truth(v: Value): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.length > 0;
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return true;
}

/** fmt.Sprint of one value, as Go prints the decoded JSON types. */
export function goString(v: Value, top = true): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return goNumber(v);
  if (Array.isArray(v)) return `[${v.map((x) => goString(x, false)).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goString(v[k], false)}`).join(' ')}]`;
  return top ? String(v) : String(v);
}

function goNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  // %v of float64 uses the shortest representation, switching to exponent form for large/small magnitudes
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 21) return n.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(n);
}

function basicKind(v: Value): string | undefined {
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'number';
  if (typeof v === 'string') return 'string';
  return undefined;
}

function eq(a: Value, ...bs: Value[]): boolean {
  if (!bs.length) throw new TemplateError('missing argument for comparison');
  for (const b of bs) {
    // a missing value equals nothing; nil equals only nil
    if (a === undefined || b === undefined) continue;
    if (a === null || b === null) {
      if (a === null && b === null) return true;
      continue;
    }
    const ka = basicKind(a);
    const kb = basicKind(b);
    if (!ka || !kb) throw new TemplateError(`error calling eq: non-comparable type ${typeName(ka ? b : a)}`);
    if (ka !== kb) throw new TemplateError('error calling eq: incompatible types for comparison');
    if (a === b) return true;
  }
  return false;
}

function order(name: string, a: Value, b: Value): boolean {
  const ka = basicKind(a);
  if (!ka || ka === 'bool' || ka !== basicKind(b)) throw new TemplateError(`error calling ${name}: invalid type for comparison`);
  const x = a as number | string;
  const y = b as number | string;
  switch (name) {
    case 'lt': return x < y;
    case 'le': return x <= y;
    case 'gt': return x > y;
    default: return x >= y;
  }
}

/** Arguments declared `interface{}` in Go turn a missing value into nil. */
const asInterface = (v: Value): Value => (v === undefined ? null : v);

function sprint(args: Value[]): string {
  let out = '';
  args.forEach((a, i) => {
    if (i > 0 && typeof a !== 'string' && typeof args[i - 1] !== 'string') out += ' ';
    out += goString(a);
  });
  return out;
}

function sprintf(format: string, args: Value[]): string {
  let n = 0;
  return format.replace(/%([%vsdqt])/g, (_m, verb: string) => {
    if (verb === '%') return '%';
    const a = args[n++];
    if (verb === 'q') return JSON.stringify(goString(a));
    return goString(a);
  });
}

function requireString(name: string, v: Value): string {
  if (v === undefined) throw new TemplateError(`error calling ${name}: invalid value; expected string`);
  if (typeof v !== 'string') throw new TemplateError(`error calling ${name}: wrong type for value; expected string; got ${typeName(v)}`);
  return v;
}

const FUNCS = new Set(['and', 'or', 'not', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'len', 'index', 'print', 'printf', 'println', 'hasPrefix', 'hasSuffix']);

class Exec {
  private readonly scope: Scope;
  constructor(root: Value) {
    this.scope = { vars: [new Map([['$', root]])] };
  }

  private lookup(name: string): Value {
    for (let i = this.scope.vars.length - 1; i >= 0; i--) if (this.scope.vars[i].has(name)) return this.scope.vars[i].get(name);
    throw new TemplateError(`undefined variable: ${name}`);
  }

  private assign(name: string, v: Value): void {
    for (let i = this.scope.vars.length - 1; i >= 0; i--) {
      if (this.scope.vars[i].has(name)) {
        this.scope.vars[i].set(name, v);
        return;
      }
    }
    throw new TemplateError(`undefined variable: ${name}`);
  }

  run(nodes: Node[], dot: Value): string {
    let out = '';
    for (const node of nodes) {
      switch (node.n) {
        case 'text':
          out += node.text;
          break;
        case 'action': {
          const v = this.pipeline(node.pipe, dot);
          if (!node.pipe.decl) out += goString(v);
          break;
        }
        case 'if':
        case 'with': {
          this.scope.vars.push(new Map());
          const v = this.pipeline(node.pipe, dot);
          const branch = truth(v) ? node.then : node.else;
          const inner = truth(v) && node.n === 'with' ? v : dot;
          out += this.run(branch, inner);
          this.scope.vars.pop();
          break;
        }
        case 'range':
          out += this.range(node, dot);
          break;
      }
    }
    return out;
  }

  private range(node: Extract<Node, { n: 'range' }>, dot: Value): string {
    this.scope.vars.push(new Map());
    const decl = node.pipe.decl;
    const v = this.pipeline({ cmds: node.pipe.cmds }, dot);
    let entries: [Value, Value][] = [];
    if (Array.isArray(v)) entries = v.map((x, i) => [i, x]);
    else if (isMap(v)) entries = Object.keys(v).sort().map((k) => [k, v[k]]);
    else if (typeof v === 'number' && Number.isInteger(v)) entries = Array.from({ length: Math.max(0, v) }, (_x, i) => [i, i]);
    else if (v !== undefined && v !== null) throw new TemplateError(`range can't iterate over ${goString(v)}`);
    let out = '';
    if (!entries.length) {
      out = this.run(node.else, dot);
    } else {
      for (const [k, x] of entries) {
        this.scope.vars.push(new Map());
        if (decl) {
          if (decl.names.length === 1) this.scope.vars[this.scope.vars.length - 1].set(decl.names[0], x);
          else {
            this.scope.vars[this.scope.vars.length - 1].set(decl.names[0], k);
            this.scope.vars[this.scope.vars.length - 1].set(decl.names[1], x);
          }
        }
        out += this.run(node.then, x);
        this.scope.vars.pop();
      }
    }
    this.scope.vars.pop();
    return out;
  }

  private pipeline(p: Pipeline, dot: Value): Value {
    let value: Value;
    let hasFinal = false;
    for (const cmd of p.cmds) {
      value = this.command(cmd, dot, hasFinal ? { v: value } : undefined);
      hasFinal = true;
    }
    if (p.decl) {
      if (p.decl.op === ':=') this.scope.vars[this.scope.vars.length - 1].set(p.decl.names[0], value);
      else this.assign(p.decl.names[0], value);
    }
    return value;
  }

  private command(cmd: Operand[], dot: Value, final?: { v: Value }): Value {
    const [head, ...args] = cmd;
    if (head.k === 'call') {
      const argv = final ? [...args, { k: 'lit', v: final.v } as Operand] : args;
      return this.call(head.name, argv, dot);
    }
    if (args.length || final) throw new TemplateError('can\'t give argument to non-function');
    return this.operand(head, dot);
  }

  private operand(op: Operand, dot: Value): Value {
    switch (op.k) {
      case 'field': return fieldPath(dot, op.path);
      case 'var': return fieldPath(this.lookup(op.name), op.path);
      case 'lit': return op.v;
      case 'pipe': return fieldPath(this.pipeline(op.pipe, dot), op.path);
      case 'call': return this.call(op.name, op.args, dot);
    }
  }

  private call(name: string, args: Operand[], dot: Value): Value {
    if (!FUNCS.has(name)) throw new TemplateError(`function "${name}" not defined`);
    if (name === 'and' || name === 'or') {
      if (!args.length) throw new TemplateError(`wrong number of args for ${name}`);
      let v: Value;
      for (const a of args) {
        v = this.operand(a, dot);
        if (truth(v) === (name === 'or')) return v;
      }
      return v;
    }
    const vals = args.map((a) => this.operand(a, dot));
    const arity = (n: number): void => {
      if (vals.length !== n) throw new TemplateError(`wrong number of args for ${name}: want ${n} got ${vals.length}`);
    };
    switch (name) {
      case 'not': arity(1); return !truth(vals[0]);
      case 'eq': return eq(vals[0], ...vals.slice(1));
      case 'ne': arity(2); return !eq(vals[0], vals[1]);
      case 'lt': case 'le': case 'gt': case 'ge': arity(2); return order(name, vals[0], vals[1]);
      case 'len': {
        arity(1);
        const v = vals[0];
        if (typeof v === 'string' || Array.isArray(v)) return v.length;
        if (isMap(v)) return Object.keys(v).length;
        throw new TemplateError(`error calling len: len of ${typeName(v)}`);
      }
      case 'index': {
        if (!vals.length) throw new TemplateError('wrong number of args for index');
        let v = vals[0];
        for (const key of vals.slice(1)) {
          if (v === undefined || v === null) throw new TemplateError('error calling index: index of untyped nil');
          if (isMap(v)) v = Object.prototype.hasOwnProperty.call(v, String(key)) ? v[String(key)] : null;
          else if (Array.isArray(v) && typeof key === 'number') {
            if (key < 0 || key >= v.length) throw new TemplateError(`error calling index: index out of range: ${key}`);
            v = v[key];
          } else throw new TemplateError(`error calling index: can't index item of type ${typeName(v)}`);
        }
        return v;
      }
      case 'print': return sprint(vals.map(asInterface));
      case 'println': return `${vals.map((v) => goString(asInterface(v))).join(' ')}\n`;
      case 'printf': return sprintf(requireString('printf', vals[0]), vals.slice(1).map(asInterface));
      case 'hasPrefix': arity(2); return requireString(name, vals[0]).startsWith(requireString(name, vals[1]));
      case 'hasSuffix': arity(2); return requireString(name, vals[0]).endsWith(requireString(name, vals[1]));
    }
    throw new TemplateError(`function "${name}" not defined`);
  }
}

const cache = new Map<string, Node[]>();

/** Executes a Go text/template against `data` (as tmpl.Execute(w, data) would). */
export function renderGoTemplate(template: string, data: unknown): string {
  let nodes = cache.get(template);
  if (!nodes) {
    nodes = new Parser(lex(template)).parse();
    cache.set(template, nodes);
  }
  // Most check schemas have no actions: their text is the result (the same string, whose hash
  // the caller's lookups then reuse).
  if (nodes.length === 1 && nodes[0].n === 'text') return nodes[0].text;
  return new Exec(data).run(nodes, data);
}
