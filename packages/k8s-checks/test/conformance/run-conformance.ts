// Runs every upstream case of ../shared/conformance against the package and scores each tool.

import * as path from 'path';
import { runKubeLinter } from './kube-linter-run';
import { runKubeScore } from './kube-score-run';
import { CaseOutcome, ConformanceTool, scoreOf, TOOL_TITLES, ToolScore, Unread } from './outcome';
import { runPodSecurity } from './pod-security-run';
import { runPolaris } from './polaris-run';

export interface ConformanceRun {
  readonly root: string;
  readonly outcomes: CaseOutcome[];
  readonly unread: Unread[];
  readonly scores: ToolScore[];
  /** Files and tests that hold no expectation of a check (Polaris' mutation outputs, kube-linter's command-line tests). */
  readonly notCases: { readonly polarisFiles: readonly string[]; readonly kubeLinterCommandLineTests: number; readonly kubeScoreOtherTests: readonly string[] };
}

const TOOLS: readonly ConformanceTool[] = ['pod-security', 'kube-score', 'polaris', 'kube-linter'];

export function runConformance(root: string): ConformanceRun {
  const kubeScore = runKubeScore(path.join(root, 'kube-score'));
  const kubeLinter = runKubeLinter(path.join(root, 'kube-linter'));
  const polaris = runPolaris(path.join(root, 'polaris'));
  const outcomes = [...runPodSecurity(path.join(root, 'pod-security-admission')), ...kubeScore.outcomes, ...polaris.outcomes, ...kubeLinter.outcomes];
  const unread = [...kubeScore.unread, ...kubeLinter.unread];
  return {
    root,
    outcomes,
    unread,
    scores: TOOLS.map((t) => scoreOf(t, outcomes, unread)),
    notCases: { polarisFiles: polaris.otherFiles, kubeLinterCommandLineTests: kubeLinter.commandLineTests, kubeScoreOtherTests: kubeScore.otherTests },
  };
}

/** "Pod Security 86/86, kube-score N/N, Polaris N/N, kube-linter N/M (claimed checks)". */
export function scoreLine(run: ConformanceRun): string {
  return run.scores.map((s) => `${TOOL_TITLES[s.tool]} ${s.passed}/${s.claimed}${s.tool === 'kube-linter' ? ' (claimed checks)' : ''}`).join(', ');
}

/** The score line, then every failure, the cases of checks not claimed and the unread expectations. */
export function formatConformance(run: ConformanceRun, verbose = false): string {
  const lines = [`Conformance with the upstream cases in ${run.root}:`, scoreLine(run)];
  for (const s of run.scores) {
    lines.push(`  ${TOOL_TITLES[s.tool]}: ${s.passed} of ${s.claimed} cases of claimed checks pass; ${s.notClaimed} cases of checks not claimed; ${s.unread} unread`);
  }
  const failures = run.outcomes.filter((o) => o.status === 'fail');
  if (failures.length) {
    lines.push('', 'Failures:');
    for (const o of failures) lines.push(`  ${TOOL_TITLES[o.tool]} ${o.source} [${o.check}]: expected ${o.expected}; ${o.detail}`);
  }
  if (run.unread.length) {
    lines.push('', 'Unread (expectations the extractors could not read):');
    for (const u of run.unread) lines.push(`  ${TOOL_TITLES[u.tool]} ${u.source}: ${u.why}`);
  }
  if (verbose) {
    const notClaimed = run.outcomes.filter((o) => o.status === 'not-claimed');
    lines.push('', 'Cases of checks not claimed:');
    for (const o of notClaimed) lines.push(`  ${TOOL_TITLES[o.tool]} ${o.source} [${o.check}]: ${o.detail}`);
    lines.push('', `Not cases: ${run.notCases.polarisFiles.length} Polaris files (mutation outputs, custom check definitions), ${run.notCases.kubeLinterCommandLineTests} kube-linter command-line tests, `
      + `${run.notCases.kubeScoreOtherTests.length} kube-score tests without a grade expectation (skips, ignore annotations, comments, parsing):`);
    for (const t of run.notCases.kubeScoreOtherTests) lines.push(`  ${t}`);
  }
  return lines.join('\n');
}
