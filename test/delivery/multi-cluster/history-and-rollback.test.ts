import { gunzipSync } from 'zlib';
import { EXIT } from '../../../tools/deploy/deploy';
import { Release } from '../../../tools/deploy/releases';
import { SITE, SITE_NEXT, TIME_SCALE } from '../support/deploy-helpers';
import { Obj, writes } from '../support/fake-cluster';
import { ClusterName, FakeFleet } from '../support/fake-fleet';

// Releases are per cluster (each cluster keeps its own): `--history` and `--rollback` for one
// cluster (--cluster) or every cluster, with the real kubectl 1.27 against two test API servers.
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

test('--history: a table per cluster, each cluster\'s own releases; --cluster: one; nothing written', async () => {
  expect((await fleet.deploy(['--env', 'prod'])).code).toBe(EXIT.ok);
  expect((await fleet.deploy(['--env', 'prod', '--cluster', 'prod-eu', '--image', SITE_NEXT])).code).toBe(EXIT.ok);

  const all = await fleet.deploy(['--env', 'prod', '--history']);
  expect(all.code).toBe(EXIT.ok);
  expect(writes(all.reqs['prod-eu'])).toEqual([]);
  expect(writes(all.reqs['prod-us'])).toEqual([]);
  const lines = all.out.split('\n');
  const eu = lines.indexOf('== cluster prod-eu (1 of 2, the canary; context prod-eu)');
  const us = lines.indexOf('== cluster prod-us (2 of 2; context prod-us)');
  expect(eu).toBeGreaterThan(0);
  expect(us).toBeGreaterThan(eu);
  expect(lines[eu + 1]).toBe('target prod, namespace mincloud, context prod-eu: 2 release(s), at most 20 kept');
  expect(lines[eu + 2]).toMatch(/^RELEASE +RECORDED \(UTC\) +STATUS +COMMIT +IMAGES +DESCRIPTION$/);
  expect(lines[eu + 3]).toMatch(new RegExp(`^1 .* deployed .* nginx1=${SITE} \\(tag, no digest\\) .*api=.* deploy$`));
  expect(lines[eu + 4]).toMatch(new RegExp(`^2 .* deployed .* nginx1=${SITE_NEXT} \\(tag, no digest\\) .*api=.* deploy$`));
  expect(lines[us + 1]).toBe('target prod, namespace mincloud, context prod-us: 1 release(s), at most 20 kept');
  expect(lines[us + 3]).toMatch(new RegExp(`^1 .* deployed .* nginx1=${SITE} \\(tag, no digest\\)`));
  expect(lines.length).toBe(us + 4);

  const one = await fleet.deploy(['--env', 'prod', '--cluster', 'prod-us', '--history']);
  expect(one.code).toBe(EXIT.ok);
  expect(one.out.split('\n')[0]).toBe('target prod, namespace mincloud, context prod-us: 1 release(s), at most 20 kept');
  expect(one.out).not.toContain('prod-eu');
  expect(one.reqs['prod-eu']).toEqual([]);

  // A cluster that cannot be reached: its table is missing, the others are listed, exit 3.
  await fleet.cutOffProdUs();
  const partial = await fleet.deploy(['--env', 'prod', '--history']);
  expect(partial.code).toBe(EXIT.preflight);
  expect(partial.out).toContain('target prod, namespace mincloud, context prod-eu: 2 release(s), at most 20 kept');
  expect(partial.out).toMatch(/== cluster prod-us \(2 of 2; context prod-us\)\nERR deploy: cannot read the releases of target prod: .*connection refused/);
});

test('--rollback --cluster: that cluster only, to its own release numbers', async () => {
  expect((await fleet.deploy(['--env', 'prod'])).code).toBe(EXIT.ok);
  expect((await fleet.deploy(['--env', 'prod', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  const r = await fleet.deploy(['--env', 'prod', '--cluster', 'prod-us', '--rollback']);
  expect(r.code).toBe(EXIT.ok);
  expect(r.out).toMatch(/rolled back target prod to release 1 on prod-us \(recorded as release 3\)$/);
  expect(image(await find('prod-us', 'Deployment', 'nginx1'))).toBe(SITE);
  expect(image(await find('prod-eu', 'Deployment', 'nginx1'))).toBe(SITE_NEXT);
  expect(r.reqs['prod-eu']).toEqual([]);
});

test('--rollback of every cluster: in order, each to the release before its current one, when they all run the same release', async () => {
  expect((await fleet.deploy(['--env', 'prod'])).code).toBe(EXIT.ok);
  expect((await fleet.deploy(['--env', 'prod', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  const r = await fleet.deploy(['--env', 'prod', '--rollback']);
  expect(r.code).toBe(EXIT.ok);
  expect(r.out).toMatch(/rolled back target prod on all 2 clusters, in order: prod-eu \(release 3\), prod-us \(release 3\)$/);
  for (const cluster of ['prod-eu', 'prod-us'] as const) {
    expect(image(await find(cluster, 'Deployment', 'nginx1'))).toBe(SITE);
    expect(releaseOf(await find(cluster, 'Secret', 'mincloud-release-prod.v3'))).toMatchObject({ status: 'deployed', description: 'rollback to release 1', context: cluster });
  }
  const eu = r.out.indexOf('== cluster prod-eu (1 of 2, the canary; context prod-eu): diff, apply, rollout, record, prune');
  const us = r.out.indexOf('== cluster prod-us (2 of 2; context prod-us): diff, apply, rollout, record, prune');
  expect(eu).toBeGreaterThan(0);
  expect(us).toBeGreaterThan(eu);
});

test('--rollback of every cluster is refused when they run different releases (a deploy that stopped part way): nothing changed', async () => {
  expect((await fleet.deploy(['--env', 'prod'])).code).toBe(EXIT.ok);
  expect((await fleet.deploy(['--env', 'prod', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  // prod-eu went on to a third release; prod-us did not.
  expect((await fleet.deploy(['--env', 'prod', '--cluster', 'prod-eu', '--image', 'docker.io/mincloud1501/nginx:1.0.2'])).code).toBe(EXIT.ok);
  const before = { eu: (await fleet.clusters['prod-eu'].requests()).length, us: (await fleet.clusters['prod-us'].requests()).length };
  await expect(fleet.deploy(['--env', 'prod', '--rollback'])).rejects.toThrow(new RegExp(
    '--rollback without --cluster goes back one release on every cluster of target prod, but they do not run the same release: '
    + 'prod-eu runs release 3 \\(commit [0-9a-f]{12}, docker.io/mincloud1501/nginx:1.0.2, .*\\); prod-us runs release 2 \\(commit [0-9a-f]{12}, docker.io/mincloud1501/nginx:1.0.1, .*\\)\\. '
    + 'Roll back the clusters one at a time: npm run deploy -- --env prod --cluster NAME --rollback --to N \\(see --history\\); nothing was changed'));
  expect(writes((await fleet.clusters['prod-eu'].requests()).slice(before.eu))).toEqual([]);
  expect(writes((await fleet.clusters['prod-us'].requests()).slice(before.us))).toEqual([]);
});
