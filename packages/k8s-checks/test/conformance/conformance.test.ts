// The checks against the upstream tools' own test cases (../shared/conformance): every case of a
// check the package claims passes, every expectation is read, and the score per tool is printed.
// Without the cases this fails, saying where it looked and how to point to them.

import { locateConformance } from './locate';
import { TOOL_TITLES } from './outcome';
import { formatConformance, runConformance, scoreLine } from './run-conformance';

describe('conformance with the upstream test cases', () => {
  const run = runConformance(locateConformance());

  test('prints the score per tool', () => {
    // The score line of this run (the test's own output shows it with the summary per tool).
    console.log(formatConformance(run));
    expect(scoreLine(run)).toMatch(/^Pod Security \d+\/\d+, kube-score \d+\/\d+, Polaris \d+\/\d+, kube-linter \d+\/\d+ \(claimed checks\)$/);
  });

  test('every expectation of the upstream files is read', () => {
    expect(run.unread).toEqual([]);
  });

  test.each(run.scores.map((s) => [TOOL_TITLES[s.tool], s] as const))('%s: every case of a claimed check passes', (_title, score) => {
    const failures = run.outcomes.filter((o) => o.tool === score.tool && o.status === 'fail');
    expect(failures).toEqual([]);
    expect(score.claimed).toBeGreaterThan(25);
    expect(score.passed).toBe(score.claimed);
  });
});
