import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { KubeObject, objectKey, readManifestFile } from 'k8s-checks';
import { synthScriptWith, writePrivilegedApp } from '../support/privileged-app';
import { lastGoodOutput } from '../support/last-good-output';

// What this project promises its users, typed as they type it: `npx cdk8s synth` (the cdk8s CLI,
// with this project's cdk8s.yaml and its validation plugins), then the literal
// `kubectl apply -f dist` with the real kubectl 1.27 against the test API server on 127.0.0.1
// (test/delivery/support/fake-apiserver.js). The only liberty taken: the CLI writes to a
// temporary folder's dist/ (`--output`), so the checkout's own dist/ is never touched, and
// kubectl runs in that folder, so `-f dist` is literal.
const ROOT = path.resolve(__dirname, '..', '..');
jest.setTimeout(240000);

let work: string;
let dist: string;
let server: ChildProcess;
let kubectl: string;
let base: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-synth-kubectl-'));
  dist = path.join(work, 'dist');
  kubectl = path.join(execFileSync('bash', [path.join(ROOT, 'tools', 'k8s-binaries.sh')], { encoding: 'utf-8' }).trim(), 'kubectl');
  server = spawn(process.execPath, [path.join(ROOT, 'test', 'delivery', 'support', 'fake-apiserver.js')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(m[1]);
    });
    server.once('exit', (code) => reject(new Error(`the test API server exited (${code})`)));
  });
  base = `http://127.0.0.1:${port}`;
  const kubeconfig = path.join(work, 'kubeconfig');
  fs.writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'test', cluster: { server: base } }], users: [{ name: 'nobody', user: {} }],
    contexts: ['kubernetes-admin@kubernetes', 'prod-eu', 'prod-us'].map((name) => ({ name, context: { cluster: 'test', user: 'nobody' } })),
    'current-context': 'kubernetes-admin@kubernetes',
  }));
  // No CDK8S_* or TARGET from the environment the tests run in: the commands as a user types them.
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_') && !['TARGET', 'TARGET_CLUSTER', 'SITE_IMAGE', 'API_IMAGE'].includes(k)));
  // NODE_PATH: the apps these tests write into the temporary folder import cdk8s like main.ts does.
  env = { ...env, KUBECONFIG: kubeconfig, KUBECACHEDIR: path.join(work, 'kube-cache'), NODE_PATH: path.join(ROOT, 'node_modules') };
});

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  fs.rmSync(work, { recursive: true, force: true });
});

/** `npx cdk8s synth` in the project, writing to the temporary dist/ (or `output`). */
function cdk8sSynth(args: string[] = [], extraEnv: NodeJS.ProcessEnv = {}, output = dist) {
  return spawnSync('npx', ['cdk8s', 'synth', '--output', output, ...args], { cwd: ROOT, env: { ...env, ...extraEnv }, encoding: 'utf-8', timeout: 120000 });
}

/** The last good output of `npx cdk8s synth` (dev), put into dist/. */
const goodOutput = lastGoodOutput(() => path.join(work, 'good-output'), (made) => expect(cdk8sSynth([], {}, made).status).toBe(0));
function putGoodOutput(): void {
  goodOutput(dist);
  expect(manifestsIn(dist)).toEqual(['dev.k8s.yaml']);
}

/** `kubectl apply -f dist`, literally, in the folder that holds dist/. */
function kubectlApply(context?: string) {
  return spawnSync(kubectl, [...(context ? ['--context', context] : []), 'apply', '-f', 'dist'], { cwd: work, env, encoding: 'utf-8' });
}

/**
 * The command the synth says installs the CRDs a target's custom resources need, run as a user
 * types it in the project's folder (its paths are the project's); it must name a CRD file for
 * every custom kind in dist/.
 */
