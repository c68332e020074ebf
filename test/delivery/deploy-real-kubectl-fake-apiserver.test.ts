import * as fs from 'fs';
import * as path from 'path';
import { applySetId, PART_OF_LABEL } from '../../tools/deploy/applyset';
import { EXIT } from '../../tools/deploy/deploy';
import { configMap, editedSynth, SITE, SITE_NEXT, TIME_SCALE } from './support/deploy-helpers';
import { FakeCluster, ROOT, writes } from './support/fake-cluster';
import { appObjects } from '../support/synth';

// The deploy command with the REAL kubectl 1.27 against the FAKE API server on 127.0.0.1
// (support/fake-apiserver.js, described in support/README.md): the command lines it runs, as
// tools/deploy/README.md lists them, a first deploy into a missing namespace, a clean second
// diff, and the prune deleting only what an earlier release applied.
jest.setTimeout(180000);

const DEV_SET = applySetId('mincloud-dev', 'mincloud-dev', 'Secret', '');
let cluster: FakeCluster;

beforeAll(async () => {
  cluster = await FakeCluster.start();
  await cluster.reset({ timeScale: TIME_SCALE });
  process.env.SITE_IMAGE = SITE;
});
afterAll(async () => {
  await cluster?.stop();
  delete process.env.SITE_IMAGE;
});

