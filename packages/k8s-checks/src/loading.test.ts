// The package as plain Node loads it (the cdk8s CLI, the bin, any script): its build, lib/, which
// the system tests build first (test/support/build-workspace-packages.js). Installed elsewhere
// from its tarball: src/pack.test.ts.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as sources from './index';

const PACKAGE = path.resolve(__dirname, '..');

function node(script: string) {
  return spawnSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), encoding: 'utf-8', timeout: 60_000 });
}

describe('the package for plain Node', () => {
  test('requiring it by its path gives the build, with every export of the sources, and no TypeScript loader', () => {
    const r = node(`const k = require(${JSON.stringify(PACKAGE)});
      console.log(JSON.stringify({ file: require.resolve(${JSON.stringify(PACKAGE)}), exports: Object.keys(k).sort(), ts: Object.keys(require.extensions).filter((e) => e.includes('ts')) }));`);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ file: path.join(PACKAGE, 'lib', 'index.js'), exports: Object.keys(sources).sort(), ts: [] });
  });

  test('declarations beside every module of the build', () => {
    const built = fs.readdirSync(path.join(PACKAGE, 'lib'), { recursive: true, encoding: 'utf-8' }).filter((f) => f.endsWith('.js'));
    expect(built.length).toBeGreaterThan(20);
    expect(built.filter((f) => !fs.existsSync(path.join(PACKAGE, 'lib', f.replace(/\.js$/, '.d.ts'))))).toEqual([]);
    expect(built.filter((f) => /\.test\.js$|test-fixtures|rule-cases/.test(f))).toEqual([]);
  });

  test('the package uses no private Node internals', () => {
    const files = [path.join(PACKAGE, 'bin', 'k8s-checks.js'),
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
