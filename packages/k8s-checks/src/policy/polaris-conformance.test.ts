// Replays Polaris' own test cases (policy/polaris-conformance/<checkId>/<case>.yaml) against
// the evaluator: success cases must pass on every object, failure cases must fail.

import * as fs from 'fs';
import * as path from 'path';
import { Manifest } from '.';
import { parseKubernetesYamlDocuments } from '../yaml/kubernetes-yaml';
import { checkPolaris } from './polaris';

const DIR = path.resolve(__dirname, '..', '..', 'policy', 'polaris-conformance');

const cases = fs.readdirSync(DIR)
  .filter((d) => fs.statSync(path.join(DIR, d)).isDirectory())
  .flatMap((check) => fs.readdirSync(path.join(DIR, check)).filter((f) => f.endsWith('.yaml')).map((file) => [check, file] as const));

describe('Polaris upstream test cases', () => {
  test('there are cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
  });

  test.each(cases)('%s/%s', (check, file) => {
    const text = fs.readFileSync(path.join(DIR, check, file), 'utf8');
    const manifests = parseKubernetesYamlDocuments(text).filter((x) => x && typeof x === 'object') as Manifest[];
    const failures = checkPolaris(manifests).findings.filter((f) => f.rule === check);
    if (file.startsWith('success')) expect(failures).toEqual([]);
    else expect(failures.length).toBeGreaterThan(0);
  });
});