/** The kubectl command lines a deploy printed, its temporary folder written as <tmp>. */
const commandLines = (out: string) => out.split('\n').filter((l) => l.startsWith('    $ ')).map((l) => l.slice(6).replace(/\/\S*\/deploy-dev-[^/]+\//g, '<tmp>/'));

test('first deploy to an empty cluster: the command lines of the README, the namespace new, every object but the Namespace a member', async () => {
  const { code, out, reqs } = await cluster.deploy(['--env', 'dev']);
  expect(out.split('\n').filter((l) => l.startsWith('ERR'))).toEqual([]);
  expect(code).toBe(EXIT.ok);
  const readme = fs.readFileSync(path.join(ROOT, 'tools', 'deploy', 'README.md'), 'utf-8');
  const documented = /### The kubectl command lines of a first deploy of dev\n\n```sh\n([\s\S]*?)```/.exec(readme)![1].trim().split('\n');
  // The README shows nginx1's rollout; the deploy waits for each Deployment of dev alike.
  const deployments = appObjects('dev').filter((o) => o.kind === 'Deployment').map((d) => d.metadata.name);
  expect(commandLines(out)).toEqual(documented.flatMap((l) => (/ rollout status deployment\/nginx1 /.test(l)
    ? deployments.map((d) => l.replace('deployment/nginx1', `deployment/${d}`)) : [l])));

  // The diff dry-ran only the cluster-scoped objects: the namespace did not exist yet.
  expect(reqs.filter((r) => r.query.dryRun === 'All').map((r) => `${r.method} ${r.path}`)).toEqual([
    'PATCH /api/v1/namespaces/mincloud-dev',
    'PATCH /apis/scheduling.k8s.io/v1/priorityclasses/mincloud-dev-services',
  ]);
  expect(out).toContain(`${appObjects('dev').length} object(s) would change`);
  // Server-side apply with the project's field manager, forced; the parent with kubectl's.
  const applies = reqs.filter((r) => r.method === 'PATCH' && !r.query.dryRun);
  expect(applies.every((r) => r.contentType === 'application/apply-patch+yaml')).toBe(true);
  expect(new Set(applies.map((r) => r.query.fieldManager))).toEqual(new Set(['mincloud', 'kubectl-applyset']));
  expect(applies.filter((r) => r.query.fieldManager === 'mincloud').every((r) => r.query.force === 'true')).toBe(true);

  const parent = (await cluster.find('Secret', 'mincloud-dev'))!;
  expect(parent.metadata.labels).toEqual({ 'applyset.kubernetes.io/id': DEV_SET });
  expect(parent.metadata.annotations).toEqual({
    'applyset.kubernetes.io/tooling': 'kubectl/v1.27.1',
    'applyset.kubernetes.io/additional-namespaces': '',
    'applyset.kubernetes.io/contains-group-resources': 'deployments.apps,networkpolicies.networking.k8s.io,poddisruptionbudgets.policy,priorityclasses.scheduling.k8s.io,serviceaccounts,services',
  });
  for (const kind of ['ServiceAccount', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']) {
    expect((await cluster.find(kind, 'nginx1'))?.metadata.labels?.[PART_OF_LABEL]).toBe(DEV_SET);
  }
  expect((await cluster.find('PriorityClass', 'mincloud-dev-services'))?.metadata.labels?.[PART_OF_LABEL]).toBe(DEV_SET);
  expect((await cluster.find('Namespace', 'mincloud-dev'))?.metadata.labels?.[PART_OF_LABEL]).toBeUndefined();
  const dev = appObjects('dev');
  expect(out).toMatch(new RegExp(`deployed dev to kubernetes-admin@kubernetes as release 1: ${dev.length} objects, ${dev.filter((o) => o.kind === 'Deployment').length} deployment\\(s\\) rolled out$`));
});

test('the same code again: kubectl diff finds no change; nothing but the release record and the prune\'s unchanged applies are written', async () => {
  const dry = await cluster.deploy(['--env', 'dev', '--dry-run']);
  expect(dry.code).toBe(EXIT.ok);
  expect(dry.out).toContain('    no changes');
  expect(dry.out).toMatch(/dry run: stopped before apply; nothing was changed$/);
  expect(writes(dry.reqs)).toEqual([]);

  const again = await cluster.deploy(['--env', 'dev']);
  expect(again.code).toBe(EXIT.ok);
  expect(again.out).toContain('wait for 0 changed deployment(s)');
  expect(again.reqs.some((r) => r.query.watch === 'true')).toBe(false);
  const deployment = (await cluster.find('Deployment', 'nginx1'))!;
  expect(deployment.metadata.generation).toBe(1);
});

test('prune deletes what an earlier release applied and this one does not define, and nothing it does not own', async () => {
  // An earlier release also had a ConfigMap "old-settings".
  expect((await cluster.deploy(['--env', 'dev', '--image', SITE_NEXT], editedSynth((docs) => [...docs, configMap('mincloud-dev', 'old-settings')]))).code).toBe(EXIT.ok);
  // Objects someone else made in the same namespace, one with the very labels this project uses.
  const foreign = path.join(cluster.work, 'foreign.json');
  fs.writeFileSync(foreign, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    configMap('mincloud-dev', 'someone-elses', { b: '2' }),
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db-credentials', namespace: 'mincloud-dev' }, stringData: { password: 'x' } },
  ] }));
  cluster.kubectlRun(['apply', '--server-side', '--field-manager=someone', '-f', foreign]);
  expect((await cluster.find('ConfigMap', 'old-settings'))?.metadata.labels?.[PART_OF_LABEL]).toBe(DEV_SET);

  const { code, out, reqs } = await cluster.deploy(['--env', 'dev']);
  expect(code).toBe(EXIT.ok);
  expect(reqs.filter((r) => r.method === 'DELETE').map((r) => r.path)).toEqual(['/api/v1/namespaces/mincloud-dev/configmaps/old-settings']);
  expect(out).toContain('configmap/old-settings pruned');
  // kubectl looked for members by the set's label only.
  const lists = reqs.filter((r) => r.method === 'GET' && r.query.labelSelector?.startsWith('applyset'));
  expect(lists.length).toBeGreaterThan(0);
  expect(new Set(lists.map((r) => r.query.labelSelector))).toEqual(new Set([`${PART_OF_LABEL}=${DEV_SET}`]));
  const after = await cluster.objects();
  const names = (kind: string) => after.filter((o) => o.kind === kind).map((o) => o.metadata.name).sort();
  expect(names('ConfigMap')).toEqual(['someone-elses']);
  expect(names('Secret')).toEqual(['db-credentials', 'mincloud-dev', 'mincloud-release-dev.v1', 'mincloud-release-dev.v2', 'mincloud-release-dev.v3', 'mincloud-release-dev.v4']);
  expect((await cluster.find('Secret', 'mincloud-dev'))?.metadata.annotations?.['applyset.kubernetes.io/contains-group-resources']).not.toContain('configmaps');
});
