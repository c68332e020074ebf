// The benchmark of the checks: this package against the previous implementation (the checking
// code as it was in the app before it became this package: a git revision), in the same run,
// on the app's targets (folders of manifests given on the command line) and on N generated
// services; then, on the same objects, what each library considered costs against what it
// would replace. Every child process checks once; medians over --runs runs, after a warm-up.

import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'node:util';
import { generatedServices } from './services';

const PACKAGE = path.resolve(__dirname, '..');
/** The last revision with the checks in the app (lib/policy, lib/validation, lib/cache, crds/validate.ts). */
const DEFAULT_BASELINE = '8e70f6e640d5bbe0bbe597ef9943309b5ab469ea';

const USAGE = `Usage: node bench/run.js [--runs N] [--services N] [--baseline REV] [--crds PATH]... [TARGET_FOLDER...]

Checks each TARGET_FOLDER (a folder of manifests: one target, as a host app checks it) and N
generated services with this package and with the previous implementation (git revision REV of
the repository, default ${DEFAULT_BASELINE.slice(0, 7)}), each in fresh processes, warm caches,
alternating; prints medians and ratios, then the cost of the libraries considered.`;

type Impl = 'previous' | 'current';

interface ChildResult { readonly loadMs: number; readonly checkMs: number; readonly findings: number; readonly objects: number }

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (n: number): string => `${n.toFixed(0)} ms`;
const now = (): number => Number(process.hrtime.bigint()) / 1e6;

// ------------------------------------------------------------------------------ child --

/** In a child process: load one implementation, check every target of a workload once. */
async function child(impl: Impl, workloadFile: string, baselineDir: string, crds: readonly string[]): Promise<void> {
  const targets = JSON.parse(fs.readFileSync(workloadFile, 'utf-8')) as unknown[][];
  const t0 = now();
  let check: (objects: unknown[]) => number;
  if (impl === 'previous') {
    const { SchemaValidator } = require(path.join(baselineDir, 'lib', 'validation', 'schema-validator.ts'));
    const { checkPolicies } = require(path.join(baselineDir, 'lib', 'policy', 'index.ts'));
    check = (objects) => SchemaValidator.forKubernetes127().validate(objects).length + checkPolicies(objects).findings.length;
  } else {
    const { SchemaValidator, checkPolicies } = require(path.join(PACKAGE, 'src', 'index.ts'));
    check = (objects) => SchemaValidator.forKubernetes127({ crds }).validate(objects).length + checkPolicies(objects).findings.length;
  }
  const t1 = now();
  let findings = 0;
  for (const objects of targets) findings += check(objects);
  const t2 = now();
  process.stdout.write(JSON.stringify({ loadMs: t1 - t0, checkMs: t2 - t1, findings, objects: targets.reduce((n, t) => n + t.length, 0) }));
}

// ---------------------------------------------------------------------- orchestration --

