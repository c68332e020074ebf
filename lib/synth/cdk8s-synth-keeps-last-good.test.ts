// The real `cdk8s synth` with this project's cdk8s.yaml (its KeepLastGoodOutput entry first,
// then the checks): the CLI empties the output folder before the app runs, so a failed check
// must leave it as it was, byte for byte, and a passed one must become the new last good output.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { hashTree } from '../../test/support/hash-tree';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'bin', 'cdk8s');

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-synth-last-good-'));
  // One ConfigMap per target run, from objects.json: a misspelt field fails the schema check.
  fs.writeFileSync(path.join(work, 'app.ts'), `
import * as fs from 'fs';
import { ApiObject, Chart } from 'cdk8s';
import { runSynthCommand } from ${JSON.stringify(path.join(ROOT, 'lib', 'synth', 'synth-command'))};

void runSynthCommand(process.argv.slice(2), process.env, {
  targets: [{ name: 'dev' }],
  build: (app) => {
    const chart = new Chart(app, 'dev');
    JSON.parse(fs.readFileSync(${JSON.stringify(path.join(work, 'objects.json'))}, 'utf-8')).forEach((o: any, i: number) => new ApiObject(chart, 'o' + i, o));
  },
  validate: () => async () => ({ passed: true, report: '', summary: [] }),
}).then((code) => { process.exitCode = code; });
`);
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const configMap = (data: Record<string, string>, field = 'data') => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'site', namespace: 'web' }, [field]: data });

function synth(objects: unknown[]) {
  fs.writeFileSync(path.join(work, 'objects.json'), JSON.stringify(objects));
  const app = `node lib/synth/compiled-entry.js --import ./lib/synth/app-guard.ts ${path.join(work, 'app.ts')}`;
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_'))), CDK8S_CHECK_UPGRADE: 'false', NODE_PATH: path.join(ROOT, 'node_modules') };
  return spawnSync(process.execPath, [CLI, 'synth', '--app', app, '--output', path.join(work, 'dist')], { cwd: ROOT, env, encoding: 'utf-8', timeout: 120_000 });
}

describe('cdk8s synth keeps only output that passed', () => {
  const dist = () => path.join(work, 'dist');

  test('passed: the manifests and the marker, no construct metadata, and a last good copy beside', () => {
    const r = synth([configMap({ a: '1' })]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(dist()).sort()).toEqual(['.synth-output', 'dev.k8s.yaml']);
    expect(hashTree(path.join(work, '.dist-last-good'))).toBe(hashTree(dist()));
  });

  test('a check failed: exit 2, the report, and dist/ byte-identical to the last good output', () => {
    expect(synth([configMap({ a: '1' })]).status).toBe(0);
    const before = hashTree(dist());
    const r = synth([configMap({ a: '2' }, 'datum')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('schema/unknown-field [error]');
    expect(r.stderr).toContain(`synth: ${dist()}/ did not pass; the last good output (target dev) was put back in its place.`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(hashTree(dist())).toBe(before);
  });

  test('a check failed and there was no earlier good output: nothing is left for kubectl apply', () => {
    const r = synth([configMap({ a: '2' }, 'datum')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`synth: ${dist()}/ did not pass and there was no earlier good output: ${dist()}/ was removed, so nothing unchecked is left to apply.`);
    expect(fs.existsSync(dist())).toBe(false);
  });
});
