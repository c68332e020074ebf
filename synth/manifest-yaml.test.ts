import { App, Yaml } from 'cdk8s';
import { manifestYaml } from './manifest-yaml';
import { buildTargetFromEnv, targets } from '../app';
import { buildServices } from '../bench/synth/many-services';

const same = (docs: unknown[]) => expect(manifestYaml(docs)).toBe(Yaml.stringify(...docs));

describe('manifestYaml writes what cdk8s Yaml.stringify writes', () => {
  test.each(targets.map((t) => t.name))('every chart of target %s', (name) => {
    const app = new App({ outdir: '/nonexistent' });
    buildTargetFromEnv(app, targets.find((t) => t.name === name)!, { ...process.env, SITE_IMAGE: '', API_IMAGE: '' });
    for (const chart of app.charts) same(Object.values(chart.toJson()));
  });

  test('generated services', () => {
    const app = new App({ outdir: '/nonexistent' });
    buildServices(app, 20);
    for (const chart of app.charts) same(Object.values(chart.toJson()));
  });

  test('strings, numbers and shapes the YAML 1.1 rules treat specially', () => {
    const strings = ['', ' ', 'a', 'a b', ' a', 'a ', 'a: b', 'a:b', 'a:', 'a #b', 'a#b', '#a', '-', '- a', '-a', '?', '? a', '?a',
      'yes', 'Yes', 'y', 'n', 'N', 'on', 'OFF', 'true', 'False', 'null', 'Null', '~', '0', '012', '0x1F', '0b101', '1_000', '+1', '-1',
      '1.0', '.5', '1e3', '1.0.0', '.inf', '-.Inf', '.nan', '1:20', '1:20.5', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '=',
      '---', '---x', 'a\n---', '...', 'x...', '%YAML', '@x', '`x', '!x', '&x', '*x', '*.example.com', '|', '>', '{x', '[x', 'x]', 'x,y',
      '"q', "it's", '"a" \'b\'', 'é', 'tab\there', 'bell\u0007', 'ls\u2028', '\ud800', 'a\nb', 'a\n', '\na', 'a\n\nb', ' a\nb ',
      'http://x:80/p?q=1#f', 'nginx -g "daemon off;"', 'k'.repeat(1030)];
    const numbers = [0, -0, 1, -1, 0.5, -2.5, 1e21, 1e-7, 2 ** 53, 2 ** 53 + 2, NaN, Infinity, -Infinity, 123456789];
    same(strings.map((s) => ({ apiVersion: 'v1', kind: 'ConfigMap', data: { v: s, [s || 'empty']: s }, list: [s, [s], { [s]: [s] }] })));
    same(numbers.map((n) => ({ n, list: [n, { n }] })));
    same([{ a: [], b: {}, c: [{}, [], [[]], [{}], { d: [] }], e: null, f: undefined, g: [null, undefined, true, false] }, undefined, {}, [], 'top', 5]);
    same([{ deep: { a: { b: { c: [{ d: [{ e: 'f' }, ['g', ['h']]] }] } } } }]);
    const shared = { a: 1 };
    same([{ p: shared, q: shared }, { when: new Date(0) }]);
  });

  test('random documents of those strings and shapes', () => {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const atoms = ['a', 'yes', '', ' x', '1', '0.5', 'a: b', '#', '-', 'x\ny', '---', 7, -0, 1.5, null, true, undefined];
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 3 || r < 0.5) return atoms[Math.floor(random() * atoms.length)];
      const n = Math.floor(random() * 4);
      if (r < 0.75) return Array.from({ length: n }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: n }, (_, i) => [String(atoms[Math.floor(random() * atoms.length)]) + (i ? i : ''), value(depth + 1)]));
    };
    for (let i = 0; i < 300; i++) same([{ kind: 'X', spec: value(0) }, value(0)]);
  });

  test('undefinedToNull: the same text, and each undefined value inside the documents null afterwards, as reading the YAML back gives it', () => {
    const make = () => [
      { kind: 'X', spec: { a: undefined, list: [1, undefined, { b: undefined }], nested: { c: [undefined] } } },
      // A multi-line string: a document the fast way does not cover, written by the package.
      { kind: 'Y', data: { script: 'a\nb', gone: undefined }, list: [undefined] },
    ];
    const docs = make();
    expect(manifestYaml(docs, { undefinedToNull: true })).toBe(Yaml.stringify(...make()));
    expect(docs).toEqual([
      { kind: 'X', spec: { a: null, list: [1, null, { b: null }], nested: { c: [null] } } },
      { kind: 'Y', data: { script: 'a\nb', gone: null }, list: [null] },
    ]);
    const untouched = make();
    manifestYaml(untouched);
    expect(untouched).toEqual(make());
    expect(untouched[0].spec).toHaveProperty('a', undefined);
  });
});
