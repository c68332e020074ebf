import { InputError } from '../input-error';
import { checkPolicies } from '../policy';
import { KubeObject } from '../policy/types';
import { objectKey } from '../policy/workload';
import { Validation, ValidationContext } from './cdk8s-validation';
import { ManifestObject, readObjects, resourceName } from './manifest-objects';
import { checkProperties, groupHits, Hit } from './violations';

/** Properties of PolicyValidation (`properties:` of its entry under `validations:` in cdk8s.yaml). */
export interface PolicyValidationProperties {
  /**
   * The annotation that gives the reason for an exemption declared with a tool's own annotation
   * (`kube-score/ignore`, `polaris.fairwinds.com/<check>-exempt`): without a reason an exemption
   * is not accepted. A qualified name, as annotation keys are (`example.com/reason`).
   * @default 'policy.mincloud.dev/reason'
   */
  readonly reasonAnnotation?: string;
}

// An annotation key: an optional DNS-1123 subdomain prefix and "/", then a name of up to 63 characters.
const QUALIFIED_NAME = /^(?:(?=[^/]{1,253}\/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(?=[^/]{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * cdk8s validation plugin: Pod Security "restricted" (v1.27), kube-score's, kube-linter's and
 * Polaris' default checks over all the objects together (the cross-object rules need them all),
 * honouring exemptions declared with each tool's own annotation and a reason.
 */
export class PolicyValidation implements Validation {
  private readonly reasonAnnotation?: string;

  public constructor(properties: PolicyValidationProperties = {}) {
    const { reasonAnnotation } = checkProperties('PolicyValidation', properties, ['reasonAnnotation']);
    if (reasonAnnotation !== undefined && (typeof reasonAnnotation !== 'string' || !QUALIFIED_NAME.test(reasonAnnotation))) {
      throw new InputError(`k8s-checks PolicyValidation: properties.reasonAnnotation must be an annotation key such as "example.com/reason" (an optional DNS subdomain and "/", then up to 63 letters, digits, "-", "_" or "."), got ${JSON.stringify(reasonAnnotation)}`);
    }
    this.reasonAnnotation = reasonAnnotation;
  }

  public async validate(context: ValidationContext): Promise<void> {
    const objects = readObjects(context);
    const report = checkPolicies(objects.map((o) => o.object as KubeObject), { reasonAnnotation: this.reasonAnnotation, memo: context.memo });
    // The findings name objects as `Kind/namespace/name`; the first object of that name is where they are.
    const byId = new Map<string, ManifestObject>();
    for (const o of objects) {
      if (o.object && typeof o.object === 'object' && o.object.metadata && typeof o.object.metadata === 'object') {
        const id = objectKey(o.object as KubeObject);
        if (!byId.has(id)) byId.set(id, o);
      }
    }
    const hits: Hit[] = report.findings.map((f) => {
      const where = byId.get(f.object);
      return {
        ruleName: `${f.tool}/${f.rule} [${f.severity}]`,
        message: f.message,
        fix: f.fix,
        resourceName: where ? resourceName(where.object, context.metadata) : f.object,
        manifestPath: where?.manifestPath ?? '',
        location: f.path ?? '',
      };
    });
    const violations = groupHits(hits);
    for (const v of violations) context.report.addViolation(v);
    context.report.submit(hits.length ? 'failure' : 'success', {
      checks: 'Pod Security restricted (v1.27), kube-score, kube-linter, Polaris',
      objects: String(report.checkedObjects),
      findings: String(hits.length),
      rules: String(violations.length),
      exemptions: String(report.exemptions.length),
    });
  }
}
