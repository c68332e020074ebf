import * as path from 'path';
import { InputError } from '../input-error';
import { SchemaValidator } from '../schema/schema-validator';
import { Validation, ValidationContext } from './cdk8s-validation';
import { readObjects, resourceName } from './manifest-objects';
import { checkProperties, groupHits, Hit } from './violations';

/** Properties of SchemaValidation (`properties:` of its entry under `validations:` in cdk8s.yaml). */
export interface SchemaValidationProperties {
  /**
   * CRD files (`.yaml`, `.yml`) or folders of them, relative to the current directory: custom
   * resources are validated against their CRD's `openAPIV3Schema`.
   * @default [] (a custom resource is reported as an unknown kind)
   */
  readonly crds?: readonly string[];
}

/** How to fix each kind of schema violation (the message says what is wrong, with the value). */
const FIXES: Readonly<Record<string, string>> = {
  'unknown-field': 'Remove the field, or correct its name as the Kubernetes 1.27 API (or the CRD) spells it.',
  'required-field': 'Add the required field.',
  'type': 'Give the field a value of the type the message names.',
  'enum': 'Use one of the values the message lists.',
  'format': 'Give a value in the format the message names.',
  'pattern': 'Give a value that matches the pattern the message names.',
  'unknown-kind': 'Use an apiVersion and kind of Kubernetes 1.27, or give the CRD of the custom resource (properties.crds, --crds).',
  'name-required': 'Set metadata.name.',
  'not-an-object': 'Each document must be a Kubernetes object: a mapping with apiVersion, kind and metadata.',
  'cel-rule': 'Change the value so that it passes the CRD\'s validation rule the message quotes.',
  'allowed-values': 'Use one of the values the message lists.',
  'port': 'Use a port number from 1 to 65535 or a valid port name, and a nodePort from 30000 to 32767 (or none) only on a NodePort or LoadBalancer Service, as the message says.',
  'removed-api': 'Change apiVersion to the replacement the message names, and adapt the fields that changed with it (the Kubernetes deprecated API migration guide lists them).',
  'size': 'Keep a ConfigMap or Secret under 1 MiB: split it, or ship large content in the image or a volume.',
  'name-format': 'Rename the object as the message says (lower-case letters, digits, "-").',
  'label': 'Correct the label key or value as the message says.',
  'replicas': 'Use a whole number of at least 0.',
};

/**
 * cdk8s validation plugin: every object against the Kubernetes 1.27 OpenAPI schema, strict
 * (unknown fields are errors), plus the rules the schema states only in prose (enum values,
 * ports, names, labels); custom resources against the CRDs in `properties.crds`.
 */
export class SchemaValidation implements Validation {
  private readonly crds: readonly string[];

  public constructor(properties: SchemaValidationProperties = {}) {
    const props = checkProperties('SchemaValidation', properties, ['crds']);
    const crds = props.crds ?? [];
    if (!Array.isArray(crds) || crds.some((c) => typeof c !== 'string' || c === '')) {
      throw new InputError(`k8s-checks SchemaValidation: properties.crds must be a list of CRD files or folders, got ${JSON.stringify(crds)}`);
    }
    // Relative to the current folder when the plugin is made (where cdk8s.yaml is, for the CLI).
    this.crds = crds.map((c) => path.resolve(c));
    SchemaValidator.forKubernetes127({ crds: this.crds }); // a CRD path that does not exist is reported now
  }

  public async validate(context: ValidationContext): Promise<void> {
    const validator = SchemaValidator.forKubernetes127({ crds: this.crds });
    const objects = readObjects(context);
    const hits: Hit[] = [];
    const byFile = new Map<string, typeof objects>();
    // Appended in place: a copy per object made this quadratic in a file's objects.
    for (const o of objects) {
      const inFile = byFile.get(o.manifestPath);
      if (inFile) inFile.push(o);
      else byFile.set(o.manifestPath, [o]);
    }
    for (const [manifestPath, inFile] of byFile) {
      for (const v of validator.validate(inFile.map((o) => o.object), context.memo)) {
        hits.push({
          ruleName: `schema/${v.rule} [error]`,
          message: v.message,
          fix: FIXES[v.rule] ?? 'Make the value match the Kubernetes 1.27 schema, as the message says.',
          resourceName: resourceName(inFile[v.index].object, context.metadata),
          manifestPath,
          location: v.path || '/',
        });
      }
    }
    const violations = groupHits(hits);
    for (const v of violations) context.report.addViolation(v);
    context.report.submit(hits.length ? 'failure' : 'success', {
      checks: this.crds.length ? 'Kubernetes 1.27 schema (strict), custom resources against their CRDs' : 'Kubernetes 1.27 schema (strict)',
      objects: String(objects.length),
      findings: String(hits.length),
      rules: String(violations.length),
      exemptions: '0',
    });
  }
}
