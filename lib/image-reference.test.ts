import { ImageReference } from './image-reference';

const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;

describe('ImageReference', () => {
  test.each([
    ['docker.io/mincloud1501/nginx:1.0.0', 'docker.io/mincloud1501/nginx', '1.0.0', undefined],
    ['nginx:1.25.3-alpine', 'nginx', '1.25.3-alpine', undefined],
    ['localhost:5000/team/site:2024.01', 'localhost:5000/team/site', '2024.01', undefined],
    [`registry.example.com/site@${DIGEST}`, 'registry.example.com/site', undefined, DIGEST],
    [`registry.example.com/site:1.0.0@${DIGEST}`, 'registry.example.com/site', '1.0.0', DIGEST],
  ])('parses %s', (ref, repository, tag, digest) => {
    const image = ImageReference.parse(ref);
    expect([image.repository, image.tag, image.digest]).toEqual([repository, tag, digest]);
    expect(image.toString()).toBe(ref);
    expect(image.isImmutable).toBe(digest !== undefined);
  });

  test('version label is the tag, or the short digest', () => {
    expect(ImageReference.fromTag('a/b', '1.2.3').version).toBe('1.2.3');
    expect(ImageReference.fromDigest('a/b', DIGEST).version).toBe('sha256-0123456789ab');
    expect(ImageReference.fromTag('a/b', 'v'.repeat(100)).version).toHaveLength(63);
  });

  test.each([
    ['docker.io/mincloud1501/nginx', /invalid image "docker.io\/mincloud1501\/nginx": the image has no tag or digest; pin it/],
    ['nginx:latest', /invalid image tag "latest": "latest" is not a pinned version/],
    ['nginx:', /invalid image tag "": a tag is 1-128/],
    ['Nginx:1.0', /invalid image repository "Nginx": use \[registry\[:port\]\/\]path/],
    ['nginx@sha256:abc', /invalid image digest "sha256:abc": a digest is "sha256:" followed by 64/],
    ['', /invalid image "": the image has no tag or digest/],
  ])('refuses %j', (ref, message) => {
    expect(() => ImageReference.parse(ref, 'environment variable SITE_IMAGE')).toThrow(message);
    expect(() => ImageReference.parse(ref, 'environment variable SITE_IMAGE')).toThrow(/^environment variable SITE_IMAGE: /);
  });
});
