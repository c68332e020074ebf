// Polaris' default configuration, evaluated from Polaris' own check definitions
// (policy/polaris-checks/*.yaml, copied unchanged from FairwindsOps/polaris) the way
// Polaris' Go code does it (pkg/config/schema.go, pkg/validator/schema.go,
// pkg/validator/pdb_hpa_validator.go, pkg/config/exemptions.go):
//
// - targets: Controller (the workload object), PodSpec, PodTemplate, Container (init
//   containers too, unless `containers.exclude`), or a group/kind such as
//   networking.k8s.io/Ingress for other objects; `controllers.include/exclude` by kind;
//   `schemaTarget: PodSpec` on a Container check validates the pod spec with only that container;
// - `schema` is JSON-encoded, then it and `schemaString` / `additionalSchemaStrings` are Go
//   templates executed against the object plus `.Polaris.{PodSpec,PodTemplate,Container}`;
//   the result is parsed as YAML and validated as JSON Schema draft 2019-09 (json-schema.ts);
// - an additional schema for a group/kind passes when any object of that kind in the same
//   namespace validates; one that renders empty is dropped;
// - severities from default.yaml: `warning` and `danger` are findings, `ignore` is not run;
//   default.yaml's exemptions (namespace + controller name prefixes) are applied and listed.

import * as fs from 'fs';
import * as path from 'path';
import { ArtifactCache } from '../cache/artifact-cache';
import { CheckMemo } from '../cache/check-memo';
import { parseKubernetesYaml } from '../yaml/kubernetes-yaml';
import { NOT_SIMPLE, readSimpleBlockYaml } from '../yaml/simple-block-yaml';
import { renderGoTemplate } from './go-template';
import { typedPodSpec, TypedDecodeError } from './typed-pod-spec';
import { compileSchema, CustomKeyword, SchemaPredicate } from './json-schema';
import { parseQuantity, quantityString } from './quantity';
import { KubeObject, PolicyExemption, PolicyFinding, PolicyRule } from './types';
import { apiGroup, asArray, containerLabel, ContainerRef, containersOf, groupBy, isObject, objectKey, rawNamespace, show, Workload, workloadOf } from './workload';

const TOOL = 'polaris' as const;

/** Where this project keeps the upstream check files. */
export const POLARIS_CHECKS_DIR = path.resolve(__dirname, '..', '..', 'policy', 'polaris-checks');

type Severity = 'danger' | 'warning' | 'ignore';
const HANDLED_TARGETS = ['Controller', 'Container', 'PodSpec', 'PodTemplate'];

interface IncludeExclude { include: string[]; exclude: string[] }

export interface PolarisCheck {
  readonly id: string;
  readonly category: string;
  readonly successMessage: string;
  readonly failureMessage: string;
  readonly target: string;
  readonly schemaTarget: string;
  readonly controllers: IncludeExclude;
  readonly containers: IncludeExclude;
  /** The main schema as a Go template ('' when the check has none). */
  readonly schemaString: string;
  readonly additionalSchemaStrings: Readonly<Record<string, string>>;
}

interface ConfigExemption {
  readonly namespace?: string;
  readonly controllerNames?: string[];
  readonly containerNames?: string[];
  readonly rules?: string[];
}

export interface PolarisConfig {
  readonly checks: Readonly<Record<string, Severity>>;
  readonly exemptions: readonly ConfigExemption[];
  readonly definitions: ReadonlyMap<string, PolarisCheck>;
}

// ------------------------------------------------------------------------------- loading --

function parseYamlDoc(text: string): any {
  // Polaris reads these with sigs.k8s.io/yaml (YAML 1.1 scalars).
  return parseKubernetesYaml(text);
}

/** Reads a field the way encoding/json does: exact key first, then case-insensitively. */
function jsonField(obj: Record<string, any>, key: string): any {
  if (key in obj) return obj[key];
  const found = Object.keys(obj).find((k) => k.toLowerCase() === key.toLowerCase());
  return found === undefined ? undefined : obj[found];
}

function includeExclude(v: unknown): IncludeExclude {
  return { include: isObject(v) ? asArray(v.include).map(String) : [], exclude: isObject(v) ? asArray(v.exclude).map(String) : [] };
}

