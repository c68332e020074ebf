import { deeplyNested } from '../../test/fixtures/hostile-yaml';
import { parseKubernetesYaml, parseKubernetesYamlDocuments } from './kubernetes-yaml';

// Polaris and kubectl read YAML with sigs.k8s.io/yaml (go-yaml v2): YAML 1.1 scalars.
describe('YAML as the Kubernetes tools read it', () => {
  test('YAML 1.1 booleans, octal, underscores and sexagesimal numbers; quoted scalars stay strings', () => {
    expect(parseKubernetesYaml('a: yes\nb: off\nc: 0777\nd: 1_000\ne: 1:20\nf: ~\ng: .inf\nj: "yes"\nk: y\nl: NO\nm: On\n')).toEqual({
      a: true, b: false, c: 511, d: 1000, e: 80, f: null, g: Infinity, j: 'yes', k: true, l: false, m: true,
    });
  });

  test('numbers in the YAML 1.2 core forms too, as go-yaml reads them; what is no number stays a string', () => {
    expect(parseKubernetesYaml('a: 1.5e3\nb: 1e3\nc: 0x1F\nd: 0b101\ne: e3\nf: 1.0.0\ng: 10101\n')).toEqual({ a: 1500, b: 1000, c: 31, d: 5, e: 'e3', f: '1.0.0', g: 10101 });
  });

  test('block and flow collections, quoted keys and values', () => {
    expect(parseKubernetesYaml('a:\n  b: 1\n  c:\n    - x\n    - w: 2\n      z: [3, "4", \'5\']\nlist:\n- a\n"a.b/c": "x: y"\n\'it\'\'s\': \'#1\'\n')).toEqual({
      a: { b: 1, c: ['x', { w: 2, z: [3, '4', '5'] }] }, list: ['a'], 'a.b/c': 'x: y', "it's": '#1',
    });
  });

  test('several documents; empty ones are null', () => {
    expect(parseKubernetesYamlDocuments('a: 1\n---\n---\nb: 2\n')).toEqual([{ a: 1 }, null, { b: 2 }]);
  });

  test('bad YAML throws with the file, line and column', () => {
    expect(() => parseKubernetesYaml('a: {b: 1\n', 'x.yaml')).toThrow(/x\.yaml.*\(2:1\)/s);
  });
});

describe('nesting', () => {
  test('collections nest up to 100 levels; deeper documents are refused with where', () => {
    expect(() => parseKubernetesYamlDocuments(deeplyNested(98))).not.toThrow();
    expect(() => parseKubernetesYamlDocuments(deeplyNested(150), 'deep.yaml')).toThrow(/^nesting exceeded maxDepth \(100\) in "deep\.yaml" \(6:104\)/);
  });
});
