import * as fs from 'fs';
import * as path from 'path';
import type Ajv from 'ajv';
import type { CodeKeywordDefinition, ErrorObject, ValidateFunction } from 'ajv';
import { ArtifactCache } from '../cache/artifact-cache';
import { InputError } from '../input-error';
import { manifestSources, unreadable } from '../manifest/manifest-sources';
import { AliasLimitError, parseKubernetesYamlDocuments } from '../yaml/kubernetes-yaml';
import { describeObject, KubeObject } from '../manifest/kube-object';
import { CachedValidators, codegen, createAjv } from './cached-ajv';
import { goRegExp } from './validator-runtime';

/**
 * Validates custom resources (ServiceMonitor, PrometheusRule, Certificate, IngressRoute,
 * Middleware: whatever the CRD files given define) against the `openAPIV3Schema` of the
 * matching CRD version, offline.
 *
 * Stricter than the API server, which silently prunes unknown fields of structural schemas:
 * here an object schema that lists `properties`, has no `additionalProperties` and is not
 * `x-kubernetes-preserve-unknown-fields: true` is closed, so a misspelt field is an error.
 * CEL rules (`x-kubernetes-validations`) of the simple string forms these CRDs use
 * (`self.startsWith('…')`, `self.endsWith('…')`, `self.contains('…')`) are checked too; other
 * rules are left to the API server.
 */

export interface CustomResourceViolation {
  /** The objectKey of the object, or `document #N (Kind)` (1-based) when it has no kind or name. */
  readonly object: string;
  /** JSON pointer to the offending field (`/spec/endpoints/0/interval`); empty for the object itself. */
  readonly path: string;
  readonly message: string;
}

/** A violation with the rule it broke: the JSON Schema keyword (type, enum, pattern, ...), or unknown-field, required-field, cel-rule, unknown-kind, name-required. */
export interface CustomResourceRuleViolation extends CustomResourceViolation {
  readonly rule: string;
}

export interface CustomResourceValidation {
  readonly violations: CustomResourceViolation[];
  /** `apiVersion/Kind` of the objects whose kind has no CRD here (built-in kinds, for instance): not violations. Sorted, once each. */
  readonly unknownKinds: string[];
  /** How many objects had a CRD here and were checked. */
  readonly checked: number;
}

interface CrdVersion {
  readonly name: string;
  readonly served?: boolean;
  readonly schema?: { readonly openAPIV3Schema?: unknown };
}
interface Crd {
  readonly kind?: string;
  readonly spec?: { readonly group: string; readonly names: { readonly kind: string }; readonly versions: CrdVersion[] };
}

/**
 * CRD files or folders of them, as a caller names them: every `.yaml`, `.yml` or `.json` file
 * under a folder (recursively, links followed but not round a loop), each file once, in a stable
 * order. Throws, naming the path, when one cannot be read or a folder holds none.
 */
export function crdFiles(crds: readonly string[]): string[] {
  for (const given of crds) {
    if (!fs.existsSync(given)) throw new InputError(`CRD path ${given} does not exist: give CRD files (.yaml, .yml) or folders of them`);
  }
  const sources = manifestSources(crds.map((c) => path.resolve(c)));
  if (sources.problems.length > 0) throw new InputError(`CRD path ${sources.problems[0].message}`);
  return sources.files;
}

/**
 * The CRDs of a set of files: closed schemas by `apiVersion/Kind`, served apiVersions by Kind,
 * compiled validators. The parsed CRDs and the compiled validators are cached (src/cache/),
 * keyed by the contents of every CRD file, so most runs neither parse YAML nor compile.
 */
class CrdCatalog {
  public readonly schemas: ReadonlyMap<string, Record<string, unknown>>;
  /** `group/Kind` -> the apiVersions its CRD serves (a Kind of another API group is another kind). */
  public readonly servedByKind: ReadonlyMap<string, string[]>;
  private readonly validators: CachedValidators;
  private ajvInstance?: Ajv;

  public constructor(files: readonly string[]) {
    const contents = files.map((f) => {
      try {
        return fs.readFileSync(f, 'utf-8');
      } catch (e) {
        throw new InputError(`CRD path ${unreadable(f, e).message}`);
      }
    });
    const inputs = [fs.readFileSync(__filename, 'utf-8'), ...files.flatMap((f, i) => [f, contents[i]])];
    const tag = ArtifactCache.tag(files.join('\0'));
    const parsed = ArtifactCache.project().json(`crds-${tag}`, ArtifactCache.key(...inputs), () => readCrds(files, contents));
    this.schemas = new Map(parsed.schemas);
    this.servedByKind = new Map(parsed.servedByKind);
    this.validators = new CachedValidators(`crd-${tag}`, inputs);
  }

