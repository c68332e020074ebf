import * as fs from 'fs';
import { KubeObject, objectKey, readManifestObjects } from 'k8s-checks';

export interface FieldChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

export interface TargetDiff {
  readonly target: string;
  /** The base has no folder for this target: everything counts as added. */
  readonly baseMissing: boolean;
  readonly added: string[];
  readonly removed: string[];
  readonly changed: Array<{ readonly object: string; readonly fields: FieldChange[] }>;
}

/**
 * How a diff names an object: its objectKey, by which the two sides are matched (so a new
 * apiVersion of one object is a change of its `apiVersion`), and the apiVersion it has now.
 */
function label(o: KubeObject): string {
  return `${objectKey(o)} (${o.apiVersion})`;
}

function objectsOf(dir: string): KubeObject[] {
  if (!fs.existsSync(dir)) return [];
  return readManifestObjects(dir);
}

function byKey(objects: readonly KubeObject[]): Map<string, KubeObject> {
  return new Map(objects.map((o) => [objectKey(o), o]));
}

/** An array whose items all have a distinct string `name` (containers, ports, env, volumes). */
function namedItems(v: unknown): Map<string, unknown> | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const names = v.map((x) => (x !== null && typeof x === 'object' && typeof (x as { name?: unknown }).name === 'string' ? (x as { name: string }).name : undefined));
  if (names.some((n) => n === undefined) || new Set(names).size !== names.length) return undefined;
  return new Map(names.map((n, i) => [n as string, v[i]]));
}

/**
 * Whether the two values are the same JSON (JSON.stringify's view: an undefined property is
 * absent, an undefined list item null), in any key order, without writing them out: the watch
 * loop compares every object of a target on every save, and writing 6000 objects twice was
 * most of its diff's time.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return JSON.stringify(a) === JSON.stringify(b);
  const list = Array.isArray(a);
  if (list !== Array.isArray(b)) return false;
  if (list) {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!sameJson(x[i] ?? null, y[i] ?? null)) return false;
    return true;
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return JSON.stringify(a) === JSON.stringify(b);
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let defined = 0;
  for (const k of Object.keys(x)) {
    if (x[k] === undefined) continue;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !sameJson(x[k], y[k])) return false;
    defined++;
  }
  for (const k of Object.keys(y)) if (y[k] !== undefined) defined--;
  return defined === 0;
}

/** An object JSON writes as its own properties: no class instance, no toJSON. */
function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

/**
 * Every leaf that differs, as a path: `spec.template.spec.containers[name=nginx].image`,
 * `metadata.labels["app.kubernetes.io/version"]` (keys with dots or slashes quoted).
 * Lists of named items are matched by name, so inserting an env variable shows as one added
 * item rather than every later one changed; other lists are compared position by position.
 */
export function fieldChanges(before: unknown, after: unknown, at = ''): FieldChange[] {
  if (sameJson(before, after)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === 'object';
  const a = namedItems(before);
  const b = namedItems(after);
  if (a && b) {
    const names = [...a.keys(), ...[...b.keys()].filter((n) => !a.has(n))];
    return names.flatMap((n) => fieldChanges(a.get(n), b.get(n), `${at}[name=${n}]`));
  }
  if (isObj(before) && isObj(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = [...new Set([...Object.keys(before as object), ...Object.keys(after as object)])];
    if (!Array.isArray(before)) keys.sort();
    return keys.flatMap((k) => fieldChanges((before as Record<string, unknown>)[k], (after as Record<string, unknown>)[k],
      Array.isArray(before) ? `${at}[${k}]` : /^[A-Za-z_$][\w$-]*$/.test(k) ? (at ? `${at}.${k}` : k) : `${at}[${JSON.stringify(k)}]`));
  }
  return [{ path: at, before, after }];
}

/** Compares the manifests of one target in `base` (a synthesized output folder) with `next`. */
export function compareTarget(target: string, base: string, next: string): TargetDiff {
  return { ...compareObjects(target, objectsOf(base), objectsOf(next)), baseMissing: !fs.existsSync(base) };
}

/**
 * Compares two sets of objects of one target, matched by objectKey (API group, kind, namespace
 * and name). `same`, when it knows, says whether two objects hold the same values, faster than
 * comparing them field by field (false: they are compared field by field).
 */
export function compareObjects(target: string, before: readonly KubeObject[], after: readonly KubeObject[], same?: (before: KubeObject, after: KubeObject) => boolean | undefined): TargetDiff {
  const a = byKey(before);
  const b = byKey(after);
  return {
    target,
    baseMissing: false,
    added: [...b.keys()].filter((k) => !a.has(k)).map((k) => label(b.get(k)!)),
    removed: [...a.keys()].filter((k) => !b.has(k)).map((k) => label(a.get(k)!)),
    changed: [...b.keys()].filter((k) => a.has(k))
      .filter((k) => same?.(a.get(k)!, b.get(k)!) !== true)
      .map((k) => ({ object: label(b.get(k)!), fields: fieldChanges(a.get(k), b.get(k)) }))
      .filter((c) => c.fields.length > 0),
  };
}

export function hasChanges(diffs: readonly TargetDiff[]): boolean {
  return diffs.some((d) => d.added.length + d.removed.length + d.changed.length > 0);
}

/** A value in one line: JSON, `(none)` when absent, cut to `max` characters. */
export function show(v: unknown, max = 80): string {
  const s = v === undefined ? '(none)' : JSON.stringify(v);
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** For a terminal; `color` adds ANSI colours. */
export function renderText(diffs: readonly TargetDiff[], color = false): string {
  const c = (code: number, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const out: string[] = [];
  for (const d of diffs) {
    out.push(`${d.target}: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed${d.baseMissing ? ' (not in the base: everything counts as added)' : ''}`);
    for (const k of d.added) out.push(c(32, `  + ${k}`));
    for (const k of d.removed) out.push(c(31, `  - ${k}`));
    for (const ch of d.changed) {
      out.push(c(33, `  ~ ${ch.object}`));
      for (const f of ch.fields) out.push(`      ${f.path}: ${show(f.before)} -> ${show(f.after)}`);
    }
  }
  return out.join('\n');
}

/** For a pull request comment: a summary table, then a table of changes per target. */
export function renderMarkdown(diffs: readonly TargetDiff[]): string {
  // Inline code in a table cell: pipes escaped, backticks (never in manifests, but) replaced.
  const code = (s: string) => `\`${s.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
  const cell = (v: unknown) => code(show(v, 60));
  const out: string[] = ['## Manifest changes', ''];
  out.push('| target | added | removed | changed |', '|---|---:|---:|---:|');
  for (const d of diffs) out.push(`| ${d.target} | ${d.added.length} | ${d.removed.length} | ${d.changed.length} |`);
  out.push('');
  for (const d of diffs) {
    out.push(`### ${d.target}: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`, '');
    if (d.added.length + d.removed.length + d.changed.length === 0) {
      out.push('No changes.', '');
      continue;
    }
    out.push('| change | object | field | before | after |', '|---|---|---|---|---|');
    for (const k of d.added) out.push(`| added | ${code(k)} | | | |`);
    for (const k of d.removed) out.push(`| removed | ${code(k)} | | | |`);
    for (const ch of d.changed) {
      for (const f of ch.fields) out.push(`| changed | ${code(ch.object)} | ${code(f.path)} | ${cell(f.before)} | ${cell(f.after)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
