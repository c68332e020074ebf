import { EXIT } from '../../tools/deploy/deploy';
import { BROKEN, BROKEN_MARK, configMap, revisionImages, SITE, SITE_NEXT } from './support/deploy-helpers';
import { useFakeCluster, writes } from './support/fake-cluster';

// Helm's pending-state lock: a deploy killed while it waits is never recorded as good, and two
// deploys at once do not both change the cluster. The deploys run as programs of their own
// (`npm run deploy`'s code, each in its own process group, helm included), the real helm 4.1.4
// and kubectl 1.27 against the test API server.
jest.setTimeout(180000);

const cluster = useFakeCluster(SITE);

const image = (d: any) => d.spec.template.spec.containers[0].image as string;
const history = () => cluster().helmHistory()
  .map((v) => `${v.revision} ${v.status}${v.description.startsWith('commit ') ? ` ${v.description.replace(/^commit \S+: /, '')}` : ` ${v.description}`}`);
const deployments = '/apis/apps/v1/namespaces/mincloud-dev/deployments';

test('a deploy killed with kill -9 while Helm waits is never recorded as good: the same command again is refused with Helm\'s reason and the recovery, which works', async () => {
  // A progress deadline of 9 s: the kill comes while Helm waits.
  await cluster().reset({ timeScale: 0.05, failImages: [BROKEN_MARK] });
  expect((await cluster().deploy(['--target', 'dev'])).code).toBe(EXIT.ok);
  const before = (await cluster().requests()).length;
  const killed = cluster().spawnDeploy(['--target', 'dev', '--image', BROKEN]);
  // Killed once the broken image is applied and the deploy watches the Deployment roll out.
  await cluster().until('the deploy watches the rollout of the broken image', async () => {
    const reqs = (await cluster().requests()).slice(before);
    const applied = reqs.findIndex((q) => q.method === 'PATCH' && q.path === `${deployments}/nginx1` && q.query.dryRun === undefined);
    return applied >= 0 && reqs.slice(applied).some((q) => q.path === deployments && q.query.watch === 'true');
  });
  killed.kill();
  expect((await killed.done).code).toBeNull();

  // The same command again: Helm refuses (its lock), nothing is written, the way out is printed.
  const again = await cluster().deploy(['--target', 'dev', '--image', BROKEN]);
  expect(again.code).toBe(EXIT.busy);
  expect(writes(again.reqs)).toEqual([]);
  expect(history()).toEqual([`1 deployed ${revisionImages('dev', SITE)}`, '2 pending-upgrade Preparing upgrade']);
  expect(again.out).toContain('Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress');
  expect(again.out).toMatch(/local {2}not changed: Helm refused \(.*another operation \(install\/upgrade\/rollback\) is in progress\)\. Either another deploy or rollback of target dev is running there now: wait for it, then deploy again\. Or one was interrupted \(killed\) and left revision 2 pending-upgrade \(since .*\); then nothing will finish it/);
  expect(again.out).toContain('ERR deploy: the last good revision of local is 1; to put it back there by hand (once no deploy is running):\n'
    + '  npm run deploy -- --target dev --rollback --to 1\n');

  // The recovery it names: back on release 1, and deploys work again.
  const back = await cluster().deploy(['--target', 'dev', '--rollback']);
  expect(back.code).toBe(EXIT.ok);
  expect(back.out).toContain('from revision 2 (pending-upgrade) to revision 1');
  expect(image(await cluster().find('Deployment', 'nginx1'))).toBe(SITE);
  expect((await cluster().deploy(['--target', 'dev', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  expect(history()).toEqual([`1 superseded ${revisionImages('dev', SITE)}`, '2 pending-upgrade Preparing upgrade', '3 superseded Rollback to 1', `4 deployed ${revisionImages('dev', SITE_NEXT)}`]);
});

test('a first install killed while Helm waits: the re-run is refused and names the uninstall that clears it, which works', async () => {
  await cluster().reset({ timeScale: 0.05, failImages: [BROKEN_MARK] });
  const killed = cluster().spawnDeploy(['--target', 'dev', '--image', BROKEN]);
  await cluster().until('the deploy watches the rollout of its first install', async () =>
    (await cluster().requests()).some((q) => q.path === deployments && q.query.watch === 'true'));
  killed.kill();
  await killed.done;
  const again = await cluster().deploy(['--target', 'dev']);
  expect(again.code).toBe(EXIT.busy);
  expect(history()).toEqual(['1 pending-install Initial install underway']);
  const uninstall = /remove the unfinished first install \(helm (uninstall [^)]*)\)/.exec(again.out)![1].split(' ');
  expect(uninstall).toEqual(['uninstall', 'mincloud-dev', '--namespace', 'mincloud-releases', '--kube-context', 'kubernetes-admin@kubernetes']);
  expect(cluster().helmRun(uninstall).status).toBe(0);
  expect((await cluster().deploy(['--target', 'dev'])).code).toBe(EXIT.ok);
  expect(history()).toEqual([`1 deployed ${revisionImages('dev', SITE)}`]);
});

test('two deploys at once: one runs, the other is refused and changes nothing; the cluster and --history agree', async () => {
  // Slow rollouts (4 s): the first to take Helm's lock holds it while the other arrives.
  await cluster().reset({ timeScale: 0.02, slowImages: ['slow'] });
  expect((await cluster().deploy(['--target', 'dev'])).code).toBe(EXIT.ok);
  const A = 'docker.io/mincloud1501/nginx:1.0.3-slow';
  const B = 'docker.io/mincloud1501/nginx:1.0.4-slow';
  const a = cluster().spawnDeploy(['--target', 'dev', '--image', A, '--outdir', `${cluster().work}/out-a`], [configMap('mincloud-dev', 'only-in-a')]);
  const b = cluster().spawnDeploy(['--target', 'dev', '--image', B, '--outdir', `${cluster().work}/out-b`], [configMap('mincloud-dev', 'only-in-b')]);
  const [ra, rb] = await Promise.all([a.done, b.done]);
  expect([ra.code, rb.code].sort()).toEqual([EXIT.ok, EXIT.busy]);
  const [winner, loser] = ra.code === EXIT.ok ? [{ image: A, cm: 'only-in-a' }, { r: rb, cm: 'only-in-b' }] : [{ image: B, cm: 'only-in-b' }, { r: ra, cm: 'only-in-a' }];
  expect(loser.r.out).toMatch(/UPGRADE FAILED: (another operation \(install\/upgrade\/rollback\) is in progress|release: already exists)/);
  expect(loser.r.out).toContain('local  not changed: Helm refused');
  // The cluster runs the winner, whole; the loser wrote nothing of its own, deleted nothing.
  expect(image(await cluster().find('Deployment', 'nginx1'))).toBe(winner.image);
  expect((await cluster().objects()).filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'mincloud-dev').map((o) => o.metadata.name)).toEqual([winner.cm]);
  expect((await cluster().requests()).some((q) => q.method !== 'GET' && q.path.endsWith(`/configmaps/${loser.cm}`))).toBe(false);
  expect(history()).toEqual([`1 superseded ${revisionImages('dev', SITE)}`, `2 deployed ${revisionImages('dev', winner.image)}`]);
});
