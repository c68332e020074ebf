import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HELP } from '../../tools/deploy/args';
import { applySetId, GROUP_RESOURCES_ANNOTATION, PART_OF_LABEL } from '../../tools/deploy/applyset';
import { EXIT } from '../../tools/deploy/deploy';
import { API, API_BROKEN, BROKEN, BROKEN_MARK, configMap, editedSynth, SITE, SITE_NEXT, SITE_PINNED, TIME_SCALE } from './support/deploy-helpers';
import { FakeCluster, ROOT, writes } from './support/fake-cluster';

// The seven findings of the review of `npm run deploy` against kubectl 1.27's source (issue 13),
// one test each, named after the finding: the real kubectl 1.27.1 drives the fake API server
// (support/fake-apiserver.js: managedFields per manager, conflicts, served kinds, the
// deployment controller with progress deadlines; support/README.md says what it imitates).
// Each starts from an empty cluster.
jest.setTimeout(180000);

const DEV_SET = applySetId('mincloud-dev', 'mincloud-dev', 'Secret', '');
let cluster: FakeCluster;

beforeAll(async () => {
  cluster = await FakeCluster.start();
  process.env.SITE_IMAGE = SITE;
  process.env.API_IMAGE = API;
});
afterAll(async () => {
  await cluster?.stop();
  delete process.env.SITE_IMAGE;
  delete process.env.API_IMAGE;
});
beforeEach(() => cluster.reset({ timeScale: TIME_SCALE, failImages: [BROKEN_MARK] }));

const managers = (o: { metadata: { managedFields?: Array<{ manager: string; operation: string }> } } | undefined) =>
  (o?.metadata.managedFields ?? []).map((m) => `${m.manager}/${m.operation}`).sort();
const image = (d: any) => d.spec.template.spec.containers[0].image as string;

test('finding 1: an object of a kind new to the ApplySet is pruned even when the deploy that added it failed', async () => {
  expect((await cluster.deploy(['--env', 'dev'])).code).toBe(EXIT.ok);
  const parentKinds = async () => (await cluster.find('Secret', 'mincloud-dev'))!.metadata.annotations![GROUP_RESOURCES_ANNOTATION];
  expect(await parentKinds()).not.toContain('configmaps');

  // Deploy A adds the set's first ConfigMap, and its rollout fails.
  const a = await cluster.deploy(['--env', 'dev', '--image', BROKEN], editedSynth((docs) => [...docs, configMap('mincloud-dev', 'feature-flags')]));
  expect(a.code).toBe(EXIT.rolledBack);
  expect((await cluster.find('ConfigMap', 'feature-flags'))?.metadata.labels?.[PART_OF_LABEL]).toBe(DEV_SET);
  // The parent recorded configmaps before the ConfigMap was applied (kubectl's BeforeApply superset).
  expect(await parentKinds()).toContain('configmaps');
  const parentWrite = a.reqs.find((r) => r.method === 'PATCH' && r.path === '/api/v1/namespaces/mincloud-dev/secrets/mincloud-dev' && !r.query.dryRun)!;
  const configMapWrite = a.reqs.find((r) => r.method === 'PATCH' && r.path.endsWith('/configmaps/feature-flags') && !r.query.dryRun)!;
  expect(parentWrite.query.fieldManager).toBe('kubectl-applyset');
  expect(parentWrite.seq).toBeLessThan(configMapWrite.seq);
  expect(writes(a.reqs).filter((w) => w.startsWith('DELETE'))).toEqual([]);

  // Deploy B drops it and succeeds: its prune deletes it, and the set no longer records the kind.
  const b = await cluster.deploy(['--env', 'dev']);
  expect(b.code).toBe(EXIT.ok);
  expect(writes(b.reqs).filter((w) => w.startsWith('DELETE'))).toEqual(['DELETE /api/v1/namespaces/mincloud-dev/configmaps/feature-flags']);
  expect(await cluster.find('ConfigMap', 'feature-flags')).toBeUndefined();
  expect(await parentKinds()).toBe('deployments.apps,networkpolicies.networking.k8s.io,poddisruptionbudgets.policy,priorityclasses.scheduling.k8s.io,serviceaccounts,services');
});