  /** The validator of `apiVersion/Kind`, compiled on first use. */
  public validator(key: string): ValidateFunction | undefined {
    const schema = this.schemas.get(key);
    if (!schema) return undefined;
    return this.validators.get(key.replace(/[^A-Za-z0-9.]+/g, '_'), () => {
      const ajv = this.ajv();
      return { ajv, validate: ajv.compile(schema) };
    });
  }

  private ajv(): Ajv {
    if (!this.ajvInstance) {
      // The formats the CRDs here use (ajv knows none of them without ajv-formats).
      this.ajvInstance = createAjv({ allErrors: true, strict: false, code: { regExp: goRegExp } }, ['int32', 'int64', 'date-time']);
      this.ajvInstance.addKeyword(CEL_RULES);
    }
    return this.ajvInstance;
  }
}

/** Closed schemas and served versions of every CRD in these files, as JSON. */
function readCrds(files: readonly string[], contents: readonly string[]): { schemas: Array<[string, Record<string, unknown>]>; servedByKind: Array<[string, string[]]> } {
  const schemas: Array<[string, Record<string, unknown>]> = [];
  const servedByKind = new Map<string, string[]>();
  contents.forEach((text, i) => {
    // Read as the API server reads a CRD applied to it (go-yaml).
    let docs: unknown[];
    try {
      docs = parseKubernetesYamlDocuments(text);
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0];
      throw new InputError(`CRD file ${files[i]}: ${e instanceof AliasLimitError ? reason : `not valid YAML: ${reason}`}`);
    }
    docs.forEach((doc, d) => {
      const crd = doc as Crd | null;
      if (crd?.kind !== 'CustomResourceDefinition') return;
      const spec = crd.spec;
      if (typeof spec?.group !== 'string' || typeof spec.names?.kind !== 'string' || !Array.isArray(spec.versions)) {
        throw new InputError(`CRD file ${files[i]}: document ${d + 1} is a CustomResourceDefinition without spec.group, spec.names.kind and a list of spec.versions`);
      }
      const kind = spec.names.kind;
      for (const v of spec.versions) {
        if (v?.served === false || !v?.schema?.openAPIV3Schema || typeof v.schema.openAPIV3Schema !== 'object') continue;
        const apiVersion = `${spec.group}/${v.name}`;
        schemas.push([`${apiVersion}/${kind}`, closeSchema(v.schema.openAPIV3Schema) as Record<string, unknown>]);
        const groupKind = `${spec.group}/${kind}`;
        servedByKind.set(groupKind, [...(servedByKind.get(groupKind) ?? []), apiVersion]);
      }
    });
  });
  return { schemas, servedByKind: [...servedByKind] };
}

const catalogs = new Map<string, CrdCatalog>();
function catalogOf(crds: readonly string[]): CrdCatalog {
  const files = crdFiles(crds);
  const key = files.join('\0');
  let catalog = catalogs.get(key);
  if (!catalog) {
    catalog = new CrdCatalog(files);
    catalogs.set(key, catalog);
  }
  return catalog;
}

/** The closed `openAPIV3Schema` of a served CRD version among `crds` (files or folders), or undefined. */
export function crdSchemaFor(apiVersion: string, kind: string, crds: readonly string[]): Record<string, unknown> | undefined {
  return catalogOf(crds).schemas.get(`${apiVersion}/${kind}`);
}

/**
 * Validates every object among `manifests` whose kind has a CRD among `crds` (CRD files or
 * folders of them). Objects of other kinds are not checked; their `apiVersion/Kind` is listed
 * in `unknownKinds`.
 */
export function validateCustomResources(manifests: readonly unknown[], crds: readonly string[]): CustomResourceValidation {
  const result = checkCustomResources(manifests, crds);
  return { ...result, violations: result.violations.map(({ rule: _rule, ...v }) => v) };
}

