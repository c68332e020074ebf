import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// tools/ts-run/register.js, the runner of `npm run synth`, run as users run it: a fresh Node.js
// process with `-r`.

const REGISTER = path.resolve(__dirname, 'register.js');

describe('node -r tools/ts-run/register.js', () => {
  let work: string;
  let cache: string;
  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'ts-run-'));
    cache = path.join(work, 'cache');
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  /** Runs `file` and reports, from inside the process, whether swc was loaded. */
  const run = (file: string, env: Record<string, string> = {}) => {
    const probe = `process.on('exit', () => process.stderr.write('swc loaded: ' + Object.keys(require.cache).some((f) => f.includes('@swc/core/index'))));`;
    return spawnSync(process.execPath, ['-r', REGISTER, '-e', `${probe} require(${JSON.stringify(file)})`], {
      encoding: 'utf-8', env: { ...process.env, MINCLOUD_CACHE_DIR: cache, ...env },
    });
  };
  const entries = () => (fs.existsSync(path.join(cache, 'ts')) ? fs.readdirSync(path.join(cache, 'ts')).sort() : []);

  test('runs TypeScript; the second run takes the cached JavaScript and does not load swc', () => {
    const file = path.join(work, 'hello.ts');
    fs.writeFileSync(file, 'enum Greeting { Hi = "hello" }\nconst n: number = 42;\nconsole.log(`${Greeting.Hi} ${n}`);\n');
    const first = run(file);
    expect([first.status, first.stdout, first.stderr]).toEqual([0, 'hello 42\n', 'swc loaded: true']);
    expect(entries()).toEqual([expect.stringMatching(/^[0-9a-f]{16}-[0-9a-f]{32}\.js$/), expect.stringMatching(/\.js\.map$/)]);
    const second = run(file);
    expect([second.status, second.stdout, second.stderr]).toEqual([0, 'hello 42\n', 'swc loaded: false']);
  });

  test('an edited file is transpiled again, never served stale, and its older entry is removed', () => {
    const file = path.join(work, 'value.ts');
    fs.writeFileSync(file, 'console.log("one");\n');
    expect(run(file).stdout).toBe('one\n');
    const before = entries();
    fs.writeFileSync(file, 'console.log("two");\n');
    expect(run(file).stdout).toBe('two\n');
    const after = entries();
    expect(after).toHaveLength(2);
    expect(after).not.toEqual(before);
    expect(after[0].slice(0, 16)).toBe(before[0].slice(0, 16)); // same file, one entry
  });

  test('types are not checked (tsc does that), syntax errors stop the run with the file and line', () => {
    const typeError = path.join(work, 'types.ts');
    fs.writeFileSync(typeError, 'const s: number = "not a number";\nconsole.log(s);\n');
    expect(run(typeError).stdout).toBe('not a number\n');
    const broken = path.join(work, 'broken.ts');
    fs.writeFileSync(broken, 'const x = ;\n');
    const r = run(broken);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('broken.ts');
    expect(r.stderr).toMatch(/Expression expected|Unexpected token/);
  });

  test('V8\'s code cache: written at the end of a run, one entry per file, used by the next run', () => {
    const file = path.join(work, 'compiled.ts');
    const codeCache = () => fs.readdirSync(path.join(cache, 'v8')).flatMap((d) => fs.readdirSync(path.join(cache, 'v8', d)));
    fs.writeFileSync(file, 'export const value = 1;\nconsole.log(value);\n');
    expect(run(file).stdout).toBe('1\n');
    const first = codeCache();
    expect(first.length).toBeGreaterThan(0);
    expect(run(file).stdout).toBe('1\n');
    expect(codeCache()).toEqual(first); // nothing rejected, nothing rewritten
    fs.writeFileSync(file, 'export const value = 2;\nconsole.log(value);\n');
    expect(run(file).stdout).toBe('2\n');
    expect(codeCache()).toHaveLength(first.length); // the new version's cache replaced the old one
  });

  test('modules with a dynamic import(), and runs with --enable-source-maps, are left to Node\'s own loader', () => {
    const dynamic = path.join(work, 'dynamic.ts');
    fs.writeFileSync(dynamic, "import('os').then((os) => console.log(typeof os.cpus));\n");
    expect(run(dynamic).stdout).toBe('function\n');
    const thrower = path.join(work, 'thrower.ts');
    fs.writeFileSync(thrower, 'const n: number = 1;\n\nthrow new Error(`boom ${n}`);\n');
    const r = spawnSync(process.execPath, ['--enable-source-maps', '-r', REGISTER, thrower], { encoding: 'utf-8', env: { ...process.env, MINCLOUD_CACHE_DIR: cache } });
    expect(r.stderr).toContain('boom 1');
    expect(r.stderr).toContain(`${thrower}:3`); // the TypeScript line, through the source map
  });

  test('MINCLOUD_CACHE_DIR=off transpiles every time and writes nothing', () => {
    const file = path.join(work, 'off.ts');
    fs.writeFileSync(file, 'console.log("off");\n');
    const r = run(file, { MINCLOUD_CACHE_DIR: 'off' });
    expect([r.stdout, r.stderr]).toEqual(['off\n', 'swc loaded: true']);
    expect(fs.existsSync(cache)).toBe(false);
  });

  test('a cache that cannot be written costs speed, not the run', () => {
    fs.writeFileSync(cache, 'a file where the cache folder should be');
    const file = path.join(work, 'ro.ts');
    fs.writeFileSync(file, 'console.log("still runs");\n');
    expect(run(file).stdout).toBe('still runs\n');
  });

  test('main.ts run this way synthesizes what it synthesizes under jest\'s transform (the same .swcrc)', () => {
    const root = path.resolve(__dirname, '..', '..');
    const env = { ...process.env, MINCLOUD_CACHE_DIR: cache, SITE_IMAGE: '', API_IMAGE: '' };
    const runner = path.join(work, 'runner');
    const r = spawnSync(process.execPath, ['-r', REGISTER, path.join(root, 'main.ts'), '--outdir', runner], { cwd: root, encoding: 'utf-8', env });
    expect(r.status).toBe(0);
    const inJest = path.join(work, 'jest');
    (require('../../main') as typeof import('../../main')).main(['--outdir', inJest], env, () => undefined);
    const read = (d: string) => Object.fromEntries(fs.readdirSync(d).map((t) => [t, fs.readFileSync(path.join(d, t, `${t}.k8s.yaml`), 'utf-8')]));
    expect(Object.keys(read(runner)).sort()).toEqual(['dev', 'prod', 'staging']);
    expect(read(runner)).toEqual(read(inJest));
  });
});