function runChild(impl: Impl, workloadFile: string, work: string, crds: readonly string[]): ChildResult & { wallMs: number } {
  const env = { ...process.env, MINCLOUD_CACHE_DIR: path.join(work, 'cache-previous'), K8S_CHECKS_CACHE_DIR: path.join(work, 'cache-current') };
  const t0 = now();
  const r = spawnSync(process.execPath, [path.join(__dirname, 'run.js'), '--child', impl, '--workload', workloadFile, '--baseline-dir', path.join(work, 'baseline'), ...crds.flatMap((c) => ['--crds', c])], { encoding: 'utf-8', env });
  const wallMs = now() - t0;
  if (r.status !== 0) throw new Error(`the ${impl} implementation failed: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as ChildResult), wallMs };
}

function extractBaseline(rev: string, dir: string): void {
  const root = execFileSync('git', ['rev-parse', '--show-toplevel'], { cwd: PACKAGE, encoding: 'utf-8' }).trim();
  fs.mkdirSync(dir, { recursive: true });
  const tar = execFileSync('git', ['archive', '--format=tar', rev, 'lib/policy', 'lib/validation', 'lib/cache', 'lib/synth/yaml-words.ts', 'crds', 'schemas', 'policy'], { cwd: root, maxBuffer: 256 * 1024 * 1024 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  // Extracted outside the repository, it finds ajv and yaml through a link to the node_modules they are in.
  fs.symlinkSync(path.dirname(path.dirname(require.resolve('ajv/package.json'))), path.join(dir, 'node_modules'));
}

function readTargets(folders: readonly string[]): unknown[][] {
  const { manifestPaths, readManifestFile } = require('../src/manifest/read-manifests') as typeof import('../src/manifest/read-manifests');
  return folders.map((f) => manifestPaths([f]).flatMap((file) => [...readManifestFile(file).objects]));
}

interface Row { readonly workload: string; readonly objects: number; readonly previous: number[]; readonly current: number[]; readonly prevWall: number[]; readonly curWall: number[]; readonly prevLoad: number[]; readonly curLoad: number[] }

// ------------------------------------------------------------------------ components --

/** What each JSON Schema evaluator takes on the schema evaluations the Polaris checks make for these targets. */
function jsonSchemaCosts(targets: unknown[][], rounds: number): Array<[string, number, string]> {
  const polaris = require('../src/policy/polaris') as typeof import('../src/policy/polaris');
  const evaluations: Array<[string, unknown, boolean]> = [];
  polaris.traceSchemaEvaluations((text, data, passed) => evaluations.push([text, structuredClone(data), passed]));
  try {
    for (const objects of targets) polaris.checkPolaris(objects as never[]);
  } finally {
    polaris.traceSchemaEvaluations(undefined);
  }
  const schemas = new Map<string, ReturnType<typeof polaris.renderedSchema>>();
  for (const [text] of evaluations) if (!schemas.has(text)) schemas.set(text, polaris.renderedSchema(text));
  const time = (make: (schema: Record<string, unknown>) => (data: unknown) => boolean): [number, string] => {
    const compiled = new Map<string, ((data: unknown) => boolean) | null>();
    let disagree = 0;
    const t0 = now();
    for (const [text, data, passed] of evaluations) {
      let v = compiled.get(text);
      if (v === undefined) {
        const s = schemas.get(text);
        v = s === null || s === true || s === undefined ? null : s === false ? () => false : make(s);
        compiled.set(text, v);
      }
      if ((v ? v(data) : true) !== passed) disagree++;
    }
    return [now() - t0, disagree ? `${disagree} different answers` : 'same answers'];
  };
  const { compileSchema } = require('../src/policy/json-schema') as typeof import('../src/policy/json-schema');
  const { Validator } = require('@cfworker/json-schema') as typeof import('@cfworker/json-schema');
  const Ajv2019 = (require('ajv/dist/2019') as { default: typeof import('ajv/dist/2019').default }).default;
  const distinct = `${evaluations.length} evaluations of ${schemas.size} distinct schemas`;
  // A warm-up round, then the median of `rounds` rounds, alternating.
  const hand: number[] = [];
  const cf: number[] = [];
  let handNote = '';
  let cfNote = '';
  for (let round = 0; round <= rounds; round++) {
    const h = time((s) => compileSchema(s, { regExp: polaris.goRegExp, keywords: polaris.POLARIS_KEYWORDS }));
    // @cfworker/json-schema has no hook for Go's (?i) flag: those patterns are rewritten into character classes first.
    const c = time((s) => { const v = new Validator(withoutGoFlags(s) as never, '2019-09', true); return (d) => v.validate(d).valid; });
    if (round === 0) continue;
    hand.push(h[0]);
    cf.push(c[0]);
    handNote = h[1];
    cfNote = `${c[1]}; no custom keywords (Polaris' resourceMinimum/Maximum)`;
  }
  // ajv caches what it compiled: one round with a fresh instance.
  const ajv = new Ajv2019({ strict: false, validateSchema: false, allowUnionTypes: true, code: { regExp: Object.assign(polaris.goRegExp, { code: 'goRegExp' }) as never } });
  for (const [keyword, fn] of Object.entries(polaris.POLARIS_KEYWORDS)) ajv.addKeyword({ keyword, schemaType: ['string', 'number'], validate: fn as never });
  const fresh = time((s) => { const v = ajv.compile(s); return (d) => v(d) === true; });
  return [
    [`json-schema.ts (hand-written), ${distinct}`, median(hand), handNote],
    [`@cfworker/json-schema ${require('@cfworker/json-schema/package.json').version}`, median(cf), cfNote],
    [`ajv ${require('ajv/package.json').version}, compiling each distinct schema (one round)`, fresh[0], fresh[1]],
  ];
}

/** A Go pattern with `(?i)` as a case-insensitive JavaScript pattern without flags ([aA] classes). */
function goPatternWithoutFlags(p: string): string {
  if (!p.includes('(?i)')) return p;
  const s = p.split('(?i)').join('');
  let out = '';
  let inClass = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') { out += c + s[++i]; continue; }
    if (inClass) { if (c === ']') inClass = false; out += c; continue; }
    if (c === '[') { inClass = true; out += c; continue; }
    out += /[A-Za-z]/.test(c) ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c;
  }
  return out;
}

