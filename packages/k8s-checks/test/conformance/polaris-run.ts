// Polaris' own cases: `test/checks/<checkId>/success*.yaml` must give no finding of that check,
// `failure*.yaml` at least one (as Polaris' test of its checks asserts). Other files there are no
// expectations of a check's outcome: `mutated*.yaml` are the expected output of Polaris' fixes,
// `check.yaml` defines a custom check for the folder's cases.

import * as fs from 'fs';
import * as path from 'path';
import { checkPolicies, policyRules } from '../../src/policy';
import { CaseOutcome } from './outcome';
import { readObjects } from './read-objects';

export function runPolaris(root: string): { outcomes: CaseOutcome[]; otherFiles: string[] } {
  const dir = path.join(root, 'test', 'checks');
  const claimed = new Set(policyRules().filter((r) => r.tool === 'polaris').map((r) => r.rule));
  const outcomes: CaseOutcome[] = [];
  const otherFiles: string[] = [];
  for (const check of fs.readdirSync(dir).sort()) {
    if (!fs.statSync(path.join(dir, check)).isDirectory()) continue;
    for (const file of fs.readdirSync(path.join(dir, check)).sort()) {
      const kind = /^(success|failure)/.exec(file)?.[1];
      const source = `test/checks/${check}/${file}`;
      if (!kind || !/\.ya?ml$/.test(file)) {
        otherFiles.push(source);
        continue;
      }
      const base = { tool: 'polaris' as const, source, check, expected: kind === 'success' ? 'no finding' : 'a finding' };
      if (!claimed.has(check)) {
        outcomes.push({ ...base, status: 'not-claimed', detail: 'not in Polaris\' default configuration (a custom check of the test folder), not implemented' });
        continue;
      }
      const hits = checkPolicies(readObjects([path.join(dir, check, file)])).findings.filter((f) => f.tool === 'polaris' && f.rule === check);
      const ok = kind === 'success' ? hits.length === 0 : hits.length > 0;
      outcomes.push({ ...base, status: ok ? 'pass' : 'fail', detail: hits.length ? hits.map((f) => `${f.object}: ${f.message}`).join('; ') : 'no finding' });
    }
  }
  return { outcomes, otherFiles };
}
