// The text report of the bin (and of a host app's own synth): findings grouped per rule, most
// severe first, each rule once with the objects it hit and one fix line; a count line last.

import { severityRank } from '../plugin/violations';
import { ReportedResource, ReportedViolation, ValidationResult } from './run-validations';

export interface FormatOptions {
  /**
   * Every field of every finding (rule, recommendation, fix, and per object its resource name,
   * construct path, manifest and every location), and each plugin's summary.
   * @default false
   */
  readonly verbose?: boolean;
}

/** The counts over all the reports: objects (the most any plugin checked), findings, rules, exemptions. */
export function countReports(results: readonly ValidationResult[]): { objects: number; findings: number; rules: number; exemptions: number } {
  const num = (r: ValidationResult, key: string): number => Number(r.metadata[key] ?? 0) || 0;
  return {
    objects: Math.max(0, ...results.map((r) => num(r, 'objects'))),
    findings: results.reduce((n, r) => n + (r.metadata.findings === undefined ? occurrences(r.violations) : num(r, 'findings')), 0),
    rules: results.reduce((n, r) => n + r.violations.length, 0),
    exemptions: results.reduce((n, r) => n + num(r, 'exemptions'), 0),
  };
}

function occurrences(violations: readonly ReportedViolation[]): number {
  return violations.reduce((n, v) => n + v.violatingResources.reduce((m, r) => m + Math.max(1, r.locations.length), 0), 0);
}

function objectLine(r: ReportedResource): string {
  const where = r.manifestPath ? ` in ${r.manifestPath}` : '';
  const construct = r.constructPath ? ` (construct ${r.constructPath})` : '';
  // The field is what to edit: shown always, not only with --verbose.
  const fields = r.locations.filter((l) => l !== '(the object)');
  return `${r.resourceName}${where}${construct}${fields.length ? ` at ${fields.join(', ')}` : ''}`;
}

/** The report as text; ends with `N objects, M findings in K rules, E exemptions`. */
export function formatReports(results: readonly ValidationResult[], options: FormatOptions = {}): string {
  const violations = results.flatMap((r) => r.violations)
    .map((v, i) => ({ v, i }))
    .sort((a, b) => severityRank(a.v.ruleName) - severityRank(b.v.ruleName) || a.i - b.i)
    .map(({ v }) => v);
  const lines: string[] = [];
  for (const v of violations) {
    if (options.verbose) {
      lines.push(`rule:           ${v.ruleName}`);
      lines.push(`recommendation: ${v.recommendation}`);
      lines.push(`fix:            ${v.fix}`);
      lines.push('objects:');
      for (const r of v.violatingResources) {
        lines.push(`  - resource:   ${r.resourceName}`);
        if (r.constructPath) lines.push(`    construct:  ${r.constructPath}`);
        lines.push(`    manifest:   ${r.manifestPath || '(none)'}`);
        lines.push(`    locations:  ${r.locations.join(', ') || '(the object)'}`);
      }
    } else {
      const n = v.violatingResources.length;
      lines.push(`${v.ruleName}  ${n} object${n === 1 ? '' : 's'}`);
      lines.push(`  ${v.recommendation}`);
      for (const r of v.violatingResources) lines.push(`  - ${objectLine(r)}`);
      lines.push(`  fix: ${v.fix}`);
    }
    lines.push('');
  }
  if (options.verbose) {
    for (const r of results) {
      lines.push(`${r.plugin}: ${r.status} (${Object.entries(r.metadata).map(([k, val]) => `${k} ${val}`).join(', ')})`);
    }
  }
  const c = countReports(results);
  lines.push(`${c.objects} objects, ${c.findings} findings in ${c.rules} rules, ${c.exemptions} exemptions`);
  return lines.join('\n');
}
