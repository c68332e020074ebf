import * as fs from 'fs';
import * as path from 'path';
import { EXIT } from '../../../tools/deploy/deploy';
import { BROKEN, BROKEN_MARK, SITE, TIME_SCALE } from '../support/deploy-helpers';
import { Obj, writes } from '../support/fake-cluster';
import { ClusterName, FakeFleet } from '../support/fake-fleet';

// One target on two clusters: `npm run deploy -- --target prod` with the real helm 4.1.4 and
// kubectl 1.27 against two test API servers, prod-eu (the canary) and prod-us.
jest.setTimeout(300000);

let fleet: FakeFleet;
beforeAll(async () => {
  fleet = await FakeFleet.start();
  process.env.SITE_IMAGE = SITE;
});
afterAll(async () => {
  await fleet?.stop();
  delete process.env.SITE_IMAGE;
});
beforeEach(() => fleet.reset({ both: { timeScale: TIME_SCALE } }));

const find = async (cluster: ClusterName, kind: string, name: string) =>
  (await fleet.clusters[cluster].objects()).find((o) => o.kind === kind && o.metadata.name === name);
const image = (d: Obj | undefined) => d?.spec.template.spec.containers[0].image as string;
const realIp = async (cluster: ClusterName) =>
  (await fleet.clusters[cluster].objects()).filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nginx1-real-ip-')).map((o) => o.data!['real-ip.conf']);
/** Helm's history of release mincloud-prod on one cluster, as `<revision> <status>`. */
const history = (cluster: ClusterName) => (JSON.parse(fleet.clusters[cluster].helmRun(['history', 'mincloud-prod', '-n', 'mincloud-releases', '-o', 'json'], cluster).stdout) as
  Array<{ revision: number; status: string }>).map((v) => `${v.revision} ${v.status}`);
/** The line numbers of the lines that contain `text`. */
const at = (out: string, text: string) => out.split('\n').flatMap((l, i) => (l.includes(text) ? [i] : []));

test('both clusters in order: every cluster synthesized and checked first, then prod-eu (the canary), then prod-us; each its own pod network and release', async () => {
  const r = await fleet.deploy(['--target', 'prod']);
  expect(r.code).toBe(EXIT.ok);
  expect(r.out).toMatch(/deployed target prod: prod-eu runs revision 1, prod-us runs revision 1 of release mincloud-prod$/);
  const [euSynth] = at(r.out, '[1/3] synth and validate target prod for cluster prod-eu (1 of 2, the canary; context prod-eu)');
  const [usSynth] = at(r.out, '[1/3] synth and validate target prod for cluster prod-us (2 of 2; context prod-us)');
  const [checks] = at(r.out, '[2/3] preflight: prod-eu (context prod-eu), prod-us (context prod-us)');
  const [euHelm] = at(r.out, '[3/3] helm upgrade --install mincloud-prod on cluster prod-eu');
  const [usHelm] = at(r.out, '[3/3] helm upgrade --install mincloud-prod on cluster prod-us');
  expect([euSynth, usSynth, checks, euHelm].every((n, i, all) => i === 0 || n > all[i - 1])).toBe(true);
  expect(usHelm).toBeGreaterThan(euHelm);
  // The servers saw the same order: prod-us checked before prod-eu's first write, its first write after prod-eu's last.
  const euWrites = r.reqs['prod-eu'].filter((q) => q.method !== 'GET' && q.query.dryRun === undefined);
  const usWrites = r.reqs['prod-us'].filter((q) => q.method !== 'GET' && q.query.dryRun === undefined);
  const usCheck = r.reqs['prod-us'].find((q) => q.path === '/api/v1/namespaces/kube-system')!;
  expect(euWrites[0].at).toBeGreaterThanOrEqual(usCheck.at);
  expect(usWrites[0].at).toBeGreaterThanOrEqual(euWrites[euWrites.length - 1].at);

  for (const [cluster, network] of [['prod-eu', '10.0.0.0/14'], ['prod-us', '10.4.0.0/14']] as const) {
    expect(image(await find(cluster, 'Deployment', 'nginx1'))).toBe(SITE);
    expect(history(cluster)).toEqual(['1 deployed']);
    expect(await realIp(cluster)).toEqual([expect.stringContaining(`set_real_ip_from ${network};`)]);
    expect(JSON.parse(fs.readFileSync(path.join(fleet.work, 'out', 'prod', cluster, '.synth-output'), 'utf-8'))).toMatchObject({ target: 'prod', cluster });
  }
});

