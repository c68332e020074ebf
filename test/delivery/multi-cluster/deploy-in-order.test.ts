import * as fs from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { EXIT } from '../../../tools/deploy/deploy';
import { Release } from '../../../tools/deploy/releases';
import { BROKEN, BROKEN_MARK, SITE, TIME_SCALE } from '../support/deploy-helpers';
import { Obj, writes } from '../support/fake-cluster';
import { ClusterName, FakeFleet } from '../support/fake-fleet';

// One target on two clusters: `npm run deploy -- --env prod` with the real kubectl 1.27 against
// two test API servers, prod-eu (the canary) and prod-us.
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
const releaseOf = (secret: Obj | undefined): Release => JSON.parse(gunzipSync(Buffer.from(secret!.data!.release, 'base64')).toString('utf-8'));
const realIp = async (cluster: ClusterName) =>
  (await fleet.clusters[cluster].objects()).filter((o) => o.kind === 'ConfigMap' && o.metadata.name.startsWith('nginx1-real-ip-')).map((o) => o.data!['real-ip.conf']);
/** The line numbers of the lines that contain `text`. */
const at = (out: string, text: string) => out.split('\n').flatMap((l, i) => (l.includes(text) ? [i] : []));

test('both clusters deployed in order: every cluster checked first, then prod-eu (the canary) whole, then prod-us; each with its own pod network and release', async () => {
  const r = await fleet.deploy(['--env', 'prod']);
  expect(r.code).toBe(EXIT.ok);
  expect(r.out).toContain('target prod runs on 2 clusters, deployed in this order: prod-eu (the canary), prod-us');
  expect(r.out).toMatch(/deployed target prod on all 2 clusters, in order: prod-eu \(release 1\), prod-us \(release 1\)$/);

  // Both preflights before anything is applied anywhere, then the clusters one after the other.
  const [euChecks] = at(r.out, '== cluster prod-eu (1 of 2, the canary; context prod-eu): synth and preflight');
  const [usChecks] = at(r.out, '== cluster prod-us (2 of 2; context prod-us): synth and preflight');
  const [euApply] = at(r.out, '== cluster prod-eu (1 of 2, the canary; context prod-eu): diff, apply, rollout, record, prune');
  const [usApply] = at(r.out, '== cluster prod-us (2 of 2; context prod-us): diff, apply, rollout, record, prune');
  expect(euChecks).toBeLessThan(usChecks);
  expect(usChecks).toBeLessThan(euApply);
  expect(euApply).toBeLessThan(usApply);
  expect(at(r.out, '[8/8] prune')).toEqual([expect.any(Number), expect.any(Number)]);
  expect(at(r.out, '[8/8] prune')[0]).toBeLessThan(usApply);
  // The servers saw the same order: prod-us's preflight reads before prod-eu's first write,
  // prod-us's first write after prod-eu's last (its prune).
  const euWrites = r.reqs['prod-eu'].filter((q) => q.method !== 'GET' && q.query.dryRun === undefined);
  const usWrites = r.reqs['prod-us'].filter((q) => q.method !== 'GET' && q.query.dryRun === undefined);
  const usDiscovery = r.reqs['prod-us'].filter((q) => q.method === 'GET' && q.path === '/version');
  expect(usDiscovery.length).toBeGreaterThan(0);
  expect(euWrites[0].at).toBeGreaterThanOrEqual(usDiscovery[0].at);
  expect(usWrites[0].at).toBeGreaterThanOrEqual(euWrites[euWrites.length - 1].at);

  // Each cluster: the site, release 1 recorded in it, and its own pod network trusted.
  for (const [cluster, network] of [['prod-eu', '10.0.0.0/14'], ['prod-us', '10.4.0.0/14']] as const) {
    expect(image(await find(cluster, 'Deployment', 'nginx1'))).toBe(SITE);
    expect(releaseOf(await find(cluster, 'Secret', 'mincloud-release-prod.v1'))).toMatchObject({ release: 1, status: 'deployed', context: cluster });
    expect(await realIp(cluster)).toEqual([expect.stringContaining(`set_real_ip_from ${network};`)]);
  }
  // Each cluster synthesized for itself, into its own folder.
  for (const cluster of ['prod-eu', 'prod-us']) {
    expect(JSON.parse(fs.readFileSync(path.join(fleet.work, 'out', 'prod', cluster, '.synth-output'), 'utf-8'))).toMatchObject({ target: 'prod', cluster });
  }
});

