// A pass/fail JSON Schema (draft 2019-09) evaluator for the schemas Polaris' checks render.
//
// Polaris renders a check's schema from a Go template for every object it looks at, so most
// schemas are used once: compiling each one to code (as ajv does) costs a thousand times more
// than walking it. Polaris itself walks them too (qri-io/jsonschema). Only pass or fail is
// needed; a keyword this evaluator does not know throws, so no schema passes by being misread.

export type SchemaPredicate = (data: unknown) => boolean;

/** A keyword the caller adds, e.g. Polaris' `resourceMinimum`; called with the keyword's value and the data. */
export type CustomKeyword = (schemaValue: unknown, data: unknown) => boolean;

export interface SchemaOptions {
  /** Builds the RegExp of a `pattern`; Polaris' patterns are Go (RE2) expressions. @default new RegExp(p, 'u') */
  readonly regExp?: (pattern: string, flags: string) => RegExp;
  readonly keywords?: Readonly<Record<string, CustomKeyword>>;
}

export class UnsupportedSchemaError extends Error {}

/** Keywords that describe and never constrain. */
const ANNOTATIONS = new Set(['$schema', '$id', '$comment', '$defs', 'definitions', 'title', 'description', 'default', 'examples', 'deprecated', 'readOnly', 'writeOnly', 'format', 'contentEncoding', 'contentMediaType']);

/** Returns a predicate for `schema`; the schema is checked for unsupported keywords up front. */
export function compileSchema(schema: unknown, options: SchemaOptions = {}): SchemaPredicate {
  const evaluator = new Evaluator(schema, options);
  evaluator.check(schema, '#');
  return (data) => evaluator.valid(schema, data);
}

class Evaluator {
  private readonly patterns = new Map<string, RegExp>();
  private readonly refs = new Map<string, unknown>();
  private readonly regExp: (pattern: string, flags: string) => RegExp;
  private readonly keywords: Readonly<Record<string, CustomKeyword>>;

  public constructor(private readonly root: unknown, options: SchemaOptions) {
    this.regExp = options.regExp ?? ((p, f) => new RegExp(p, f));
    this.keywords = options.keywords ?? {};
  }

  /** Throws on any keyword `valid` does not implement, anywhere in the schema. */
  public check(schema: unknown, where: string): void {
    if (typeof schema === 'boolean') return;
    if (!isObject(schema)) throw new UnsupportedSchemaError(`${where}: a schema must be an object or a boolean`);
    for (const [k, v] of Object.entries(schema)) {
      const at = `${where}/${k}`;
      if (ANNOTATIONS.has(k) && k !== '$defs' && k !== 'definitions') continue;
      switch (k) {
        case 'properties': case 'patternProperties': case '$defs': case 'definitions': case 'dependentSchemas':
          for (const [name, s] of Object.entries(asObject(v, at))) this.check(s, `${at}/${name}`);
          break;
        case 'items':
          if (Array.isArray(v)) v.forEach((s, i) => this.check(s, `${at}/${i}`)); else this.check(v, at);
          break;
        case 'allOf': case 'anyOf': case 'oneOf':
          if (!Array.isArray(v) || v.length === 0) throw new UnsupportedSchemaError(`${at}: must be a non-empty array of schemas`);
          v.forEach((s, i) => this.check(s, `${at}/${i}`));
          break;
        case 'not': case 'contains': case 'if': case 'then': case 'else': case 'additionalProperties': case 'additionalItems': case 'propertyNames':
          this.check(v, at);
          break;
        case '$ref':
          if (typeof v !== 'string' || !v.startsWith('#')) throw new UnsupportedSchemaError(`${at}: only references into the same schema ("#/...") are supported`);
          this.resolve(v);
          break;
        case 'pattern':
          this.pattern(String(v));
          break;
        case 'type': case 'enum': case 'const': case 'required': case 'dependentRequired': case 'uniqueItems':
        case 'minLength': case 'maxLength': case 'minItems': case 'maxItems': case 'minProperties': case 'maxProperties':
        case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum': case 'multipleOf':
        case 'minContains': case 'maxContains':
          break;
        default:
          if (!(k in this.keywords)) throw new UnsupportedSchemaError(`${at}: keyword "${k}" is not supported`);
      }
    }
  }

  public valid(schema: unknown, data: unknown): boolean {
    if (schema === true) return true;
    if (schema === false) return false;
    const s = schema as Record<string, any>;
    for (const k in s) {
      if (!this.keyword(k, s[k], s, data)) return false;
    }
    return true;
  }

