// The real `cdk8s synth` with this project's cdk8s.yaml (its RemoveRefusedOutput entry first,
// then the checks): the CLI empties the output folder before the app runs, so a failed check
// must leave no manifest there for kubectl apply, and a passed one the manifests alone.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '..');
const CLI = path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'bin', 'cdk8s');

let work: string;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-synth-refused-'));
  // One ConfigMap per target run, from objects.json: a misspelt field fails the schema check.
  fs.writeFileSync(path.join(work, 'app.ts'), `
import * as fs from 'fs';
import { ApiObject, Chart } from 'cdk8s';
import { runSynthCommand } from ${JSON.stringify(path.join(ROOT, 'synth', 'synth-command'))};

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
  const app = `node synth/compiled-entry.js --import ./synth/app-guard.ts ${path.join(work, 'app.ts')}`;
  const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_'))), CDK8S_CHECK_UPGRADE: 'false', NODE_PATH: path.join(ROOT, 'node_modules') };
  return spawnSync(process.execPath, [CLI, 'synth', '--app', app, '--output', path.join(work, 'dist')], { cwd: ROOT, env, encoding: 'utf-8', timeout: 120_000 });
}

describe('cdk8s synth keeps only output that passed', () => {
  const dist = () => path.join(work, 'dist');

  test('passed: the manifests and the marker, no construct metadata, nothing beside the folder', () => {
    const r = synth([configMap({ a: '1' })]);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.status).toBe(0);
    expect(fs.readdirSync(dist()).sort()).toEqual(['.synth-output', 'dev.k8s.yaml']);
    expect(fs.readdirSync(work).sort()).toEqual(['app.ts', 'dist', 'objects.json']);
  });

  test('a check failed: exit 2, the report, no manifest left in dist/, and how to get the last good output', () => {
    expect(synth([configMap({ a: '1' })]).status).toBe(0);
    const r = synth([configMap({ a: '2' }, 'datum')]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('schema/unknown-field [error]');
    expect(r.stderr).toContain(`synth: the manifests in ${dist()}/ did not pass; the synth removed what it wrote there (dev.k8s.yaml), so nothing unchecked is left to apply.`);
    expect(r.stderr).toContain('synthesize the last good commit (git stash; npm run synth');
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(fs.existsSync(dist())).toBe(false);
    expect(fs.readdirSync(work).sort()).toEqual(['app.ts', 'objects.json']);
  });
});
