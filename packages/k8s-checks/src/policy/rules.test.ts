// One case per rule of policyRules(): the compliant fixture, minimally mutated so that the
// rule must fire. A rule without a case fails the coverage test, so no rule can be added
// untested, and no rule can silently pass.

import { checkPolicies, policyRules } from '.';
import { build, CASES } from '../../test/policy/rule-cases';
import { compliantManifests, statefulSetManifests } from '../../test/policy/test-fixtures';

describe('every rule of policyRules() fires on its minimal violation', () => {
  test('policyRules() has no duplicates and covers the four tools', () => {
    const keys = policyRules().map((r) => `${r.tool}/${r.rule}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(new Set(policyRules().map((r) => r.tool))).toEqual(new Set(['pod-security', 'kube-score', 'kube-linter', 'polaris']));
  });

  test('every rule has a case, and every case is a rule', () => {
    const keys = policyRules().map((r) => `${r.tool}/${r.rule}`).sort();
    expect(Object.keys(CASES).sort()).toEqual(keys);
  });

  test.each(policyRules().map((r) => [`${r.tool}/${r.rule}`, r.tool, r.rule] as const))('%s', (key, tool, rule) => {
    const c = CASES[key];
    expect(c).toBeDefined();
    // Baseline: the unmutated fixture does not trigger the rule.
    const before = checkPolicies(c.fixture === 'statefulset' ? statefulSetManifests() : compliantManifests(c.fixture ?? {}));
    expect(before.findings.filter((f) => f.tool === tool && f.rule === rule)).toEqual([]);
    const report = checkPolicies(build(c));
    const hits = report.findings.filter((f) => f.tool === tool && f.rule === rule);
    expect(hits.length).toBeGreaterThan(0);
    for (const f of hits) {
      expect(f.object).toMatch(/^[A-Za-z]+(\.[a-z0-9.-]+)?\/([a-z0-9-]+\/)?[a-z0-9.-]+$/); // objectKey: Kind[.group]/[namespace/]name
      expect(f.message.length).toBeGreaterThan(10);
      expect(f.fix.length).toBeGreaterThan(10);
    }
  });
});