  private keyword(k: string, v: any, s: Record<string, any>, data: unknown): boolean {
    switch (k) {
      case 'type': return Array.isArray(v) ? v.some((t) => hasType(data, t)) : hasType(data, v);
      case 'const': return deepEqual(v, data);
      case 'enum': return (v as unknown[]).some((e) => deepEqual(e, data));
      case 'properties': {
        if (!isObject(data)) return true;
        for (const name in v) {
          if (Object.prototype.hasOwnProperty.call(data, name) && !this.valid(v[name], data[name])) return false;
        }
        return true;
      }
      case 'patternProperties': {
        if (!isObject(data)) return true;
        return Object.entries(v as Record<string, unknown>).every(([p, ps]) =>
          Object.keys(data).every((name) => !this.pattern(p).test(name) || this.valid(ps, data[name])));
      }
      case 'additionalProperties': {
        if (!isObject(data)) return true;
        const props = isObject(s.properties) ? s.properties : {};
        const patterns = isObject(s.patternProperties) ? Object.keys(s.patternProperties).map((p) => this.pattern(p)) : [];
        return Object.keys(data).every((name) => Object.prototype.hasOwnProperty.call(props, name)
          || patterns.some((re) => re.test(name)) || this.valid(v, data[name]));
      }
      case 'propertyNames': return !isObject(data) || Object.keys(data).every((name) => this.valid(v, name));
      case 'required': return !isObject(data) || (v as string[]).every((name) => Object.prototype.hasOwnProperty.call(data, name));
      case 'dependentRequired': return !isObject(data) || Object.entries(v as Record<string, string[]>)
        .every(([name, deps]) => !(name in data) || deps.every((d) => d in data));
      case 'dependentSchemas': return !isObject(data) || Object.entries(v as Record<string, unknown>)
        .every(([name, ds]) => !(name in data) || this.valid(ds, data));
      case 'minProperties': return !isObject(data) || Object.keys(data).length >= v;
      case 'maxProperties': return !isObject(data) || Object.keys(data).length <= v;
      case 'items': {
        if (!Array.isArray(data)) return true;
        if (Array.isArray(v)) return v.every((is, i) => i >= data.length || this.valid(is, data[i]));
        return everyItem(data, 0, (item) => this.valid(v, item));
      }
      case 'additionalItems': {
        if (!Array.isArray(data) || !Array.isArray(s.items)) return true;
        return everyItem(data, s.items.length, (item) => this.valid(v, item));
      }
      case 'contains': {
        if (!Array.isArray(data)) return true;
        let n = 0;
        for (let i = 0; i < data.length; i++) if (this.valid(v, data[i])) n++;
        return n >= (typeof s.minContains === 'number' ? s.minContains : 1)
          && (typeof s.maxContains !== 'number' || n <= s.maxContains);
      }
      case 'minContains': case 'maxContains': return true; // evaluated with `contains`
      case 'minItems': return !Array.isArray(data) || data.length >= v;
      case 'maxItems': return !Array.isArray(data) || data.length <= v;
      case 'uniqueItems': {
        if (!v || !Array.isArray(data)) return true;
        for (let i = 0; i < data.length; i++) for (let j = 0; j < i; j++) if (deepEqual(data[i], data[j])) return false;
        return true;
      }
      case 'minLength': return typeof data !== 'string' || codePoints(data) >= v;
      case 'maxLength': return typeof data !== 'string' || codePoints(data) <= v;
      case 'pattern': return typeof data !== 'string' || this.pattern(v).test(data);
      case 'minimum': return typeof data !== 'number' || data >= v;
      case 'maximum': return typeof data !== 'number' || data <= v;
      case 'exclusiveMinimum': return typeof data !== 'number' || data > v;
      case 'exclusiveMaximum': return typeof data !== 'number' || data < v;
      case 'multipleOf': return typeof data !== 'number' || Number.isInteger(data / v);
      case 'allOf': return (v as unknown[]).every((sub) => this.valid(sub, data));
      case 'anyOf': return (v as unknown[]).some((sub) => this.valid(sub, data));
      case 'oneOf': {
        let matches = 0;
        for (const sub of v as unknown[]) if (this.valid(sub, data) && ++matches > 1) return false;
        return matches === 1;
      }
      case 'not': return !this.valid(v, data);
      case 'if': return this.valid(v, data)
        ? !('then' in s) || this.valid(s.then, data)
        : !('else' in s) || this.valid(s.else, data);
      case 'then': case 'else': return true; // evaluated with `if`
      case '$ref': return this.valid(this.resolve(v), data);
      default: {
        if (ANNOTATIONS.has(k)) return true;
        const custom = this.keywords[k];
        if (!custom) throw new UnsupportedSchemaError(`keyword "${k}" is not supported`);
        return custom(v, data);
      }
    }
  }

  private pattern(p: string): RegExp {
    let re = this.patterns.get(p);
    if (!re) {
      re = this.regExp(p, 'u');
      this.patterns.set(p, re);
    }
    return re;
  }

  /** A JSON pointer into the root schema (`#/$defs/name`). */
  private resolve(ref: string): unknown {
    if (this.refs.has(ref)) return this.refs.get(ref);
    let target: unknown = this.root;
    for (const raw of ref.slice(1).split('/').slice(1)) {
      const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      if (!isObject(target) && !Array.isArray(target)) target = undefined;
      target = (target as Record<string, unknown> | undefined)?.[part];
      if (target === undefined) throw new UnsupportedSchemaError(`$ref "${ref}" does not resolve`);
    }
    this.refs.set(ref, target);
    return target;
  }
}

/** Every item from `from` on, holes of a sparse array included (as undefined, the way ajv reads them). */
function everyItem(data: readonly unknown[], from: number, test: (item: unknown) => boolean): boolean {
  for (let i = from; i < data.length; i++) if (!test(data[i])) return false;
  return true;
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function asObject(v: unknown, where: string): Record<string, unknown> {
  if (!isObject(v)) throw new UnsupportedSchemaError(`${where}: must be an object`);
  return v;
}

function hasType(data: unknown, type: string): boolean {
  switch (type) {
    case 'object': return isObject(data);
    case 'array': return Array.isArray(data);
    case 'string': return typeof data === 'string';
    case 'boolean': return typeof data === 'boolean';
    case 'null': return data === null;
    case 'number': return typeof data === 'number';
    case 'integer': return typeof data === 'number' && !(data % 1) && !Number.isNaN(data);
    default: throw new UnsupportedSchemaError(`type "${type}" is not a JSON Schema type`);
  }
}

/** String length as JSON Schema counts it: in code points, not UTF-16 units. */
function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    if (a.length !== other.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], other[i])) return false;
    return true;
  }
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as any)[k], (b as any)[k]));
}