function runCrdCommand(synthOutput: string) {
  const line = /^before applying it: install the CRDs it uses \(once per cluster\): (kubectl .*)$/m.exec(synthOutput);
  expect(line).not.toBeNull();
  const [, ...args] = line![1].split(' ');
  const files = args.filter((_a, i) => args[i - 1] === '-f');
  const custom = objectsIn(dist).filter((o) => /^[^/]*\.[^/]*\//.test(o.apiVersion) && !/\.k8s\.io\//.test(o.apiVersion));
  const kinds = new Set(files.flatMap((f) => readManifestFile(path.join(ROOT, f)).objects).map((c) => `${c.spec.group}/${c.spec.names.kind}`));
  expect(custom.filter((o) => !kinds.has(`${o.apiVersion.split('/')[0]}/${o.kind}`))).toEqual([]);
  return spawnSync(kubectl, args, { cwd: ROOT, env, encoding: 'utf-8' });
}

const manifestsIn = (dir: string) => fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
const objectsIn = (dir: string) => manifestsIn(dir).flatMap((f) => readManifestFile(path.join(dir, f)).objects);
const stored = async () => (await fetch(`${base}/__objects`)).json() as Promise<KubeObject[]>;
const id = objectKey;

/** An app whose site Deployment runs a privileged container: what the policy checks are for. */
const brokenApp = (): string => synthScriptWith(writePrivilegedApp(work));

describe('npx cdk8s synth, then kubectl apply -f dist', () => {
  test('cdk8s synth writes the default target, the seed\'s dev, as manifests directly in dist/; no stack trace, no upgrade notice; the CLI reports the validation', () => {
    const r = cdk8sSynth();
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).not.toContain('new version');
    expect(r.status).toBe(0);
    expect(manifestsIn(dist)).toEqual(['dev.k8s.yaml']);
    expect(r.stdout).toContain(`  - ${dist}/dev.k8s.yaml`);
    expect(r.stdout).toMatch(/Validation Report[\s\S]*Pod Security restricted \(v1\.27\), kube-score, kube-linter, Polaris[\s\S]*Validations ended succesfully/);
    expect(r.stderr).toContain(`target dev, ${objectsIn(dist).length} objects in dev.k8s.yaml`);
    const objects = objectsIn(dist);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(expect.arrayContaining(['Deployment/nginx1', 'Service/nginx1']));
    expect(objects.find((o) => o.kind === 'Service' && o.metadata.name === 'nginx1')!.spec).toMatchObject({ type: 'NodePort', ports: [{ port: 80 }] });
  });

  test('npm run synth writes the same bytes', () => {
    const other = path.join(work, 'npm-dist');
    const r = spawnSync('npm', ['run', '--silent', 'synth', '--', '--outdir', other], { cwd: ROOT, env, encoding: 'utf-8' });
    expect(r.status).toBe(0);
    for (const f of manifestsIn(dist)) expect(fs.readFileSync(path.join(other, f))).toEqual(fs.readFileSync(path.join(dist, f)));
    expect(manifestsIn(other)).toEqual(manifestsIn(dist));
  });

  test('kubectl apply -f dist applies exactly the manifests in dist/', async () => {
    const before = new Set((await stored()).map(id));
    const r = kubectlApply();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('namespace/mincloud-dev created');
    expect(r.stdout).toContain('deployment.apps/nginx1 created');
    expect(r.stdout).toContain('service/nginx1 created');
    const added = (await stored()).map(id).filter((k) => !before.has(k) && !k.startsWith('ReplicaSet/'));
    expect(added.sort()).toEqual(objectsIn(dist).map(id).sort());
  });

  test('TARGET=prod npx cdk8s synth, then kubectl apply -f dist, on a cluster with the CRDs prod uses', async () => {
    const r = cdk8sSynth([], { TARGET: 'prod' });
    expect(r.status).toBe(0);
    expect(manifestsIn(dist)).toEqual(['prod.k8s.yaml']);
    // The CRDs prod's custom resources need, installed with the command the synth prints.
    const crds = runCrdCommand(r.stderr);
    expect(crds.stderr).toBe('');
    expect(crds.status).toBe(0);
    const before = new Set((await stored()).map(id));
    const applied = kubectlApply('prod-eu');
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    const added = (await stored()).map(id).filter((k) => !before.has(k) && !k.startsWith('ReplicaSet/'));
    expect(added.sort()).toEqual(objectsIn(dist).map(id).sort());
    expect(added).toEqual(expect.arrayContaining(['Certificate.cert-manager.io/mincloud/web-tls', 'HorizontalPodAutoscaler/mincloud/nginx1']));
    // prod runs on two clusters; without TARGET_CLUSTER the synth is for the first, and says so.
    expect(r.stderr).toContain('target prod on cluster prod-eu (the first of prod-eu, prod-us; --cluster NAME for another)');
    expect(r.stderr).toContain('apply it with: kubectl --context prod-eu apply -f');
  });

  test('TARGET=prod TARGET_CLUSTER=prod-us npx cdk8s synth: prod for its second cluster (its own pod network), then kubectl --context prod-us apply -f dist', async () => {
    const r = cdk8sSynth([], { TARGET: 'prod', TARGET_CLUSTER: 'prod-us' });
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('target prod on cluster prod-us (number 2 of prod-eu, prod-us; --cluster NAME for another)');
    expect(r.stderr).toContain('apply it with: kubectl --context prod-us apply -f');
    expect(JSON.parse(fs.readFileSync(path.join(dist, '.synth-output'), 'utf-8'))).toMatchObject({ target: 'prod', cluster: 'prod-us' });
    const realIp = objectsIn(dist).find((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nginx1-real-ip-'))!;
    expect(realIp.data['real-ip.conf']).toContain('set_real_ip_from 10.4.0.0/14;');
    expect(realIp.data['real-ip.conf']).not.toContain('10.0.0.0/14');
    const applied = kubectlApply('prod-us');
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    expect((await stored()).map(id)).toContain(`ConfigMap/mincloud/${realIp.metadata.name}`);
    // A cluster the target does not run on: exit 1, naming its clusters; nothing left to apply.
    const wrong = cdk8sSynth([], { TARGET: 'prod', TARGET_CLUSTER: 'local' });
    expect(wrong.status).not.toBe(0);
    expect(wrong.stderr).toContain('target "prod": invalid cluster "local": the target runs on clusters "prod-eu", "prod-us" (config/targets.ts); name one of them');
    expect(fs.existsSync(dist)).toBe(false);
  });

  test('TARGET=preview npx cdk8s synth, then kubectl apply -f dist, on a cluster with Knative Serving\'s CRD', async () => {
    const r = cdk8sSynth([], { TARGET: 'preview' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Validation Report[\s\S]*Validations ended succesfully/);
    expect(r.stderr).toContain(`target preview, ${objectsIn(dist).length} objects in preview.k8s.yaml`);
    expect(manifestsIn(dist)).toEqual(['preview.k8s.yaml']);
    const crd = runCrdCommand(r.stderr);
    expect(crd.stderr).toBe('');
    expect(crd.status).toBe(0);
    const before = new Set((await stored()).map(id));
    const applied = kubectlApply();
    expect(applied.stderr).toBe('');
    expect(applied.status).toBe(0);
    expect(applied.stdout).toContain('service.serving.knative.dev/api created');
    const added = (await stored()).map(id).filter((k) => !before.has(k) && !k.startsWith('ReplicaSet/'));
    expect(added.sort()).toEqual(objectsIn(dist).map(id).sort());
  });

  test('a privileged container: exit 2, the CLI\'s report names the rule and the construct path, and kubectl apply -f dist then applies nothing', async () => {
    putGoodOutput();
    const r = cdk8sSynth(['--app', brokenApp()]);
    expect(r.status).toBe(2);
    const out = r.stdout.replace(/\x1b\[[0-9;]*m/g, '');
    expect(out).toMatch(/pod-security\/privileged \[error\] \(1 occurrences\)\s+Occurrences:\s+- Construct Path: dev\/nginx1\/Deployment\s+- Manifest Path: .*dist\/dev\.k8s\.yaml\s+- Resource Name: Deployment\/mincloud-dev\/nginx1\s+- Locations:\s+> spec\.template\.spec\.containers\[0\]\.securityContext\.privileged/);
    expect(out).toMatch(/How to fix: Set securityContext\.privileged to false/);
    expect(r.stderr).toContain('Validation failed');
    expect(r.stderr).toContain(`synth: the manifests in ${dist}/ did not pass; the synth removed what it wrote there (dev.k8s.yaml), so nothing unchecked is left to apply.`);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const before = await stored();
    const applied = kubectlApply();
    expect(applied.status).not.toBe(0);
    expect(applied.stderr).toContain('the path "dist" does not exist');
    expect(await stored()).toEqual(before);
  });

  test('an app that fails: exit 1, what is wrong, no manifest in dist/ (the CLI emptied it first), and how to get the last good output', () => {
    putGoodOutput();
    const r = cdk8sSynth([], { SITE_IMAGE: 'nginx:latest' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('synth failed: environment variable SITE_IMAGE: invalid image tag "latest"');
    expect(r.stderr).toContain(`cdk8s synth removed ${dist}/ before the app ran, so it holds no manifests now.`);
    expect(r.stderr).toContain(`git stash; npm run synth -- --outdir ${dist}; git stash pop`);
    expect(fs.existsSync(dist)).toBe(false);
  });

  test('an app that does not even load (a syntax error): its file and line, and no manifest in dist/', () => {
    putGoodOutput();
    const file = path.join(work, 'syntax-error.ts');
    fs.writeFileSync(file, 'const x = (1;\n');
    const r = cdk8sSynth(['--app', synthScriptWith(file)]);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/synth failed: .*syntax-error\.ts:1:\d+: ERROR/);
    expect(r.stderr).toContain('so it holds no manifests now');
    expect(fs.existsSync(dist)).toBe(false);
  });

  test('--no-validate is honoured: the output is written unchecked, as asked, with no construct metadata', () => {
    const r = cdk8sSynth(['--no-validate', '--app', brokenApp()]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('Validation Report');
    expect(fs.readFileSync(path.join(dist, 'dev.k8s.yaml'), 'utf-8')).toContain('privileged: true');
    expect(manifestsIn(dist)).toEqual(['dev.k8s.yaml']);
  });
});
