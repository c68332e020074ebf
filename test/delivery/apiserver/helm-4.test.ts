import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { FakeCluster, Obj, ROOT } from '../support/fake-cluster';
import { HelmEnv, helmEnv } from '../support/helm-env';
import { appObjects } from '../../support/synth';

// The real helm 4.1.4 (tools/k8s-binaries.sh) against the test API server, with an isolated
// helm home and kubeconfig in the test's folder, on the project's charts (built by `npm run helm`
// into the test's folder): what `npm run deploy` on Helm relies on.
jest.setTimeout(180000);

let cluster: FakeCluster;
let h: HelmEnv;
let charts: string;
const CONTEXT = 'kubernetes-admin@kubernetes';
beforeAll(async () => {
  cluster = await FakeCluster.start();
  charts = path.join(cluster.work, 'charts');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools', 'helm', 'cli.ts'), '--target', 'dev,staging,prod',
    '--out', charts, '--repo', path.join(cluster.work, 'repo')], { cwd: ROOT, stdio: 'pipe' });
  h = helmEnv(path.join(cluster.work, 'helm'), { [CONTEXT]: cluster.url });
});
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(async () => {
  await cluster.reset();
});

const chart = (name: string) => path.join(charts, name);
/** `helm upgrade --install` as the deploy runs it. */
const upgrade = (release: string, chartDir: string, extra: string[] = []) => h.run(['upgrade', '--install', release, chartDir, '-n', 'default',
  '--kube-context', CONTEXT, '--server-side=true', '--rollback-on-failure', '--wait=watcher', '--timeout', '60s', ...extra]);
const releases = async (name: string) => (await cluster.objects())
  .filter((o) => o.kind === 'Secret' && o.metadata.labels?.owner === 'helm' && o.metadata.labels?.name === name)
  .sort((a, b) => Number(a.metadata.labels!.version) - Number(b.metadata.labels!.version));
const image = async () => (await cluster.find('Deployment', 'nginx1'))!.spec.template.spec.containers[0].image as string;

/** The dev target's Deployments that run the site image (the ones withImage changes), by name. */
const siteDeployments = () => appObjects('dev').filter((o) => o.kind === 'Deployment' && /nginx:/.test(o.spec.template.spec.containers[0].image))
  .map((d) => d.metadata.name);

/** A copy of a chart whose nginx image is `image` (a new release of the app). */
function withImage(chartDir: string, to: string): string {
  const copy = path.join(cluster.work, `${path.basename(chartDir)}-${to.replace(/[^a-z0-9]/gi, '-')}`);
  fs.cpSync(chartDir, copy, { recursive: true });
  for (const f of fs.readdirSync(path.join(copy, 'templates'))) {
    const file = path.join(copy, 'templates', f);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf-8').replace(/image: (\S*nginx):[\w.-]+/g, `image: $1:${to}`));
  }
  return copy;
}