test('a failure on the second cluster: it stops there, rolls prod-us back to its last good release, leaves prod-eu on the new release, and says so with the commands', async () => {
  expect((await fleet.deploy(['--env', 'prod'])).code).toBe(EXIT.ok);
  // The new image never becomes ready on prod-us only.
  await fleet.clusters['prod-us'].control({ failImages: [BROKEN_MARK] });
  const r = await fleet.deploy(['--env', 'prod', '--image', BROKEN]);
  expect(r.code).toBe(EXIT.laterClusterFailed);

  // prod-eu: the new release 2 runs. prod-us: its Deployment back on release 1, release 2 failed.
  expect(image(await find('prod-eu', 'Deployment', 'nginx1'))).toBe(BROKEN);
  expect(releaseOf(await find('prod-eu', 'Secret', 'mincloud-release-prod.v2'))).toMatchObject({ status: 'deployed', description: 'deploy' });
  expect(image(await find('prod-us', 'Deployment', 'nginx1'))).toBe(SITE);
  expect(releaseOf(await find('prod-us', 'Secret', 'mincloud-release-prod.v2'))).toMatchObject({
    status: 'failed', description: 'rollout of deployment/nginx1 failed; nginx1 rolled back to release 1' });
  expect(writes(r.reqs['prod-us']).some((w) => w.startsWith('DELETE'))).toBe(false);

  expect(r.out).toContain('ERR deploy: target prod stopped at cluster prod-us (2 of 2): step 6/8 failed: rollout of deployment/nginx1 failed; nginx1 rolled back to release 1.');
  expect(r.out).toContain([
    'ERR deploy: where each cluster of target prod is now:',
    '  prod-eu  deployed: runs the new release 2; release 1 ran before',
    '  prod-us  failed, rolled back: its Deployments that did not roll out run release 1 again (the last good one); its other objects keep the new version, nothing pruned',
  ].join('\n'));
  expect(r.out).toContain([
    'ERR deploy: the cluster(s) before prod-us stay on the new release; to roll them back as well:',
    '  npm run deploy -- --env prod --cluster prod-eu --rollback --to 1',
  ].join('\n'));
  expect(r.out).toContain([
    'ERR deploy: to put prod-us back on its last good release 1 exactly (every object, and a prune of what the failed one added):',
    '  npm run deploy -- --env prod --cluster prod-us --rollback --to 1',
  ].join('\n'));

  // The command it printed rolls prod-eu back, and touches nothing on prod-us.
  const back = await fleet.deploy(['--env', 'prod', '--cluster', 'prod-eu', '--rollback', '--to', '1']);
  expect(back.code).toBe(EXIT.ok);
  expect(back.out).toMatch(/rolled back target prod to release 1 on prod-eu \(recorded as release 3\)$/);
  expect(image(await find('prod-eu', 'Deployment', 'nginx1'))).toBe(SITE);
  expect(back.reqs['prod-us']).toEqual([]);
});