function withoutGoFlags(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutGoFlags);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'pattern' && typeof v === 'string') out[k] = goPatternWithoutFlags(v);
    else if ((k === 'properties' || k === 'patternProperties' || k === '$defs' || k === 'definitions') && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v).map(([n, s]) => [n, withoutGoFlags(s)]));
    } else out[k] = withoutGoFlags(v);
  }
  return out;
}

/** What each YAML reader takes on the distinct YAML schemas the Polaris checks render for these targets. */
function yamlCosts(targets: unknown[][], baselineDir: string, rounds: number): Array<[string, number, string]> {
  const polaris = require('../src/policy/polaris') as typeof import('../src/policy/polaris');
  const texts = new Set<string>();
  polaris.traceSchemaEvaluations((text) => texts.add(text));
  try {
    for (const objects of targets) polaris.checkPolaris(objects as never[]);
  } finally {
    polaris.traceSchemaEvaluations(undefined);
  }
  const yamlTexts = [...texts].filter((t) => t.trim() !== '' && !t.startsWith('{'));
  const { parseKubernetesYaml } = require('../src/yaml/kubernetes-yaml') as typeof import('../src/yaml/kubernetes-yaml');
  const { NOT_SIMPLE, readSimpleBlockYaml } = require('../src/yaml/simple-block-yaml') as typeof import('../src/yaml/simple-block-yaml');
  const { parse } = require('yaml') as typeof import('yaml');
  const { parseBlockYaml } = require(path.join(baselineDir, 'lib', 'policy', 'block-yaml.ts'));
  const time = (f: (t: string) => unknown): number => { const t0 = now(); for (const t of yamlTexts) f(t); return now() - t0; };
  const readers: Array<[string, (t: string) => unknown]> = [
    [`simple-block-yaml.ts (current: the plain texts; kubernetes-yaml.ts for the rest), ${yamlTexts.length} distinct YAML schemas`, (t) => {
      const v = readSimpleBlockYaml(t);
      return v === NOT_SIMPLE ? parseKubernetesYaml(t) : v;
    }],
    ['block-yaml.ts (previous, hand-written)', (t) => parseBlockYaml(t) ?? parse(t, { version: '1.1' })],
    [`kubernetes-yaml.ts on yaml ${require('yaml/package.json').version} alone (go-yaml's scalars, alias and nesting limits)`, parseKubernetesYaml],
    [`yaml ${require('yaml/package.json').version} parse (version 1.1, no limits)`, (t) => parse(t, { version: '1.1' })],
  ];
  const times: number[][] = readers.map(() => []);
  for (let round = 0; round <= rounds; round++) { // a warm-up round, then the median of the others
    readers.forEach(([, read], i) => {
      const t = time(read);
      if (round > 0) times[i].push(t);
    });
  }
  const taken = yamlTexts.filter((t) => readSimpleBlockYaml(t) !== NOT_SIMPLE).length;
  return readers.map(([what], i) => [what, median(times[i]), i === 0 ? `${taken} of them read without the yaml package` : '']);
}

