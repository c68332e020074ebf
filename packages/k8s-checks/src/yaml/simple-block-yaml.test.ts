import * as fs from 'fs';
import * as path from 'path';
import { isDeepStrictEqual } from 'util';
import { Document, isSeq, visit } from 'yaml';
import { renderGoTemplate } from '../policy/go-template';
import { parsePolarisCheck, POLARIS_CHECKS_DIR } from '../policy/polaris';
import { parseKubernetesYaml } from './kubernetes-yaml';
import { NOT_SIMPLE, readSimpleBlockYaml } from './simple-block-yaml';

// readSimpleBlockYaml must read every text it takes exactly as the yaml package does
// (parseKubernetesYaml), and leave every other one (NOT_SIMPLE), bad YAML included.

/** Values a label, name or key could hold that mean something else to YAML 1.1, or break it. */
const TRICKY = [
  'web', 'yes', 'No', 'ON', 'off', 'y', 'n', '~', 'null', 'NULL', '', ' ', 'true', 'False', '0777', '0o17', '0x1F', '0b101',
  '1_000', '1:20', '-1:20', '1e3', '1.5e3', 'e3', '.5', '5.', '-.inf', '.NaN', '1.0.0', '12345678901234567890', '-0', '+1',
  '=', '<<', 'a: b', 'a:b', 'a #b', 'a#b', '#a', '- a', '-a', '-', '? a', ':a', '[a]', '{a}', '*a', '&a', '!a', '!!str', '%a',
  '@a', '`a', "it's", '"q"', "'q'", 'a\\b', 'tab\there', 'line\nbreak', 'trail ', ' lead', 'x,y', 'x]', 'é', '__proto__',
  'app.kubernetes.io/name', 'https://example.com/x#y',
];

/** A small deterministic random source (mulberry32), so a failure can be reproduced. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Holds the reader to the yaml package on `text`; whether the reader took it. */
function agrees(text: string): boolean {
  const simple = readSimpleBlockYaml(text);
  let expected: unknown;
  try {
    expected = parseKubernetesYaml(text);
  } catch {
    if (simple !== NOT_SIMPLE) throw new Error(`read a text the yaml package refuses:\n${text}`);
    return false;
  }
  if (simple === NOT_SIMPLE) return false;
  // jest's own comparison, for its message, only when Node's (as strict, far faster) finds them unequal.
  if (isDeepStrictEqual(simple, expected)) return true;
  try {
    expect(simple).toStrictEqual(expected);
  } catch (e) {
    throw new Error(`reads differently from the yaml package:\n${text}\n${(e as Error).message}`);
  }
  return true;
}

const CHECKS = fs.readdirSync(POLARIS_CHECKS_DIR).filter((f) => f.endsWith('.yaml') && f !== 'default.yaml')
  .map((file) => parsePolarisCheck(file, fs.readFileSync(path.join(POLARIS_CHECKS_DIR, file), 'utf8')));

/** Every schema string of every Polaris check, rendered for objects labelled with `value`. */
function renderedSchemas(value: string): string[] {
  const labels = { 'app.kubernetes.io/name': value, [value]: 'web', 'app.kubernetes.io/instance': 'web' };
  const template = { metadata: { labels } };
  const data = {
    metadata: { name: value, namespace: value, labels },
    spec: { template, selector: { matchLabels: labels } },
    Polaris: { PodTemplate: template, PodSpec: {}, Container: { name: value } },
  };
  const out: string[] = [];
  for (const check of CHECKS) {
    for (const t of [check.schemaString, ...Object.values(check.additionalSchemaStrings)]) {
      try {
        out.push(renderGoTemplate(t, data));
      } catch {
        // a template that does not render for this data: nothing to read
      }
    }
  }
  return out.filter((t) => t.trim() !== '' && !t.startsWith('{'));
}

