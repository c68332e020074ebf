import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { gunzipSync } from 'zlib';
import { EXIT } from '../../tools/deploy/deploy';
import { readTargetFolder } from '../../tools/deploy/manifests';
import {
  formatHistory, Release, RELEASE_FORMAT, releaseName, releasesBeyond, releaseSecret, rollbackTarget,
} from '../../tools/deploy/releases';
import { BROKEN, BROKEN_MARK, configMap, editedSynth, SITE, SITE_NEXT, SITE_PINNED, TIME_SCALE } from './support/deploy-helpers';
import { FakeCluster, ROOT, writes } from './support/fake-cluster';
import { appObjects } from '../support/synth';

// Releases kept in the cluster: what a deploy records, `--history`, `--rollback [--to N]` and the
// history limit, with the real kubectl 1.27 against the fake API server.
jest.setTimeout(180000);

let cluster: FakeCluster;
const HEAD = execFileSync('git', ['-C', ROOT, 'rev-parse', 'HEAD'], { encoding: 'utf-8' }).trim();

beforeAll(async () => {
  cluster = await FakeCluster.start();
  process.env.SITE_IMAGE = SITE;
});
afterAll(async () => {
  await cluster?.stop();
  delete process.env.SITE_IMAGE;
});
beforeEach(() => cluster.reset({ timeScale: TIME_SCALE, failImages: [BROKEN_MARK] }));

const releaseOf = (secret: { data?: Record<string, string> }): Release => JSON.parse(gunzipSync(Buffer.from(secret.data!.release, 'base64')).toString('utf-8'));
const image = (d: any) => d.spec.template.spec.containers[0].image as string;

test('a deploy records what it applied as a release Secret in the namespace: objects, images and digests, revisions, commit, time', async () => {
  const before = new Date();
  const r = await cluster.deploy(['--env', 'dev', '--image', SITE_PINNED]);
  expect(r.code).toBe(EXIT.ok);
  const secret = (await cluster.find('Secret', 'mincloud-release-dev.v1'))!;
  expect(secret.type).toBe('mincloud.dev/release.v1');
  expect(secret.metadata.namespace).toBe('mincloud-dev');
  expect(secret.metadata.labels).toEqual({
    'mincloud.dev/release-of': 'dev', 'mincloud.dev/release': '1', 'mincloud.dev/release-status': 'deployed', 'app.kubernetes.io/managed-by': 'mincloud-deploy',
  });
  // Not a member of the ApplySet: no prune can ever touch it.
  expect(secret.metadata.labels).not.toHaveProperty(['applyset.kubernetes.io/part-of']);
  const release = releaseOf(secret);
  expect(release).toMatchObject({
    format: RELEASE_FORMAT, target: 'dev', release: 1, status: 'deployed', context: 'kubernetes-admin@kubernetes', description: 'deploy',
    images: expect.arrayContaining([{ deployment: 'nginx1', container: 'nginx1', image: SITE_PINNED, digest: `sha256:${'a1'.repeat(32)}` }]),
    revisions: expect.objectContaining({ nginx1: '1' }),
  });
  // One image and one revision per Deployment of the target, whatever services main.ts adds.
  const deployments = appObjects('dev').filter((o) => o.kind === 'Deployment').map((d) => d.metadata.name).sort();
  expect(Object.keys(release.revisions).sort()).toEqual(deployments);
  expect([...new Set(release.images.map((i) => i.deployment))].sort()).toEqual(deployments);
  expect(release.commit.replace(/-dirty$/, '')).toBe(HEAD);
  expect(Date.parse(release.time)).toBeGreaterThanOrEqual(Math.floor(before.getTime() / 1000) * 1000);
  // Exactly the synthesized objects, in manifest order.
  expect(release.objects).toEqual(readTargetFolder(path.join(cluster.work, 'out', 'dev')));
  expect(r.out).toContain('release 1 recorded: mincloud-release-dev.v1');
});

