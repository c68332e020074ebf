// The package as a user gets it: `npm pack`, the tarball installed into an empty folder (its
// dependencies from the npm cache where it has them), then `npx k8s-checks` on manifests there
// and a cdk8s app there whose cdk8s.yaml declares the installed package's plugins.

import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { compliantManifests, container, find } from '../test/policy/test-fixtures';

jest.setTimeout(300_000);

const PACKAGE = path.resolve(__dirname, '..');
const CLI = path.join(path.dirname(require.resolve('cdk8s-cli/package.json')), 'bin', 'cdk8s');
const CDK8S = require.resolve('cdk8s');

let work: string;
let project: string;
let tarball: string;
// No CDK8S_* settings or npm configuration from the environment the tests run in.
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_') && !k.toLowerCase().startsWith('npm_'))),
  CDK8S_CHECK_UPGRADE: 'false',
};

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-checks-pack-'));
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: PACKAGE, env, encoding: 'utf-8' }));
  tarball = path.join(work, packed[0].filename);
  project = path.join(work, 'project');
  fs.mkdirSync(project);
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'project', version: '1.0.0', private: true }));
  execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], { cwd: project, env, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const yamlOf = (objects: unknown[]): string => objects.map((o) => stringify(o, { version: '1.1' })).join('---\n');

function npx(...args: string[]) {
  return spawnSync('npx', ['--no-install', 'k8s-checks', ...args], { cwd: project, env, encoding: 'utf-8', timeout: 60_000 });
}

describe('the packed package, installed into an empty folder', () => {
  test('holds the build, the data and the docs, and needs neither TypeScript nor tsx', () => {
    const files = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf-8' }).split('\n').filter(Boolean);
    expect(files).toEqual(expect.arrayContaining(['package/lib/index.js', 'package/lib/index.d.ts', 'package/bin/k8s-checks.js', 'package/schemas/k8s-1.27.0/_definitions.json', 'package/README.md']));
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /^package\/(src|test|bench)\/|tsbuildinfo/.test(f))).toEqual([]);
    const installed = fs.readdirSync(path.join(project, 'node_modules'));
    expect(installed).toContain('k8s-checks');
    expect(installed.filter((m) => ['tsx', 'typescript', 'ts-node', '@swc'].includes(m))).toEqual([]);
  });

  test('npx k8s-checks: a compliant manifest exits 0, one that breaks a rule exits 1 and names it, an unreadable one exits 2', () => {
    fs.writeFileSync(path.join(project, 'good.yaml'), yamlOf(compliantManifests()));
    const good = npx('good.yaml');
    expect({ status: good.status, stdout: good.stdout, stderr: good.stderr }).toEqual({ status: 0, stdout: '6 objects, 0 findings in 0 rules, 0 exemptions\n', stderr: '' });

    const m: any[] = compliantManifests();
    container(m).securityContext.privileged = true;
    fs.writeFileSync(path.join(project, 'privileged.yaml'), yamlOf(m));
    const bad = npx('privileged.yaml');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toContain('polaris/runAsPrivileged [danger]  1 object\n  Should not be running as privileged (container "web")');
    expect(bad.stdout).toContain('  - Deployment/mincloud/web in privileged.yaml at spec.template.spec.containers[0].securityContext.privileged\n');

    fs.writeFileSync(path.join(project, 'broken.yaml'), 'kind: [\n');
    const broken = npx('broken.yaml');
    expect(broken.status).toBe(2);
    expect(broken.stderr).toMatch(/^k8s-checks: broken\.yaml: not valid YAML or JSON: /);
  });

  test('cdk8s synth loads its plugins from the install, with the exemption reason annotation set in their properties', () => {
    const m: any[] = compliantManifests({ hpa: true });
    const annotations = find(m, 'Deployment').metadata.annotations;
    annotations['example.com/why'] = annotations['policy.mincloud.dev/reason'];
    delete annotations['policy.mincloud.dev/reason'];
    fs.writeFileSync(path.join(project, 'objects.json'), JSON.stringify(m));
    fs.writeFileSync(path.join(project, 'app.js'), [
      `const { App, Chart, ApiObject } = require(${JSON.stringify(CDK8S)});`,
      'const app = new App();',
      "const chart = new Chart(app, 'site');",
      "require('./objects.json').forEach((o, i) => new ApiObject(chart, `${o.kind}-${i}`, o));",
      'app.synth();',
    ].join('\n'));
    const synth = (reasonAnnotation?: string) => {
      fs.writeFileSync(path.join(project, 'cdk8s.yaml'), [
        'language: typescript',
        'app: node app.js',
        'validations:',
        '  - package: ./node_modules/k8s-checks',
        '    version: 1.0.0',
        '    class: SchemaValidation',
        '  - package: ./node_modules/k8s-checks',
        '    version: 1.0.0',
        '    class: PolicyValidation',
        ...(reasonAnnotation ? ['    properties:', `      reasonAnnotation: ${reasonAnnotation}`] : []),
      ].join('\n'));
      const r = spawnSync(process.execPath, [CLI, 'synth'], { cwd: project, env, encoding: 'utf-8', timeout: 120_000 });
      return { ...r, stdout: r.stdout.replace(/\x1b\[[0-9;]*m/g, '') };
    };

    const own = synth('example.com/why');
    expect(own.stderr).not.toMatch(/^\s+at /m);
    const installed = path.join(project, 'node_modules', 'k8s-checks');
    expect(fs.lstatSync(installed).isDirectory()).toBe(true); // unpacked from the tarball, not a link to the workspace
    expect(own.stdout.match(/Plugin\s+│ (\S+)/g)).toEqual([`Plugin     │ ${installed}`, `Plugin     │ ${installed}`]);
    expect(own.stdout).toMatch(/exemptions\s*│ 1/);
    expect(own.stdout).toContain('Validations ended succesfully');
    expect(own.status).toBe(0);

    const byDefault = synth();
    expect(byDefault.status).toBe(2);
    expect(byDefault.stdout).toContain('polaris/exemption-without-reason [warning] (1 occurrences)');
  });
});
