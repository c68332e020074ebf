import * as fs from 'fs';
import * as path from 'path';
import { isMap, isSeq, parseDocument } from 'yaml';

/** One protection of security/protections/*.yaml: what it protects, where, and its test. */
export interface Protection {
  readonly id: string;
  readonly protects: string;
  /** Path from the project root. */
  readonly file: string;
  /** Exact text that occurs exactly once in `file`. */
  readonly remove: string;
  /** What `remove` becomes in the mutation (default: nothing). */
  readonly replace: string;
  /** The jest test file (from the project root) that must fail without the protection. */
  readonly test: string;
  /** A jest -t pattern selecting the test(s) of `test` that must fail. */
  readonly name?: string;
  /** The YAML file that lists it (from the project root). */
  readonly source: string;
}

/** A problem in the list, naming the YAML file, the entry and the field. */
export class ProtectionListError extends Error {}

export const LIST_DIR = path.join('security', 'protections');
const KEYS = ['id', 'protects', 'file', 'remove', 'replace', 'test', 'name'];
const REQUIRED = ['id', 'protects', 'file', 'remove', 'test'];

/** Occurrences of `needle` in `haystack`, overlapping ones included. */
export function occurrences(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + 1)) n++;
  return n;
}

/**
 * Reads every security/protections/*.yaml under `root` and checks each entry against the
 * project as it is: the format (README.md beside the lists), the file, the text occurring
 * exactly once, the test file. Throws a ProtectionListError naming every problem at once.
 */
export function loadProtections(root: string): Protection[] {
  const dir = path.join(root, LIST_DIR);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort() : [];
  const problems: string[] = [];
  const entries: Protection[] = [];
  const seen = new Map<string, string>();
  if (files.length === 0) problems.push(`${LIST_DIR}: no *.yaml lists of protections`);
  for (const name of files) {
    const source = path.join(LIST_DIR, name);
    const doc = parseDocument(fs.readFileSync(path.join(dir, name), 'utf-8'), { prettyErrors: true });
    if (doc.errors.length > 0) {
      problems.push(`${source}: not valid YAML: ${doc.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    if (!isSeq(doc.contents)) {
      problems.push(`${source}: must be a list of entries ("- id: ..."), see ${LIST_DIR}/README.md`);
      continue;
    }
    doc.contents.items.forEach((item, index) => {
      const where = (id?: unknown) => `${source} entry ${index + 1}${typeof id === 'string' ? ` (${id})` : ''}`;
      if (!isMap(item)) {
        problems.push(`${where()}: must be a mapping with ${REQUIRED.join(', ')}`);
        return;
      }
      const raw = item.toJSON() as Record<string, unknown>;
      const at = where(raw.id);
      const bad = (field: string, message: string) => problems.push(`${at}: ${field} ${message}`);
      for (const key of Object.keys(raw)) if (!KEYS.includes(key)) bad(key, `is not a field; use ${KEYS.join(', ')}`);
      for (const key of REQUIRED) if (typeof raw[key] !== 'string' || raw[key] === '') bad(key, 'is missing or not a non-empty string');
      for (const key of ['replace', 'name']) if (raw[key] !== undefined && typeof raw[key] !== 'string') bad(key, 'must be a string');
      const str = (key: string) => (typeof raw[key] === 'string' ? raw[key] as string : '');
      const id = str('id');
      if (id && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(id)) bad('id', `"${id}" is not kebab-case (e.g. "site-limit-conn")`);
      if (id && seen.has(id)) bad('id', `"${id}" is also used in ${seen.get(id)}; ids are unique over every list`);
      if (id) seen.set(id, source);
      if (/\n/.test(str('protects'))) bad('protects', 'must be one line');
      const file = str('file');
      const full = path.resolve(root, file);
      if (file && (path.isAbsolute(file) || !full.startsWith(path.resolve(root) + path.sep))) {
        bad('file', `"${file}" must be a path inside the project, from its root`);
      } else if (file && !fs.existsSync(full)) {
        bad('file', `"${file}" does not exist`);
      } else if (file && str('remove')) {
        const n = occurrences(fs.readFileSync(full, 'utf-8'), str('remove'));
        if (n !== 1) bad('remove', `occurs ${n} times in ${file}; it must occur exactly once (include more of its surroundings)`);
      }
      if (raw.replace !== undefined && raw.replace === raw.remove) bad('replace', 'is the same as remove: the mutation would change nothing');
      const test = str('test');
      if (test && !/\.test\.ts$/.test(test)) bad('test', `"${test}" is not a jest test file (*.test.ts)`);
      else if (test && !fs.existsSync(path.join(root, test))) bad('test', `"${test}" does not exist`);
      if (typeof raw.name === 'string') {
        try {
          new RegExp(raw.name);
        } catch (e) {
          bad('name', `is not a valid jest -t pattern (a regular expression): ${(e as Error).message}`);
        }
      }
      entries.push({
        id, protects: str('protects'), file, remove: str('remove'), replace: typeof raw.replace === 'string' ? raw.replace : '',
        test, ...(typeof raw.name === 'string' ? { name: raw.name } : {}), source,
      });
    });
  }
  if (problems.length > 0) {
    throw new ProtectionListError(`invalid list of protections (${LIST_DIR}/README.md describes the format):\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return entries;
}

/** The project's file with the protection taken out. */
export function mutate(text: string, p: Protection): string {
  const at = text.indexOf(p.remove);
  if (at === -1 || text.indexOf(p.remove, at + 1) !== -1) {
    throw new ProtectionListError(`${p.source} (${p.id}): remove must occur exactly once in ${p.file}`);
  }
  return text.slice(0, at) + p.replace + text.slice(at + p.remove.length);
}