export function parsePolarisCheck(id: string, text: string): PolarisCheck {
  const raw = parseYamlDoc(text) ?? {};
  const schema = jsonField(raw, 'schema');
  let schemaString: string = jsonField(raw, 'schemaString') ?? '';
  if (!schemaString) {
    const jsonSchema: string | undefined = jsonField(raw, 'jsonSchema');
    schemaString = jsonSchema ?? (schema === undefined || schema === null ? '' : JSON.stringify(schema));
  }
  const additional: Record<string, string> = { ...(jsonField(raw, 'additionalSchemaStrings') ?? {}) };
  for (const [kind, s] of Object.entries(jsonField(raw, 'additionalSchemas') ?? {})) additional[kind] = JSON.stringify(s);
  return {
    id,
    category: String(jsonField(raw, 'category') ?? ''),
    successMessage: String(jsonField(raw, 'successMessage') ?? ''),
    failureMessage: String(jsonField(raw, 'failureMessage') ?? ''),
    target: String(jsonField(raw, 'target') ?? ''),
    schemaTarget: String(jsonField(raw, 'schemaTarget') ?? ''),
    controllers: includeExclude(jsonField(raw, 'controllers')),
    containers: includeExclude(jsonField(raw, 'containers')),
    schemaString,
    additionalSchemaStrings: additional,
  };
}

const configs = new Map<string, PolarisConfig>();

/**
 * Loads default.yaml and every `<checkId>.yaml` of the folder; kept in memory, and on disk as
 * JSON (src/cache/) keyed by the files' contents, since reading the YAML costs more than a
 * whole small synth otherwise does.
 */
export function loadPolarisConfig(dir: string = POLARIS_CHECKS_DIR): PolarisConfig {
  const cached = configs.get(dir);
  if (cached) return cached;
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
  if (!files.includes('default.yaml')) throw new Error(`${path.join(dir, 'default.yaml')} is missing: Polaris' configuration says which checks run`);
  const texts = files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8'));
  const key = ArtifactCache.key(fs.readFileSync(__filename), ...files.flatMap((f, i) => [f, texts[i]]));
  const stored = ArtifactCache.project().json(`polaris-${ArtifactCache.tag(dir)}`, key, () => {
    const defaults = parseYamlDoc(texts[files.indexOf('default.yaml')]) ?? {};
    const definitions = files.map((f, i) => [f.replace(/\.yaml$/, ''), texts[i]] as const)
      .filter(([id]) => id !== 'default')
      .map(([id, text]) => [id, parsePolarisCheck(id, text)] as const);
    const checks: Record<string, Severity> = {};
    for (const [id, sev] of Object.entries(defaults.checks ?? {})) checks[id] = String(sev) as Severity;
    return { checks, exemptions: asArray(defaults.exemptions).filter(isObject) as ConfigExemption[], definitions };
  });
  const config: PolarisConfig = { checks: stored.checks, exemptions: stored.exemptions, definitions: new Map(stored.definitions) };
  configs.set(dir, config);
  return config;
}

/** Every Polaris check that the default configuration runs (severity warning or danger). */
export function polarisRules(dir: string = POLARIS_CHECKS_DIR): PolicyRule[] {
  const config = loadPolarisConfig(dir);
  return Object.entries(config.checks)
    .filter(([, sev]) => sev === 'warning' || sev === 'danger')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([id, sev]) => {
      const def = config.definitions.get(id);
      return { tool: TOOL, rule: id, description: `${sev} (${def?.category ?? 'custom'}): ${def?.successMessage ?? id}` };
    });
}

// ---------------------------------------------------------------------------- validation --

/** Go regexp (RE2) patterns: the check files use the `(?i)` flag group, which JavaScript lacks. */
export function goRegExp(pattern: string, flags: string): RegExp {
  let p = pattern;
  let f = flags;
  if (p.includes('(?i)')) {
    p = p.split('(?i)').join('');
    f += 'i';
  }
  return new RegExp(p, f);
}

/** Polaris' own keywords: a resource quantity at least / at most the given one. */
export const POLARIS_KEYWORDS: Readonly<Record<string, CustomKeyword>> = {
  resourceMinimum: (limit, data) => compareQuantities(limit, data, (l, d) => d >= l),
  resourceMaximum: (limit, data) => compareQuantities(limit, data, (l, d) => d <= l),
};

function compareQuantities(limit: unknown, data: unknown, ok: (limit: number, data: number) => boolean): boolean {
  const l = parseQuantity(limit);
  const d = parseQuantity(data);
  return l !== undefined && d !== undefined && ok(l, d);
}

/** qri-io/jsonschema tolerates `required:` with no value (hostPortSet.yaml has one); a schema validator does not. */
function sanitize(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(sanitize);
  if (!isObject(schema)) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'required' && !Array.isArray(v)) continue;
    out[k] = sanitize(v);
  }
  return out;
}

const validators = new Map<string, SchemaPredicate | null>();

/** The predicate of a rendered schema text (YAML or JSON); null when it is empty (passes everything). */
function compile(text: string): SchemaPredicate | null {
  if (validators.has(text)) return validators.get(text)!;
  const schema = renderedSchema(text);
  const v = schema === null ? null
    : schema === false ? () => false
      : schema === true ? null
        : compileSchema(schema, { regExp: goRegExp, keywords: POLARIS_KEYWORDS });
  validators.set(text, v);
  return v;
}

