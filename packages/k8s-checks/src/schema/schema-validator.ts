import * as fs from 'fs';
import * as path from 'path';
import type Ajv from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { ArtifactCache } from '../cache/artifact-cache';
import { CheckMemo, remembered } from '../cache/check-memo';
import { CachedValidators, createAjv } from './cached-ajv';
import { checkCustomResources, crdFiles, CustomResourceRuleViolation } from './crd-validate';
import { describeObject, KubeObject } from '../manifest/kube-object';
import { removedApiMessage } from './removed-apis';
import { semanticViolations } from './semantic-rules';


/** One problem found in one object. */
export interface SchemaViolation {
  /**
   * The rule broken: a JSON Schema keyword (`type`, `format`, `pattern`, ...), `unknown-field`,
   * `required-field`, `unknown-kind`, `removed-api`, `name-required`, `not-an-object`, `cel-rule`,
   * or one of the rules the schema states only in prose (`allowed-values`, `port`, `name-format`,
   * `label`, `replicas`, `size`).
   */
  readonly rule: string;
  /** Position of the object in the list validated (0-based). */
  readonly index: number;
  /** The objectKey of the object, or `document #N (Kind)` when it has no kind or name. */
  readonly object: string;
  /** Where in the object, as a JSON pointer (`/spec/replicas`). */
  readonly path: string;
  readonly message: string;
}

/** The Kubernetes 1.27.0 OpenAPI definitions kept in this package (schemas/README.md). */
export const KUBERNETES_127_DEFINITIONS = path.join(__dirname, '..', '..', 'schemas', 'k8s-1.27.0', '_definitions.json');

/** What a SchemaValidator checks custom resources against. */
export interface SchemaValidatorOptions {
  /**
   * CRD files (`.yaml`, `.yml`) or folders of them (read recursively); a custom resource whose
   * kind has no CRD here is reported as an unknown kind.
   * @default [] (custom resources are unknown kinds)
   */
  readonly crds?: readonly string[];
}

