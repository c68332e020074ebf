// What a conformance run reports: per case passed, failed or not claimed; per tool the score.

export type ConformanceTool = 'pod-security' | 'kube-score' | 'kube-linter' | 'polaris';

export const TOOL_TITLES: Readonly<Record<ConformanceTool, string>> = {
  'pod-security': 'Pod Security',
  'kube-score': 'kube-score',
  'kube-linter': 'kube-linter',
  'polaris': 'Polaris',
};

/** An upstream expectation an extractor could not read: counted and listed, never dropped. */
export interface Unread {
  readonly tool: ConformanceTool;
  /** Where it is (file:line and test name). */
  readonly source: string;
  /** The text that was not understood. */
  readonly text: string;
  readonly why: string;
}

export interface CaseOutcome {
  readonly tool: ConformanceTool;
  /** Where upstream states the expectation. */
  readonly source: string;
  /** The upstream check (rule) it is about. */
  readonly check: string;
  /** What upstream expects, in words. */
  readonly expected: string;
  /** 'pass' and 'fail' for the checks the package claims; 'not-claimed' for upstream checks it does not implement. */
  readonly status: 'pass' | 'fail' | 'not-claimed';
  /** What the package gave (for a failure), or why the check is not claimed. */
  readonly detail: string;
}

export interface ToolScore {
  readonly tool: ConformanceTool;
  readonly passed: number;
  /** Cases of claimed checks. */
  readonly claimed: number;
  readonly notClaimed: number;
  readonly unread: number;
}

export function scoreOf(tool: ConformanceTool, outcomes: readonly CaseOutcome[], unread: readonly Unread[]): ToolScore {
  const mine = outcomes.filter((o) => o.tool === tool);
  return {
    tool,
    passed: mine.filter((o) => o.status === 'pass').length,
    claimed: mine.filter((o) => o.status !== 'not-claimed').length,
    notClaimed: mine.filter((o) => o.status === 'not-claimed').length,
    unread: unread.filter((u) => u.tool === tool).length,
  };
}
