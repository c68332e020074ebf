import { checkPolicies } from '../policy';
import { Manifest } from '../policy/types';
import { objectId } from '../policy/workload';
import { Validation, ValidationContext } from './cdk8s-validation';
import { ManifestObject, readObjects, resourceName } from './manifest-objects';
import { checkProperties, groupHits, Hit } from './violations';
import { keepLastGoodOutput } from '../output/keep-last-good';

/** Properties of PolicyValidation: none so far (anything given is an error naming it). */
export interface PolicyValidationProperties {}

/**
 * cdk8s validation plugin: Pod Security "restricted" (v1.27), kube-score's, kube-linter's and
 * Polaris' default checks over all the objects together (the cross-object rules need them all),
 * honouring exemptions declared with each tool's own annotation and a reason.
 */
export class PolicyValidation implements Validation {
  public constructor(properties: PolicyValidationProperties = {}) {
    checkProperties('PolicyValidation', properties, []);
  }

  public async validate(context: ValidationContext): Promise<void> {
    keepLastGoodOutput(context.manifests);
    const objects = readObjects(context);
    const report = checkPolicies(objects.map((o) => o.object as Manifest));
    // The findings name objects as `Kind/namespace/name`; the first object of that name is where they are.
    const byId = new Map<string, ManifestObject>();
    for (const o of objects) {
      if (o.object && typeof o.object === 'object' && o.object.metadata && typeof o.object.metadata === 'object') {
        const id = objectId(o.object as Manifest);
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