/**
 * The JSON Schema a rendered schema text stands for, as Polaris reads it: null when the text
 * is empty, else an object (without `$schema`) or a boolean. Throws when it is something else.
 */
export function renderedSchema(text: string): Record<string, unknown> | boolean | null {
  const parsed = text.trim() === '' ? null : parseRendered(text);
  if (isObject(parsed)) {
    const schema = sanitize(parsed) as Record<string, unknown>;
    delete schema.$schema;
    return schema;
  }
  if (parsed !== null && parsed !== undefined && typeof parsed !== 'boolean') {
    throw new Error(`the rendered schema is not an object: ${text.slice(0, 80)}`);
  }
  return typeof parsed === 'boolean' ? parsed : null;
}

/**
 * A rendered schema, as Polaris reads it (sigs.k8s.io/yaml). Schemas from a check's `schema`
 * field are JSON when rendered, and JSON reads the same in YAML 1.1 (but for the characters
 * YAML 1.1 takes as line breaks), so those skip the YAML reader; those from
 * `additionalSchemaStrings` are plain block YAML, which readSimpleBlockYaml reads as the yaml
 * package does, at a fraction of its cost (it leaves anything else to the package).
 */
function parseRendered(text: string): unknown {
  if (text.startsWith('{') && !/[\u0085\u2028\u2029]/.test(text)) {
    try {
      return JSON.parse(text);
    } catch {
      // not JSON after all (a template wrote YAML into it): read it as YAML below
    }
  }
  const simple = readSimpleBlockYaml(text);
  return simple === NOT_SIMPLE ? parseYamlDoc(text) : simple;
}

// ------------------------------------------------------------------ typed-API emulation --

/** Quantities as strings and `hostPort: 0` gone, as encoding a corev1.Container writes them. */
function encodedContainer(c: unknown): Record<string, any> {
  const out: Record<string, any> = isObject(c) ? { ...c } : {};
  const resources: Record<string, any> = isObject(out.resources) ? { ...out.resources } : {};
  for (const kind of ['limits', 'requests']) {
    if (isObject(resources[kind])) resources[kind] = Object.fromEntries(Object.entries(resources[kind]).map(([k, v]) => [k, quantityString(v)]));
  }
  out.resources = resources;
  if (Array.isArray(out.ports)) out.ports = out.ports.map((p: any) => (isObject(p) && Number(p.hostPort) === 0 ? (({ hostPort: _h, ...rest }) => rest)(p) : p));
  return out;
}

/** The pod spec through Polaris' typed decoding (typed-pod-spec.ts), or the decoding error. */
function polarisPodSpec(spec: unknown): Record<string, any> | TypedDecodeError {
  let out: Record<string, any>;
  try {
    out = typedPodSpec(spec);
  } catch (e) {
    if (e instanceof TypedDecodeError) return e;
    throw e;
  }
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    if (Array.isArray(out[field])) out[field] = out[field].map(encodedContainer);
    if (field !== 'containers' && Array.isArray(out[field]) && out[field].length === 0) delete out[field];
  }
  return out;
}

const CONTAINER_FIELDS: Record<ContainerRef['kind'], string> = { container: 'containers', initContainer: 'initContainers', ephemeralContainer: 'ephemeralContainers' };

/**
 * What one `checkPolaris` call works out once and every check reuses: the objects by kind, and
 * each pod spec as Polaris decodes it (the checks only read them).
 */
class RunContext {
  public readonly index: KindIndex;
  private readonly podSpecs = new Map<unknown, Record<string, any> | TypedDecodeError>();

  public constructor(manifests: readonly KubeObject[]) {
    this.index = indexByKind(manifests);
  }

  /** The decoded pod spec, or the error that makes Polaris refuse the object. */
  public decoded(spec: unknown): Record<string, any> | TypedDecodeError {
    let n = this.podSpecs.get(spec);
    if (!n) this.podSpecs.set(spec, n = polarisPodSpec(spec));
    return n;
  }

  public podSpec(spec: unknown): Record<string, any> {
    const n = this.decoded(spec);
    if (n instanceof TypedDecodeError) throw n;
    return n;
  }

  /** One container of the decoded pod spec. */
  public container(w: Workload, c: ContainerRef): Record<string, any> {
    return this.podSpec(w.podSpec)[CONTAINER_FIELDS[c.kind]]?.[c.index] ?? {};
  }
}

// ---------------------------------------------------------------------------- evaluation --

/** Group/kind key of an object, as Polaris indexes its resources ('policy/PodDisruptionBudget', 'ServiceAccount'). */
function groupKind(m: KubeObject): string {
  const g = apiGroup(m.apiVersion);
  return g ? `${g}/${m.kind}` : m.kind;
}

