import * as fs from 'fs';
import * as path from 'path';
import Ajv2019 from 'ajv/dist/2019';
import type { ValidateFunction } from 'ajv';
import { KubeObject } from '.';
import { parseKubernetesYamlDocuments } from '../yaml/kubernetes-yaml';
import { compileSchema, UnsupportedSchemaError } from './json-schema';
import { checkPolaris, goRegExp, POLARIS_KEYWORDS, renderedSchema, traceSchemaEvaluations } from './polaris';
import { locateConformance } from '../../test/conformance/locate';
import { compliantManifests, fullCompliantManifests, statefulSetManifests } from '../../test/policy/test-fixtures';

describe('compileSchema: pass or fail as JSON Schema 2019-09 says', () => {
  const ok = (schema: unknown, data: unknown) => compileSchema(schema)(data);

  test.each([
    ['type', { type: 'integer' }, 3, 3.5],
    ['type list', { type: ['string', 'null'] }, null, 1],
    ['const', { const: { a: [1] } }, { a: [1] }, { a: [2] }],
    ['enum', { enum: ['a', 'b'] }, 'b', 'c'],
    ['properties', { properties: { a: { type: 'string' } } }, { a: 'x', b: 1 }, { a: 1 }],
    ['required', { required: ['a'] }, { a: null }, { b: 1 }],
    ['additionalProperties', { properties: { a: {} }, additionalProperties: false }, { a: 1 }, { a: 1, b: 2 }],
    ['patternProperties', { patternProperties: { '^x-': { type: 'number' } } }, { 'x-a': 1, y: 's' }, { 'x-a': 's' }],
    ['propertyNames', { propertyNames: { pattern: '^[a-z]+$' } }, { ab: 1 }, { Ab: 1 }],
    ['min/maxProperties', { minProperties: 1, maxProperties: 1 }, { a: 1 }, {}],
    ['items', { items: { type: 'number' } }, [1, 2], [1, 'x']],
    ['tuple items', { items: [{ type: 'string' }, { type: 'number' }] }, ['a', 1, true], [1, 'a']],
    ['contains', { contains: { const: 'x' } }, ['a', 'x'], ['a']],
    ['minContains', { contains: { const: 'x' }, minContains: 2 }, ['x', 'x'], ['x']],
    ['min/maxItems', { minItems: 1, maxItems: 2 }, [1], []],
    ['uniqueItems', { uniqueItems: true }, [{ a: 1 }, { a: 2 }], [{ a: 1 }, { a: 1 }]],
    ['minLength counts code points', { minLength: 2 }, '😀😀', '😀'],
    ['pattern', { pattern: '^a+$' }, 'aaa', 'ab'],
    ['minimum', { minimum: 2 }, 2, 1],
    ['exclusiveMinimum', { exclusiveMinimum: 2 }, 3, 2],
    ['maximum', { maximum: 2, exclusiveMaximum: 3 }, 2, 2.5],
    ['multipleOf', { multipleOf: 5 }, 10, 11],
    ['allOf', { allOf: [{ type: 'number' }, { minimum: 1 }] }, 1, 0],
    ['anyOf', { anyOf: [{ type: 'number' }, { type: 'string' }] }, 's', null],
    ['oneOf', { oneOf: [{ minimum: 1 }, { maximum: 5 }] }, 7, 3],
    ['not', { not: { const: true } }, false, true],
    ['if/then/else', { if: { type: 'number' }, then: { minimum: 1 }, else: { type: 'string' } }, 'x', 0],
    ['$ref', { $defs: { n: { type: 'number' } }, properties: { a: { $ref: '#/$defs/n' } } }, { a: 1 }, { a: 'x' }],
    ['boolean schema', { properties: { a: false } }, {}, { a: 1 }],
  ])('%s', (_name, schema, pass, fail) => {
    expect(ok(schema, pass)).toBe(true);
    expect(ok(schema, fail)).toBe(false);
  });

  test('holes in a sparse array are read as undefined, as ajv reads them', () => {
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [, 'Egress'];
    expect(ok({ contains: { pattern: '^Ingress$' } }, sparse)).toBe(true); // the hole is not a string: pattern holds
    expect(ok({ items: { type: 'string' } }, sparse)).toBe(false);
    expect(ok({ const: [undefined, 'Egress'] }, sparse)).toBe(true);
  });

  test('keywords it does not know are refused when the schema is compiled, not silently passed', () => {
    expect(() => compileSchema({ properties: { a: { unevaluatedProperties: false } } })).toThrow(UnsupportedSchemaError);
    expect(() => compileSchema({ properties: { a: { unevaluatedProperties: false } } })).toThrow('#/properties/a/unevaluatedProperties: keyword "unevaluatedProperties" is not supported');
    expect(() => compileSchema({ $ref: 'https://example.com/schema' })).toThrow('only references into the same schema');
    expect(() => compileSchema({ $ref: '#/$defs/missing' })).toThrow('$ref "#/$defs/missing" does not resolve');
    expect(() => compileSchema({ type: 'text' })({})).toThrow('type "text" is not a JSON Schema type');
  });

  test('custom keywords and the pattern engine come from the caller', () => {
    const options = { keywords: { atLeast: (n: unknown, d: unknown) => typeof d === 'string' && d.length >= Number(n) }, regExp: goRegExp };
    expect(compileSchema({ atLeast: 2, pattern: '^(?i)ab$' }, options)('AB')).toBe(true); // (?i): Go's case-insensitive flag
    expect(compileSchema({ atLeast: 3, pattern: '^(?i)ab$' }, options)('AB')).toBe(false);
    expect(compileSchema({ atLeast: 2, pattern: '^(?i)ab$' }, options)('ABC')).toBe(false);
    expect(() => compileSchema({ atLeast: 3 })).toThrow('keyword "atLeast" is not supported');
  });
});

