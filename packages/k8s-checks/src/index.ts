// The public API of k8s-checks. See ../README.md.

// Schema: Kubernetes 1.27 OpenAPI, strict, plus the rules the schema only states in prose;
// custom resources against their CRDs.
export { KUBERNETES_127_DEFINITIONS, SchemaValidator } from './schema/schema-validator';
export type { KubeManifest, SchemaValidatorOptions, SchemaViolation } from './schema/schema-validator';
export { closeSchema, crdFiles, crdSchemaFor, formatCrdViolations, validateCustomResources } from './schema/crd-validate';
export type { CustomResourceManifest, CustomResourceValidation, CustomResourceViolation } from './schema/crd-validate';

// Policy: Pod Security restricted, kube-score, kube-linter, Polaris.
export { checkPolicies, EXEMPTION_WITHOUT_REASON, formatPolicyReport, policyRules, REASON_ANNOTATION } from './policy';
export type { Manifest, PolicyExemption, PolicyFinding, PolicyReport, PolicyTool } from './policy';
