// Pod Security's own cases for the restricted level of 1.27:
// `test/testdata/restricted/v1.27/pass/*.yaml` are admitted (no finding), `fail/*.yaml` refused.

import * as fs from 'fs';
import * as path from 'path';
import { checkPolicies } from '../../src/policy';
import { CaseOutcome } from './outcome';
import { readObjects } from './read-objects';

export function runPodSecurity(root: string): CaseOutcome[] {
  const dir = path.join(root, 'test', 'testdata', 'restricted', 'v1.27');
  const outcomes: CaseOutcome[] = [];
  for (const verdict of ['pass', 'fail'] as const) {
    for (const file of fs.readdirSync(path.join(dir, verdict)).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      const hits = checkPolicies(readObjects([path.join(dir, verdict, file)])).findings.filter((f) => f.tool === 'pod-security');
      const ok = verdict === 'pass' ? hits.length === 0 : hits.length > 0;
      outcomes.push({
        tool: 'pod-security',
        source: `test/testdata/restricted/v1.27/${verdict}/${file}`,
        check: file.replace(/\d*\.ya?ml$/, ''),
        expected: verdict === 'pass' ? 'admitted' : 'refused',
        status: ok ? 'pass' : 'fail',
        detail: hits.length ? hits.map((f) => `${f.rule}: ${f.message}`).join('; ') : 'no finding',
      });
    }
  }
  return outcomes;
}
