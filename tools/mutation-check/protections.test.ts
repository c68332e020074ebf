import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadProtections, mutate, occurrences, ProtectionListError } from './protections';
import { renderSecurityDoc } from './render';
import { baselineSelections } from './runner';

const ROOT = path.resolve(__dirname, '..', '..');

describe('the protections lists (security/protections/*.yaml)', () => {
  test('every entry is valid against the project as it is: file, text exactly once, test file', () => {
    const protections = loadProtections(ROOT);
    expect(protections.length).toBeGreaterThan(0);
    for (const p of protections) expect(occurrences(fs.readFileSync(path.join(ROOT, p.file), 'utf-8'), p.remove)).toBe(1);
  });

  test('docs/security.md is the lists as a table (npm run update refreshes it)', () => {
    const expected = renderSecurityDoc(loadProtections(ROOT));
    const actual = fs.readFileSync(path.join(ROOT, 'docs', 'security.md'), 'utf-8');
    if (actual !== expected) throw new Error('docs/security.md is out of date: run npm run update');
  });

  test('the table names each protection, its file and text, and its test', () => {
    const doc = renderSecurityDoc([{
      id: 'x-limit', protects: 'one | two', file: 'a.conf', remove: 'limit 1;\n  more', replace: '', test: 't.test.ts', name: 'limit', source: 'security/protections/x.yaml',
    }]);
    expect(doc).toContain('## x (`security/protections/x.yaml`, 1)');
    expect(doc).toContain('| one \\| two | `a.conf`: `limit 1; more` | `t.test.ts`: limit |');
  });
});

describe('loadProtections refuses a bad list, naming file, entry and field', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'protections-'));
    fs.mkdirSync(path.join(dir, 'security', 'protections'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.conf'), 'limit 1;\nlimit 2;\ntwice;\ntwice;\n');
    fs.writeFileSync(path.join(dir, 'a.test.ts'), '');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => fs.writeFileSync(path.join(dir, 'security', 'protections', name), text);

  test('a valid entry loads, with replace defaulting to nothing', () => {
    write('a.yaml', '- id: a-limit\n  protects: a limit\n  file: a.conf\n  remove: "limit 1;"\n  test: a.test.ts\n  name: limit\n');
    expect(loadProtections(dir)).toEqual([{ id: 'a-limit', protects: 'a limit', file: 'a.conf', remove: 'limit 1;', replace: '', test: 'a.test.ts', name: 'limit', source: 'security/protections/a.yaml' }]);
  });

  test('every problem at once', () => {
    write('a.yaml', [
      '- id: Bad_Id', '  protects: x', '  file: a.conf', '  remove: "twice;"', '  test: a.test.ts',
      '- id: b', '  protects: x', '  file: missing.conf', '  remove: "x"', '  test: a.test.ts', '  extra: 1',
      '- id: c', '  protects: x', '  file: ../outside', '  remove: "x"', '  test: missing.test.ts',
      '- id: d', '  protects: x', '  file: a.conf', '  remove: "absent"', '  test: a.conf', '  name: "(unclosed"',
      '- id: e', '  file: a.conf', '  remove: "limit 2;"', '  replace: "limit 2;"', '  test: a.test.ts',
    ].join('\n'));
    write('b.yaml', '- id: b\n  protects: x\n  file: a.conf\n  remove: "limit 1;"\n  test: a.test.ts\n');
    write('c.yaml', 'id: not-a-list\n');
    let message = '';
    try {
      loadProtections(dir);
    } catch (e) {
      expect(e).toBeInstanceOf(ProtectionListError);
      message = (e as Error).message;
    }
    for (const problem of [
      'security/protections/a.yaml entry 1 (Bad_Id): id "Bad_Id" is not kebab-case',
      'security/protections/a.yaml entry 1 (Bad_Id): remove occurs 2 times in a.conf; it must occur exactly once',
      'security/protections/a.yaml entry 2 (b): extra is not a field',
      'security/protections/a.yaml entry 2 (b): file "missing.conf" does not exist',
      'security/protections/a.yaml entry 3 (c): file "../outside" must be a path inside the project',
      'security/protections/a.yaml entry 3 (c): test "missing.test.ts" does not exist',
      'security/protections/a.yaml entry 4 (d): remove occurs 0 times in a.conf',
      'security/protections/a.yaml entry 4 (d): test "a.conf" is not a jest test file',
      'security/protections/a.yaml entry 4 (d): name is not a valid jest -t pattern',
      'security/protections/a.yaml entry 5 (e): protects is missing',
      'security/protections/a.yaml entry 5 (e): replace is the same as remove',
      'security/protections/b.yaml entry 1 (b): id "b" is also used in security/protections/a.yaml',
      'security/protections/c.yaml: must be a list of entries',
    ]) expect(message).toContain(problem);
  });

  test('no lists at all', () => {
    expect(() => loadProtections(dir)).toThrow('security/protections: no *.yaml lists of protections');
  });
});

test('mutate replaces the one occurrence, and refuses text that is not there exactly once', () => {
  const p = { id: 'a', protects: 'x', file: 'a.conf', remove: 'limit 1;\n', replace: '', test: 't.test.ts', source: 's' };
  expect(mutate('a\nlimit 1;\nb\n', p)).toBe('a\nb\n');
  expect(mutate('a\nlimit 1;\nb\n', { ...p, replace: 'limit 9;\n' })).toBe('a\nlimit 9;\nb\n');
  expect(() => mutate('limit 1;\nlimit 1;\n', p)).toThrow('remove must occur exactly once in a.conf');
});

test('the runs without mutation: one per test file, its entries\' names joined (the whole file when one has none)', () => {
  const p = (test: string, name?: string) => ({ id: 'x', protects: 'x', file: 'f', remove: 'r', replace: '', test, source: 's', ...(name ? { name } : {}) });
  expect(baselineSelections([p('a.test.ts', 'one'), p('a.test.ts', 'two'), p('a.test.ts', 'one'), p('b.test.ts', 'x'), p('b.test.ts')])).toEqual([
    { test: 'a.test.ts', name: '(?:one)|(?:two)' }, { test: 'b.test.ts' },
  ]);
});
