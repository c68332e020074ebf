import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ArtifactCache } from './artifact-cache';

describe('ArtifactCache', () => {
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'artifact-cache-')); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a JSON entry is produced once, then read back', () => {
    const cache = new ArtifactCache(dir);
    let produced = 0;
    const produce = () => { produced++; return { answer: 42 }; };
    expect(cache.json('thing', 'k1', produce)).toEqual({ answer: 42 });
    expect(new ArtifactCache(dir).json('thing', 'k1', produce)).toEqual({ answer: 42 });
    expect(produced).toBe(1);
  });

  test('another key is another entry, and replaces the older one of the same name', () => {
    const cache = new ArtifactCache(dir);
    cache.json('thing', 'k1', () => 1);
    cache.json('other', 'k1', () => 'kept');
    expect(cache.json('thing', 'k2', () => 2)).toBe(2);
    // Under jest the cache runs from the TypeScript sources: its entries are named for them.
    expect(fs.readdirSync(dir).sort()).toEqual(['other.ts--k1.json', 'thing.ts--k2.json']);
  });

  test('entries of the sources and of the build are kept apart: neither evicts the other', () => {
    fs.writeFileSync(path.join(dir, 'thing.js--k0.json'), '"from the build"');
    new ArtifactCache(dir).json('thing', 'k1', () => 1);
    new ArtifactCache(dir).json('thing', 'k2', () => 2);
    expect(fs.readdirSync(dir).sort()).toEqual(['thing.js--k0.json', 'thing.ts--k2.json']);
  });

  test('a module entry: the value now, its source loaded on later runs', () => {
    const cache = new ArtifactCache(dir);
    const first = cache.module('double', 'k', () => ({ value: (n: number) => n * 2, source: 'module.exports = (n) => n * 2;' }));
    expect(first(2)).toBe(4);
    const second = new ArtifactCache(dir).module<(n: number) => number>('double', 'k', () => { throw new Error('not called: the entry is on disk'); });
    expect(second(5)).toBe(10);
  });

  test('an unreadable entry is produced again', () => {
    fs.writeFileSync(path.join(dir, 'thing.ts--k.json'), '{ not json');
    expect(new ArtifactCache(dir).json('thing', 'k', () => 'fresh')).toBe('fresh');
    fs.writeFileSync(path.join(dir, 'mod.ts--k.js'), 'this is not javascript(');
    expect(new ArtifactCache(dir).module('mod', 'k', () => ({ value: 'fresh', source: 'module.exports = "fresh";' }))).toBe('fresh');
  });

  test('K8S_CHECKS_CACHE_DIR=off keeps nothing; another folder is used as given', () => {
    const before = process.env.K8S_CHECKS_CACHE_DIR;
    try {
      process.env.K8S_CHECKS_CACHE_DIR = 'off';
      expect(ArtifactCache.project().dir).toBeUndefined();
      let produced = 0;
      ArtifactCache.project().json('x', 'k', () => ++produced);
      ArtifactCache.project().json('x', 'k', () => ++produced);
      expect(produced).toBe(2);
      process.env.K8S_CHECKS_CACHE_DIR = dir;
      expect(ArtifactCache.project().dir).toBe(path.join(dir, 'artifacts'));
    } finally {
      if (before === undefined) delete process.env.K8S_CHECKS_CACHE_DIR; else process.env.K8S_CHECKS_CACHE_DIR = before;
    }
  });

  test('keys change with any input; names are checked', () => {
    expect(ArtifactCache.key('a', 'b')).not.toBe(ArtifactCache.key('ab'));
    expect(ArtifactCache.key(Buffer.from('x'))).toBe(ArtifactCache.key('x'));
    expect(() => new ArtifactCache(dir).json('a--b', 'k', () => 1)).toThrow('cache entry name "a--b" may only use letters, digits, ".", "_" and single "-"');
    expect(() => new ArtifactCache(dir).json('a/b', 'k', () => 1)).toThrow('may only use');
  });
});
