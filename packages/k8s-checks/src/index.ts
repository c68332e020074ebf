// The public API of k8s-checks. See ../README.md.

// The manifest model: KubeObject, objectKey, and the reader of manifest texts, files and folders.
export * from './manifest';

// cdk8s validation plugins (cdk8s.yaml `validations:`), and running them without the CLI.
export { SchemaValidation } from './plugin/schema-validation';
export type { SchemaValidationProperties } from './plugin/schema-validation';
export { PolicyValidation } from './plugin/policy-validation';
export type { PolicyValidationProperties } from './plugin/policy-validation';
export type {
  Validation, ValidationContext, ValidationLogger, ValidationReport, ValidationReportStatus, ValidationViolatingResource, ValidationViolation,
} from './plugin/cdk8s-validation';
export { runValidations } from './report/run-validations';
export { CheckMemo } from './cache/check-memo';
export type { ManifestInput, ReportedResource, ReportedViolation, RunValidationsOptions, ValidationResult } from './report/run-validations';
export { countReports, formatReports } from './report/format-reports';
export type { FormatOptions } from './report/format-reports';
export { main, USAGE } from './cli/main';
export type { CliIo } from './cli/main';

// Schema: Kubernetes 1.27 OpenAPI, strict, plus the rules the schema only states in prose;
// custom resources against their CRDs.
export { KUBERNETES_127_DEFINITIONS, SchemaValidator } from './schema/schema-validator';
export type { SchemaValidatorOptions, SchemaViolation } from './schema/schema-validator';
export { closeSchema, crdFiles, crdSchemaFor, formatCrdViolations, validateCustomResources } from './schema/crd-validate';
export type { CustomResourceValidation, CustomResourceViolation } from './schema/crd-validate';

// Policy: Pod Security restricted, kube-score, kube-linter, Polaris.
export { checkPolicies, EXEMPTION_WITHOUT_REASON, formatPolicyReport, policyRules, REASON_ANNOTATION } from './policy';
export type { KubeScoreOptions, KubernetesVersion, PolicyExemption, PolicyFinding, PolicyOptions, PolicyReport, PolicySeverity, PolicyTool } from './policy';

// YAML as kubectl and Polaris read it (go-yaml: YAML 1.1 scalars).
export { KUBERNETES_YAML_OPTIONS, parseKubernetesYaml, parseKubernetesYamlDocuments, YamlNestingError, YamlSyntaxError } from './yaml/kubernetes-yaml';
