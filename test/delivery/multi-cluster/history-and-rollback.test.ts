import { EXIT } from '../../../tools/deploy/deploy';
import { SITE, SITE_NEXT, TIME_SCALE } from '../support/deploy-helpers';
import { Obj, writes } from '../support/fake-cluster';
import { ClusterName, FakeFleet } from '../support/fake-fleet';

// Each cluster keeps its own Helm release of the target, with its own revisions: `--history` of
// one cluster (--cluster) or of every cluster, `--rollback` of one cluster. The real helm 4.1.4
// and kubectl 1.27 against two test API servers.
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

test('--history: Helm\'s history of each cluster, each its own revisions; --cluster: one; nothing written', async () => {
  expect((await fleet.deploy(['--target', 'prod'])).code).toBe(EXIT.ok);
  expect((await fleet.deploy(['--target', 'prod', '--cluster', 'prod-eu', '--image', SITE_NEXT])).code).toBe(EXIT.ok);

  const all = await fleet.deploy(['--target', 'prod', '--history']);
  expect(all.code).toBe(EXIT.ok);
  expect(writes(all.reqs['prod-eu'])).toEqual([]);
  expect(writes(all.reqs['prod-us'])).toEqual([]);
  const lines = all.out.split('\n').filter((l) => !l.startsWith('    $ '));
  const eu = lines.indexOf('== cluster prod-eu (1 of 2, the canary; context prod-eu)');
  const us = lines.indexOf('== cluster prod-us (2 of 2; context prod-us)');
  expect(eu).toBe(0);
  expect(lines[eu + 1]).toMatch(/^REVISION\s+UPDATED\s+STATUS\s+CHART\s+APP VERSION\s+DESCRIPTION/);
  expect(lines[eu + 2]).toMatch(new RegExp(`^1\\s.*superseded\\s+mincloud-prod-prod-eu-1.0.0\\s.*nginx1=${SITE} `));
  expect(lines[eu + 3]).toMatch(new RegExp(`^2\\s.*deployed\\s+mincloud-prod-prod-eu-1.0.0\\s.*nginx1=${SITE_NEXT} `));
  expect(us).toBe(eu + 4);
  expect(lines[us + 2]).toMatch(new RegExp(`^1\\s.*deployed\\s+mincloud-prod-prod-us-1.0.0\\s.*nginx1=${SITE} `));
  expect(lines).toHaveLength(us + 3);

  const one = await fleet.deploy(['--target', 'prod', '--cluster', 'prod-us', '--history']);
  expect(one.code).toBe(EXIT.ok);
  expect(one.out).not.toContain('prod-eu');
  expect(one.reqs['prod-eu']).toEqual([]);

  // A cluster that cannot be reached: its history is missing, the other's listed, exit 3.
  await fleet.cutOffProdUs();
  const partial = await fleet.deploy(['--target', 'prod', '--history']);
  expect(partial.code).toBe(EXIT.preflight);
  expect(partial.out).toMatch(new RegExp(`^2\\s.*deployed\\s+mincloud-prod-prod-eu-1.0.0`, 'm'));
  expect(partial.out).toMatch(/ERR deploy: cannot read the history of release mincloud-prod on cluster prod-us \(2 of 2; context prod-us\): .*connection refused/);
});

test('--rollback --cluster: that cluster only, to its own revisions', async () => {
  expect((await fleet.deploy(['--target', 'prod'])).code).toBe(EXIT.ok);
  expect((await fleet.deploy(['--target', 'prod', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  const r = await fleet.deploy(['--target', 'prod', '--cluster', 'prod-us', '--rollback']);
  expect(r.code).toBe(EXIT.ok);
  expect(r.out).toMatch(/rolled back target prod on cluster prod-us \(2 of 2; context prod-us\) to revision 1: it runs revision 3$/);
  expect(image(await find('prod-us', 'Deployment', 'nginx1'))).toBe(SITE);
  expect(image(await find('prod-eu', 'Deployment', 'nginx1'))).toBe(SITE_NEXT);
  expect(r.reqs['prod-eu']).toEqual([]);
});

test('--rollback without --cluster is refused for a target on several clusters: each cluster has its own revisions; nothing sent', async () => {
  expect((await fleet.deploy(['--target', 'prod'])).code).toBe(EXIT.ok);
  const before = { eu: (await fleet.clusters['prod-eu'].requests()).length, us: (await fleet.clusters['prod-us'].requests()).length };
  await expect(fleet.deploy(['--target', 'prod', '--rollback'])).rejects.toThrow(
    '--rollback goes back on one cluster at a time (each has its own revisions), and target prod runs on 2 (prod-eu, prod-us): '
    + 'add --cluster prod-eu (one of prod-eu, prod-us); npm run deploy -- --target prod --history lists each cluster\'s revisions');
  expect((await fleet.clusters['prod-eu'].requests()).length).toBe(before.eu);
  expect((await fleet.clusters['prod-us'].requests()).length).toBe(before.us);
});
