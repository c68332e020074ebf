import { compareObjects, fieldChanges } from './manifest-diff';

// The diff tells objects apart as their JSON does: key order, an undefined property and an
// undefined list item (null in JSON) are no change; any other difference is, down to its leaf.
describe('fieldChanges', () => {
  test('no change: the same JSON in another key order, with undefined properties, or undefined for null in a list', () => {
    expect(fieldChanges({ a: 1, b: { c: [1, 'x'], d: null } }, { b: { d: null, c: [1, 'x'] }, a: 1 })).toEqual([]);
    expect(fieldChanges({ a: 1, gone: undefined }, { a: 1 })).toEqual([]);
    expect(fieldChanges({ a: 1 }, { a: 1, gone: undefined })).toEqual([]);
    expect(fieldChanges({ list: [undefined, 2] }, { list: [null, 2] })).toEqual([]);
    expect(fieldChanges([], [])).toEqual([]);
  });

  test('every leaf that differs, however deep, and what differs in kind', () => {
    expect(fieldChanges({ a: { b: { c: 1 } } }, { a: { b: { c: 2 } } })).toEqual([{ path: 'a.b.c', before: 1, after: 2 }]);
    expect(fieldChanges({ a: 1 }, { a: 1, b: 0 })).toEqual([{ path: 'b', before: undefined, after: 0 }]);
    expect(fieldChanges({ a: 1, b: null }, { a: 1 })).toEqual([{ path: 'b', before: null, after: undefined }]);
    expect(fieldChanges({ l: [1, 2] }, { l: [1, 2, 3] })).toEqual([{ path: 'l[2]', before: undefined, after: 3 }]);
    expect(fieldChanges({ v: [] }, { v: {} })).toEqual([{ path: 'v', before: [], after: {} }]);
    expect(fieldChanges({ v: '1' }, { v: 1 })).toEqual([{ path: 'v', before: '1', after: 1 }]);
    expect(fieldChanges({ v: false }, { v: null })).toEqual([{ path: 'v', before: false, after: null }]);
  });
});

describe('compareObjects', () => {
  const cm = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'n' }, data });
  test('an object equal but for key order is not changed; one with another value is', () => {
    const before = [cm('a', { x: '1', y: '2' }), cm('b', { x: '1' })];
    const after = [{ kind: 'ConfigMap', data: { y: '2', x: '1' }, metadata: { namespace: 'n', name: 'a' }, apiVersion: 'v1' }, cm('b', { x: '2' })];
    const diff = compareObjects('t', before, after);
    expect(diff.changed).toEqual([{ object: 'ConfigMap/n/b (v1)', fields: [{ path: 'data.x', before: '1', after: '2' }] }]);
    expect(diff.added).toEqual([]);
    expect(diff.removed).toEqual([]);
  });

  test('objects said to be the same are not compared; any other pair is, field by field', () => {
    const before = [cm('a', { x: '1' }), cm('b', { x: '1' }), cm('c', { x: '1' })];
    const after = [cm('a', { x: '2' }), cm('b', { x: '2' }), cm('c', { x: '2' })];
    const said = new Map<string, boolean | undefined>([['a', true], ['b', false], ['c', undefined]]);
    const diff = compareObjects('t', before, after, (x, y) => {
      expect(x.metadata.name).toBe(y.metadata.name);
      return said.get(x.metadata.name as string);
    });
    expect(diff.changed.map((c) => c.object)).toEqual(['ConfigMap/n/b (v1)', 'ConfigMap/n/c (v1)']);
  });
});