/** What the manifest reader takes on these objects written as one YAML stream (as a synth writes them). */
function readCosts(targets: unknown[][], rounds: number): Array<[string, number, string]> {
  const { stringify } = require('yaml') as typeof import('yaml');
  const { parseManifestText } = require('../src/manifest/read-manifests') as typeof import('../src/manifest/read-manifests');
  const text = targets.flat().map((o) => stringify(o, { version: '1.1' })).join('---\n');
  const times: number[] = [];
  for (let round = 0; round <= rounds; round++) { // a warm-up round, then the median of the others
    const t0 = now();
    parseManifestText(text, 'bench');
    if (round > 0) times.push(now() - t0);
  }
  return [[`reading them as YAML, ${(text.length / 1e6).toFixed(1)} MB (parseManifestText, yaml ${require('yaml/package.json').version})`, median(times), '']];
}

/** The part of cacache's API used here (it ships no types). */
interface Cacache {
  ls(dir: string): Promise<Record<string, unknown>>;
  get: ((dir: string, key: string) => Promise<{ data: Buffer }>) & { info(dir: string, key: string): Promise<{ path: string } | null> };
}

/** In a child: read every entry of a warm cache folder, with the hand-written cache or with cacache. */
async function cacheChild(kind: 'artifact-cache' | 'cacache', dir: string): Promise<void> {
  const t0 = now();
  let n = 0;
  if (kind === 'artifact-cache') {
    for (const f of fs.readdirSync(dir).sort()) {
      if (f.endsWith('.js')) require(path.join(dir, f)); else JSON.parse(fs.readFileSync(path.join(dir, f), 'utf-8'));
      n++;
    }
  } else {
    const cacache = require('cacache') as Cacache;
    for (const key of Object.keys(await cacache.ls(dir)).sort()) {
      if (key.endsWith('.js')) require((await cacache.get.info(dir, key))!.path); else JSON.parse((await cacache.get(dir, key)).data.toString('utf-8'));
      n++;
    }
  }
  process.stdout.write(JSON.stringify({ ms: now() - t0, entries: n }));
}

function cacheCosts(work: string, runs: number): Array<[string, number, string]> {
  const artifacts = path.join(work, 'cache-current', 'artifacts');
  const cacacheDir = path.join(work, 'cacache');
  const files = fs.readdirSync(artifacts).filter((f) => !f.endsWith('.tmp'));
  // The same entries, put into a cacache folder.
  const put = spawnSync(process.execPath, ['-e', `const c = require(${JSON.stringify(require.resolve('cacache'))}); const fs = require('fs'); const path = require('path');
    (async () => { for (const f of ${JSON.stringify(files)}) await c.put(${JSON.stringify(cacacheDir)}, f, fs.readFileSync(path.join(${JSON.stringify(artifacts)}, f))); })();`], { encoding: 'utf-8' });
  if (put.status !== 0) throw new Error(put.stderr);
  const measure = (kind: string, dir: string): number[] => Array.from({ length: runs + 1 }, () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, 'run.js'), '--cache-child', kind, '--workload', dir], { encoding: 'utf-8' });
    if (r.status !== 0) throw new Error(r.stderr);
    return (JSON.parse(r.stdout) as { ms: number }).ms;
  }).slice(1);
  const hand: number[] = [];
  const lib: number[] = [];
  const a = measure('artifact-cache', artifacts);
  const b = measure('cacache', cacacheDir);
  hand.push(...a);
  lib.push(...b);
  return [
    [`artifact-cache.ts (hand-written): read ${files.length} entries, in a fresh process`, median(hand), ''],
    [`cacache ${require('cacache/package.json').version}: the same entries, loading it included`, median(lib), ''],
  ];
}

// ------------------------------------------------------------------------------- main --

