// The shapes of the cdk8s CLI's validation plugin API (cdk8s-cli lib/plugins/validation.d.ts),
// written out here as types only: the package does not load cdk8s-cli. A plugin declared under
// `validations:` in cdk8s.yaml is constructed with its `properties` and called with a context.

/** An object that breaks a rule, as the CLI reports it. */
import type { CheckMemo } from '../cache/check-memo';

export interface ValidationViolatingResource {
  /** The name the CLI looks up in the construct metadata to show the construct path. */
  readonly resourceName: string;
  /** Where in the object: field paths. */
  readonly locations: readonly string[];
  /** The manifest file the object is in. */
  readonly manifestPath: string;
}

/** One rule and every object that breaks it. */
export interface ValidationViolation {
  readonly ruleName: string;
  /** What is wrong. */
  readonly recommendation: string;
  /** How to fix it. */
  readonly fix: string;
  readonly violatingResources: readonly ValidationViolatingResource[];
}

export type ValidationReportStatus = 'success' | 'failure';

/** The report a plugin fills: violations, then exactly one submit. */
export interface ValidationReport {
  addViolation(violation: ValidationViolation): void;
  submit(status: ValidationReportStatus, metadata?: { readonly [key: string]: string }): void;
}

export interface ValidationLogger {
  log(message: string): void;
}

/** What the CLI hands a plugin's validate(). */
export interface ValidationContext {
  /** Paths of the manifest files to validate. */
  readonly manifests: readonly string[];
  /** Construct metadata by resource name (the CLI records it when plugins are declared). */
  readonly metadata: { readonly [resourceName: string]: { readonly path: string } };
  readonly report: ValidationReport;
  readonly logger: ValidationLogger;
  /** The documents of one manifest file. */
  parseManifest(manifestPath: string): any[];
  /**
   * What earlier runs found in the same objects (runValidations' `memo`; the cdk8s CLI gives
   * none): this package's plugins do not check again what it knows.
   */
  readonly memo?: CheckMemo;
}

/** A validation plugin, as the CLI calls it. */
export interface Validation {
  validate(context: ValidationContext): Promise<void>;
}