/** A violation of one document, before it is placed in the list validated. */
type ObjectViolation = Pick<SchemaViolation, 'rule' | 'path' | 'message'>;

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
  /** The validator for Kubernetes 1.27 with these CRDs, loaded once per set of CRD paths. */
  public static forKubernetes127(options: SchemaValidatorOptions = {}): SchemaValidator {
    const crds = (options.crds ?? []).map((p) => path.resolve(p));
    const key = crds.join('\0');
    let validator = this.instances.get(key);
    if (!validator) {
      validator = new SchemaValidator(KUBERNETES_127_DEFINITIONS, crds);
      this.instances.set(key, validator);
    }
    return validator;
  }

  private static readonly instances = new Map<string, SchemaValidator>();

  /** `apiVersion/kind` -> definition name, from `x-kubernetes-group-version-kind`. */
  private readonly kinds: ReadonlyMap<string, string>;
  private readonly validators: CachedValidators;
  private ajvInstance?: Ajv;

  /**
   * The definitions are read and compiled only when a kind's validator is not in the cache
   * (src/cache/): most runs load compiled validators and an index of the kinds.
   * @param crds CRD files or folders of them, for custom resources
   */
  public constructor(private readonly definitionsFile: string, private readonly crds: readonly string[] = []) {
    crdFiles(crds); // a CRD path that does not exist is an error now, not at the first custom resource
    const text = fs.readFileSync(definitionsFile);
    const source = fs.readFileSync(__filename);
    const tag = ArtifactCache.tag(definitionsFile);
    this.validators = new CachedValidators(`k8s-${tag}`, [text, source]);
    this.kinds = new Map(ArtifactCache.project().json(`k8s-kinds-${tag}`, ArtifactCache.key(text, source),
      () => [...kindIndex(parseDefinitions(text))]));
  }

  /** The ajv instance with every definition, closed; built on the first cache miss. */
  private ajv(): Ajv {
    if (!this.ajvInstance) {
      const definitions: Record<string, unknown> = {};
      for (const [name, def] of Object.entries(parseDefinitions(fs.readFileSync(this.definitionsFile)))) {
        definitions[name] = closeObjectSchema(def);
      }
      // strict: false because the definitions carry vendor keywords (x-kubernetes-*).
      this.ajvInstance = createAjv({ allErrors: true, strict: false }, ['int32', 'int64', 'double', 'byte', 'date-time']);
      this.ajvInstance.addSchema({ $id: 'k8s', definitions });
    }
    return this.ajvInstance;
  }

  /** Every `apiVersion/kind` of the Kubernetes API the schema knows (custom resources aside). */
  public get knownKinds(): string[] {
    return [...this.kinds.keys()].sort();
  }

  /**
   * Validates each document, whatever it holds (nothing of it is trusted: a document that is no
   * object is a violation too); returns every violation found (empty when all are valid). With a
   * memo, a document it knows is not validated again.
   */
  public validate(manifests: readonly unknown[], memo?: CheckMemo): SchemaViolation[] {
    const violations: SchemaViolation[] = [];
    manifests.forEach((manifest, index) => {
      const found = remembered(memo, manifest, this, () => this.violationsOf(manifest as KubeObject));
      if (found.length === 0) return;
      const object = describeObject(manifest, index);
      for (const v of found) violations.push({ rule: v.rule, index, object, path: v.path, message: v.message });
    });
    return violations;
  }

  /** What is wrong with one document, wherever it is. */
  private violationsOf(manifest: KubeObject): ObjectViolation[] {
    if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest)) {
      return [{ rule: 'not-an-object', path: '', message: 'is not a Kubernetes object (expected a mapping with apiVersion, kind and metadata)' }];
    }
    const key = `${String(manifest.apiVersion)}/${String(manifest.kind)}`;
    const definition = this.kinds.get(key);
    const violations: ObjectViolation[] = [];
    if (definition) {
      const validate = this.compile(definition);
      if (!validate(manifest)) {
        violations.push(...(validate.errors ?? []).map((e) => ({ rule: ruleOf(e), path: e.instancePath, message: formatAjvError(e) })));
      }
    } else {
      // A custom resource: its CRD's schema (crd-validate.ts).
      const crd = this.crds.length > 0 ? checkCustomResources([manifest], this.crds) : { checked: 0, violations: [] as CustomResourceRuleViolation[] };
      if (crd.checked === 0) {
        const removed = removedApiMessage(String(manifest.apiVersion), String(manifest.kind));
        if (removed) return [{ rule: 'removed-api', path: '/apiVersion', message: removed }];
        return [{
          rule: 'unknown-kind',
          path: '/apiVersion',
          message: `unknown apiVersion/kind "${key}" for Kubernetes 1.27 (a custom resource needs its CustomResourceDefinition among the CRDs given to the check)`,
        }];
      }
      violations.push(...crd.violations.map((v) => ({ rule: v.rule, path: v.path, message: v.message })));
    }
    if (typeof manifest.metadata?.name !== 'string' || manifest.metadata.name === '') {
      violations.push({ rule: 'name-required', path: '/metadata/name', message: 'metadata.name is required' });
    }
    violations.push(...semanticViolations(manifest));
    return violations;
  }

  private compile(definition: string): ValidateFunction {
    return this.validators.get(definition, () => {
      const ajv = this.ajv();
      return { ajv, validate: ajv.compile({ $ref: `k8s#/definitions/${definition}` }) };
    });
  }
}

function parseDefinitions(text: Buffer): Definitions {
  return (JSON.parse(text.toString('utf-8')) as { definitions: Definitions }).definitions;
}

/** `apiVersion/kind` -> definition name, from each definition's `x-kubernetes-group-version-kind`. */
function kindIndex(definitions: Definitions): Map<string, string> {
  const kinds = new Map<string, string>();
  for (const [name, def] of Object.entries(definitions)) {
    for (const gvk of (def['x-kubernetes-group-version-kind'] as Array<{ group: string; version: string; kind: string }> | undefined) ?? []) {
      kinds.set(`${gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version}/${gvk.kind}`, name);
    }
  }
  return kinds;
}

/** Closes every object schema that lists its properties, so unknown fields are rejected. */
function closeObjectSchema(def: Record<string, unknown>): Record<string, unknown> {
  if (def.properties && !('additionalProperties' in def)) {
    return { ...def, additionalProperties: false };
  }
  return def;
}

function ruleOf(e: ErrorObject): string {
  switch (e.keyword) {
    case 'additionalProperties': return 'unknown-field';
    case 'required': return 'required-field';
    default: return e.keyword;
  }
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
