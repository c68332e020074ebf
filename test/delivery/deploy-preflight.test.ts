import * as fs from 'fs';
import * as path from 'path';
import { EXIT } from '../../tools/deploy/deploy';
import { SITE, TIME_SCALE } from './support/deploy-helpers';
import { FakeCluster, writes } from './support/fake-cluster';
import { freePort } from '../support/free-port';

// Preflight: before anything is applied, the deploy checks that the context exists, the cluster
// answers with a supported version and serves every kind of the target (custom kinds: their
// CRD Established). A failure applies nothing and says what to install or change. Real kubectl
// 1.27 against the fake API server.
jest.setTimeout(180000);

let cluster: FakeCluster;

beforeAll(async () => {
  cluster = await FakeCluster.start();
  process.env.SITE_IMAGE = SITE;
});
afterAll(async () => {
  await cluster?.stop();
  delete process.env.SITE_IMAGE;
});
beforeEach(() => cluster.reset({ timeScale: TIME_SCALE }));

test('--dry-run without the kube context: names the context it looked for, where it comes from, the contexts there are, and the fix', async () => {
  cluster.writeKubeconfig(['kind-local', 'minikube']);
  const r = await cluster.deploy(['--env', 'dev', '--dry-run']);
  expect(r.code).toBe(EXIT.preflight);
  expect(r.reqs).toEqual([]);
  expect(r.out).toContain(`ERR deploy: step 2/3 failed: kube context "kubernetes-admin@kubernetes" (cluster "local" of target dev in config/targets.ts) `
    + `is not in the kubeconfig (${cluster.kubeconfig}); nothing was sent to any cluster.\n`
    + 'The kubeconfig has: "kind-local", "minikube".\n'
    + 'Pass --context <name> to use another one, or set the cluster\'s context in config/targets.ts.');
  // --context names it instead.
  const other = await cluster.deploy(['--env', 'dev', '--dry-run', '--context', 'minikube']);
  expect(other.code).toBe(EXIT.ok);
  const wrong = await cluster.deploy(['--env', 'dev', '--dry-run', '--context', 'prod-typo']);
  expect(wrong.out).toContain('kube context "prod-typo" (--context) is not in the kubeconfig');
  // --history and --rollback check it too.
  expect((await cluster.deploy(['--env', 'dev', '--history'])).out).toContain('kube context "kubernetes-admin@kubernetes" (cluster "local" of target dev in config/targets.ts) is not in the kubeconfig');
  fs.writeFileSync(cluster.kubeconfig, '');
  expect((await cluster.deploy(['--env', 'dev', '--dry-run'])).out).toContain('The kubeconfig has no contexts.');
});

test('a cluster that cannot be reached: exit 3, nothing applied', async () => {
  const port = await freePort(); // nothing listens there
  cluster.writeKubeconfig(['kubernetes-admin@kubernetes'], { gone: `http://127.0.0.1:${port}` });
  const r = await cluster.deploy(['--env', 'dev', '--context', 'gone']);
  expect(r.code).toBe(EXIT.preflight);
  expect(r.out).toContain(`cannot reach the cluster of context "gone": The connection to the server 127.0.0.1:${port} was refused`);
  expect(r.out).toContain('nothing was applied');
});

test('a server version the manifests do not support: exit 3, nothing applied', async () => {
  await cluster.control({ version: { major: '1', minor: '25', gitVersion: 'v1.25.16' } });
  const r = await cluster.deploy(['--env', 'dev']);
  expect(r.code).toBe(EXIT.preflight);
  expect(writes(r.reqs)).toEqual([]);
  expect(r.out).toContain('- the server runs Kubernetes v1.25.16; the manifests are for 1.27-1.28 (validated against the 1.27 schema, applied with kubectl 1.27): '
    + 'upgrade the cluster, or deploy to one that runs a supported version');
  await cluster.control({ version: { major: '1', minor: '28+', gitVersion: 'v1.28.3-gke.1' } });
  expect((await cluster.deploy(['--env', 'dev', '--dry-run'])).code).toBe(EXIT.ok);
});

test('a CRD that is installed but not Established: its kinds are not served, and the message says so', async () => {
  await cluster.control({ notEstablished: ['middlewares.traefik.io'] });
  cluster.installCrds('traefik', 'prometheus-operator');
  const r = await cluster.deploy(['--env', 'staging']);
  expect(r.code).toBe(EXIT.preflight);
  expect(writes(r.reqs)).toEqual([]);
  expect(r.out).toContain('- Middleware (traefik.io/v1alpha1) is not served, needed for Middleware mincloud-staging/web-redirect-https, Middleware mincloud-staging/web-hsts: '
    + 'CRD middlewares.traefik.io exists but is not Established (Installing: the initial names have not been accepted yet); wait for it, or check traefik\'s installation');
  expect(r.out).not.toContain('IngressRoute (traefik.io/v1alpha1) is not served');
});

test('a diff the server refuses, or an ApplySet parent that is not ours: exit 3, nothing of the target applied', async () => {
  await cluster.control({ rules: [{ verb: 'patch', resource: 'deployments', dryRun: true, code: 403, message: 'deployments.apps "nginx1" is forbidden: User "ci" cannot patch resource "deployments"' }] });
  expect((await cluster.deploy(['--env', 'dev'])).code).toBe(EXIT.ok); // a first deploy diffs no Deployment
  const r = await cluster.deploy(['--env', 'dev']);
  expect(r.code).toBe(EXIT.preflight);
  expect(r.out).toContain('kubectl diff failed (exit 2); nothing was applied');
  expect(writes(r.reqs)).toEqual([]);

  await cluster.reset({ timeScale: TIME_SCALE });
  const parent = path.join(cluster.work, 'parent.json');
  cluster.kubectlRun(['create', 'namespace', 'mincloud-dev']);
  fs.writeFileSync(parent, JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mincloud-dev', namespace: 'mincloud-dev',
    labels: { 'applyset.kubernetes.io/id': 'applyset-other-v1' }, annotations: { 'applyset.kubernetes.io/tooling': 'helm/v3' } } }));
  cluster.kubectlRun(['apply', '--server-side', '-f', parent]);
  const theirs = await cluster.deploy(['--env', 'dev']);
  expect(theirs.code).toBe(EXIT.preflight);
  expect(theirs.out).toContain('ApplySet parent secrets/mincloud-dev in namespace mincloud-dev is managed by helm/v3, not kubectl; it is not this deploy\'s');
  expect(writes(theirs.reqs)).toEqual(['PATCH /api/v1/namespaces/mincloud-dev']);
});
