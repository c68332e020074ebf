import { applySetId, GROUP_RESOURCES_ANNOTATION, PART_OF_LABEL } from '../../tools/deploy/applyset';
import { EXIT } from '../../tools/deploy/deploy';
import { API, BROKEN, BROKEN_MARK, configMap, editedSynth, SITE, SITE_NEXT, SITE_PINNED, TIME_SCALE } from './support/deploy-helpers';
import { FakeCluster, writes } from './support/fake-cluster';

// Findings 1-3 of the review of `npm run deploy` against kubectl 1.27's source (issue 13;
// 4-7 in deploy-findings-4-7.test.ts), one test each, named after the finding: the real
// kubectl 1.27.1 drives the fake API server (support/fake-apiserver.js: managedFields per
// manager, conflicts, served kinds, the deployment controller with progress deadlines;
// tools/deploy/README.md says what it imitates). Each starts from an empty cluster.
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
  expect(broken.out).toMatch(/; unchanged: (.*, )?api(,|$)/m);
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
