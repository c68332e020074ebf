import * as path from 'path';
import { CheckMemo } from './check-memo';
import { checkPolicies } from '../policy';
import { traceSchemaEvaluations } from '../policy/polaris';
import { SchemaValidator } from '../schema/schema-validator';
import { build, CASES } from '../../test/policy/rule-cases';
import { compliantManifests } from '../../test/policy/test-fixtures';

/** A memo that knows an object by its JSON (the same values, the same key), and counts the keys it was asked for. */
function jsonMemo(): CheckMemo {
  return new CheckMemo((o) => JSON.stringify(o));
}

describe('CheckMemo: what a run found, for the next run', () => {
  test('computes once per key and part; an object without a key every time', () => {
    const memo = new CheckMemo((o) => (o as { key?: string }).key);
    let computed = 0;
    const find = (o: object, part: string) => memo.get(o, part, () => ++computed);
    expect([find({ key: 'a' }, 'p'), find({ key: 'a' }, 'p'), find({ key: 'a' }, 'q'), find({ key: 'b' }, 'p')]).toEqual([1, 1, 2, 3]);
    expect([find({}, 'p'), find({}, 'p')]).toEqual([4, 5]);
  });

  test('keeps what the latest two runs used, and lets go of the rest', () => {
    const memo = new CheckMemo((o) => (o as { key: string }).key);
    let computed = 0;
    const find = (key: string) => memo.get({ key }, 'p', () => `${key}${++computed}`);
    expect([find('a'), find('b')]).toEqual(['a1', 'b2']);
    memo.nextRun();
    expect(find('a')).toBe('a1'); // the run before
    memo.nextRun();
    expect([find('a'), find('b')]).toEqual(['a1', 'b3']); // b was not used by the run before
  });
});

describe('checkPolicies with a memo finds what it finds without one', () => {
  // Each rule's case run after its unmutated fixture: the objects the case did not mutate are
  // known, while what other objects make of them (a Deployment without its PDB or its
  // NetworkPolicy, a ServiceAccount bound to cluster-admin) is new.
  test('for every rule case in turn, the unmutated objects remembered', () => {
    const memo = jsonMemo();
    for (const [name, c] of Object.entries(CASES)) {
      memo.nextRun();
      checkPolicies(build({ ...c, mutate: () => undefined }), { memo });
      memo.nextRun();
      expect([name, checkPolicies(build(c), { memo })]).toEqual([name, checkPolicies(build(c))]);
    }
  });

  test('a run over objects it knows evaluates no Polaris check of one object again', () => {
    const memo = jsonMemo();
    let evaluated = 0;
    traceSchemaEvaluations(() => { evaluated++; });
    try {
      const first = checkPolicies(compliantManifests(), { memo });
      const firstEvaluations = evaluated;
      memo.nextRun();
      evaluated = 0;
      expect(checkPolicies(compliantManifests(), { memo })).toEqual(first);
      // What is left are the checks that look for other objects (a PDB, a NetworkPolicy).
      expect(evaluated).toBeGreaterThan(0);
      expect(evaluated).toBeLessThan(firstEvaluations / 4);
    } finally {
      traceSchemaEvaluations(undefined);
    }
  });
});

describe('SchemaValidator with a memo', () => {
  const validator = SchemaValidator.forKubernetes127();
  const wrong = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'Settings' }, data: { a: 1 } };
  const right = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } };

  test('reports a known object where it is now, and a changed one as it is now', () => {
    const memo = jsonMemo();
    const first = validator.validate([wrong], memo);
    expect(first.map((v) => [v.index, v.object, v.rule, v.path])).toEqual(validator.validate([wrong]).map((v) => [0, 'ConfigMap/Settings', v.rule, v.path]));
    expect(first.length).toBeGreaterThan(1);
    memo.nextRun();
    expect(validator.validate([right, structuredClone(wrong)], memo)).toEqual(validator.validate([right, wrong]));
    expect(validator.validate([right], memo)).toEqual([]);
  });

  test('a validator with other CRDs has results of its own', () => {
    const memo = jsonMemo();
    const certificate = { apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'site', namespace: 'web' }, spec: { secretName: 'site-tls', issuerRef: { name: 'ca' }, dnsNames: ['site.example.com'] } };
    const withCrds = SchemaValidator.forKubernetes127({ crds: [path.join(__dirname, '..', '..', 'test', 'crds', 'cert-manager')] });
    expect(validator.validate([certificate], memo).map((v) => v.rule)).toEqual(['unknown-kind']);
    expect(withCrds.validate([certificate], memo)).toEqual([]);
  });
});