export async function main(argv: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'runs': { type: 'string', default: '5' },
      'services': { type: 'string', default: '1000' },
      'baseline': { type: 'string', default: DEFAULT_BASELINE },
      'crds': { type: 'string', multiple: true, default: [] },
      'help': { type: 'boolean', short: 'h', default: false },
      'child': { type: 'string' },
      'cache-child': { type: 'string' },
      'workload': { type: 'string' },
      'baseline-dir': { type: 'string' },
    },
  });
  if (values.child) {
    await child(values.child as Impl, values.workload!, values['baseline-dir']!, values.crds);
    return 0;
  }
  if (values['cache-child']) {
    await cacheChild(values['cache-child'] as 'artifact-cache' | 'cacache', values.workload!);
    return 0;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const runs = Number(values.runs);
  const services = Number(values.services);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(services) || services < 1) {
    process.stderr.write(`bench: --runs and --services take whole numbers of at least 1\n\n${USAGE}\n`);
    return 2;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-checks-bench-'));
  try {
    extractBaseline(values.baseline, path.join(work, 'baseline'));
    const workloads: Array<[string, string]> = [];
    if (positionals.length) {
      const file = path.join(work, 'targets.json');
      fs.writeFileSync(file, JSON.stringify(readTargets(positionals)));
      workloads.push([`targets ${positionals.map((p) => path.basename(p)).join(', ')}`, file]);
    }
    const servicesFile = path.join(work, 'services.json');
    fs.writeFileSync(servicesFile, JSON.stringify([generatedServices(services)]));
    workloads.push([`${services} generated services`, servicesFile]);

    const rows: Row[] = [];
    for (const [name, file] of workloads) {
      const row: Row = { workload: name, objects: 0, previous: [], current: [], prevWall: [], curWall: [], prevLoad: [], curLoad: [] };
      for (let i = 0; i <= runs; i++) {
        const order: Impl[] = i % 2 ? ['current', 'previous'] : ['previous', 'current'];
        for (const impl of order) {
          const r = runChild(impl, file, work, values.crds);
          (row as { objects: number }).objects = r.objects;
          if (i === 0) continue; // warm-up: fills the caches
          (impl === 'previous' ? row.previous : row.current).push(r.checkMs);
          (impl === 'previous' ? row.prevWall : row.curWall).push(r.wallMs);
          (impl === 'previous' ? row.prevLoad : row.curLoad).push(r.loadMs);
        }
      }
      rows.push(row);
    }
    const out: string[] = [`k8s-checks benchmark: ${runs} runs after a warm-up, medians; previous = ${values.baseline.slice(0, 7)}, ${os.cpus().length} cores`, ''];
    out.push('| workload | objects | check: previous | check: current | current/previous | loading: previous | loading: current | process: previous | process: current |');
    out.push('|---|---|---|---|---|---|---|---|---|');
    for (const r of rows) {
      out.push(`| ${r.workload} | ${r.objects} | ${ms(median(r.previous))} | ${ms(median(r.current))} | ${(median(r.current) / median(r.previous)).toFixed(2)} | ${ms(median(r.prevLoad))} | ${ms(median(r.curLoad))} | ${ms(median(r.prevWall))} | ${ms(median(r.curWall))} |`);
    }
    out.push('', 'check: schema and policy check of every target, modules loaded; loading: the modules (tsx-transpiled, warm); process: the whole child process.');
    // Each library against what it would replace, on the same objects as each workload, and
    // its extra time as a share of that workload's current check time.
    for (const [i, [name, file]] of workloads.entries()) {
      const checkMs = median(rows[i].current);
      const targets = JSON.parse(fs.readFileSync(file, 'utf-8')) as unknown[][];
      out.push('', `Libraries on the objects of ${name} (the current check: ${ms(checkMs)}):`, '');
      out.push('| what | time | extra against the check | note |', '|---|---|---|---|');
      const component = (rowsIn: Array<[string, number, string]>): void => {
        const base = rowsIn[0][1];
        rowsIn.forEach(([what, t, note], j) => out.push(`| ${what} | ${ms(t)} | ${j === 0 ? '' : `${t - base >= 0 ? '+' : ''}${ms(t - base)} = ${(((t - base) / checkMs) * 100).toFixed(0)} %`} | ${note} |`));
      };
      component(jsonSchemaCosts(targets, runs));
      component(yamlCosts(targets, path.join(work, 'baseline'), runs));
      component(readCosts(targets, runs));
    }
    // The cache's cost is fixed: the entries both workloads left, read in a fresh process.
    const cache = cacheCosts(work, runs);
    const extra = cache[1][1] - cache[0][1];
    out.push('', 'The disk cache, in a fresh process (a fixed cost of every run):', '', '| what | time |', '|---|---|');
    for (const [what, t] of cache) out.push(`| ${what} | ${ms(t)} |`);
    out.push('', `cacache's extra ${ms(extra)} against the current check: ${rows.map((r) => `${r.workload} ${((extra / median(r.current)) * 100).toFixed(0)} %`).join(', ')}.`);
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