describe('the simple block YAML reader', () => {
  test('reads what the Polaris checks render for ordinary objects: all of it, as the yaml package does', () => {
    const texts = renderedSchemas('web');
    expect(texts.length).toBeGreaterThan(5);
    for (const text of texts) expect([text, agrees(text)]).toEqual([text, true]);
  });

  test('agrees with the yaml package on what they render for labels and names that mean something else to YAML', () => {
    // Each distinct text once: most schemas render the same whatever the labels are.
    const texts = new Set(TRICKY.flatMap(renderedSchemas));
    let read = 0;
    for (const text of texts) if (agrees(text)) read++;
    expect(read).toBeGreaterThan(TRICKY.length);
  });

  test('YAML 1.1 scalars, quoting, flow sequences, sequences at their key\'s indentation, comments and null values', () => {
    const cases = [
      'a: yes\nb: off\nc: 0777\nd: 1_000\ne: 1:20\nf: ~\ng: .inf\nh: 1e3\ni: "yes"\nj: \'0777\'\nk: 1.0.0\nl: -0\n',
      'yes: 1\n0777: 2\n~: 3\n"a.b/c": x\n\'it\'\'s\': \'#1\'\n',
      'a:\n- x\n- y: 1\n  z: [1, "2", \'3\', yes]\nb:\n  -\n  - - x\n',
      'a:\n  b:\n\n  # a comment\n  c: [ ]\nd:\n',
      'a:\n  - b: 1\n    c:\n    - d\n  -\n    e: 2\n',
      'a: it\'s\nb: x:y\nc: a#b\nd: http://x/y#z\n',
    ];
    for (const text of cases) agrees(text);
    expect(readSimpleBlockYaml(cases[0])).toMatchObject({ a: true, b: false, c: 511, d: 1000, e: 80, f: null, g: Infinity, h: 1000, i: 'yes', j: '0777' });
    expect(readSimpleBlockYaml(cases[1])).toEqual({ true: 1, 511: 2, '': 3, 'a.b/c': 'x', "it's": '#1' });
  });

  test('leaves to the yaml package what it does not cover', () => {
    for (const text of [
      'a: &x 1\nb: *x\n', 'a: !!str 1\n', '%YAML 1.1\n---\na: 1\n', '---\na: 1\n', 'a: |\n  x\n', 'a: >\n  x\n', 'a: {b: 1}\n',
      'a: "x\\ty"\n', '<<: {a: 1}\n', 'a: x\n  y\n', 'a:\tb\n', 'a: 1\na: 2\n', '1: a\n"1": b\n', 'a: [x, ]\n',
      'a: [[x]]\n', 'a: x # c\n', '? a\n: b\n', '__proto__: 1\n', '  a: 1\n', 'a: 1\r\n', 'a:\n    b: 1\n  c: 2\n',
    ]) {
      expect(readSimpleBlockYaml(text)).toBe(NOT_SIMPLE);
    }
  });

  test('agrees with the yaml package on random documents, written in every style the package writes', () => {
    const next = random(23);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)];
    const scalar = (): unknown => pick<() => unknown>([() => pick(TRICKY), () => Math.floor(next() * 2000) - 1000, () => next() * 100, () => next() < 0.5, () => null])();
    const value = (depth: number): unknown => {
      const r = next();
      if (depth > 3 || r < 0.4) return scalar();
      if (r < 0.7) return Array.from({ length: Math.floor(next() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: 1 + Math.floor(next() * 4) }, () => [pick(TRICKY), value(depth + 1)]));
    };
    let read = 0;
    for (let i = 0; i < 300; i++) {
      const doc = new Document(Object.fromEntries(Array.from({ length: 1 + Math.floor(next() * 4) }, () => [pick(TRICKY), value(1)])), { version: '1.1' });
      const flow = next() < 0.5;
      visit(doc, { Seq: (_, node) => { if (flow && isSeq(node) && next() < 0.5) node.flow = true; } });
      const text = doc.toString({
        indentSeq: next() < 0.5, indent: pick([2, 3, 4]), lineWidth: 0,
        defaultStringType: pick(['PLAIN', 'QUOTE_SINGLE', 'QUOTE_DOUBLE'] as const), defaultKeyType: pick([null, 'PLAIN', 'QUOTE_DOUBLE'] as const),
      });
      if (agrees(text)) read++;
    }
    expect(read).toBeGreaterThan(75);
  });

  test('refuses or agrees on rendered schemas with a character changed, removed or put in', () => {
    const next = random(7);
    const texts = renderedSchemas('web');
    const inserts = [' ', '  ', '-', '- ', ':', ': ', '"', "'", '#', ' #', '[', ']', ',', '\n', '\n  ', 'x', '*', '&', '!', '|', '{'];
    let read = 0;
    for (let i = 0; i < 1200; i++) {
      const text = texts[Math.floor(next() * texts.length)];
      const at = Math.floor(next() * text.length);
      const cut = next() < 0.5 ? 1 : 0;
      const put = next() < 0.7 ? inserts[Math.floor(next() * inserts.length)] : '';
      if (agrees(text.slice(0, at) + put + text.slice(at + cut))) read++;
    }
    expect(read).toBeGreaterThan(180);
  });
});