test('a failure on the canary: prod-eu rolled back, prod-us not touched (exit 4, as for one cluster)', async () => {
  expect((await fleet.deploy(['--env', 'prod'])).code).toBe(EXIT.ok);
  await fleet.clusters['prod-eu'].control({ failImages: [BROKEN_MARK] });
  const r = await fleet.deploy(['--env', 'prod', '--image', BROKEN]);
  expect(r.code).toBe(EXIT.rolledBack);
  expect(image(await find('prod-eu', 'Deployment', 'nginx1'))).toBe(SITE);
  expect(writes(r.reqs['prod-us'])).toEqual([]);
  expect(image(await find('prod-us', 'Deployment', 'nginx1'))).toBe(SITE);
  expect(r.out).toContain('ERR deploy: target prod stopped at cluster prod-eu (1 of 2): step 6/8 failed: rollout of deployment/nginx1 failed');
  expect(r.out).toContain('  prod-us  not reached: not changed, still on release 1');
  expect(r.out).not.toContain('to roll them back as well');
});

test('a cluster that cannot take the target stops the deploy before the canary is changed: exit 3, nothing applied anywhere', async () => {
  // prod-us has no cert-manager: its Certificate kind is not served.
  await fleet.clusters['prod-us'].reset({ timeScale: TIME_SCALE });
  fleet.writeKubeconfig();
  fleet.installCrds('prod-us', 'prometheus-operator');
  const r = await fleet.deploy(['--env', 'prod']);
  expect(r.code).toBe(EXIT.preflight);
  expect(writes(r.reqs['prod-eu'])).toEqual([]);
  expect(writes(r.reqs['prod-us'])).toEqual([]);
  expect(r.out).toContain('Certificate (cert-manager.io/v1) is not served, needed for Certificate mincloud/web-tls: CRD certificates.cert-manager.io is not installed');
  expect(r.out).toContain('ERR deploy: cluster prod-us cannot take target prod (exit 3, see above); nothing was applied to any cluster');
  expect(r.out).not.toContain('diff, apply, rollout');

  // The same for a cluster that cannot be reached at all.
  await fleet.cutOffProdUs();
  const unreachable = await fleet.deploy(['--env', 'prod']);
  expect(unreachable.code).toBe(EXIT.preflight);
  expect(unreachable.out).toMatch(/cannot reach the cluster of context "prod-us": The connection to the server 127.0.0.1:\d+ was refused/);
  expect(writes(unreachable.reqs['prod-eu'])).toEqual([]);
});

test('two contexts that reach one API server are refused: exit 3, nothing applied', async () => {
  fleet.writeKubeconfig({ sameServer: true });
  const r = await fleet.deploy(['--env', 'prod']);
  expect(r.code).toBe(EXIT.preflight);
  expect(r.out).toContain(`ERR deploy: clusters prod-eu and prod-us are one API server: contexts prod-eu and prod-us both reach ${fleet.clusters['prod-eu'].url}`);
  expect(r.out).toContain('point each context at its own cluster, or deploy one of them with --cluster NAME; nothing was applied to any cluster');
  expect(writes(r.reqs['prod-eu'])).toEqual([]);
});

test('--cluster deploys one cluster only; --dry-run shows every cluster and changes nothing', async () => {
  const us = await fleet.deploy(['--env', 'prod', '--cluster', 'prod-us']);
  expect(us.code).toBe(EXIT.ok);
  expect(us.out).toMatch(/deployed prod to prod-us as release 1/);
  expect(us.out).not.toContain('runs on 2 clusters');
  expect(us.reqs['prod-eu']).toEqual([]);
  expect(await find('prod-eu', 'Deployment', 'nginx1')).toBeUndefined();

  const dry = await fleet.deploy(['--env', 'prod', '--dry-run']);
  expect(dry.code).toBe(EXIT.ok);
  expect(writes(dry.reqs['prod-eu'])).toEqual([]);
  expect(writes(dry.reqs['prod-us'])).toEqual([]);
  expect(at(dry.out, '[3/3] diff against cluster prod-eu (context prod-eu)')).toHaveLength(1);
  expect(at(dry.out, '[3/3] diff against cluster prod-us (context prod-us)')).toHaveLength(1);
  expect(dry.out).toMatch(/dry run of target prod on 2 clusters: nothing was changed$/);
});
