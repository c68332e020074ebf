// index.js: plain Node (the cdk8s CLI, the bin) loads the TypeScript sources with no build
// step, and an edit to them takes effect on the next run.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const PACKAGE = path.resolve(__dirname, '..');
const ROOT_MODULES = path.dirname(path.dirname(require.resolve('tsx/package.json')));

function node(script: string, cwd: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['-e', script], { cwd, encoding: 'utf-8', env: { ...process.env, ...env }, timeout: 60_000 });
}

describe('index.js', () => {
  test('plain Node requires the package by its path and gets the plugins, the runner and the checks', () => {
    const r = node(`const k = require(${JSON.stringify(PACKAGE)}); console.log(['SchemaValidation', 'PolicyValidation', 'runValidations', 'formatReports', 'SchemaValidator', 'checkPolicies', 'main'].map((n) => typeof k[n]).join(' '))`, os.tmpdir());
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function function function function function');
  });

  test('an edit to the TypeScript sources takes effect on the next run', () => {
    // A copy of index.js beside sources of its own; tsx is found through NODE_PATH.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-checks-loading-'));
    try {
      fs.copyFileSync(path.join(PACKAGE, 'index.js'), path.join(dir, 'index.js'));
      fs.mkdirSync(path.join(dir, 'src'));
      const write = (n: number) => fs.writeFileSync(path.join(dir, 'src', 'index.ts'), `const answer: number = ${n};\nexport { answer };\n`);
      const answer = () => node("console.log(require('./index.js').answer)", dir, { NODE_PATH: ROOT_MODULES });
      write(1);
      expect(answer().stdout.trim()).toBe('1');
      write(2);
      const second = answer();
      expect(second.stderr).toBe('');
      expect(second.stdout.trim()).toBe('2');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the package uses no private Node internals', () => {
    const files = [path.join(PACKAGE, 'index.js'), path.join(PACKAGE, 'bin', 'k8s-checks.js'),
      ...fs.readdirSync(path.join(PACKAGE, 'src'), { recursive: true, encoding: 'utf-8' }).filter((f) => /\.(ts|js)$/.test(f) && !f.endsWith('.test.ts')).map((f) => path.join(PACKAGE, 'src', f))];
    const offending = files.filter((f) => /Module\._|require\.extensions|process\.binding/.test(fs.readFileSync(f, 'utf-8')));
    expect(offending).toEqual([]);
  });

  test('nothing in the package reaches outside it (no app code, no app data)', () => {
    const files = fs.readdirSync(PACKAGE, { recursive: true, encoding: 'utf-8' })
      .filter((f) => /\.(ts|js)$/.test(f) && !f.startsWith('node_modules')).map((f) => path.join(PACKAGE, f));
    const outside: string[] = [];
    for (const f of files) {
      for (const m of fs.readFileSync(f, 'utf-8').matchAll(/(?:from|require\(|import\()\s*['"](\.{1,2}\/[^'"]*)['"]/g)) {
        const target = path.resolve(path.dirname(f), m[1]);
        if (!target.startsWith(PACKAGE + path.sep)) outside.push(`${path.relative(PACKAGE, f)}: ${m[1]}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
