import { AliasLimitError } from './alias-limit';
import { aliasedAnchor, YAML_BOMB } from '../../test/fixtures/hostile-yaml';
import { parseKubernetesYamlDocuments } from './kubernetes-yaml';

// The numbers here are go-yaml's, as kubectl 1.27 applies them: src/cli/hostile-input.test.ts
// runs the same documents through the real kubectl.

describe('aliases, counted as kubectl counts them', () => {
  test('the 419-byte YAML bomb is refused, with where the alias that tips it over is', () => {
    expect(YAML_BOMB.length).toBe(419);
    // Line 9 is `  d: &d [*c,*c,...]`: its fifth alias of c tips the document over.
    expect(() => parseKubernetesYamlDocuments(YAML_BOMB, 'bomb.yaml')).toThrow(new AliasLimitError(
      'document 1 contains excessive aliasing: its aliases expand it to 5592 nodes, 99 % of them through aliases, which kubectl refuses too; write the values out, or alias smaller anchors in "bomb.yaml" (9:22)'));
  });

  test('go-yaml\'s ratio: an anchor of 200 nodes may be aliased 210 times in a small document, not 211', () => {
    expect(parseKubernetesYamlDocuments(aliasedAnchor(200, 210))[0]).toMatchObject({ data: { b: expect.any(Array) } });
    expect(() => parseKubernetesYamlDocuments(aliasedAnchor(200, 211))).toThrow(/excessive aliasing: its aliases expand it to 42626 nodes/);
  });

  // Past 400,000 nodes the allowed share falls (a million plain nodes, then an anchor of 1000
  // aliased 1199 times passes, 1200 times not): src/cli/hostile-input.test.ts holds that boundary
  // against the real kubectl, with the system tests; reading a million nodes takes seconds.

  test('up to 100 nodes through aliases, or up to 1000 nodes in all, always pass', () => {
    expect(() => parseKubernetesYamlDocuments(aliasedAnchor(100, 1))).not.toThrow();
    expect(() => parseKubernetesYamlDocuments(aliasedAnchor(2, 400))).not.toThrow();
  });

  test('each document has its own count, and its own anchors', () => {
    const halfBomb = aliasedAnchor(200, 200);
    expect(parseKubernetesYamlDocuments(`${halfBomb}---\n${halfBomb}`)).toHaveLength(2);
    expect(() => parseKubernetesYamlDocuments(`${halfBomb}---\nc: *a\n`)).toThrow(/unidentified alias "a"/);
  });

  test('an anchor that contains an alias of itself is refused (the yaml package alone would build a cyclic object)', () => {
    expect(() => parseKubernetesYamlDocuments('a: &a [1, *a]\n')).toThrow('anchor "a" contains an alias of itself (*a), so its value would be infinite; kubectl refuses it too (1:11)');
    expect(() => parseKubernetesYamlDocuments('a: &m\n  b: {c: *m}\n')).toThrow(/anchor "m" contains an alias of itself/);
  });

  test('ordinary aliases and merge keys read as before, the alias a reference to its anchor\'s value', () => {
    const [doc] = parseKubernetesYamlDocuments('base: &base {cpu: 100m}\nweb: *base\napi:\n  <<: *base\n  memory: 64Mi\n') as Array<Record<string, any>>;
    expect(doc).toEqual({ base: { cpu: '100m' }, web: { cpu: '100m' }, api: { cpu: '100m', memory: '64Mi' } });
  });
});