test('--history lists the releases: when, status, commit, image digests, what happened', async () => {
  const empty = await cluster.deploy(['--env', 'dev', '--history']);
  expect(empty.code).toBe(EXIT.ok);
  expect(empty.out).toBe('target dev: no release recorded in namespace mincloud-dev (context kubernetes-admin@kubernetes)');

  expect((await cluster.deploy(['--env', 'dev', '--image', SITE_PINNED])).code).toBe(EXIT.ok);
  expect((await cluster.deploy(['--env', 'dev', '--image', BROKEN])).code).toBe(EXIT.rolledBack);
  const h = await cluster.deploy(['--env', 'dev', '--history']);
  expect(h.code).toBe(EXIT.ok);
  expect(writes(h.reqs)).toEqual([]);
  const lines = h.out.split('\n');
  expect(lines[0]).toBe('target dev, namespace mincloud-dev, context kubernetes-admin@kubernetes: 2 release(s), at most 10 kept');
  expect(lines[1]).toMatch(/^RELEASE +RECORDED \(UTC\) +STATUS +COMMIT +IMAGES +DESCRIPTION$/);
  const short = HEAD.slice(0, 12);
  expect(lines[2]).toMatch(new RegExp(`^1 +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ +deployed +${short}(-dirty)? +nginx1=docker.io/mincloud1501/nginx:1.0.0@sha256:a1a1a1a1a1a1….* +deploy$`));
  expect(lines[3]).toMatch(new RegExp(`^2 .* failed +${short}(-dirty)? +nginx1=${BROKEN} \\(tag, no digest\\).* +rollout of deployment/nginx1 failed; nginx1 rolled back to release 1$`));
});

test('--rollback applies the release before the current one exactly, prunes what came later, and records itself', async () => {
  expect((await cluster.deploy(['--env', 'dev', '--image', SITE])).code).toBe(EXIT.ok);
  expect((await cluster.deploy(['--env', 'dev', '--image', SITE_NEXT], editedSynth((docs) => [...docs, configMap('mincloud-dev', 'feature-flags')]))).code).toBe(EXIT.ok);
  expect(await cluster.find('ConfigMap', 'feature-flags')).toBeDefined();

  // --dry-run shows what the rollback would change, and changes nothing.
  const preview = await cluster.deploy(['--env', 'dev', '--rollback', '--dry-run']);
  expect(preview.code).toBe(EXIT.ok);
  expect(preview.out).toContain('[1/3] read the release before the current one of target dev from the cluster');
  expect(preview.out).toContain('~ Deployment mincloud-dev/nginx1');
  expect(writes(preview.reqs)).toEqual([]);

  const back = await cluster.deploy(['--env', 'dev', '--rollback']);
  expect(back.code).toBe(EXIT.ok);
  expect(back.out).toMatch(/rolled back target dev to release 1 on kubernetes-admin@kubernetes \(recorded as release 3\)$/);
  expect(image(await cluster.find('Deployment', 'nginx1'))).toBe(SITE);
  expect(await cluster.find('ConfigMap', 'feature-flags')).toBeUndefined();
  expect(releaseOf((await cluster.find('Secret', 'mincloud-release-dev.v3'))!)).toMatchObject({ status: 'deployed', description: 'rollback to release 1' });
  // The synth did not run: the release's objects were applied.
  expect(back.out).not.toContain('synth and validate');

  // --to N, to any deployed release.
  const to2 = await cluster.deploy(['--env', 'dev', '--rollback', '--to', '2']);
  expect(to2.code).toBe(EXIT.ok);
  expect(image(await cluster.find('Deployment', 'nginx1'))).toBe(SITE_NEXT);
  expect(await cluster.find('ConfigMap', 'feature-flags')).toBeDefined();
});