/** validateCustomResources, with the rule of each violation. */
export function checkCustomResources(manifests: readonly unknown[], crds: readonly string[]): Omit<CustomResourceValidation, 'violations'> & { readonly violations: CustomResourceRuleViolation[] } {
  const catalog = catalogOf(crds);
  const violations: CustomResourceRuleViolation[] = [];
  const unknownKinds = new Set<string>();
  let checked = 0;
  (manifests as readonly KubeObject[]).forEach((m, i) => {
    const object = describeObject(m, i);
    if (m === null || typeof m !== 'object' || typeof m.apiVersion !== 'string' || typeof m.kind !== 'string') {
      violations.push({ rule: 'not-an-object', object, path: '', message: 'apiVersion and kind must be strings' });
      return;
    }
    const group = m.apiVersion.includes('/') ? m.apiVersion.slice(0, m.apiVersion.lastIndexOf('/')) : '';
    const served = catalog.servedByKind.get(`${group}/${m.kind}`);
    if (!served) {
      unknownKinds.add(`${m.apiVersion}/${m.kind}`);
      return;
    }
    checked++;
    const validate = catalog.validator(`${m.apiVersion}/${m.kind}`);
    if (!validate) {
      violations.push({ rule: 'unknown-kind', object, path: '/apiVersion', message: `${m.apiVersion} is not served by the ${m.kind} CRD (served: ${served.join(', ')})` });
      return;
    }
    if (!validate(m)) {
      violations.push(...(validate.errors ?? []).map((e) => toViolation(object, e)));
    }
    if (typeof m.metadata?.name !== 'string' || m.metadata.name === '') {
      violations.push({ rule: 'name-required', object, path: '/metadata/name', message: 'metadata.name is required' });
    }
  });
  return { violations, unknownKinds: [...unknownKinds].sort(), checked };
}

/** One line per violation (`Kind/name /path: message`); empty when there are none. */
export function formatCrdViolations(violations: ReadonlyArray<CustomResourceViolation>): string {
  return violations.map((v) => `${v.object} ${v.path || '/'}: ${v.message}`).join('\n');
}

/**
 * Returns a copy of a schema in which every object schema that lists `properties`, has no
 * `additionalProperties` and does not set `x-kubernetes-preserve-unknown-fields: true` gets
 * `additionalProperties: false`. Branches of `anyOf`/`oneOf`/`allOf`/`not` are left as they are:
 * they constrain fields their parent defines, and closing them would reject those fields.
 */
export function closeSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties' && v !== null && typeof v === 'object') {
      // The keys under `properties` are field names, not keywords: close each field's schema.
      out[k] = Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, ps]) => [p, closeSchema(ps)]));
    } else if (k === 'items' || k === 'additionalProperties') {
      out[k] = closeSchema(v);
    } else {
      out[k] = v;
    }
  }
  if (s.properties && !('additionalProperties' in s) && s['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out;
}

/** ajv reports unknown and missing fields at their parent; the path here is the field's own. */
function toViolation(object: string, e: ErrorObject): CustomResourceRuleViolation {
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      return { rule: 'unknown-field', object, path: `${e.instancePath}/${escapePointer(field)}`, message: `unknown field "${field}"` };
    }
    case 'required': {
      const field = (e.params as { missingProperty: string }).missingProperty;
      return { rule: 'required-field', object, path: `${e.instancePath}/${escapePointer(field)}`, message: 'required field is missing' };
    }
    case 'enum':
      return { rule: 'enum', object, path: e.instancePath, message: `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}` };
    case 'x-kubernetes-validations':
      return { rule: 'cel-rule', object, path: e.instancePath, message: e.message ?? e.keyword };
    default:
      return { rule: e.keyword, object, path: e.instancePath, message: e.message ?? e.keyword };
  }
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

interface CelRule { readonly rule: string; readonly message?: string }
const STRING_RULE = /^self\.(startsWith|endsWith|contains)\('([^'\\]*)'\)$/;
const METHODS = { startsWith: 'startsWith', endsWith: 'endsWith', contains: 'includes' } as const;

/**
 * The string CEL rules of `x-kubernetes-validations` (`self.startsWith('…')`, `endsWith`,
 * `contains`), compiled into the validator; other rules pass (the API server checks them).
 * Each failed rule is one error with the rule's message.
 */
const CEL_RULES: CodeKeywordDefinition = {
  keyword: 'x-kubernetes-validations',
  schemaType: 'array',
  code(cxt) {
    const { gen, data } = cxt;
    const { _ } = codegen();
    for (const r of cxt.schema as CelRule[]) {
      const m = STRING_RULE.exec(r.rule.trim());
      if (!m) continue;
      const method = METHODS[m[1] as keyof typeof METHODS];
      gen.if(_`typeof ${data} == "string" && !${data}[${method}](${m[2]})`, () => {
        cxt.setParams({ rule: r.rule, message: r.message ?? `failed rule: ${r.rule}` }, true);
        cxt.error();
      });
    }
  },
  error: {
    message: ({ params }) => codegen().str`${params.message}`,
    params: ({ params }) => codegen()._`{rule: ${params.rule}}`,
  },
};
