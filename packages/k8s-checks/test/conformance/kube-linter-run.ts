// Runs kube-linter's cases (kube-linter-cases.ts) against the package: the reports are the
// package's kube-linter findings of the `--include`d checks on the file, one per finding, with
// the finding's object (kind, namespace, name) and message. Each expectation on report N must
// hold for a report of its own (the package lists findings by object, not in kube-linter's input
// order, so the reports are matched as a set); the count must be the number of findings.

import { checkPolicies, policyRules } from '../../src/policy';
import { PolicyFinding } from '../../src/policy/types';
import { extractKubeLinterCases, KubeLinterCase, KubeLinterExpectation, ReportField, ReportTemplate } from './kube-linter-cases';
import { CaseOutcome, Unread } from './outcome';
import { readObjects } from './read-objects';

type Report = Record<ReportField, string>;

/** A finding as kube-linter's JSON report shows it: the kind without its group (the object is its objectKey, `Kind[.group]/[namespace/]name`). */
function reportOf(f: PolicyFinding): Report {
  const parts = f.object.split('/');
  return { kind: parts[0].split('.')[0], namespace: parts.length > 2 ? parts[1] : '', name: parts[parts.length - 1], message: f.message, check: f.rule };
}

function render(template: ReportTemplate, assigned: ReadonlyMap<number, Report>): string {
  return template.map((t) => ('text' in t ? t.text : assigned.get(t.report)![t.field])).join('');
}

const indicesOf = (e: KubeLinterExpectation): number[] => (e.value === 'count' || e.value === 'status' ? [] : e.value.flatMap((t) => ('report' in t ? [t.report] : [])));

/**
 * Whether every expectation holds when each report index upstream reads is given a distinct
 * report of the package (a small backtracking search: a case has a handful of reports).
 */
function satisfied(expectations: readonly KubeLinterExpectation[], reports: readonly Report[]): boolean {
  for (const e of expectations) {
    if (e.value === 'count' && !e.pattern.test(String(reports.length))) return false;
    if (e.value === 'status' && !e.pattern.test(reports.length ? '1' : '0')) return false;
  }
  const indices = [...new Set(expectations.flatMap(indicesOf))].sort((a, b) => a - b);
  const assigned = new Map<number, Report>();
  const used = new Set<number>();
  const consistent = (): boolean => expectations.every((e) => typeof e.value === 'string' || !indicesOf(e).every((i) => assigned.has(i)) || e.pattern.test(render(e.value, assigned)));
  const assign = (k: number): boolean => {
    if (k === indices.length) return true;
    for (let r = 0; r < reports.length; r++) {
      if (used.has(r)) continue;
      used.add(r);
      assigned.set(indices[k], reports[r]);
      if (consistent() && assign(k + 1)) return true;
      used.delete(r);
      assigned.delete(indices[k]);
    }
    return false;
  };
  return assign(0);
}

function outcome(c: KubeLinterCase, claimed: ReadonlySet<string>): CaseOutcome {
  const base = { tool: 'kube-linter' as const, source: c.source, check: c.checks.join(',') || `(checks of ${c.config})`, expected: c.expectations.map((e) => e.text).join(' ') };
  if (c.config) return { ...base, status: 'not-claimed', detail: `runs the custom checks of ${c.config} (not in the conformance cases), not implemented` };
  const missing = c.checks.filter((id) => !claimed.has(id));
  if (missing.length) return { ...base, status: 'not-claimed', detail: `${missing.join(', ')}: not one of the package's kube-linter checks` };
  const findings = checkPolicies(readObjects([c.file])).findings.filter((f) => f.tool === 'kube-linter' && c.checks.includes(f.rule));
  const reports = findings.map(reportOf);
  const ok = satisfied(c.expectations, reports);
  return { ...base, status: ok ? 'pass' : 'fail', detail: `got ${reports.length} reports: ${reports.map((r) => `${r.kind} ${r.name}: ${r.message}`).join(' | ')}` };
}

export function runKubeLinter(root: string): { outcomes: CaseOutcome[]; unread: Unread[]; commandLineTests: number } {
  const { cases, unread, commandLineTests } = extractKubeLinterCases(root);
  const claimed = new Set(policyRules().filter((r) => r.tool === 'kube-linter').map((r) => r.rule));
  return { outcomes: cases.map((c) => outcome(c, claimed)), unread, commandLineTests: commandLineTests.length };
}
