// Runs validation plugins (SchemaValidation, PolicyValidation, or any cdk8s validation plugin)
// outside the cdk8s CLI, through a context of the same shape: for the bin, and for a host app
// that wants the same checks and the same report on objects it already holds.

import { Validation, ValidationContext, ValidationReport, ValidationReportStatus, ValidationViolatingResource, ValidationViolation } from '../plugin/cdk8s-validation';
import { ManifestFile, readManifestFile } from '../manifest/read-manifests';
import { CheckMemo } from '../cache/check-memo';

/** A manifest to check: a file path (read when a plugin asks), or objects already held under a name. */
export type ManifestInput = string | ManifestFile;

/** An object that breaks a rule, with its construct path when the metadata names it. */
export interface ReportedResource extends ValidationViolatingResource {
  readonly constructPath?: string;
}

export interface ReportedViolation extends Omit<ValidationViolation, 'violatingResources'> {
  readonly violatingResources: readonly ReportedResource[];
}

/** What one plugin reported. */
export interface ValidationResult {
  /** The plugin's class name. */
  readonly plugin: string;
  readonly status: ValidationReportStatus;
  /** Counts: objects, findings, rules, exemptions (for this package's plugins). */
  readonly metadata: { readonly [key: string]: string };
  readonly violations: readonly ReportedViolation[];
}

export interface RunValidationsOptions {
  /**
   * Construct metadata by resource name, as the cdk8s CLI hands it to plugins: reported
   * objects get their construct path.
   * @default {} (no construct paths)
   */
  readonly metadata?: ValidationContext['metadata'];
  /**
   * Where plugins' log messages go.
   * @default console.error
   */
  readonly log?: (message: string) => void;
  /**
   * What the runs before found in the same objects, handed to the plugins (`context.memo`):
   * this package's plugins then check again only the objects it does not know, where a rule
   * looks at one object alone. Keep one memo across the runs of a watch loop.
   * @default - every object is checked afresh
   */
  readonly memo?: CheckMemo;
}

class Report implements ValidationReport {
  public readonly violations: ReportedViolation[] = [];
  public summary?: { status: ValidationReportStatus; metadata: { readonly [key: string]: string } };

  public constructor(private readonly plugin: string, private readonly metadata: ValidationContext['metadata']) {}

  public addViolation(violation: ValidationViolation): void {
    if (this.summary) throw new Error(`${this.plugin}: a violation was added after the report was submitted`);
    this.violations.push({
      ...violation,
      violatingResources: violation.violatingResources.map((r) => {
        const constructPath = this.metadata[r.resourceName]?.path;
        return constructPath === undefined ? { ...r } : { ...r, constructPath };
      }),
    });
  }

  public submit(status: ValidationReportStatus, metadata: { readonly [key: string]: string } = {}): void {
    if (this.summary) throw new Error(`${this.plugin}: the report was submitted twice`);
    this.summary = { status, metadata };
  }
}

/**
 * Runs each plugin on the manifests, in order, each with a fresh report, as the cdk8s CLI does;
 * a file is read once however many plugins ask for it. Throws an InputError (naming the file)
 * for a manifest that cannot be read, and an Error for a plugin that does not submit its report.
 */
export async function runValidations(inputs: readonly ManifestInput[], plugins: readonly Validation[], options: RunValidationsOptions = {}): Promise<ValidationResult[]> {
  const metadata = options.metadata ?? {};
  const log = options.log ?? ((m: string) => console.error(m));
  const given = new Map<string, readonly unknown[]>();
  const paths: string[] = [];
  for (const input of inputs) {
    const p = typeof input === 'string' ? input : input.path;
    if (typeof input !== 'string') given.set(p, input.objects);
    paths.push(p);
  }
  const parseManifest = (manifestPath: string): any[] => {
    let objects = given.get(manifestPath);
    if (!objects) {
      objects = readManifestFile(manifestPath).objects;
      given.set(manifestPath, objects);
    }
    return [...objects];
  };
  options.memo?.nextRun();
  const results: ValidationResult[] = [];
  for (const plugin of plugins) {
    const name = plugin.constructor?.name || 'validation';
    const report = new Report(name, metadata);
    const context: ValidationContext = { manifests: paths, metadata, report, logger: { log }, parseManifest, memo: options.memo };
    await plugin.validate(context);
    if (!report.summary) throw new Error(`${name}: the plugin returned without submitting its report (context.report.submit)`);
    results.push({ plugin: name, status: report.summary.status, metadata: report.summary.metadata, violations: report.violations });
  }
  return results;
}