test('helm upgrade --install of the dev chart, server-side, waits until every object is Current; the release Secret (sent as protobuf) is stored as Helm stores releases', async () => {
  const installed = await upgrade('dev', chart('mincloud-dev'));
  expect(installed.stderr).toBe('');
  expect(installed.status).toBe(0);
  expect(installed.stdout).toContain('STATUS: deployed');
  const reqs = await cluster.requests();
  const secretWrites = reqs.filter((r) => r.path.startsWith('/api/v1/namespaces/default/secrets') && r.method !== 'GET');
  expect(secretWrites.map((r) => `${r.method} ${r.contentType}`)).toEqual([
    'POST application/vnd.kubernetes.protobuf', 'PUT application/vnd.kubernetes.protobuf']);
  const [release] = await releases('dev');
  expect(release.type).toBe('helm.sh/release.v1');
  expect(release.metadata.labels).toEqual(expect.objectContaining({ owner: 'helm', name: 'dev', status: 'deployed', version: '1' }));
  // Helm's release record: base64 of gzip of JSON, in the Secret's data as bytes.
  const record = JSON.parse(require('zlib').gunzipSync(Buffer.from(Buffer.from(release.data!.release, 'base64').toString(), 'base64')).toString());
  expect(record).toEqual(expect.objectContaining({ name: 'dev', version: 1, namespace: 'default' }));
  // Every object applied server-side by the field manager "helm", and waited for by kind (LIST then WATCH).
  const deployment = (await cluster.find('Deployment', 'nginx1'))!;
  expect(deployment.metadata.managedFields!.filter((m) => m.operation === 'Apply').map((m) => m.manager)).toEqual(['helm']);
  expect(deployment.metadata.labels!['app.kubernetes.io/managed-by']).toBe('Helm');
  expect(deployment.status.conditions.find((c: any) => c.type === 'Available').status).toBe('True');
  expect((await cluster.find('Service', 'nginx1'))!.spec.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
  const applied = reqs.filter((r) => r.method === 'PATCH').map((r) => [r.contentType, r.query.fieldManager, r.query.fieldValidation]);
  expect(new Set(applied.map((a) => a.join(' ')))).toEqual(new Set(['application/apply-patch+yaml helm Strict']));
  const watches = reqs.filter((r) => r.query.watch === 'true' && r.status === 200).map((r) => r.path);
  expect(watches).toEqual(expect.arrayContaining(['/apis/apps/v1/namespaces/mincloud-dev/deployments', '/api/v1/namespaces/mincloud-dev/services']));
  // The same again: a second revision, nothing changed.
  expect((await upgrade('dev', chart('mincloud-dev'))).status).toBe(0);
  expect((await releases('dev')).map((s) => s.metadata.labels!.status)).toEqual(['superseded', 'deployed']);
});

test('an upgrade whose rollout fails ends at the progress deadline and --rollback-on-failure rolls the whole release back; helm history, rollback and list', async () => {
  expect((await upgrade('dev', chart('mincloud-dev'))).status).toBe(0);
  const good = await image();
  await cluster.control({ timeScale: 0.01, failImages: ['nginx:9.9.9'] });
  const failed = await upgrade('dev', withImage(chart('mincloud-dev'), '9.9.9'));
  expect(failed.status).toBe(1);
  expect(failed.stderr).toContain('UPGRADE FAILED: release dev failed, and has been rolled back due to rollback-on-failure being set: resource Deployment/mincloud-dev/nginx1 not ready. status: Failed, message: Progress deadline exceeded');
  expect(await image()).toBe(good);
  const history = h.runSync(['history', 'dev', '-n', 'default', '-o', 'json']);
  // Revision 2 names every Deployment of the site image that never became ready, in Helm's order.
  const notReady = siteDeployments().map((d) => `resource Deployment/mincloud-dev/${d} not ready. status: Failed, message: Progress deadline exceeded`);
  const revisions = JSON.parse(history.stdout).map((r: any) => [r.revision, r.status, r.description.split('\n').sort()]);
  expect(revisions).toEqual([
    [1, 'superseded', ['Install complete']],
    [2, 'failed', [`Upgrade "dev" failed: ${notReady[0]}`, ...notReady.slice(1)].sort()],
    [3, 'deployed', ['Rollback to 1']],
  ]);
  const list = JSON.parse(h.runSync(['list', '-n', 'default', '-o', 'json']).stdout);
  expect(list.map((r: any) => [r.name, r.revision, r.status])).toEqual([['dev', '3', 'deployed']]);
  // helm rollback to the failed revision fails the same way; back to 3 it is fine.
  const back = await h.run(['rollback', 'dev', '2', '-n', 'default', '--wait=watcher', '--timeout', '60s']);
  expect(back.status).toBe(1);
  expect(back.stderr).toContain('Progress deadline exceeded');
  expect(await image()).toContain('9.9.9');
  const again = await h.run(['rollback', 'dev', '3', '-n', 'default', '--wait=watcher', '--timeout', '60s']);
  expect(again.stderr).toBe('');
  expect(await image()).toBe(good);
  expect(JSON.parse(h.runSync(['history', 'dev', '-n', 'default', '-o', 'json']).stdout).map((r: any) => r.status))
    .toEqual(['superseded', 'failed', 'superseded', 'failed', 'deployed']);
});

test('a second upgrade while one is in progress is refused by Helm\'s pending-state lock', async () => {
  expect((await upgrade('dev', chart('mincloud-dev'))).status).toBe(0);
  // The first upgrade's image never becomes ready: it waits until the progress deadline (180 s, 9 s here).
  await cluster.control({ timeScale: 0.05, failImages: ['nginx:2.0.0'] });
  const first = upgrade('dev', withImage(chart('mincloud-dev'), '2.0.0'));
  const deadline = Date.now() + 30000;
  while (!(await releases('dev')).some((s) => s.metadata.labels!.status === 'pending-upgrade') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect((await releases('dev')).map((s) => s.metadata.labels!.status)).toEqual(['deployed', 'pending-upgrade']);
  const second = await upgrade('dev', withImage(chart('mincloud-dev'), '2.0.1'));
  expect(second.status).toBe(1);
  expect(second.stderr).toContain('another operation (install/upgrade/rollback) is in progress');
  const done = await first;
  expect(done.status).toBe(1);
  expect(done.stderr).toContain('has been rolled back due to rollback-on-failure');
});

test('--take-ownership adopts the objects kubectl 1.27 applied first (with --force-conflicts: kubectl owns the labels Helm changes); without it Helm refuses them', async () => {
  const manifest = path.join(chart('mincloud-dev'), 'templates', 'dev.k8s.yaml');
  expect(cluster.kubectlTry(['apply', '-f', manifest]).status).toBe(0);
  expect(cluster.kubectlTry(['apply', '-f', manifest]).status).toBe(0); // the second apply patches (strategic merge)
  const refused = await upgrade('dev', chart('mincloud-dev'));
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('exists and cannot be imported into the current release: invalid ownership metadata; label validation error: key "app.kubernetes.io/managed-by" must equal "Helm": current value is "cdk8s"');
  expect((await cluster.find('Deployment', 'nginx1'))!.metadata.labels!['app.kubernetes.io/managed-by']).toBe('cdk8s');
  const adopted = await upgrade('dev', chart('mincloud-dev'), ['--take-ownership', '--force-conflicts']);
  expect(adopted.stderr).toBe('');
  expect(adopted.status).toBe(0);
  const deployment = (await cluster.find('Deployment', 'nginx1'))!;
  expect(deployment.metadata.labels!['app.kubernetes.io/managed-by']).toBe('Helm');
  expect(deployment.metadata.annotations).toEqual(expect.objectContaining({ 'meta.helm.sh/release-name': 'dev', 'meta.helm.sh/release-namespace': 'default' }));
  expect(deployment.metadata.managedFields!.map((m) => `${m.manager}/${m.operation}`)).toEqual(expect.arrayContaining(['kubectl-client-side-apply/Update', 'helm/Apply']));
});

test('--take-ownership without --force-conflicts: the apply conflicts with kubectl\'s labels, and --rollback-on-failure then uninstalls the failed release, deleting the objects it meant to adopt', async () => {
  expect(cluster.kubectlTry(['apply', '-f', path.join(chart('mincloud-dev'), 'templates', 'dev.k8s.yaml')]).status).toBe(0);
  const failed = await upgrade('dev', chart('mincloud-dev'), ['--take-ownership']);
  expect(failed.status).toBe(1);
  expect(failed.stderr).toContain('release dev failed, and has been uninstalled due to rollback-on-failure being set: conflict occurred while applying object /mincloud-dev-services scheduling.k8s.io/v1, Kind=PriorityClass: Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using scheduling.k8s.io/v1 at');
  expect(failed.stderr).toContain(': .metadata.labels.app.kubernetes.io/managed-by');
  const deadline = Date.now() + 20000;
  while ((await cluster.objects()).some((o) => o.metadata.name === 'mincloud-dev') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect((await cluster.objects()).map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([]);
});

test('staging and prod install with their CRDs served (custom kinds validated against the CRDs\' schemas); without them Helm is refused', async () => {
  const refused = await upgrade('staging', chart('mincloud-staging'));
  expect(refused.status).toBe(1);
  expect(refused.stderr).toContain('no matches for kind "IngressRoute" in version "traefik.io/v1alpha1"');
  cluster.installCrds('traefik', 'prometheus-operator', 'cert-manager');
  const staging = await upgrade('staging', chart('mincloud-staging'));
  expect(staging.stderr).toBe('');
  expect(staging.status).toBe(0);
  const prod = await upgrade('prod-eu', chart('mincloud-prod-prod-eu'));
  expect(prod.stderr).toBe('');
  expect(prod.status).toBe(0);
  const kinds = (await cluster.objects()).filter((o) => o.metadata.annotations?.['meta.helm.sh/release-name']).map((o) => o.kind);
  expect(kinds).toEqual(expect.arrayContaining(['IngressRoute', 'Middleware', 'Certificate', 'ServiceMonitor', 'PrometheusRule']));
});

test('a release too big for Helm\'s storage fails: the server refuses a Secret whose data exceeds 1 MiB', async () => {
  const big = path.join(cluster.work, 'big');
  fs.cpSync(chart('mincloud-dev'), big, { recursive: true });
  // 900 KiB of incompressible text in a ConfigMap: the object fits; Helm's record holds it twice (manifest and chart), gzipped, base64.
  const data = require('crypto').randomBytes(675 * 1024).toString('base64');
  fs.writeFileSync(path.join(big, 'templates', 'big.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: default\ndata:\n  blob: ${data}\n`);
  const result = await upgrade('big', big);
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/Secret "sh\.helm\.release\.v1\.big\.v1" is invalid: data: Too long: must have at most 1048576 bytes/);
  expect(await releases('big')).toEqual([]);
});

test('an API blip (500/503 on the list and watch of the wait) is retried by Helm, not a failed rollout', async () => {
  await cluster.control({ rules: [
    { verb: 'list', resource: 'deployments', code: 503, times: 2 },
    { verb: 'watch', resource: 'deployments', code: 500, times: 2 },
  ] });
  const installed = await upgrade('dev', chart('mincloud-dev'));
  expect(installed.status).toBe(0);
  const failedReads = (await cluster.requests()).filter((r) => r.path.endsWith('/deployments') && r.status !== undefined && r.status >= 500);
  expect(failedReads.map((r) => r.status).sort()).toEqual([500, 500, 503, 503]);
});

test('helm uninstall deletes the release\'s objects (with what they own) and its release Secrets; --dry-run=server stores nothing', async () => {
  const dry = await h.run(['upgrade', '--install', 'dev', chart('mincloud-dev'), '-n', 'default', '--server-side=true', '--dry-run=server']);
  expect(dry.status).toBe(0);
  expect((await cluster.objects()).filter((o: Obj) => o.metadata.namespace === 'mincloud-dev' || o.kind === 'Secret')).toEqual([]);
  expect((await upgrade('dev', chart('mincloud-dev'))).status).toBe(0);
  const gone = await h.run(['uninstall', 'dev', '-n', 'default', '--wait', '--timeout', '60s']);
  expect(gone.stderr).toBe('');
  expect(gone.status).toBe(0);
  const left = (await cluster.objects()).map((o) => `${o.kind}/${o.metadata.name}`);
  expect(left.filter((k) => /^(Deployment|ReplicaSet|Service|Secret)\//.test(k))).toEqual([]);
  void spawnSync;
});