interface Test {
  readonly run: RunContext;
  readonly target: string; // '' for the group/kind pass
  readonly manifest: KubeObject;
  readonly workload?: Workload;
  readonly container?: ContainerRef;
  readonly isInit: boolean;
}

function isActionable(check: PolarisCheck, test: Test): boolean {
  const kind = test.manifest.kind;
  if (HANDLED_TARGETS.includes(test.target)) {
    const podTemplateInPodPass = check.target === 'PodTemplate' && test.target === 'PodSpec';
    if (!podTemplateInPodPass && check.target !== test.target) return false;
  } else if (check.target !== kind && !check.target.endsWith(`/${kind}`)) {
    return false;
  }
  if (check.controllers.include.length && !check.controllers.include.includes(kind)) return false;
  if (check.controllers.exclude.includes(kind)) return false;
  if (check.target === 'Container') {
    const matches = (x: string): boolean => (x === 'initContainer' && test.isInit) || (x === 'container' && !test.isInit);
    if (check.containers.include.length && !check.containers.include.some(matches)) return false;
    if (check.containers.exclude.some(matches)) return false;
  }
  return true;
}

/**
 * pkg/config/exemptions.go: the default.yaml exemption that turns this check off, if any, from
 * `exemptions`, the configuration's exemptions for this check (those without rules or naming it),
 * in the configuration's order.
 */
function configExemption(exemptions: readonly ConfigExemption[], m: KubeObject, containerName: string): ConfigExemption | undefined {
  if (exemptions.length === 0) return undefined;
  return exemptions.find((e) => (!e.namespace || e.namespace === rawNamespace(m))
    && prefixMatch(e.controllerNames, m.metadata.name) && prefixMatch(e.containerNames, containerName));
}

function prefixMatch(list: readonly string[] | undefined, value: unknown): boolean {
  return !list || list.length === 0 || list.some((p) => String(value ?? '').startsWith(p));
}

interface Outcome { passes: boolean; error?: string }

export interface PolarisResult {
  readonly findings: PolicyFinding[];
  readonly exemptions: PolicyExemption[];
}

export function checkPolaris(manifests: readonly KubeObject[], dir: string = POLARIS_CHECKS_DIR, memo?: CheckMemo): PolarisResult {
  const config = loadPolarisConfig(dir);
  const active = Object.entries(config.checks).filter(([, sev]) => sev === 'warning' || sev === 'danger').map(([id]) => id).sort();
  const run = new RunContext(manifests);

  // The checks whose target fits a test's target and kind (isActionable's first condition; it
  // still decides): most active checks are for other targets, and a thousand services make
  // thousands of tests.
  const forTarget = new Map<string, string[]>();
  const candidates = (test: Test): string[] => {
    const kind = test.manifest.kind;
    const key = `${test.target}\u0000${kind}`;
    let ids = forTarget.get(key);
    if (!ids) {
      ids = active.filter((id) => {
        const target = config.definitions.get(id)?.target;
        if (target === undefined) return false;
        return HANDLED_TARGETS.includes(test.target)
          ? target === test.target || (target === 'PodTemplate' && test.target === 'PodSpec')
          : target === kind || target.endsWith(`/${kind}`);
      });
      forTarget.set(key, ids);
    }
    return ids;
  };

  // Most checks have no exemption in the configuration, and each of the others only a few: each
  // test then looks through those alone.
  const exemptionsOf = new Map(active.map((id) => [id, config.exemptions.filter((e) => !e.rules?.length || e.rules.includes(id))]));

  /** What the checks `which` find in one object. */
  const checkObject = (m: KubeObject, which: (check: PolarisCheck) => boolean): PolarisResult => {
    const findings: PolicyFinding[] = [];
    const exemptions: PolicyExemption[] = [];
    const runTest = (test: Test): void => {
      for (const id of candidates(test)) {
        const check = config.definitions.get(id);
        if (!check || !which(check) || !isActionable(check, test)) continue;
        const ex = configExemption(exemptionsOf.get(id)!, test.manifest, test.container?.container.name ?? '');
        if (ex) {
          exemptions.push({
            tool: TOOL, rule: id, object: objectKey(test.manifest),
            reason: `Polaris default configuration (default.yaml) exempts controllers named ${asArray(ex.controllerNames).map((n) => `"${n}*"`).join(', ') || '*'}${ex.namespace ? ` in namespace ${ex.namespace}` : ''} from this check`,
          });
          continue;
        }
        const outcome = evaluate(check, test);
        if (!outcome.passes) findings.push(toFinding(check, test, config.checks[id], outcome.error));
      }
    };
    const w = workloadOf(m, 'polaris');
    // A pod spec that does not decode into Kubernetes' type stops Polaris: it judges nothing of
    // the object (the schema check reports the wrong type).
    if (w && run.decoded(w.podSpec) instanceof TypedDecodeError) return { findings, exemptions };
    if (w) {
      runTest({ run, target: 'Controller', manifest: m, workload: w, isInit: false });
      runTest({ run, target: '', manifest: m, workload: w, isInit: false });
      runTest({ run, target: 'PodSpec', manifest: m, workload: w, isInit: false });
      for (const c of containersOf(w)) runTest({ run, target: 'Container', manifest: m, workload: w, container: c, isInit: c.kind === 'initContainer' });
    } else {
      runTest({ run, target: '', manifest: m, isInit: false });
    }
    return { findings, exemptions };
  };

  const findings: PolicyFinding[] = [];
  const exemptions = new Map<string, PolicyExemption>();
  const add = (found: PolarisResult): void => {
    findings.push(...found.findings);
    for (const e of found.exemptions) exemptions.set(`${e.rule}|${e.object}`, e);
  };
  for (const m of manifests) {
    if (!memo) {
      add(checkObject(m, () => true));
      continue;
    }
    // What the checks of this object alone find is remembered; the others look at other objects too.
    add(memo.get(m, config, () => checkObject(m, (check) => !looksAcrossObjects(check))));
    add(checkObject(m, looksAcrossObjects));
  }
  return { findings, exemptions: [...exemptions.values()] };
}

