// Runs kube-score's cases (kube-score-cases.ts) against the package: the grade of the named check
// is the worst finding of that rule in the files (CRITICAL, else WARNING), OK when there is none.
// kube-score shows AlmostOK as OK, and so does the package: both are "no finding".

import * as path from 'path';
import { checkPolicies, policyRules } from '../../src/policy';
import { KubeScoreOptions } from '../../src/policy/types';
import { extractKubeScoreCases, KubeScoreCase, KubeScoreGrade } from './kube-score-cases';
import { CaseOutcome, Unread } from './outcome';
import { readObjects } from './read-objects';

function optionsOf(c: KubeScoreCase): KubeScoreOptions {
  // Go's zero values are what the upstream test runs with when a field is not set.
  return {
    kubernetesVersion: c.config.kubernetesVersion ?? { major: 0, minor: 0 },
    minReplicasDeployment: c.config.minReplicasDeployment,
    minReplicasHPA: c.config.minReplicasHPA,
    ignoreContainerCpuLimitRequirement: c.config.ignoreContainerCpuLimitRequirement,
    ignoreContainerMemoryLimitRequirement: c.config.ignoreContainerMemoryLimitRequirement,
  };
}

function gradeOf(c: KubeScoreCase): { grade: 'Critical' | 'Warning' | 'OK'; detail: string } {
  const report = checkPolicies(readObjects(c.files), { kubeScore: optionsOf(c) });
  const hits = report.findings.filter((f) => f.tool === 'kube-score' && f.rule === c.checkId);
  const grade = hits.some((f) => f.severity === 'critical') ? 'Critical' : hits.length ? 'Warning' : 'OK';
  return { grade, detail: hits.length ? hits.map((f) => `${f.object}: ${f.message} [${f.severity}]`).join('; ') : 'no finding' };
}

/** The grade as kube-score shows it: AlmostOK as OK; a skipped test is not shown, so it has no finding either. */
const shown = (g: KubeScoreGrade): 'Critical' | 'Warning' | 'OK' => (g === 'AllOK' || g === 'AlmostOK' || g === 'Skipped' ? 'OK' : g);

export function runKubeScore(root: string): { outcomes: CaseOutcome[]; unread: Unread[]; otherTests: string[] } {
  const { cases, unread, otherTests } = extractKubeScoreCases(root);
  const claimed = new Set(policyRules().filter((r) => r.tool === 'kube-score').map((r) => r.rule));
  const outcomes = cases.map((c): CaseOutcome => {
    const base = { tool: 'kube-score' as const, source: c.source, check: c.checkId, expected: `${c.checkName}: ${c.grade} on ${c.files.map((f) => path.basename(f)).join(', ')}` };
    if (!claimed.has(c.checkId)) {
      return { ...base, status: 'not-claimed', detail: 'not one of the package\'s kube-score checks' };
    }
    const got = gradeOf(c);
    return { ...base, status: got.grade === shown(c.grade) ? 'pass' : 'fail', detail: `got ${got.grade}: ${got.detail}` };
  });
  return { outcomes, unread, otherTests };
}
