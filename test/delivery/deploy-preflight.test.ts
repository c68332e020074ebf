import { randomBytes } from 'crypto';
import * as fs from 'fs';
import { EXIT } from '../../tools/deploy/deploy';
import { configMap, editedSynth, SITE, TIME_SCALE } from './support/deploy-helpers';
import { useFakeCluster, writes } from './support/fake-cluster';
import { freePort } from '../support/free-port';

// Before anything is applied: the release fits Helm's storage, the context exists and answers,
// every CRD the target needs is Established. A failure applies nothing and says what to change.
// The real helm 4.1.4 and kubectl 1.27 against the test API server.
jest.setTimeout(180000);

const cluster = useFakeCluster(SITE);
beforeEach(() => cluster().reset({ timeScale: TIME_SCALE }));

test('a release too big for Helm\'s storage is refused before any request reaches the cluster, with the sizes', async () => {
  // 600 KiB of data in a ConfigMap (800 KiB as base64): a legal ConfigMap, but Helm's record of a
  // revision holds it twice (the chart's template and the rendered manifest), over 1 MiB gzipped.
  const big = configMap('mincloud-dev', 'big', { blob: randomBytes(600 * 1024).toString('base64') });
  const r = await cluster().deploy(['--target', 'dev'], editedSynth((docs) => [...docs, big]));
  expect(r.code).toBe(EXIT.synth);
  expect(r.reqs).toEqual([]);
  expect(r.out).toMatch(/ERR deploy: release mincloud-dev is too big for Helm's storage on cluster local \(context kubernetes-admin@kubernetes\): Helm would store each revision as a Secret of about 1\.\d\d MiB .* the API server refuses a Secret above 1\.00 MiB, after Helm changed the cluster\. Nothing was sent to any cluster/);
  // A normal release reports its size, far below.
  const ok = await cluster().deploy(['--target', 'dev', '--dry-run']);
  expect(ok.out).toMatch(/chart mincloud-dev: \d+ objects; Helm's record of a revision: 0\.\d\d MiB of 1\.00 MiB/);
});

test('--dry-run without the kube context: names the context it looked for, where it comes from, the contexts there are, and the fix', async () => {
  cluster().writeKubeconfig(['kind-local', 'minikube']);
  const r = await cluster().deploy(['--target', 'dev', '--dry-run']);
  expect(r.code).toBe(EXIT.preflight);
  expect(r.reqs).toEqual([]);
  expect(r.out).toContain('ERR deploy: preflight failed; nothing was applied to any cluster:\n'
    + `- kube context "kubernetes-admin@kubernetes" (cluster "local" of target dev in config/targets.ts) is not in the kubeconfig (${cluster().kubeconfig}).\n`
    + 'The kubeconfig has: "kind-local", "minikube".\n'
    + 'Pass --context <name> to use another one, or set the cluster\'s context in config/targets.ts.');
  expect((await cluster().deploy(['--target', 'dev', '--dry-run', '--context', 'minikube'])).code).toBe(EXIT.ok);
  expect((await cluster().deploy(['--target', 'dev', '--dry-run', '--context', 'prod-typo'])).out).toContain('kube context "prod-typo" (--context) is not in the kubeconfig');
  // --history and --rollback check it too.
  expect((await cluster().deploy(['--target', 'dev', '--history'])).out).toContain('kube context "kubernetes-admin@kubernetes" (cluster "local" of target dev in config/targets.ts) is not in the kubeconfig');
  expect((await cluster().deploy(['--target', 'dev', '--rollback'])).code).toBe(EXIT.preflight);
  fs.writeFileSync(cluster().kubeconfig, '');
  expect((await cluster().deploy(['--target', 'dev', '--dry-run'])).out).toContain('The kubeconfig has no contexts.');
});

test('a cluster that cannot be reached: exit 3, nothing applied', async () => {
  const port = await freePort(); // nothing listens there
  cluster().writeKubeconfig(['kubernetes-admin@kubernetes'], { gone: `http://127.0.0.1:${port}` });
  const r = await cluster().deploy(['--target', 'dev', '--context', 'gone']);
  expect(r.code).toBe(EXIT.preflight);
  expect(r.out).toContain(`- cannot reach cluster local (context "gone"): The connection to the server 127.0.0.1:${port} was refused`);
});

test('a CRD not installed, or not Established: the operator that brings it named, nothing applied', async () => {
  const none = await cluster().deploy(['--target', 'staging']);
  expect(none.code).toBe(EXIT.preflight);
  expect(writes(none.reqs)).toEqual([]);
  expect(none.out).toContain('- cluster local: IngressRoute (traefik.io/v1alpha1), needed for IngressRoute web, web-http: CRD ingressroutes.traefik.io is not installed. '
    + 'Install traefik (it brings the CRD), or the CRD alone: kubectl apply --server-side -f crds/traefik/traefik.io_ingressroutes.yaml');
  expect(none.out).toContain('CRD servicemonitors.monitoring.coreos.com is not installed. Install prometheus-operator');

  await cluster().control({ notEstablished: ['middlewares.traefik.io'] });
  cluster().installCrds('traefik', 'prometheus-operator');
  const r = await cluster().deploy(['--target', 'staging']);
  expect(r.code).toBe(EXIT.preflight);
  expect(writes(r.reqs)).toEqual([]);
  expect(r.out).toContain('- cluster local: Middleware (traefik.io/v1alpha1), needed for Middleware web-redirect-https, web-hsts: CRD middlewares.traefik.io exists but is not Established '
    + '(Installing: the initial names have not been accepted yet); wait for it, or check traefik\'s installation');
  expect(r.out).not.toContain('IngressRoute (traefik.io/v1alpha1)');
  await cluster().control({ notEstablished: [] });
  cluster().installCrds('traefik');
  expect((await cluster().deploy(['--target', 'staging'])).code).toBe(EXIT.ok);
});