/** Whether a check's outcome for an object depends on other objects (evaluate looks them up in the run's index). */
function looksAcrossObjects(check: PolarisCheck): boolean {
  return check.id === PDB_HPA_CHECK || Object.keys(check.additionalSchemaStrings).length > 0;
}

const templateInputs = new WeakMap<Test, Record<string, unknown>>();

function templateInput(test: Test): Record<string, unknown> {
  let data = templateInputs.get(test);
  if (data) return data;
  data = { ...test.manifest };
  if (test.workload) {
    const polaris: Record<string, unknown> = {
      PodSpec: test.run.podSpec(test.workload.podSpec),
      PodTemplate: test.workload.template,
    };
    if (test.container) polaris.Container = test.run.container(test.workload, test.container);
    data.Polaris = polaris;
  }
  templateInputs.set(test, data);
  return data;
}

/** A target's objects, looked up the ways the checks ask for them. */
interface KindIndex {
  /** The objects of each group/kind in a namespace (`policy/PodDisruptionBudget\0web`), in input order. */
  readonly inNamespace: ReadonlyMap<string, readonly KubeObject[]>;
  /** The first object of each group/kind, namespace and name. */
  readonly named: ReadonlyMap<string, KubeObject>;
  /** HPAs (of any namespace, as Polaris looks them up) by the name of what they scale. */
  readonly hpasByTarget: ReadonlyMap<string, readonly KubeObject[]>;
  /**
   * PDBs (of any namespace) by each `key\0value` of their string matchLabels; under '' those
   * that can match without such a label (a matchLabels value that is '' or not a string).
   */
  readonly pdbsByMatchLabel: ReadonlyMap<string, readonly KubeObject[]>;
  /** Each PDB's place in the input. */
  readonly position: ReadonlyMap<KubeObject, number>;
}

function indexByKind(manifests: readonly KubeObject[]): KindIndex {
  const inNamespace = new Map<string, KubeObject[]>();
  const named = new Map<string, KubeObject>();
  const hpas: KubeObject[] = [];
  const pdbs: KubeObject[] = [];
  for (const m of manifests) {
    const kind = groupKind(m);
    const key = `${kind}\u0000${rawNamespace(m)}`;
    const list = inNamespace.get(key);
    if (list) list.push(m); else inNamespace.set(key, [m]);
    if (!named.has(`${key}\u0000${m.metadata.name}`)) named.set(`${key}\u0000${m.metadata.name}`, m);
    if (kind === 'autoscaling/HorizontalPodAutoscaler') hpas.push(m);
    if (kind === 'policy/PodDisruptionBudget') pdbs.push(m);
  }
  const pdbsByMatchLabel = new Map<string, KubeObject[]>();
  for (const p of pdbs) {
    if (!isObject(p.spec?.selector)) continue;
    const matchLabels = isObject(p.spec.selector.matchLabels) ? p.spec.selector.matchLabels : {};
    for (const [k, v] of Object.entries(matchLabels)) {
      const key = typeof v === 'string' && v !== '' ? `${k}\u0000${v}` : '';
      const list = pdbsByMatchLabel.get(key);
      if (!list) pdbsByMatchLabel.set(key, [p]); else if (list[list.length - 1] !== p) list.push(p);
    }
  }
  return {
    inNamespace, named, pdbsByMatchLabel,
    hpasByTarget: groupBy(hpas, (h) => String(h.spec?.scaleTargetRef?.name)),
    position: new Map(pdbs.map((p, i) => [p, i])),
  };
}

