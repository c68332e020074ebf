import { ChildProcess, execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from '../../tools/deploy/args';
import { applySetId, PART_OF_LABEL } from '../../tools/deploy/applyset';
import { deploy, EXIT } from '../../tools/deploy/deploy';
import { planDeploy } from '../../tools/deploy/manifests';
import { synthTargets } from '../../main';

// The deploy command with the REAL kubectl 1.27 against a FAKE API server on 127.0.0.1
// (support/fake-apiserver.js): kubectl parses the exact flags the deploy passes (ApplySet is
// alpha in 1.27 and only exists with KUBECTL_APPLYSET=true), sends the server-side applies,
// creates the ApplySet parent, lists members by its label and prunes, reads rollout status and
// runs rollout undo. The fake stores what it is sent; it does not validate like a real API
// server, run pods or own fields, so this shows what kubectl does, not what a cluster does.
const ROOT = path.join(__dirname, '..', '..');
const IMAGE = 'docker.io/mincloud1501/nginx:1.0.0';
const BROKEN = 'docker.io/mincloud1501/nginx:6.6.6-broken';
const DEV_SET = applySetId('mincloud-dev', 'mincloud-dev', 'Secret', '');

interface Req { method: string; path: string; query: Record<string, string>; contentType: string | null }
interface Obj { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any }

jest.setTimeout(180000);

let server: ChildProcess;
let base: string;
let work: string;
let kubectl: string;
const lines: string[] = [];
const io = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) };

const get = async <T>(p: string): Promise<T> => (await fetch(`${base}${p}`)).json() as Promise<T>;
const objects = () => get<Obj[]>('/__objects');
const requests = () => get<Req[]>('/__requests');
const find = (all: Obj[], kind: string, name: string) => all.find((o) => o.kind === kind && o.metadata.name === name);

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-fake-api-'));
  kubectl = path.join(execFileSync('bash', [path.join(ROOT, 'tools', 'k8s-binaries.sh')], { encoding: 'utf-8' }).trim(), 'kubectl');
  server = spawn('node', [path.join(__dirname, 'support', 'fake-apiserver.js')], {
    env: { ...process.env, PORT: '0', FAIL_ROLLOUT_IMAGE: '6.6.6-broken' }, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve, reject) => {
    server.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(d.toString());
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`fake API server exited (${code})`)));
  });
  base = `http://127.0.0.1:${port}`;
  // The targets' contexts, both pointing at the fake.
  const kubeconfig = path.join(work, 'kubeconfig');
  fs.writeFileSync(kubeconfig, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'fake', cluster: { server: base } }], users: [{ name: 'nobody', user: {} }],
    contexts: ['kubernetes-admin@kubernetes', 'production'].map((name) => ({ name, context: { cluster: 'fake', user: 'nobody' } })),
    'current-context': 'production',
  }));
  process.env.KUBECONFIG = kubeconfig;
  process.env.SITE_IMAGE = IMAGE;
});
afterAll(() => {
  server?.kill('SIGTERM');
  delete process.env.KUBECONFIG;
  delete process.env.SITE_IMAGE;
  fs.rmSync(work, { recursive: true, force: true });
});
beforeEach(() => {
  lines.length = 0;
});

