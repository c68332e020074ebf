import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { validateCustomResources } from '../../crds/validate';
import { semanticViolations } from './semantic-rules';

/** A Kubernetes object as parsed from a synthesized manifest. */
export interface KubeManifest {
  readonly apiVersion?: unknown;
  readonly kind?: unknown;
  readonly metadata?: { readonly name?: unknown; readonly namespace?: unknown; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** One problem found in one object. */
export interface SchemaViolation {
  /** `Kind/name` of the object, or `document #N` when it has no kind or name. */
  readonly object: string;
  /** Where in the object, as a JSON pointer (`/spec/replicas`). */
  readonly path: string;
  readonly message: string;
}

const DEFAULT_SCHEMA = path.join(__dirname, '..', '..', 'schemas', 'k8s-1.27.0', '_definitions.json');
/** The CRDs of the custom resources the constructs may emit (cert-manager, Traefik, Prometheus). */
const DEFAULT_CRDS = path.join(__dirname, '..', '..', 'crds');

interface Definitions { readonly [name: string]: Record<string, unknown> }

/**
 * Validates manifests against the full Kubernetes OpenAPI definitions, offline, and stricter
 * than the published schema: every object definition is closed (`additionalProperties: false`),
 * so a misspelt or invented field is an error, as it is for `kubectl apply --validate=strict`.
 *
 * The OpenAPI definitions cannot express enum values, port ranges or name formats (the API
 * server checks those in code), so `semanticViolations` adds those checks for the fields where a
 * wrong value would otherwise only be caught by a cluster.
 */
export class SchemaValidator {
  /** The validator for the Kubernetes version this project targets, loaded once. */
  public static forKubernetes127(): SchemaValidator {
    if (!this.default) {
      this.default = new SchemaValidator(DEFAULT_SCHEMA, DEFAULT_CRDS);
    }
    return this.default;
  }

  private static default?: SchemaValidator;

  private readonly ajv: Ajv;
  /** `apiVersion/kind` -> definition name, from `x-kubernetes-group-version-kind`. */
  private readonly kinds = new Map<string, string>();
  private readonly compiled = new Map<string, ValidateFunction>();

  public constructor(definitionsFile: string, private readonly crdDir?: string) {
    const doc = JSON.parse(fs.readFileSync(definitionsFile, 'utf-8')) as { definitions: Definitions };
    const definitions: Record<string, unknown> = {};
    for (const [name, def] of Object.entries(doc.definitions)) {
      definitions[name] = closeObjectSchema(def);
      for (const gvk of (def['x-kubernetes-group-version-kind'] as Array<{ group: string; version: string; kind: string }> | undefined) ?? []) {
        const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
        this.kinds.set(`${apiVersion}/${gvk.kind}`, name);
      }
    }
    // strict: false because the definitions carry vendor keywords (x-kubernetes-*).
    this.ajv = new Ajv({ allErrors: true, strict: false });
    // The formats the Kubernetes definitions use; int32 catches values the API server would overflow.
    this.ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
    this.ajv.addFormat('double', { type: 'number', validate: (n: number) => Number.isFinite(n) });
    this.ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
    this.ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    this.ajv.addSchema({ $id: 'k8s', definitions });
  }

  /** Every `apiVersion/kind` of the Kubernetes API the schema knows (custom resources aside). */
  public get knownKinds(): string[] {
    return [...this.kinds.keys()].sort();
  }

  /** Validates each document; returns every violation found (empty when all are valid). */
  public validate(manifests: readonly KubeManifest[]): SchemaViolation[] {
    const violations: SchemaViolation[] = [];
    manifests.forEach((manifest, index) => violations.push(...this.validateOne(manifest, index)));
    return violations;
  }

  private validateOne(manifest: KubeManifest, index: number): SchemaViolation[] {
    const object = describe(manifest, index);
    if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
      return [{ object, path: '', message: 'is not a Kubernetes object (expected a mapping with apiVersion, kind and metadata)' }];
    }
    const key = `${String(manifest.apiVersion)}/${String(manifest.kind)}`;
    const definition = this.kinds.get(key);
    const violations: SchemaViolation[] = [];
    if (definition) {
      const validate = this.compile(definition);
      if (!validate(manifest)) {
        violations.push(...(validate.errors ?? []).map((e) => ({ object, path: e.instancePath, message: formatAjvError(e) })));
      }
    } else {
      // A custom resource: its CRD's schema, from crds/ (crds/validate.ts).
      const crd = this.crdDir ? validateCustomResources([manifest], this.crdDir) : { checked: 0, violations: [] };
      if (crd.checked === 0) {
        return [{
          object,
          path: '/apiVersion',
          message: `unknown apiVersion/kind "${key}" for Kubernetes 1.27 (custom resources need their CRD in crds/)`,
        }];
      }
      violations.push(...crd.violations.map((v) => ({ ...v, object })));
    }
    if (typeof manifest.metadata?.name !== 'string' || manifest.metadata.name === '') {
      violations.push({ object, path: '/metadata/name', message: 'metadata.name is required' });
    }
    violations.push(...semanticViolations(manifest).map((v) => ({ object, ...v })));
    return violations;
  }

  private compile(definition: string): ValidateFunction {
    let fn = this.compiled.get(definition);
    if (!fn) {
      fn = this.ajv.compile({ $ref: `k8s#/definitions/${definition}` });
      this.compiled.set(definition, fn);
    }
    return fn;
  }
}

/** Closes every object schema that lists its properties, so unknown fields are rejected. */
function closeObjectSchema(def: Record<string, unknown>): Record<string, unknown> {
  if (def.properties && !('additionalProperties' in def)) {
    return { ...def, additionalProperties: false };
  }
  return def;
}

function describe(manifest: KubeManifest, index: number): string {
  const kind = typeof manifest?.kind === 'string' ? manifest.kind : undefined;
  const name = typeof manifest?.metadata?.name === 'string' ? manifest.metadata.name : undefined;
  return kind && name ? `${kind}/${name}` : `document #${index + 1}${kind ? ` (${kind})` : ''}`;
}

function formatAjvError(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties':
      return `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    case 'required':
      return `missing required field "${(e.params as { missingProperty: string }).missingProperty}"`;
    case 'enum':
      return `must be one of ${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)}`;
    default:
      return e.message ?? e.keyword;
  }
}