test('finding 2: a failed rollout goes back to the last good release, and only Deployments whose template this deploy changed are rolled back', async () => {
  // A first deploy that fails has no history to go back to: said plainly (no "no rollout history
  // found" from kubectl), with what is left and how to remove it; nothing is undone.
  const first = await cluster.deploy(['--env', 'dev', '--image', BROKEN]);
  expect(first.code).toBe(EXIT.rollbackFailed);
  expect(first.out).toContain('this is the first release of target dev, so there is nothing to go back to');
  expect(first.out).toContain('Namespace mincloud-dev (created by this deploy) with ServiceAccount mincloud-dev/nginx1, Deployment mincloud-dev/nginx1');
  expect(first.out).toContain('kubectl --context kubernetes-admin@kubernetes delete namespace mincloud-dev');
  expect(first.out).toContain('kubectl --context kubernetes-admin@kubernetes delete priorityclass/mincloud-dev-services');
  expect(first.out).not.toContain('no rollout history found');
  expect(first.reqs.filter((r) => r.contentType === 'application/json-patch+json')).toEqual([]);
  // ... and with --cleanup-on-fail it is removed.
  await cluster.reset({ timeScale: TIME_SCALE, failImages: [BROKEN_MARK] });
  const cleaned = await cluster.deploy(['--env', 'dev', '--image', BROKEN, '--cleanup-on-fail']);
  expect(cleaned.code).toBe(EXIT.rolledBack);
  expect((await cluster.objects()).filter((o) => ['Namespace', 'PriorityClass', 'Deployment'].includes(o.kind))).toEqual([]);

  // Release 1 (1.0.0), release 2 (1.0.1); then only a Service changes while the cluster lacks
  // capacity for nginx1: `rollout undo` would have taken the second-newest ReplicaSet, 1.0.0,
  // older than both the code and the last good release. nginx1's template did not change: it is
  // reported, not rolled back.
  await cluster.reset({ timeScale: TIME_SCALE, failImages: [BROKEN_MARK] });
  expect((await cluster.deploy(['--env', 'dev', '--image', SITE])).code).toBe(EXIT.ok);
  expect((await cluster.deploy(['--env', 'dev', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  await cluster.control({ unavailable: ['nginx1'] });
  const serviceOnly = await cluster.deploy(['--env', 'dev', '--image', SITE_NEXT], editedSynth((docs) => docs.map((d) => (d.kind === 'Service'
    ? { ...d, metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, 'mincloud.dev/note': 'a Service change only' } } } : d))));
  expect(serviceOnly.code).toBe(EXIT.ok);
  expect(serviceOnly.out).toContain('ERR deploy: warning: deployment "nginx1": 1 of 2 replicas available; this deploy did not change its pod template, so it is not rolled back');
  expect(serviceOnly.out).toContain('wait for 0 changed deployment(s)');
  expect(image(await cluster.find('Deployment', 'nginx1'))).toBe(SITE_NEXT);
  expect(serviceOnly.reqs.some((r) => r.path.includes('/rollout') || r.contentType === 'application/json-patch+json')).toBe(false);
  await cluster.control({ unavailable: [] });

  // On staging (two Deployments) a broken site image: nginx1 goes back to the last good release
  // (1.0.1 here: the release, not the ReplicaSet history), the api, unchanged, is not touched.
  await cluster.reset({ timeScale: TIME_SCALE, failImages: [BROKEN_MARK] });
  cluster.installCrds('traefik', 'prometheus-operator');
  expect((await cluster.deploy(['--env', 'staging', '--image', SITE])).code).toBe(EXIT.ok);
  expect((await cluster.deploy(['--env', 'staging', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  const apiBefore = (await cluster.find('Deployment', 'api'))!;
  const broken = await cluster.deploy(['--env', 'staging', '--image', BROKEN]);
  expect(broken.code).toBe(EXIT.rolledBack);
  expect(broken.out).toContain('wait for 1 changed deployment(s) to roll out');
  expect(broken.out).toContain('unchanged: api');
  expect(broken.out).toContain('ERR deploy: deployment/nginx1 rolled back to release 2: deployment "nginx1" successfully rolled out');
  expect(image(await cluster.find('Deployment', 'nginx1'))).toBe(SITE_NEXT);
  const apiAfter = (await cluster.find('Deployment', 'api'))!;
  expect(apiAfter.metadata.generation).toBe(apiBefore.metadata.generation);
  const rollouts = broken.reqs.filter((r) => r.query.watch === 'true').map((r) => r.query.fieldSelector);
  expect(new Set(rollouts)).toEqual(new Set(['metadata.name=nginx1']));
});

test('finding 3: a rollback is a server-side apply of the last good release under the project\'s field manager, and leaves no drift', async () => {
  // Release 1 pins the image by digest: the Deployment then carries the policy exemptions for
  // its pull policy (annotations), which a tag-based release does not have.
  expect((await cluster.deploy(['--env', 'dev', '--image', SITE_PINNED])).code).toBe(EXIT.ok);
  const pinned = (await cluster.find('Deployment', 'nginx1'))!;
  expect(pinned.metadata.annotations).toHaveProperty(['polaris.fairwinds.com/pullPolicyNotAlways-exempt'], 'true');

  const failed = await cluster.deploy(['--env', 'dev', '--image', BROKEN]);
  expect(failed.code).toBe(EXIT.rolledBack);
  // No JSON patch without a field manager (kubectl rollout undo's); an apply as "mincloud".
  expect(failed.reqs.filter((r) => r.contentType === 'application/json-patch+json')).toEqual([]);
  const rollbackApply = failed.reqs.filter((r) => r.method === 'PATCH' && r.path.endsWith('/deployments/nginx1') && !r.query.dryRun);
  expect(rollbackApply.map((r) => [r.contentType, r.query.fieldManager])).toEqual([
    ['application/apply-patch+yaml', 'mincloud'], ['application/apply-patch+yaml', 'mincloud']]);
  const restored = (await cluster.find('Deployment', 'nginx1'))!;
  expect(image(restored)).toBe(SITE_PINNED);
  expect(restored.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
  // Every field is the project's, but the revision annotation the controller writes.
  expect(managers(restored)).toEqual(['kube-controller-manager/Update', 'mincloud/Apply']);
  // kubectl diff sees no difference between the Deployment and release 1's (the other objects
  // keep the failed release's version labels: only Deployments are rolled back).
  const again = await cluster.deploy(['--env', 'dev', '--image', SITE_PINNED, '--dry-run']);
  expect(again.out).toContain('object(s) would change');
  expect(again.out).not.toContain('Deployment mincloud-dev/nginx1');

  // The next release (a tag) drops the exemption annotations: the cluster drops them too.
  expect((await cluster.deploy(['--env', 'dev', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  const next = (await cluster.find('Deployment', 'nginx1'))!;
  expect(Object.keys(next.metadata.annotations ?? {})).toEqual(['deployment.kubernetes.io/revision']);
  expect(next.spec.template.spec.containers[0].imagePullPolicy).toBe('Always');

  // What `kubectl rollout undo` does instead, for comparison: its fields belong to manager
  // "kubectl" (from the User-Agent; not "kubectl-rollout"), and an annotation it restored stays
  // after the project's next apply, which no longer sets it.
  expect((await cluster.deploy(['--env', 'dev', '--image', SITE_PINNED])).code).toBe(EXIT.ok);
  expect((await cluster.deploy(['--env', 'dev', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  cluster.kubectlRun(['rollout', 'undo', 'deployment/nginx1', '-n', 'mincloud-dev']);
  const undone = (await cluster.find('Deployment', 'nginx1'))!;
  expect(managers(undone)).toContain('kubectl/Update');
  expect(managers(undone)).not.toContain('kubectl-rollout/Update');
  expect((await cluster.deploy(['--env', 'dev', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  expect((await cluster.find('Deployment', 'nginx1'))!.metadata.annotations).toHaveProperty(['polaris.fairwinds.com/pullPolicyNotAlways-exempt'], 'true');
});

test('finding 4: after a partly failed apply every changed Deployment is still watched and rolled back; unserved kinds are refused before anything is applied', async () => {
  // Staging on a cluster without the Traefik and Prometheus CRDs: preflight names them, nothing is applied.
  const noCrds = await cluster.deploy(['--env', 'staging']);
  expect(noCrds.code).toBe(EXIT.preflight);
  expect(writes(noCrds.reqs)).toEqual([]);
  expect(noCrds.out).toContain('IngressRoute (traefik.io/v1alpha1) is not served, needed for IngressRoute mincloud-staging/web, IngressRoute mincloud-staging/web-http: '
    + 'CRD ingressroutes.traefik.io is not installed. Install traefik (it brings the CRD), or the CRD alone: kubectl apply --server-side -f crds/traefik/traefik.io_ingressroutes.yaml');
  expect(noCrds.out).toContain('CRD servicemonitors.monitoring.coreos.com is not installed. Install prometheus-operator');
  expect(noCrds.out).toContain('CRD prometheusrules.monitoring.coreos.com is not installed');

  cluster.installCrds('traefik', 'prometheus-operator');
  expect((await cluster.deploy(['--env', 'staging'])).code).toBe(EXIT.ok);
  // An admission webhook that times out on the real write of one IngressRoute: kubectl applies
  // the rest (the Deployment with its new, broken image) and exits 1.
  await cluster.control({ rules: [{ verb: 'patch', resource: 'ingressroutes', name: 'web', dryRun: false, code: 500,
    message: 'Internal error occurred: failed calling webhook "validate.traefik.io": context deadline exceeded' }] });
  const partial = await cluster.deploy(['--env', 'staging', '--image', BROKEN]);
  expect(partial.out).toContain('ERR deploy: kubectl apply failed for some objects (exit 1); the Deployments it changed are still watched');
  expect(partial.out).toContain('failed calling webhook "validate.traefik.io"');
  expect(partial.out).toContain('deployment/nginx1 did not roll out: error: deployment "nginx1" exceeded its progress deadline');
  expect(partial.code).toBe(EXIT.rolledBack);
  expect(image(await cluster.find('Deployment', 'nginx1'))).toBe(SITE);
  expect(partial.reqs.some((r) => r.query.fieldManager === 'kubectl-applyset' && r.method === 'DELETE')).toBe(false);

  // The same apply error with a healthy image: the Deployment rolls out and stays, nothing is
  // pruned, no release is recorded as deployed, exit 6 (not 0, and not "nothing was waited for").
  const healthy = await cluster.deploy(['--env', 'staging', '--image', SITE_NEXT]);
  expect(healthy.code).toBe(EXIT.partial);
  expect(healthy.out).toContain('deployment "nginx1" successfully rolled out');
  expect(image(await cluster.find('Deployment', 'nginx1'))).toBe(SITE_NEXT);
  expect(healthy.reqs.some((r) => r.query.watch === 'true')).toBe(true);
  expect(healthy.reqs.filter((r) => r.method === 'DELETE')).toEqual([]);
  const history = await cluster.deploy(['--env', 'staging', '--history']);
  expect(history.out).toMatch(/\n3 .* failed .* apply failed for some objects: .*failed calling webhook/);
});

test('finding 5: cluster-scoped objects of the target (the PriorityClass) are ApplySet members and pruned; the Namespace never is', async () => {
  expect((await cluster.deploy(['--env', 'dev'])).code).toBe(EXIT.ok);
  expect((await cluster.find('PriorityClass', 'mincloud-dev-services'))!.metadata.labels?.[PART_OF_LABEL]).toBe(DEV_SET);
  expect((await cluster.find('Namespace', 'mincloud-dev'))!.metadata.labels?.[PART_OF_LABEL]).toBeUndefined();
  const kinds = (await cluster.find('Secret', 'mincloud-dev'))!.metadata.annotations![GROUP_RESOURCES_ANNOTATION].split(',');
  expect(kinds).toContain('priorityclasses.scheduling.k8s.io');
  expect(kinds).not.toContain('namespaces');

  // The PriorityClass is renamed: the old one is pruned, cluster-wide, by its member label.
  const renamed = await cluster.deploy(['--env', 'dev'], editedSynth((docs) => docs.map((d) => {
    if (d.kind === 'PriorityClass') return { ...d, metadata: { ...d.metadata, name: 'mincloud-dev-web' } };
    if (d.kind === 'Deployment') d.spec.template.spec.priorityClassName = 'mincloud-dev-web';
    return d;
  })));
  expect(renamed.code).toBe(EXIT.ok);
  expect(writes(renamed.reqs).filter((w) => w.startsWith('DELETE'))).toEqual(['DELETE /apis/scheduling.k8s.io/v1/priorityclasses/mincloud-dev-services']);
  expect((await cluster.objects()).filter((o) => o.kind === 'PriorityClass').map((o) => o.metadata.name)).toEqual(['mincloud-dev-web']);
  expect(await cluster.find('Namespace', 'mincloud-dev')).toBeDefined();
  const lists = renamed.reqs.filter((r) => r.method === 'GET' && r.query.labelSelector === `${PART_OF_LABEL}=${DEV_SET}`).map((r) => r.path);
  expect(lists).toContain('/apis/scheduling.k8s.io/v1/priorityclasses');
  expect(lists.some((p) => p.includes('/namespaces') && !p.includes('/namespaces/mincloud-dev/'))).toBe(false);
});

test('finding 6: rollouts end on the progress deadline, below the rollout timeout, all awaited at once; a slow rollout that progresses is not cut off', async () => {
  cluster.installCrds('traefik', 'prometheus-operator');
  expect((await cluster.deploy(['--env', 'staging'])).code).toBe(EXIT.ok);
  const deployments = (await cluster.objects()).filter((o) => o.kind === 'Deployment');
  expect(deployments.map((d) => d.spec.progressDeadlineSeconds)).toEqual([180, 180]);

  // Both Deployments broken: each ends on its deadline ("exceeded its progress deadline", not a
  // timeout), and the two waits overlap.
  process.env.API_IMAGE = API_BROKEN;
  try {
    const both = await cluster.deploy(['--env', 'staging', '--image', BROKEN]);
    expect(both.code).toBe(EXIT.rolledBack);
    expect(both.out).toContain('deployment/nginx1 did not roll out: error: deployment "nginx1" exceeded its progress deadline');
    expect(both.out).toContain('deployment/api did not roll out: error: deployment "api" exceeded its progress deadline');
    expect(both.out).not.toContain('timed out waiting');
    const statusCalls = both.out.split('\n').filter((l) => l.includes('kubectl --context kubernetes-admin@kubernetes rollout status'));
    expect(statusCalls.slice(0, 2).every((l) => l.endsWith('--timeout=900s'))).toBe(true);
    const watches = both.reqs.filter((r) => r.query.watch === 'true');
    const [a, b] = ['metadata.name=nginx1', 'metadata.name=api'].map((f) => watches.find((w) => w.query.fieldSelector === f)!);
    expect(a.seq).toBeLessThan(b.endSeq!);
    expect(b.seq).toBeLessThan(a.endSeq!);
  } finally {
    process.env.API_IMAGE = API;
  }

  // A rollout that needs 1.2 progress deadlines in all, but progresses every 0.6: it completes.
  await cluster.control({ slowImages: ['1.0.2-slow'] });
  const slow = await cluster.deploy(['--env', 'staging', '--image', 'docker.io/mincloud1501/nginx:1.0.2-slow']);
  expect(slow.code).toBe(EXIT.ok);
  expect(slow.out).toContain('deployment "nginx1" successfully rolled out');

  // The timeout is the target's (prod: 30 minutes); one not above the deadline is refused.
  await expect(cluster.deploy(['--env', 'dev', '--timeout', '2m'])).rejects.toThrow(
    '--timeout 120s is not above the progress deadline of target dev (180s): a stuck rollout must end on its deadline; give a longer --timeout');
  cluster.installCrds('cert-manager');
  const prod = await cluster.deploy(['--env', 'prod']);
  expect(prod.code).toBe(EXIT.ok);
  expect(prod.out).toContain('rollout status deployment/nginx1 -n mincloud --timeout=1800s');
});

test('finding 7: --help, the exit codes and provision.sh describe what the deploy does, in its order', async () => {
  // The steps, numbered in the order they run: the prune last, after the rollout and the record.
  const steps = HELP.slice(HELP.indexOf('Steps:'), HELP.indexOf('Exit codes:')).split('\n').filter((l) => /^ {2}\d /.test(l)).map((l) => l.trim());
  expect(steps.map((l) => l.replace(/^(\d) +(\S+ \S+).*$/, '$1 $2'))).toEqual([
    '1 synth the', '2 preflight: the', '3 kubectl diff', '4 apply the', '5 apply the', '6 wait for', '7 record the', '8 prune: delete']);
  expect(steps[3]).toContain('apply the Namespace');
  expect(steps[4]).toContain('apply the members');
  expect(HELP).not.toContain('rollout undo');
  const codes = HELP.slice(HELP.indexOf('Exit codes:')).split('\n').filter((l) => /^ {2}\d /.test(l)).map((l) => Number(l.trim()[0]));
  expect(codes).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  expect(HELP).toMatch(/ 3 {2}preflight or diff failed[^\n]*\n[^\n]*nothing of the target was applied/);
  expect(HELP).toMatch(/ 7 {2}deployed and rolled out, but recording the release or the prune after it failed/);

  // A prune that fails after a good rollout is exit 7 (the new release runs), not 3.
  expect((await cluster.deploy(['--env', 'dev'], editedSynth((docs) => [...docs, configMap('mincloud-dev', 'old-settings')]))).code).toBe(EXIT.ok);
  await cluster.control({ rules: [{ verb: 'delete', resource: 'configmaps', code: 403, message: 'configmaps "old-settings" is forbidden: User "deployer" cannot delete resource "configmaps"' }] });
  const pruneFails = await cluster.deploy(['--env', 'dev', '--image', SITE_NEXT]);
  expect(pruneFails.code).toBe(EXIT.finishFailed);
  expect(pruneFails.out).toContain('step 8/8 failed: the new release runs, but the pruning apply failed');
  expect(image(await cluster.find('Deployment', 'nginx1'))).toBe(SITE_NEXT);

  // provision.sh: its header and --help say what it runs now.
  const script = fs.readFileSync(path.join(ROOT, 'kubernetes', 'provision.sh'), 'utf-8');
  const header = script.split('\n').filter((l) => l.startsWith('#')).join('\n');
  for (const s of ['shows the diff', '--yes', 'records the release', 'prunes last']) expect(header).toContain(s);
  expect(header).not.toMatch(/undo/);
  const help = spawnSync('bash', [path.join(ROOT, 'kubernetes', 'provision.sh'), '--help'], { encoding: 'utf-8' });
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('--yes');
});