/**
 * Whether any candidate for an additional schema passes: the objects of that kind in the
 * namespace, and those without a namespace (cluster-scoped, like the ClusterRole a RoleBinding
 * names), as Polaris filters them (`ns == "" || ns == namespace`). Those named like the object
 * are tried first: the outcome is whether any of them matches, so the order changes nothing but
 * how soon a match is found (a service's NetworkPolicy and PDB are usually named after its Deployment).
 */
function anyCandidate(index: KindIndex, kind: string, namespace: string, name: string, passes: (o: KubeObject) => boolean): boolean {
  for (const ns of namespace === '' ? [''] : [namespace, '']) {
    const key = `${kind}\u0000${ns}`;
    const named = index.named.get(`${key}\u0000${name}`);
    if (named && passes(named)) return true;
    if ((index.inNamespace.get(key) ?? []).some((o) => o !== named && passes(o))) return true;
  }
  return false;
}

/** The check Polaris implements in Go (pkg/validator/pdb_hpa_validator.go), not as a schema. */
const PDB_HPA_CHECK = 'pdbMinAvailableGreaterThanHPAMinReplicas';

/** Receives every rendered schema, the data it was evaluated on and the outcome: for tests and debugging. */
export type SchemaTrace = (schemaText: string, data: unknown, passed: boolean) => void;
let trace: SchemaTrace | undefined;

/** Calls `fn` for every schema evaluation from now on (undefined: stop). */
export function traceSchemaEvaluations(fn: SchemaTrace | undefined): void {
  trace = fn;
}

function run(text: string, predicate: SchemaPredicate | null, data: unknown): boolean {
  const passed = predicate ? predicate(data) : true;
  trace?.(text, data, passed);
  return passed;
}

function evaluate(check: PolarisCheck, test: Test): Outcome {
  const index = test.run.index;
  if (check.id === PDB_HPA_CHECK) return pdbMinAvailableGreaterThanHPAMinReplicas(test, index);
  try {
    const input = templateInput(test);
    const mainText = check.schemaString ? renderGoTemplate(check.schemaString, input) : '';
    const main = compile(mainText);
    let data: unknown;
    const w = test.workload;
    if (check.target === 'Container' && check.schemaTarget === 'PodSpec' && w && test.container) {
      const podCopy = { ...test.run.podSpec(w.podSpec) };
      delete podCopy.initContainers;
      podCopy.containers = [test.run.container(w, test.container)];
      data = podCopy;
    } else if (check.target === 'Container' && test.container && w) {
      data = test.run.container(w, test.container);
    } else if (check.target === 'PodSpec' && w) {
      data = test.run.podSpec(w.podSpec);
    } else if (check.target === 'PodTemplate' && w) {
      data = w.template;
    } else {
      data = test.manifest;
    }
    let passes = run(mainText, main, data);
    for (const [kind, text] of Object.entries(check.additionalSchemaStrings)) {
      if (!passes) break;
      const rendered = renderGoTemplate(text, input);
      if (rendered.trim() === '') continue;
      const validator = compile(rendered);
      const namespace = test.manifest.kind === 'Namespace' ? test.manifest.metadata.name : rawNamespace(test.manifest);
      passes = anyCandidate(index, kind, namespace, test.manifest.metadata.name, (o) => run(rendered, validator, o));
    }
    return { passes };
  } catch (e) {
    return { passes: false, error: `the check could not be evaluated: ${(e as Error).message}` };
  }
}

/**
 * pkg/validator/pdb_hpa_validator.go, registered under this check id: a Deployment with both a
 * PDB (matched by any one of its matchLabels) and an HPA fails when the PDB's minAvailable
 * (a percentage is scaled, rounding up, against the HPA's minReplicas) is greater than the
 * HPA's minReplicas (Polaris compares with `>`).
 */
function pdbMinAvailableGreaterThanHPAMinReplicas(test: Test, index: KindIndex): Outcome {
  const d = test.manifest;
  const templateLabels: Record<string, unknown> = isObject(d.spec?.template?.metadata?.labels) ? d.spec.template.metadata.labels : {};
  const hpa = index.hpasByTarget.get(String(d.metadata.name))?.find((h) => h.spec?.scaleTargetRef?.kind === 'Deployment' && h.spec?.scaleTargetRef?.name === d.metadata.name);
  if (!hpa) return { passes: true };
  // The first PDB (in input order) with a matchLabels entry equal to the template's label of
  // that key ('' when it has none); the index only narrows down where to look.
  const selects = (p: KubeObject): boolean => Object.entries(isObject(p.spec.selector.matchLabels) ? p.spec.selector.matchLabels : {})
    .some(([k, v]) => (templateLabels[k] ?? '') === v);
  let pdb: KubeObject | undefined;
  const keys = ['', ...Object.entries(templateLabels).filter(([, v]) => typeof v === 'string').map(([k, v]) => `${k}\u0000${v}`)];
  for (const key of keys) {
    const first = index.pdbsByMatchLabel.get(key)?.find(selects);
    if (first && (!pdb || index.position.get(first)! < index.position.get(pdb)!)) pdb = first;
  }
  if (!pdb || !hpa) return { passes: true };
  const minAvailable = pdb.spec?.minAvailable;
  const minReplicas = hpa.spec?.minReplicas;
  if (minAvailable === undefined || minAvailable === null) return { passes: true };
  let value: number;
  if (typeof minAvailable === 'number') {
    value = minAvailable;
  } else {
    const m = /^(\d+)%$/.exec(String(minAvailable));
    if (!m || typeof minReplicas !== 'number') return { passes: true };
    value = Math.ceil((Number(m[1]) * minReplicas) / 100);
  }
  if (typeof minReplicas === 'number' && value > minReplicas) {
    return { passes: false, error: `The minAvailable value in the PodDisruptionBudget(${pdb.metadata.name}) is ${value}, which is greater than the minReplicas value in the HorizontalPodAutoscaler(${hpa.metadata.name}) (${minReplicas})` };
  }
  return { passes: true };
}

