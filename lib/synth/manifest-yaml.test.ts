import { Testing, Yaml } from 'cdk8s';
import * as YAML from 'yaml';
import { deploymentConfig } from '../../config/targets';
import { buildTarget } from '../../main';
import { apiImage, siteImage } from '../image-config';
import { resolveTargets } from '../deployment-config';
import { printBlock, stringifyManifests } from './manifest-yaml';
import { isPlainWord } from './yaml-words';

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

/** Strings the yaml library quotes, folds or types in ways worth checking. */
const AWKWARD = [
  '', ' ', 'a', 'yes', 'No', 'on', 'y', 'n', '~', 'null', 'Null', 'true', '80', '0777', '0x1f', '1_000', '1:20', '1.5', '.5',
  '.inf', '.nan', 'e3', 'E10', '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '=', '-', '?', ':', 'a: b', 'a:b', 'a #b', '#a',
  'a#', 'x ', ' x', '--- x', '---', '...', '% x', 'a\nb', 'a\n', '\n', 'a\n\nb', ' a\nb', 'a\tb', '\t', '"', "'", 'a"b', "a'b", '"\'',
  '[', ']', '{', '}', ',', 'a,b', '&a', '*a', '!a', '|', '>', '@a', '`a', 'é', 'ü\u0085', '\u2028', '\u0000', '\u007f', 'x'.repeat(1100),
  'http://a.b/c?d=e&f', 'nginx:1.25', 'sha256:abc', '10Mi', '100m', '0.5', '+1', '-1', '1e3', '0o17', '0b101', 'NaN', 'Infinity',
  'k8s.io/x', 'app.kubernetes.io/name', '$(VAR)', '{{ .x }}', 'a - b', '- a', '? a',
];
const NUMBERS = [0, 1, -1, 42, 1.5, -0, 0.1, 1e21, 1e-7, 2 ** 53, NaN, Infinity, -Infinity, 123456789012];

function corpus(count: number): unknown[][] {
  const rnd = random(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const str = (): string => (rnd() < 0.7 ? pick(AWKWARD)
    : Array.from({ length: Math.floor(rnd() * 8) }, () => String.fromCharCode(32 + Math.floor(rnd() * 95))).join(''));
  const value = (depth: number, shared: object[]): unknown => {
    const r = rnd();
    if (depth > 4 || r < 0.4) {
      const k = rnd();
      return k < 0.6 ? str() : k < 0.8 ? pick(NUMBERS) : k < 0.9 ? rnd() < 0.5 : k < 0.97 ? null : undefined;
    }
    if (r < 0.45 && shared.length) return pick(shared);
    let v: unknown;
    if (r < 0.7) {
      const map: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 5); i > 0; i--) map[str()] = value(depth + 1, shared);
      v = map;
    } else {
      v = Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1, shared));
    }
    if (rnd() < 0.05) shared.push(v as object);
    return v;
  };
  return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => {
    if (rnd() < 0.02) return undefined;
    const doc: Record<string, unknown> = {};
    const shared: object[] = [];
    for (let j = Math.floor(rnd() * 6); j > 0; j--) doc[str()] = value(0, shared);
    return doc;
  }));
}

describe('stringifyManifests writes what cdk8s writes', () => {
  const env = { ...process.env, SITE_IMAGE: '', API_IMAGE: '' };
  const targets = resolveTargets(deploymentConfig);

  test.each(targets.map((t) => t.name))('target %s: byte for byte, all but multi-line text on the fast path', (name) => {
    const chart = buildTarget(Testing.app(), targets.find((t) => t.name === name)!, { site: siteImage(env), api: apiImage(env) });
    const objects = chart.toJson();
    expect(stringifyManifests(objects)).toBe(Yaml.stringify(...objects));
    // The ConfigMap with the nginx proxy config is multi-line text: the yaml library writes it.
    const slow = objects.filter((o) => printBlock(o) === undefined).map((o) => o.kind);
    expect(slow).toEqual(name === 'dev' ? [] : ['ConfigMap']);
  });

  test('800 generated documents with awkward strings, numbers, nulls, shared objects and undefined: byte for byte', () => {
    let fast = 0;
    let total = 0;
    for (const docs of corpus(800)) {
      expect(stringifyManifests(docs)).toBe(Yaml.stringify(...docs));
      total += docs.length;
      fast += docs.filter((d) => d !== undefined && printBlock(d) !== undefined).length;
    }
    // The comparison is only worth something if the fast path printed many of them.
    expect(fast).toBeGreaterThan(total / 4);
  });

  test('what the fast path leaves to the yaml library', () => {
    const shared = { a: 1 };
    expect(printBlock({ x: shared, y: shared })).toBeUndefined(); // anchors and aliases
    expect(printBlock({ x: 'line 1\nline 2' })).toBeUndefined(); // block scalars
    expect(printBlock({ x: undefined })).toBeUndefined();
    expect(printBlock({ x: new Date(0) })).toBeUndefined();
    expect(printBlock({ x: '--- not a document' })).toBeUndefined();
    expect(printBlock({})).toBeUndefined();
    expect(printBlock({ x: 0, y: -0 })).toBeUndefined(); // -0, which a Map key cannot tell from 0
    expect(printBlock({ a: [{ b: [1, { c: 'd' }] }], e: {}, f: [] })).toBe('a:\n  - b:\n      - 1\n      - c: d\ne: {}\nf: []\n');
  });
});

describe('isPlainWord', () => {
  test('agrees with the yaml library (YAML 1.1) on 6000 generated words of these letters, up to six long', () => {
    const options = { version: '1.1', lineWidth: 0, keepUndefined: true } as const;
    const rnd = random(7);
    const letters = 'abcyYnNtTfFoOlLuUrRsSeE019._/-';
    let words = 0;
    for (let i = 0; i < 6000; i++) {
      const word = Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => letters[Math.floor(rnd() * letters.length)]).join('');
      const plain = YAML.stringify(word, options) === `${word}\n` && YAML.parse(word, options) === word
        && YAML.stringify({ [word]: null }, options) === `${word}: null\n`;
      if (isPlainWord(word)) {
        words++;
        expect([word, plain]).toEqual([word, true]);
      }
    }
    expect(words).toBeGreaterThan(800);
  });

  test('the YAML 1.1 booleans, nulls and exponents are not plain words', () => {
    for (const w of ['yes', 'Yes', 'YES', 'y', 'N', 'no', 'on', 'OFF', 'true', 'False', 'null', 'NULL', 'e3', 'E10']) expect([w, isPlainWord(w)]).toEqual([w, false]);
    for (const w of ['yEs', 'nginx1', 'app.kubernetes.io/name', 'Deployment', 'e3x']) expect([w, isPlainWord(w)]).toEqual([w, true]);
  });
});
