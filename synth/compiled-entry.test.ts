import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The runner of `npm run synth` and of cdk8s.yaml's app, for real: plain Node running a
// TypeScript entry from its compiled bundle. Each test has its own cache folder.
const RUNNER = path.join(__dirname, 'compiled-entry.js');
jest.setTimeout(60000);

describe('compiled-entry.js', () => {
  let work: string;
  let cache: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'compiled-entry-'));
    cache = path.join(work, 'cache');
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  const write = (file: string, text: string) => fs.writeFileSync(path.join(work, file), text);
  const run = (...args: string[]) => spawnSync(process.execPath, [RUNNER, ...args], {
    cwd: work, encoding: 'utf-8', env: { ...process.env, COMPILED_ENTRY_CACHE_DIR: cache },
  });
  const bundles = () => fs.readdirSync(cache).filter((f) => f.endsWith('.js'));

  test('an edit is always seen, even one that keeps the file\'s size and time; an unchanged run reuses the bundle', () => {
    write('colour.ts', "export const colour: string = 'blue';\n");
    write('main.ts', "import { colour } from './colour';\nconsole.log(colour, process.argv.slice(2).join(' '));\n");
    expect(run('main.ts', '--a', 'b').stdout).toBe('blue --a b\n');
    const first = bundles();
    expect(run('main.ts').stdout).toBe('blue \n');
    expect(bundles()).toEqual(first);

    const stat = fs.statSync(path.join(work, 'colour.ts'));
    write('colour.ts', "export const colour: string = 'pink';\n");
    fs.utimesSync(path.join(work, 'colour.ts'), stat.atime, stat.mtime);
    expect(run('main.ts').stdout).toBe('pink \n');
    // The older bundle of the entry is gone: the cache does not grow with every edit.
    expect(bundles()).toHaveLength(1);
    expect(bundles()).not.toEqual(first);
  });

  test('what the cache holds for an entry that no longer exists is gone after the next build; the rest stays', () => {
    write('gone.ts', "console.log('gone');\n");
    write('kept.ts', "console.log('kept');\n");
    expect(run('gone.ts').stdout).toBe('gone\n');
    expect(run('kept.ts').stdout).toBe('kept\n');
    const both = fs.readdirSync(cache);
    fs.rmSync(path.join(work, 'gone.ts'));
    write('next.ts', "console.log('next');\n");
    expect(run('next.ts').stdout).toBe('next\n');
    const left = fs.readdirSync(cache);
    const tagOf = (f: string) => f.slice(0, 16);
    const gone = both.filter((f) => !left.includes(f));
    expect(gone.length).toBeGreaterThanOrEqual(3);
    // All of one entry's files (record, bundle, map), and nothing of another's.
    expect(new Set(gone.map(tagOf)).size).toBe(1);
    expect(left.filter((f) => tagOf(f) === tagOf(gone[0]))).toEqual([]);
    expect(run('kept.ts').stdout).toBe('kept\n');
    expect(fs.readdirSync(cache).filter((f) => f.endsWith('.js'))).toHaveLength(2);
  });

  /** A project whose main.ts logs colour.ts's `colour`, declared by `declaration`; colour.ts's real path. */
  const colourProject = (declaration: string): string => {
    write('colour.ts', `${declaration}\n`);
    write('main.ts', "import { colour } from './colour';\nconsole.log(colour);\n");
    return path.join(fs.realpathSync(work), 'colour.ts');
  };
  /**
   * Runs `fn` with the runner's compile loaded in this process (so that a test can spy on what it
   * reads), its cache folder this test's, and main.ts as the entry.
   */
  const inProcess = (fn: (compile: (entry: string) => Promise<string>, entry: string) => Promise<void>): Promise<void> => {
    process.env.COMPILED_ENTRY_CACHE_DIR = cache;
    return jest.isolateModulesAsync(async () => {
      const { compile } = require(RUNNER) as typeof import('./compiled-entry');
      await fn(compile, path.join(work, 'main.ts'));
    }).finally(() => {
      delete process.env.COMPILED_ENTRY_CACHE_DIR;
    });
  };

  /** The bundle `compile` gives, and how many times it read each of `files` (spied on fs). */
  const readsDuring = async (compile: () => Promise<string>, ...files: string[]): Promise<{ bundle: string; reads: number[] }> => {
    const read = jest.spyOn(jest.requireActual<typeof fs>('fs'), 'readFileSync');
    try {
      const bundle = await compile();
      return { bundle, reads: files.map((file) => read.mock.calls.filter(([f]) => f === file).length) };
    } finally {
      read.mockRestore();
    }
  };

  test('an unchanged entry is found fresh by its files\' stats, without reading them; an edit is not', () => {
    const source = colourProject("export const colour: string = 'blue';");
    return inProcess(async (compile, entry) => {
      const built = await readsDuring(() => compile(entry), source);
      expect(built.reads).toEqual([1]);
      // The files may have been written in the tick the build started in: read once more, then trusted.
      const checked = await readsDuring(() => compile(entry), source);
      expect(checked.bundle).toBe(built.bundle);
      expect(await readsDuring(() => compile(entry), source)).toEqual({ bundle: built.bundle, reads: [0] });

      const stat = fs.statSync(source);
      write('colour.ts', "export const colour: string = 'pink';\n");
      fs.utimesSync(source, stat.atime, stat.mtime);
      const rebuilt = await readsDuring(() => compile(entry), source);
      expect(rebuilt.bundle).not.toBe(built.bundle);
      expect(fs.readFileSync(rebuilt.bundle, 'utf8')).toContain('pink');
    });
  });

  test('a build after an edit reads the edited file again, and not the files this process read before', () => {
    const source = colourProject("export const colour: string = 'blue';");
    const main = path.join(path.dirname(source), 'main.ts');
    return inProcess(async (compile, entry) => {
      expect((await readsDuring(() => compile(entry), main, source)).reads).toEqual([1, 1]);
      // Files written in the tick the first build started in are read once more, then kept.
      await compile(entry);
      write('colour.ts', "export const colour: string = 'pink';\n");
      const rebuilt = await readsDuring(() => compile(entry), main, source);
      const [mainReads, colourReads] = rebuilt.reads;
      expect(mainReads).toBe(0);
      expect(colourReads).toBeGreaterThanOrEqual(1);
      expect(fs.readFileSync(rebuilt.bundle, 'utf8')).toContain('pink');
    });
  });

  test('a file kept from an earlier build is read again while its stats cannot vouch for it (it changed in or after that build\'s tick)', () => {
    const source = colourProject("export const colour: string = 'blue';");
    const realFs: typeof fs = jest.requireActual('fs');
    const statSync = realFs.statSync.bind(realFs);
    // colour.ts's stats stay the same across the edit, its ctime in the future: as an edit in
    // the same tick of a coarse clock, with its size kept, looks.
    const frozen = { ...statSync(source, { bigint: true }), ctimeNs: 2n ** 62n };
    const stat = jest.spyOn(realFs, 'statSync').mockImplementation(((file: fs.PathLike, options?: fs.StatSyncOptions) => (
      file === source && options?.bigint ? frozen : statSync(file, options)
    )) as typeof fs.statSync);
    return inProcess(async (compile, entry) => {
      await compile(entry);
      write('colour.ts', "export const colour: string = 'pink';\n");
      expect(fs.readFileSync(await compile(entry), 'utf8')).toContain('pink');
    }).finally(() => stat.mockRestore());
  });

  test('an edit made while the build runs, after it read the file, is seen by the next run', () => {
    // It names __dirname: what the build read of it is what the bundle holds.
    const source = colourProject("export const colour: string = 'blue', here = __dirname;");
    const realFs: typeof fs = jest.requireActual('fs');
    const readFile = realFs.readFileSync.bind(realFs);
    const stat = fs.statSync(source);
    let edited = false;
    const read = jest.spyOn(realFs, 'readFileSync').mockImplementation(((file: fs.PathOrFileDescriptor, options?: unknown) => {
      const text = readFile(file, options as BufferEncoding);
      if (file === source && !edited) {
        edited = true;
        // Same size and mtime; its ctime, from after the build started, is in the signature taken after the build.
        realFs.writeFileSync(source, "export const colour: string = 'pink', here = __dirname;\n");
        realFs.utimesSync(source, stat.atime, stat.mtime);
      }
      return text;
    }) as typeof fs.readFileSync);
    return inProcess(async (compile, entry) => {
      const first = await compile(entry);
      read.mockRestore();
      expect(readFile(first, 'utf8')).toContain('blue');
      const next = await compile(entry);
      expect(readFile(next, 'utf8')).toContain('pink');
    }).finally(() => read.mockRestore());
  });

  test('each file sees its own __dirname, and only the entry is the main module', () => {
    fs.mkdirSync(path.join(work, 'sub'));
    write('sub/lib.ts', "export const where = __dirname;\nexport const libIsMain = require.main === module;\n");
    write('main.ts', "import { where, libIsMain } from './sub/lib';\nconsole.log(JSON.stringify({ where, here: __filename, libIsMain, mainIsMain: require.main === module }));\n");
    const r = run('main.ts');
    expect(JSON.parse(r.stdout)).toEqual({ where: path.join(fs.realpathSync(work), 'sub'), here: path.join(fs.realpathSync(work), 'main.ts'), libIsMain: false, mainIsMain: true });
  });

  test('a syntax error names the file, line and column, and exits 1', () => {
    write('main.ts', 'const x = (;\n');
    const r = run('main.ts');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/main\.ts:1:11: ERROR: Unexpected ";"/);
  });

  test('a stack trace names the TypeScript file and line the error came from', () => {
    write('fail.ts', "\n\nexport function fail(): never {\n  throw new Error('no');\n}\n");
    write('main.ts', "import { fail } from './fail';\nfail();\n");
    const r = run('main.ts');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/Error: no\n\s+at fail \(.*fail\.ts:4:9\)/);
  });

  test('a run compiles from V8\'s code cache kept beside its bundle, and one V8 refuses is written again', () => {
    write('main.ts', "console.log('ran', process.argv.slice(2).join(' '));\n");
    expect(run('main.ts', 'one').stdout).toBe('ran one\n');
    const [codeCache] = fs.readdirSync(cache).filter((f) => f.endsWith('.js.v8'));
    expect(codeCache).toBeDefined();
    const written = fs.readFileSync(path.join(cache, codeCache));
    expect(run('main.ts', 'two').stdout).toBe('ran two\n');
    expect(fs.readFileSync(path.join(cache, codeCache))).toEqual(written);
    fs.writeFileSync(path.join(cache, codeCache), 'not a code cache');
    expect(run('main.ts', 'three').stdout).toBe('ran three\n');
    expect(fs.readFileSync(path.join(cache, codeCache)).length).toBeGreaterThan(100);
  });

  test('a bundle is ASCII, whatever its sources\' comments and strings hold, and runs as they say', () => {
    write('text.ts', "/*! © the authors */\n// “Quoted” comment — with non-ASCII ✓\n/** A JSDoc comment: naïve */\nexport const text = 'é ✓ 😀';\n");
    write('main.ts', "import { text } from './text';\nconsole.log(text);\n");
    const r = run('main.ts');
    expect(r.stdout).toBe('é ✓ 😀\n');
    const [bundle] = bundles();
    // Read as latin1, a one-byte string for V8: no byte may be above 0x7f.
    expect([...fs.readFileSync(path.join(cache, bundle))].filter((b) => b > 0x7f)).toEqual([]);
  });

  test('a run bundles the packages it imports, and the bundles the watch loop reloads share them', () => {
    fs.symlinkSync(path.join(__dirname, '..', 'node_modules'), path.join(work, 'node_modules'));
    write('chart.ts', "export { App } from 'cdk8s';\nexport const fresh = Math.random();\n");
    write('main.ts', `import { App } from 'cdk8s';\nimport * as first from './chart';\nimport { reload } from ${JSON.stringify(RUNNER)};\n`
      + "void reload(require('path').join(__dirname, 'chart.ts')).then((again) => console.log(JSON.stringify({ "
      + "bundled: !Object.keys(require.cache).some((f) => f.includes('/node_modules/cdk8s/')), sameApp: again.App === App && first.App === App, fresh: again.fresh !== first.fresh })))\n"
      // The watch loop's esbuild service would keep the process up.
      + '  .then(() => process.exit(0));\n');
    const r = run('main.ts');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ bundled: true, sameApp: true, fresh: true });
  });

  test('the generated imports are evaluated once: the bundles the watch loop reloads take the run\'s', () => {
    fs.symlinkSync(path.join(__dirname, '..', 'node_modules'), path.join(work, 'node_modules'));
    const k8s = JSON.stringify(path.relative(work, path.join(__dirname, '..', 'imports', 'k8s')));
    write('chart.ts', `export { KubeNamespace } from ${k8s};\nexport const fresh = Math.random();\n`);
    write('main.ts', `import { KubeNamespace } from ${k8s};\nimport * as first from './chart';\nimport { reload } from ${JSON.stringify(RUNNER)};\n`
      + "void reload(require('path').join(__dirname, 'chart.ts')).then((again) => console.log(JSON.stringify({ "
      + 'same: again.KubeNamespace === KubeNamespace && first.KubeNamespace === KubeNamespace, fresh: again.fresh !== first.fresh })))\n'
      + '  .then(() => process.exit(0));\n');
    const r = run('main.ts');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ same: true, fresh: true });
  });

  test('a package of the project\'s own is bundled once, and loading it by its folder gives that one', () => {
    // A workspace package: node_modules links to it, its real path is no node_modules.
    fs.mkdirSync(path.join(work, 'packages', 'checks'), { recursive: true });
    write('packages/checks/package.json', JSON.stringify({ name: 'checks', main: 'index.js' }));
    write('packages/checks/index.js', 'exports.token = {};\n');
    fs.mkdirSync(path.join(work, 'node_modules'));
    fs.symlinkSync(path.join(work, 'packages', 'checks'), path.join(work, 'node_modules', 'checks'));
    write('main.ts', "import checks = require('checks');\n"
      + "const byFolder = require(require('path').join(__dirname, 'packages', 'checks'));\n"
      + "console.log(JSON.stringify({ same: byFolder.token === checks.token, bundled: !Object.keys(require.cache).some((f) => f.endsWith('index.js')) }));\n");
    const r = run('main.ts');
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ same: true, bundled: true });
  });
});