// ------------------------------------------------------------------------------ reporting --

interface Hint {
  /** Field the check looks at, relative to the target (container, pod spec or object). */
  readonly field?: string;
  readonly fix: string;
}

/** How to fix each check, in this project's terms. */
const HINTS: Record<string, Hint> = {
  automountServiceAccountToken: { field: 'automountServiceAccountToken', fix: 'Set automountServiceAccountToken: false on the pod spec (and on the ServiceAccount).' },
  clusterrolePodExecAttach: { field: 'rules', fix: 'Do not grant pods/exec or pods/attach (get/create) in the ClusterRole.' },
  clusterrolebindingClusterAdmin: { field: 'roleRef', fix: 'Bind a narrowly scoped ClusterRole instead of cluster-admin or a wildcard role.' },
  clusterrolebindingPodExecAttach: { field: 'roleRef', fix: 'Bind a ClusterRole that exists and does not allow pods/exec or pods/attach.' },
  cpuLimitsMissing: { field: 'resources.limits.cpu', fix: 'Set resources.limits.cpu.' },
  cpuRequestsMissing: { field: 'resources.requests.cpu', fix: 'Set resources.requests.cpu.' },
  dangerousCapabilities: { field: 'securityContext.capabilities.add', fix: 'Do not add ALL, SYS_ADMIN or NET_ADMIN capabilities.' },
  deploymentMissingReplicas: { field: 'spec.replicas', fix: 'Set spec.replicas >= 2; with an HPA, omit replicas and exempt this check with polaris.fairwinds.com/deploymentMissingReplicas-exempt: "true" plus policy.mincloud.dev/reason.' },
  hostIPCSet: { field: 'hostIPC', fix: 'Remove hostIPC.' },
  hostNetworkSet: { field: 'hostNetwork', fix: 'Remove hostNetwork.' },
  hostPIDSet: { field: 'hostPID', fix: 'Remove hostPID.' },
  hostPathSet: { field: 'volumes', fix: 'Replace hostPath volumes with emptyDir, configMap, secret or PVC volumes.' },
  hostPortSet: { field: 'ports', fix: 'Remove hostPort from the container ports.' },
  hostProcess: { field: 'securityContext.windowsOptions', fix: 'Remove windowsOptions.hostProcess.' },
  hpaMaxAvailability: { field: 'spec.maxReplicas', fix: 'Set spec.maxReplicas greater than spec.minReplicas.' },
  hpaMinAvailability: { field: 'spec.minReplicas', fix: 'Set spec.minReplicas to at least 2.' },
  insecureCapabilities: { field: 'securityContext.capabilities.drop', fix: 'Set securityContext.capabilities.drop: ["ALL"].' },
  linuxHardening: { field: 'securityContext', fix: 'Set seccompProfile.type: RuntimeDefault on the pod (or drop capabilities / set SELinux options / an AppArmor annotation).' },
  livenessProbeMissing: { field: 'livenessProbe', fix: 'Add a livenessProbe (httpGet /healthz on the http port).' },
  memoryLimitsMissing: { field: 'resources.limits.memory', fix: 'Set resources.limits.memory.' },
  memoryRequestsMissing: { field: 'resources.requests.memory', fix: 'Set resources.requests.memory.' },
  metadataAndInstanceMismatched: { field: 'metadata.labels', fix: 'Set the label app.kubernetes.io/instance on the workload to its metadata.name.' },
  missingNetworkPolicy: { field: 'metadata.labels', fix: 'Add a NetworkPolicy whose podSelector.matchLabels matches exactly ONE of the pod labels (e.g. app.kubernetes.io/instance), with policyTypes [Ingress, Egress] and at least one ingress and one egress rule.' },
  missingPodDisruptionBudget: { field: 'spec.template.metadata.labels', fix: 'Add a PodDisruptionBudget (policy/v1) whose selector.matchLabels includes a pod label.' },
  notReadOnlyRootFilesystem: { field: 'securityContext.readOnlyRootFilesystem', fix: 'Set securityContext.readOnlyRootFilesystem: true (mount an emptyDir at /tmp).' },
  pdbDisruptionsIsZero: { field: 'spec', fix: 'Use maxUnavailable >= 1 (or a minAvailable below 100%).' },
  pdbMinAvailableGreaterThanHPAMinReplicas: { field: 'spec.template.metadata.labels', fix: 'Use maxUnavailable: 1 in the PDB (this project\'s default), or a minAvailable below the HPA minReplicas.' },
  priorityClassNotSet: { field: 'priorityClassName', fix: 'Set priorityClassName to a PriorityClass that exists in the cluster.' },
  privilegeEscalationAllowed: { field: 'securityContext.allowPrivilegeEscalation', fix: 'Set securityContext.allowPrivilegeEscalation: false.' },
  procMount: { field: 'containers', fix: 'Remove securityContext.procMount (or set it to Default).' },
  pullPolicyNotAlways: { field: 'imagePullPolicy', fix: 'Set imagePullPolicy: Always.' },
  readinessProbeMissing: { field: 'readinessProbe', fix: 'Add a readinessProbe (httpGet /readyz on the http port).' },
  rolePodExecAttach: { field: 'rules', fix: 'Do not grant pods/exec or pods/attach (get/create) in the Role.' },
  rolebindingClusterAdminClusterRole: { field: 'roleRef', fix: 'Bind a narrowly scoped ClusterRole instead of cluster-admin or a wildcard role.' },
  rolebindingClusterAdminRole: { field: 'roleRef', fix: 'Bind a Role without wildcard permissions.' },
  rolebindingClusterRolePodExecAttach: { field: 'roleRef', fix: 'Bind a ClusterRole that exists and does not allow pods/exec or pods/attach.' },
  rolebindingRolePodExecAttach: { field: 'roleRef', fix: 'Bind a Role that exists and does not allow pods/exec or pods/attach.' },
  runAsPrivileged: { field: 'securityContext.privileged', fix: 'Set securityContext.privileged: false.' },
  runAsRootAllowed: { field: 'securityContext.runAsNonRoot', fix: 'Set runAsNonRoot: true and runAsUser >= 1 (this project uses 10101) on the pod and containers.' },
  sensitiveConfigmapContent: { field: 'data', fix: 'Move passwords, tokens, keys and secrets out of the ConfigMap into a Secret.' },
  sensitiveContainerEnvVar: { field: 'env', fix: 'Use valueFrom.secretKeyRef for secret-looking variables instead of a literal value.' },
  tagNotSpecified: { field: 'image', fix: 'Use an explicit version tag (repo:1.0.0), never latest.' },
  tlsSettingsMissing: { field: 'spec.tls', fix: 'Add spec.tls with the host names and a certificate Secret.' },
  topologySpreadConstraint: { field: 'topologySpreadConstraints', fix: 'Add topologySpreadConstraints on kubernetes.io/hostname and topology.kubernetes.io/zone.' },
};