/** Runs the deploy; returns its exit code and the API requests it caused. */
async function run(args: string[]): Promise<{ code: number; reqs: Req[] }> {
  const before = (await requests()).length;
  const opts = parseArgs([...args, '--kubectl', kubectl, '--outdir', path.join(work, 'out'), '--timeout', '20s']);
  if (opts === 'help') throw new Error('unexpected help');
  const code = await deploy(opts, io);
  const reqs = (await requests()).slice(before).filter((r) => !r.path.startsWith('/__'));
  return { code, reqs };
}
const writes = (reqs: Req[]) => reqs.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}${r.query.dryRun ? ' (dry run)' : ''}`);

/** Runs the real kubectl against the fake, as someone at a terminal would. */
function kubectlRun(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(kubectl, ['--context', 'kubernetes-admin@kubernetes', ...args], { encoding: 'utf-8', env: { ...process.env, ...env } });
}

test('first deploy to an empty cluster: the namespace is new, the ApplySet parent is created, every object is a labelled member', async () => {
  const { code, reqs } = await run(['--env', 'dev']);
  expect(lines.filter((l) => l.startsWith('ERR'))).toEqual([]);
  expect(code).toBe(EXIT.ok);
  // The diff dry-ran only the cluster-scoped objects: the namespace did not exist yet.
  expect(writes(reqs).filter((w) => w.endsWith('(dry run)'))).toEqual([
    'PATCH /api/v1/namespaces/mincloud-dev (dry run)',
    'PATCH /apis/scheduling.k8s.io/v1/priorityclasses/mincloud-dev-services (dry run)',
  ]);
  expect(lines.join('\n')).toContain('7 object(s) would change');
  // Server-side apply with our field manager; the parent is written by kubectl's own manager.
  const patches = reqs.filter((r) => r.method === 'PATCH' && !r.query.dryRun);
  expect(patches.every((r) => r.contentType === 'application/apply-patch+yaml')).toBe(true);
  expect(new Set(patches.map((r) => r.query.fieldManager))).toEqual(new Set(['mincloud', 'kubectl-applyset']));
  expect(patches.filter((r) => r.query.fieldManager === 'mincloud').every((r) => r.query.force === 'true')).toBe(true);

  const all = await objects();
  const parent = find(all, 'Secret', 'mincloud-dev')!;
  expect(parent.metadata.namespace).toBe('mincloud-dev');
  expect(parent.metadata.labels).toEqual({ 'applyset.kubernetes.io/id': DEV_SET });
  expect(parent.metadata.annotations).toMatchObject({
    'applyset.kubernetes.io/tooling': 'kubectl/v1.27.1',
    'applyset.kubernetes.io/contains-group-resources': 'deployments.apps,networkpolicies.networking.k8s.io,poddisruptionbudgets.policy,serviceaccounts,services',
  });
  for (const kind of ['ServiceAccount', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']) {
    expect(find(all, kind, 'nginx1')?.metadata.labels?.[PART_OF_LABEL]).toBe(DEV_SET);
  }
  // Cluster-scoped objects are applied, but are no members: no namespaced set can prune them.
  expect(find(all, 'Namespace', 'mincloud-dev')?.metadata.labels?.[PART_OF_LABEL]).toBeUndefined();
  expect(find(all, 'PriorityClass', 'mincloud-dev-services')?.metadata.labels?.[PART_OF_LABEL]).toBeUndefined();
});

test('the same code again: kubectl diff finds no change', async () => {
  const { code, reqs } = await run(['--env', 'dev', '--dry-run']);
  expect(code).toBe(EXIT.ok);
  expect(lines.join('\n')).toContain('    no changes');
  expect(writes(reqs).every((w) => w.endsWith('(dry run)'))).toBe(true);
  expect(writes(reqs)).toHaveLength(7);
});

test('prune deletes what an earlier deploy applied and the code no longer defines, and nothing it does not own', async () => {
  // An earlier version of the code also had a ConfigMap "old-settings": apply that version the
  // way the deploy's prune step does.
  const earlier = path.join(work, 'earlier');
  await synthTargets(path.join(work, 'earlier-out'), { names: ['dev'] });
  const plan = planDeploy(path.join(work, 'earlier-out', 'dev'), 'mincloud-dev', {}, earlier);
  const labels = { 'app.kubernetes.io/managed-by': 'cdk8s', 'app.kubernetes.io/part-of': 'mincloud' };
  fs.writeFileSync(path.join(plan.pruneDir, '99-old.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'old-settings', namespace: 'mincloud-dev', labels }, data: { a: '1' } }));
  kubectlRun(['apply', '--server-side', '--field-manager=mincloud', '-n', 'mincloud-dev', '--applyset=secrets/mincloud-dev', '--prune', '-f', plan.pruneDir], { KUBECTL_APPLYSET: 'true' });
  // Objects someone else made in the same namespace, one with the very labels this project uses.
  const foreign = path.join(work, 'foreign.json');
  fs.writeFileSync(foreign, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'someone-elses', namespace: 'mincloud-dev', labels }, data: { b: '2' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-credentials', namespace: 'mincloud-dev' }, stringData: { password: 'x' } },
  ] }));
  kubectlRun(['apply', '--server-side', '--field-manager=someone', '-f', foreign]);
  expect(find(await objects(), 'ConfigMap', 'old-settings')?.metadata.labels?.[PART_OF_LABEL]).toBe(DEV_SET);

  const { code, reqs } = await run(['--env', 'dev']);
  expect(code).toBe(EXIT.ok);
  expect(reqs.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/v1/namespaces/mincloud-dev/configmaps/old-settings']);
  expect(lines.join('\n')).toContain('configmap/old-settings pruned');
  // kubectl looked for members by the set's label only, in the kinds the parent recorded.
  const lists = reqs.filter((r) => r.method === 'GET' && r.query.labelSelector);
  expect(lists.length).toBeGreaterThan(0);
  expect(new Set(lists.map((r) => r.query.labelSelector))).toEqual(new Set([`${PART_OF_LABEL}=${DEV_SET}`]));
  const after = await objects();
  expect(find(after, 'ConfigMap', 'old-settings')).toBeUndefined();
  expect(find(after, 'ConfigMap', 'someone-elses')).toBeDefined();
  expect(find(after, 'Secret', 'db-credentials')).toBeDefined();
  expect(find(after, 'Deployment', 'nginx1')).toBeDefined();
  expect(find(after, 'Secret', 'mincloud-dev')?.metadata.annotations?.['applyset.kubernetes.io/contains-group-resources']).not.toContain('configmaps');
});

test('a rollout that fails is undone with kubectl rollout undo: the previous pod template is back, nothing is pruned, exit 4', async () => {
  const { code, reqs } = await run(['--env', 'dev', '--image', BROKEN]);
  expect(code).toBe(EXIT.rolledBack);
  expect(lines.join('\n')).toContain('ERR deploy: deployment/nginx1 did not roll out: error: deployment "nginx1" exceeded its progress deadline');
  expect(reqs.filter((r) => r.method === 'DELETE')).toEqual([]);
  expect(reqs.some((r) => r.query.fieldManager === 'kubectl-applyset')).toBe(false);
  const undo = reqs.filter((r) => r.method === 'PATCH' && r.path === '/apis/apps/v1/namespaces/mincloud-dev/deployments/nginx1' && !r.query.fieldManager?.startsWith('mincloud'));
  expect(undo.map((r) => r.contentType)).toEqual(['application/json-patch+json']);
  const deployment = find(await objects(), 'Deployment', 'nginx1')!;
  expect(deployment.spec.template.spec.containers[0].image).toBe(IMAGE);
});

test('a new namespace whose first rollout fails has no revision to go back to: exit 5 (staging, with its custom resources)', async () => {
  const { code, reqs } = await run(['--env', 'staging', '--image', BROKEN]);
  expect(code).toBe(EXIT.rollbackFailed);
  expect(lines.join('\n')).toMatch(/deployment\/nginx1 could not be rolled back: error: no rollout history found for deployment "nginx1"/);
  expect(lines.join('\n')).toContain('deployment/api rolled out');
  // The custom resources went through the same server-side apply.
  for (const p of ['/apis/traefik.io/v1alpha1/namespaces/mincloud-staging/ingressroutes/web', '/apis/monitoring.coreos.com/v1/namespaces/mincloud-staging/servicemonitors/nginx1']) {
    expect(writes(reqs)).toContain(`PATCH ${p}`);
  }
});