test('a failure on the second cluster: it stops there, Helm restores prod-us whole, prod-eu keeps the new release, and the report prints the commands, which work', async () => {
  expect((await fleet.deploy(['--target', 'prod'])).code).toBe(EXIT.ok);
  await fleet.clusters['prod-us'].control({ failImages: [BROKEN_MARK] });
  const r = await fleet.deploy(['--target', 'prod', '--image', BROKEN]);
  expect(r.code).toBe(EXIT.laterClusterFailed);
  expect(image(await find('prod-eu', 'Deployment', 'nginx1'))).toBe(BROKEN);
  expect(history('prod-eu')).toEqual(['1 superseded', '2 deployed']);
  expect(image(await find('prod-us', 'Deployment', 'nginx1'))).toBe(SITE);
  expect(history('prod-us')).toEqual(['1 superseded', '2 failed', '3 deployed']);
  expect(r.out).toContain([
    'ERR deploy: target prod stopped at cluster prod-us (2 of 2; context prod-us). Where each cluster is now:',
    '  prod-eu  runs the new release: revision 2; revision 1 ran before',
    '  prod-us  failed, and Helm restored the whole release: revision 3 is revision 1 again, every object as it was; the failed revision is kept in --history as failed',
  ].join('\n'));
  expect(r.out).toContain([
    'ERR deploy: prod-eu stays on the new release; to roll it back to revision 1:',
    '  npm run deploy -- --target prod --cluster prod-eu --rollback --to 1',
    '  (or: helm rollback mincloud-prod 1 --namespace mincloud-releases --kube-context prod-eu --server-side=true --wait=watcher --timeout=1800s)',
  ].join('\n'));

  const back = await fleet.deploy(['--target', 'prod', '--cluster', 'prod-eu', '--rollback', '--to', '1']);
  expect(back.code).toBe(EXIT.ok);
  expect(image(await find('prod-eu', 'Deployment', 'nginx1'))).toBe(SITE);
  expect(back.reqs['prod-us']).toEqual([]);
});

test('a failure on the canary: prod-eu restored, prod-us not touched (exit 4, as for one cluster)', async () => {
  expect((await fleet.deploy(['--target', 'prod'])).code).toBe(EXIT.ok);
  await fleet.clusters['prod-eu'].control({ failImages: [BROKEN_MARK] });
  const r = await fleet.deploy(['--target', 'prod', '--image', BROKEN]);
  expect(r.code).toBe(EXIT.failed);
  expect(image(await find('prod-eu', 'Deployment', 'nginx1'))).toBe(SITE);
  expect(writes(r.reqs['prod-us'])).toEqual([]);
  expect(r.out).toContain('  prod-us  not reached: not changed');
  expect(r.out).not.toContain('stays on the new release');
});

test('a cluster that cannot take the target stops the deploy before the canary is changed: exit 3, nothing applied anywhere', async () => {
  await fleet.clusters['prod-us'].reset({ timeScale: TIME_SCALE });
  fleet.writeKubeconfig();
  fleet.installCrds('prod-us', 'prometheus-operator');
  const r = await fleet.deploy(['--target', 'prod']);
  expect(r.code).toBe(EXIT.preflight);
  expect(writes(r.reqs['prod-eu'])).toEqual([]);
  expect(writes(r.reqs['prod-us'])).toEqual([]);
  expect(r.out).toContain('- cluster prod-us: Certificate (cert-manager.io/v1), needed for Certificate web-tls: CRD certificates.cert-manager.io is not installed. Install cert-manager');

  await fleet.cutOffProdUs();
  const unreachable = await fleet.deploy(['--target', 'prod']);
  expect(unreachable.code).toBe(EXIT.preflight);
  expect(unreachable.out).toMatch(/- cannot reach cluster prod-us \(context "prod-us"\): The connection to the server 127\.0\.0\.1:\d+ was refused/);
  expect(writes(unreachable.reqs['prod-eu'])).toEqual([]);
});

test('one API server behind two URLs is one cluster: refused by its identity (the kube-system namespace\'s UID), nothing applied', async () => {
  // prod-us's context reaches prod-eu's server as http://localhost:<port>, prod-eu's as http://127.0.0.1:<port>.
  fleet.writeKubeconfig({ sameServer: true });
  const r = await fleet.deploy(['--target', 'prod']);
  expect(r.code).toBe(EXIT.preflight);
  const uid = (await fleet.clusters['prod-eu'].objects(true)).find((o) => o.metadata.name === 'kube-system')!.metadata.uid;
  expect(r.out).toContain(`- clusters prod-eu and prod-us are one cluster: contexts "prod-eu" and "prod-us" reach the same API server (its kube-system namespace has UID ${uid} on both)`);
  expect(writes(r.reqs['prod-eu'])).toEqual([]);
  expect(r.reqs['prod-us']).toEqual([]);
});

test('--cluster deploys one cluster only; --dry-run shows every cluster and changes nothing', async () => {
  const us = await fleet.deploy(['--target', 'prod', '--cluster', 'prod-us']);
  expect(us.code).toBe(EXIT.ok);
  expect(us.out).toMatch(/deployed target prod: prod-us runs revision 1 of release mincloud-prod$/);
  expect(us.reqs['prod-eu']).toEqual([]);
  expect(await find('prod-eu', 'Deployment', 'nginx1')).toBeUndefined();

  const dry = await fleet.deploy(['--target', 'prod', '--dry-run']);
  expect(dry.code).toBe(EXIT.ok);
  expect(writes(dry.reqs['prod-eu'])).toEqual([]);
  expect(writes(dry.reqs['prod-us'])).toEqual([]);
  expect(dry.out).toMatch(/prod on cluster prod-eu \(1 of 2, the canary; context prod-eu\), against nothing \(no release yet\): \d+ added, 0 removed, 0 changed/);
  expect(dry.out).toContain('prod on cluster prod-us (2 of 2; context prod-us), against release mincloud-prod\'s current revision: 0 added, 0 removed, 0 changed');
  expect(dry.out).toMatch(/dry run of target prod: nothing was changed$/);
});