test('--rollback refuses what cannot be rolled back to, and says what exists', async () => {
  await expect(cluster.deploy(['--env', 'dev', '--rollback'])).rejects.toThrow(
    'target dev has no deployed release before the current one to roll back to; none is recorded (npm run deploy -- --env dev --history)');
  expect((await cluster.deploy(['--env', 'dev'])).code).toBe(EXIT.ok);
  expect((await cluster.deploy(['--env', 'dev', '--image', BROKEN])).code).toBe(EXIT.rolledBack);
  await expect(cluster.deploy(['--env', 'dev', '--rollback', '--to', '9'])).rejects.toThrow(
    '--to 9: target dev has no release 9; recorded: 1 (deployed), 2 (failed) (npm run deploy -- --env dev --history)');
  await expect(cluster.deploy(['--env', 'dev', '--rollback', '--to', '2'])).rejects.toThrow(
    '--to 2: release 2 of target dev failed when it was deployed; pick a deployed one');
});

test('the history limit: the oldest releases beyond it are deleted, never the last good one', async () => {
  // Ten releases recorded earlier (as a deploy writes them), release 9 the last good one.
  const objects = [configMap('mincloud-dev', 'settings')];
  const dir = path.join(cluster.work, 'old-releases');
  fs.mkdirSync(dir, { recursive: true });
  cluster.kubectlRun(['create', 'namespace', 'mincloud-dev']);
  for (let n = 1; n <= 10; n++) {
    const r: Release = {
      format: RELEASE_FORMAT, target: 'dev', release: n, status: n === 10 ? 'failed' : 'deployed', time: '2024-01-01T00:00:00Z', context: 'kubernetes-admin@kubernetes',
      commit: HEAD, user: 'ci', description: 'deploy', images: [], revisions: {}, applySet: 'x', objects,
    };
    fs.writeFileSync(path.join(dir, `${n}.json`), JSON.stringify(releaseSecret(r, 'mincloud-dev')));
  }
  cluster.kubectlRun(['create', '-f', dir]);
  const r = await cluster.deploy(['--env', 'dev']);
  expect(r.code).toBe(EXIT.ok);
  expect(r.out).toContain('release 11 recorded');
  expect(r.out).toContain(`delete secret -n mincloud-dev ${releaseName('dev', 1)} --ignore-not-found`);
  const kept = (await cluster.objects()).filter((o) => o.metadata.labels?.['mincloud.dev/release-of'] === 'dev').map((o) => Number(o.metadata.labels!['mincloud.dev/release'])).sort((a, b) => a - b);
  expect(kept).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
});

describe('release helpers', () => {
  const rel = (release: number, status: 'deployed' | 'failed'): Release => ({
    format: RELEASE_FORMAT, target: 'dev', release, status, time: '2024-01-01T00:00:00Z', context: 'c', commit: 'abc', user: 'u',
    description: 'deploy', images: [], revisions: {}, applySet: 'x', objects: [],
  });

  test('releasesBeyond keeps the newest, and always the last good one', () => {
    const all = [rel(1, 'deployed'), rel(2, 'failed'), rel(3, 'failed'), rel(4, 'failed')];
    expect(releasesBeyond(all, 2).map((r) => r.release)).toEqual([3, 2]);
    expect(releasesBeyond(all, 10)).toEqual([]);
    expect(releasesBeyond([rel(1, 'deployed'), rel(2, 'deployed'), rel(3, 'deployed')], 2).map((r) => r.release)).toEqual([1]);
  });

  test('rollbackTarget: the deployed release before the newest deployed one, or --to', () => {
    const all = [rel(1, 'deployed'), rel(2, 'deployed'), rel(3, 'failed'), rel(4, 'deployed')];
    expect(rollbackTarget(all, undefined, 'dev').release).toBe(2);
    expect(rollbackTarget(all, 1, 'dev').release).toBe(1);
    expect(() => rollbackTarget(all, 3, 'dev')).toThrow('failed when it was deployed');
  });

  test('formatHistory: a table, oldest first, digests shortened, tags marked', () => {
    const r = { ...rel(1, 'deployed'), images: [{ deployment: 'nginx1', container: 'nginx1', image: SITE, digest: null }] };
    expect(formatHistory([r])).toBe([
      'RELEASE  RECORDED (UTC)        STATUS    COMMIT  IMAGES                                                      DESCRIPTION',
      `1        2024-01-01T00:00:00Z  deployed  abc     nginx1=${SITE} (tag, no digest)  deploy`,
    ].join('\n'));
  });
});
