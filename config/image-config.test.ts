import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { buildTarget, targets, unpinnedImageNotes } from '../app';
import { synthObjects } from '../test/support/synth';
import { apiImage, API_IMAGE_ENV_FILE, IMAGE_ENV_FILE, siteImage } from './image-config';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
const OTHER = `sha256:${'fedcba9876543210'.repeat(4)}`;

describe('the images the app deploys by default', () => {
  let work: string;
  beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'image-config-')); });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
  let n = 0;
  const envFile = (text: string) => {
    const file = path.join(work, `image-${n++}.env`);
    fs.writeFileSync(file, text);
    return file;
  };

  test('the tag alone when no push was recorded', () => {
    const image = siteImage({}, envFile('IMAGE_REPOSITORY=docker.io/mincloud1501/nginx\nIMAGE_TAG=1.1.0\n'));
    expect([image.toString(), image.isImmutable]).toEqual(['docker.io/mincloud1501/nginx:1.1.0', false]);
  });

  test('the pushed digest, with the tag kept, when push.sh recorded one for this repository and tag', () => {
    const file = envFile(`# the site\nIMAGE_REPOSITORY=docker.io/mincloud1501/nginx\nIMAGE_TAG=1.1.0\nPUSHED_IMAGE=docker.io/mincloud1501/nginx:1.1.0@${DIGEST}\n`);
    const image = siteImage({}, file);
    expect([image.toString(), image.isImmutable]).toEqual([`docker.io/mincloud1501/nginx:1.1.0@${DIGEST}`, true]);
    // The environment still wins: a deploy of another reference.
    expect(siteImage({ SITE_IMAGE: `docker.io/mincloud1501/nginx:1.0.0@${OTHER}` }, file).digest).toBe(OTHER);
    expect(apiImage({}, file).digest).toBe(DIGEST);
  });

  test('a digest recorded for another tag or repository is refused, with what to do', () => {
    const stale = envFile(`IMAGE_REPOSITORY=docker.io/mincloud1501/nginx\nIMAGE_TAG=1.2.0\nPUSHED_IMAGE=docker.io/mincloud1501/nginx:1.1.0@${DIGEST}\n`);
    expect(() => siteImage({}, stale)).toThrow(new RegExp(`${path.relative(process.cwd(), stale).replace(/[.]/g, '\\.')}: invalid PUSHED_IMAGE ".*": it was recorded for docker\\.io/mincloud1501/nginx:1\\.1\\.0, `
      + 'but the file names docker\\.io/mincloud1501/nginx:1\\.2\\.0: push docker\\.io/mincloud1501/nginx:1\\.2\\.0 with docker/push\\.sh \\(it records the new digest\\), or remove the PUSHED_IMAGE line to deploy the tag'));
    const moved = envFile(`IMAGE_REPOSITORY=registry.example.com/site\nIMAGE_TAG=1.1.0\nPUSHED_IMAGE=docker.io/mincloud1501/nginx:1.1.0@${DIGEST}\n`);
    expect(() => siteImage({}, moved)).toThrow(/it was recorded for docker\.io\/mincloud1501\/nginx:1\.1\.0, but the file names registry\.example\.com\/site:1\.1\.0/);
  });

  test('a PUSHED_IMAGE without a digest, or with a malformed one, is refused', () => {
    const tagOnly = envFile('IMAGE_REPOSITORY=docker.io/mincloud1501/nginx\nIMAGE_TAG=1.1.0\nPUSHED_IMAGE=docker.io/mincloud1501/nginx:1.1.0\n');
    expect(() => siteImage({}, tagOnly)).toThrow(/invalid PUSHED_IMAGE "docker\.io\/mincloud1501\/nginx:1\.1\.0": it records a pushed image as repository:tag@sha256:<digest>/);
    const bad = envFile('IMAGE_REPOSITORY=docker.io/mincloud1501/nginx\nIMAGE_TAG=1.1.0\nPUSHED_IMAGE=docker.io/mincloud1501/nginx:1.1.0@sha256:abc\n');
    expect(() => siteImage({}, bad)).toThrow(/PUSHED_IMAGE: invalid image digest "sha256:abc"/);
  });

  test('the committed files name a tag, or a digest pushed for exactly that tag', () => {
    for (const [file, image] of [[IMAGE_ENV_FILE, siteImage({})], [API_IMAGE_ENV_FILE, apiImage({})]] as const) {
      const text = fs.readFileSync(file, 'utf-8');
      const tag = /^IMAGE_TAG=(.*)$/m.exec(text)![1];
      expect([file, image.tag]).toEqual([file, tag]);
      expect(image.isImmutable).toBe(/^PUSHED_IMAGE=\S+@sha256:/m.test(text));
    }
  });
});

describe('a pinned image in the manifests', () => {
  const prod = targets.find((t) => t.name === 'prod')!;
  const pinned = { site: siteImage({ SITE_IMAGE: `docker.io/mincloud1501/nginx:1.1.0@${DIGEST}` }), api: apiImage({ API_IMAGE: `docker.io/mincloud1501/api:1.1.0@${OTHER}` }) };

  test('runs by digest, pulled IfNotPresent (the bytes cannot change under it)', () => {
    const objects = synthObjects(buildTarget(Testing.app(), prod, pinned));
    const containers = objects.filter((o) => o.kind === 'Deployment').map((d) => d.spec.template.spec.containers[0]);
    // Each Deployment runs one of the two images (any number of services may share one).
    const distinct = [...new Set(containers.map((c) => `${c.image} ${c.imagePullPolicy}`))].sort();
    expect(distinct).toEqual([`${pinned.api} IfNotPresent`, `${pinned.site} IfNotPresent`].sort());
  });

  test('the synth says when a target beyond the default one deploys a tag, and how to pin it', () => {
    const tags = { SITE_IMAGE: 'docker.io/mincloud1501/nginx:1.1.0', API_IMAGE: 'docker.io/mincloud1501/api:1.1.0' };
    const notes = unpinnedImageNotes(prod, tags);
    expect(notes).toEqual([
      'target prod deploys docker.io/mincloud1501/nginx:1.1.0 by tag, not by digest (a tag can move; pulled again on every pod start): '
        + 'pin it with docker/push.sh, which records the pushed digest in its image.env, or SITE_IMAGE=repository:tag@sha256:<digest>',
      'target prod deploys docker.io/mincloud1501/api:1.1.0 by tag, not by digest (a tag can move; pulled again on every pod start): '
        + 'pin it with IMAGE_ENV=services/api/image.env docker/push.sh, which records the pushed digest in its image.env, or API_IMAGE=repository:tag@sha256:<digest>',
    ]);
    expect(unpinnedImageNotes(prod, { SITE_IMAGE: pinned.site.toString(), API_IMAGE: pinned.api.toString() })).toEqual([]);
    // The default target is the local build's: its tags are what build.sh made.
    expect(unpinnedImageNotes(targets[0], tags)).toEqual([]);
  });
});
