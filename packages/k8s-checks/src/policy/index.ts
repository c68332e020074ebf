// Policy checker run on every synth over the manifests of ONE target (one namespace folder):
// Kubernetes Pod Security Standards (restricted, v1.27), kube-score's default checks,
// kube-linter's default checks and Polaris' default configuration. See ./README.md.

import { applyExemptions } from './exemptions';
import { checkKubeLinter, KUBE_LINTER_RULES } from './kube-linter';
import { checkKubeScore, KUBE_SCORE_RULES } from './kube-score';
import { checkPodSecurity, POD_SECURITY_RULES } from './pod-security';
import { checkPolaris, polarisRules } from './polaris';
import { KubeObject, PolicyExemption, PolicyFinding, PolicyOptions, PolicyReport, PolicyRule, PolicyTool } from './types';

export type { KubeObject, KubeScoreOptions, KubernetesVersion, PolicyExemption, PolicyFinding, PolicyOptions, PolicyReport, PolicySeverity, PolicyTool } from './types';
export { EXEMPTION_WITHOUT_REASON, REASON_ANNOTATION } from './exemptions';

const TOOLS: readonly PolicyTool[] = ['pod-security', 'kube-score', 'kube-linter', 'polaris'];

/**
 * Every rule implemented, for docs and tests. `exemption-without-reason` is reported by the
 * exemption handling. (A function: listing Polaris' rules reads its configuration, which a synth
 * does not otherwise need up front.)
 */
export function policyRules(): ReadonlyArray<{ tool: PolicyTool; rule: string; description: string }> {
  return [
    ...POD_SECURITY_RULES,
    ...KUBE_SCORE_RULES,
    ...KUBE_LINTER_RULES,
    ...polarisRules(),
    ...(['kube-score', 'kube-linter', 'polaris'] as const).map((tool): PolicyRule => ({
      tool,
      rule: 'exemption-without-reason',
      description: `A ${tool} exemption annotation on an object without a reason (it is then not accepted).`,
    })),
  ];
}

function compareFindings(a: PolicyFinding, b: PolicyFinding): number {
  return a.object.localeCompare(b.object)
    || TOOLS.indexOf(a.tool) - TOOLS.indexOf(b.tool)
    || a.rule.localeCompare(b.rule)
    || (a.path ?? '').localeCompare(b.path ?? '')
    || a.message.localeCompare(b.message);
}

function dedupe(findings: PolicyFinding[]): PolicyFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = [f.tool, f.rule, f.object, f.path ?? '', f.message].join('\u0000');
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function checkPolicies(manifests: readonly KubeObject[], options: PolicyOptions = {}): PolicyReport {
  // Everything counts as checked; objects without a kind cannot be evaluated. An object without
  // metadata is read as the tools' Go types read it: with empty metadata.
  const objects = manifests
    .filter((m) => m && typeof m === 'object' && typeof m.kind === 'string' && typeof m.apiVersion === 'string')
    .map((m) => (m.metadata !== null && typeof m.metadata === 'object' && !Array.isArray(m.metadata) ? m : { ...m, metadata: {} } as unknown as KubeObject));
  const polaris = checkPolaris(objects, undefined, options.memo);
  const raw = [...checkPodSecurity(objects, options.memo), ...checkKubeScore(objects, options.kubeScore, options.memo), ...checkKubeLinter(objects, options.memo), ...polaris.findings];
  const outcome = applyExemptions(objects, raw, options.reasonAnnotation);
  const exemptions: PolicyExemption[] = [...outcome.exemptions, ...polaris.exemptions].sort(
    (a, b) => a.object.localeCompare(b.object) || TOOLS.indexOf(a.tool) - TOOLS.indexOf(b.tool) || a.rule.localeCompare(b.rule),
  );
  return { findings: dedupe(outcome.findings).sort(compareFindings), exemptions, checkedObjects: manifests.length };
}

export function formatPolicyReport(report: PolicyReport): string {
  const n = report.checkedObjects;
  const k = report.exemptions.length;
  if (report.findings.length === 0) return `${n} objects, 0 findings (${k} exemptions)`;
  const lines: string[] = [`Policy check failed: ${n} objects, ${report.findings.length} findings (${k} exemptions)`];
  for (const f of report.findings) {
    lines.push('');
    lines.push(`${f.object}`);
    lines.push(`  rule:    ${f.tool}/${f.rule}${f.path ? ` at ${f.path}` : ''}`);
    lines.push(`  problem: ${f.message}`);
    lines.push(`  fix:     ${f.fix}`);
  }
  if (k > 0) {
    lines.push('');
    lines.push('Exemptions:');
    for (const e of report.exemptions) lines.push(`  ${e.object}: ${e.tool}/${e.rule}: ${e.reason}`);
  }
  return lines.join('\n');
}