/**
 * Every schema Polaris' checks render for a set of objects, with each object it was evaluated
 * on and the outcome: the evaluator must give ajv's answer (draft 2019-09, as this project ran
 * Polaris' checks before) on each.
 */
describe('compileSchema gives the answers ajv gives on the schemas Polaris renders', () => {
  const ajv = new Ajv2019({ strict: false, validateSchema: false, allowUnionTypes: true, allErrors: false, code: { regExp: Object.assign(goRegExp, { code: 'goRegExp' }) } });
  for (const [keyword, fn] of Object.entries(POLARIS_KEYWORDS)) {
    ajv.addKeyword({ keyword, schemaType: ['string', 'number'], validate: fn });
  }
  const compiled = new Map<string, ValidateFunction | null>();
  const ajvAnswer = (text: string, data: unknown): boolean => {
    if (!compiled.has(text)) {
      const schema = renderedSchema(text);
      compiled.set(text, schema === null || schema === true ? null : ajv.compile(schema as object));
    }
    const v = compiled.get(text);
    return v ? v(data) === true : true;
  };

  /** Copies of the compliant objects with one field removed, nulled or replaced, chosen by a seeded generator. */
  function mutations(count: number): KubeObject[][] {
    let seed = 11;
    const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
    const replacements: unknown[] = [null, 0, 1, -1, 'x', '', true, false, {}, [], ['ALL'], '100m', '0', 'latest', { drop: ['NET_RAW'] }];
    const out: KubeObject[][] = [];
    for (let i = 0; i < count; i++) {
      const name = `web${i % 7}`; // the schemas of some checks are rendered with the object's name and labels
      const manifests = JSON.parse(JSON.stringify(i % 2 ? fullCompliantManifests({ name, hpa: i % 4 === 1 }) : compliantManifests({ name, ingress: true, configMap: true }))) as any[];
      // Mostly the objects the checks look into most.
      const focus = manifests.filter((m) => ['Deployment', 'StatefulSet', 'NetworkPolicy', 'PodDisruptionBudget', 'HorizontalPodAutoscaler'].includes(m.kind));
      const pool = rnd() < 0.8 && focus.length ? focus : manifests;
      let node: any = pool[Math.floor(rnd() * pool.length)];
      for (let depth = 0; depth < 8; depth++) {
        const keys = node && typeof node === 'object' ? Object.keys(node) : [];
        if (keys.length === 0) break;
        const k = keys[Math.floor(rnd() * keys.length)];
        if (rnd() < 0.25 || node[k] === null || typeof node[k] !== 'object') {
          if (rnd() < 0.4) delete node[k]; else node[k] = replacements[Math.floor(rnd() * replacements.length)];
          break;
        }
        node = node[k];
      }
      out.push(manifests);
    }
    return out;
  }

  test('on the fixtures, their mutations and Polaris\' own test cases', () => {
    const conformance = path.join(locateConformance(), 'polaris', 'test', 'checks');
    const upstream = fs.readdirSync(conformance).filter((d) => fs.statSync(path.join(conformance, d)).isDirectory())
      .flatMap((d) => fs.readdirSync(path.join(conformance, d)).filter((f) => /^(success|failure).*\.ya?ml$/.test(f)).map((f) => path.join(conformance, d, f)))
      .map((f) => parseKubernetesYamlDocuments(fs.readFileSync(f, 'utf8')).filter((x) => x && typeof x === 'object') as KubeObject[]);
    // As checkPolicies hands them over: objects with a kind, an apiVersion and metadata.
    const checkable = (ms: KubeObject[]) => ms.filter((m: any) => typeof m?.kind === 'string' && typeof m.apiVersion === 'string' && m.metadata && typeof m.metadata === 'object');
    const sets = [compliantManifests(), fullCompliantManifests(), statefulSetManifests() as KubeObject[], ...upstream, ...mutations(600)].map(checkable);

    const evaluations: Array<[string, boolean]> = [];
    const disagreements: Array<[string, unknown, boolean]> = [];
    // Each outcome is compared as it is given, on the data as it is then.
    traceSchemaEvaluations((text, data, passed) => {
      evaluations.push([text, passed]);
      if (ajvAnswer(text, data) !== passed) disagreements.push([text, structuredClone(data), passed]);
    });
    try {
      for (const manifests of sets) checkPolaris(manifests);
    } finally {
      traceSchemaEvaluations(undefined);
    }
    expect(disagreements.slice(0, 3)).toEqual([]);
    // A comparison worth having: many schemas, both answers common.
    expect(new Set(evaluations.map(([t]) => t)).size).toBeGreaterThan(60);
    expect(evaluations.filter(([, p]) => !p).length).toBeGreaterThan(400);
    expect(evaluations.filter(([, p]) => p).length).toBeGreaterThan(5000);
  });
});