function getPath(obj: unknown, dotted: string): unknown {
  return dotted.split('.').reduce<unknown>((acc, k) => (isObject(acc) ? acc[k] : undefined), obj);
}

function toFinding(check: PolarisCheck, test: Test, severity: Severity, detail?: string): PolicyFinding {
  const hint = HINTS[check.id] ?? { fix: check.successMessage ? `Make it so: ${check.successMessage}.` : 'See the Polaris check definition.' };
  const w = test.workload;
  let base: string | undefined;
  let subject: unknown = test.manifest;
  let where = '';
  if (test.container && w) {
    base = test.container.path;
    subject = test.container.container;
    where = ` (${containerLabel(test.container)})`;
  } else if (w && (check.target === 'PodSpec' || check.target === 'PodTemplate')) {
    base = check.target === 'PodSpec' ? w.podSpecPath : w.templatePath || undefined;
    subject = check.target === 'PodSpec' ? w.podSpec : w.template;
  }
  const p = hint.field ? (base ? `${base}.${hint.field}` : hint.field) : base;
  const value = hint.field ? getPath(subject, hint.field) : undefined;
  const message = `${check.failureMessage || check.id}${where}${detail ? `: ${detail}` : hint.field ? `: ${hint.field}=${show(value)}` : ''} [${severity}]`;
  const finding: PolicyFinding = { tool: TOOL, rule: check.id, object: objectKey(test.manifest), message, fix: hint.fix, severity: severity === 'warning' ? 'warning' : 'danger' };
  return p ? { ...finding, path: p } : finding;
}
