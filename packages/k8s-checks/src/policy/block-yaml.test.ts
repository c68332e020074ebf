import { parse, stringify } from 'yaml';
import { parseBlockYaml } from './block-yaml';
import { checkPolaris, traceSchemaEvaluations } from './polaris';
import { compliantManifests, fullCompliantManifests, statefulSetManifests } from './test-fixtures';

const library = (text: string) => parse(text, { version: '1.1' });

describe('parseBlockYaml reads what the yaml library reads, or declines', () => {
  test('every YAML schema the Polaris checks render for the fixtures: read on the fast path, the same values', () => {
    const texts = new Set<string>();
    traceSchemaEvaluations((text) => texts.add(text));
    try {
      for (const name of ['web', 'shop-api', 'a.b']) {
        for (const m of [compliantManifests({ name, ingress: true }), fullCompliantManifests({ name, hpa: true }), statefulSetManifests({ name })]) checkPolaris(m);
      }
    } finally {
      traceSchemaEvaluations(undefined);
    }
    const yamlTexts = [...texts].filter((t) => t.trim() !== '' && !t.startsWith('{'));
    expect(yamlTexts.length).toBeGreaterThanOrEqual(8);
    for (const text of yamlTexts) {
      const fast = parseBlockYaml(text);
      expect({ text, declined: fast === undefined }).toEqual({ text, declined: false });
      expect(fast).toEqual(library(text));
    }
  });

  test.each([
    ['nested mappings and sequences', 'a:\n  b: 1\n  c:\n    - x\n    - w: 2\n      z: [3, "4", \'5\']\n'],
    ['a sequence at its key\'s column', 'list:\n- a\n- b: c\nnext: 1\n'],
    ['quoted keys and values', '"a.b/c": "x: y"\n\'it\'\'s\': \'#1\'\n'],
    ['YAML 1.1 scalars', 'a: yes\nb: off\nc: 0777\nd: 1_000\ne: 1:20\nf: ~\ng: .inf\nh: e3\nj: "yes"\n'],
    ['empty values and blank lines', 'a:\n\nb:\n  c:\n\n  d: 1\n'],
    ['comment lines', '# head\na: 1\n  # indented comment\nb: 2\n'],
    ['a dash alone', 'a:\n  -\n    b: 1\n  - 2\n'],
  ])('%s: the same value', (_name, text) => {
    expect(parseBlockYaml(text)).toEqual(library(text));
  });

  test.each([
    ['a block scalar', 'a: |\n  text\n'],
    ['a flow mapping', 'a: {b: 1}\n'],
    ['an anchor', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a comment after a value', 'a: 1 # one\n'],
    ['a plain scalar over two lines', 'a: one\n  two\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a merge key', 'a: &b {x: 1}\n<<: *b\n'],
    ['a boolean key', 'yes: 1\n'],
    ['a one-letter boolean key', 'y: 1\n'],
    ['a timestamp (a Date, not JSON)', 'a: 2001-12-14\n'],
    ['a document marker', '---\na: 1\n'],
    ['a tab in the indentation', 'a:\n\tb: 1\n'],
    ['nested flow sequences', 'a: [[1], 2]\n'],
    ['a top-level scalar', 'just text\n'],
    ['a compact nested sequence', '- - a\n'],
  ])('%s: declined, left to the library', (_name, text) => {
    expect(parseBlockYaml(text)).toBeUndefined();
  });

  test('3000 generated documents, written by the yaml library in block style: read alike or declined', () => {
    let seed = 3;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    const words = ['a', 'b-c', 'x.y/z', 'yes', 'No', '0', '12', '1.5', '', ' ', 'a: b', '#', '- x', '"q"', "it's", 'null', '~', 'e3', 'true', '[x]', 'k8s.io/name'];
    const scalar = (): unknown => { const r = rnd(); return r < 0.6 ? words[Math.floor(rnd() * words.length)] : r < 0.8 ? Math.floor(rnd() * 100) : r < 0.9 ? rnd() < 0.5 : null; };
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.45) return scalar();
      if (r < 0.75) return Object.fromEntries(Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => [String(scalar()), value(depth + 1)]));
      return Array.from({ length: Math.floor(rnd() * 3) }, () => value(depth + 1));
    };
    let read = 0;
    for (let i = 0; i < 3000; i++) {
      const text = stringify(value(0), { version: '1.1' });
      const fast = parseBlockYaml(text);
      if (fast === undefined) continue;
      read++;
      expect({ text, value: fast }).toEqual({ text, value: library(text) });
    }
    expect(read).toBeGreaterThan(1000);
  });
});
