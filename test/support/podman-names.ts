import { spawnSync } from 'child_process';
import { randomInt } from 'crypto';
import { uniqueName } from './free-port';

/**
 * The environment of the image builds a test file runs, so that its builds share nothing with
 * another checkout's run at the same time:
 * - SOURCE_DATE_EPOCH of this file's own: the build scripts write it into the image's "created"
 *   label, the first instruction after FROM, so every layer built is this run's (two checkouts at
 *   one commit would otherwise build the very same image ids, and one run removing its images
 *   could take the image the other's build was about to tag);
 * - BUILDAH_LAYERS=false: podman then neither keeps nor looks up cached intermediate images, a
 *   lookup that fails (`checking if cached image exists from a previous build: ... layer not
 *   known`, exit 125) when another run removes its images meanwhile.
 */
export const OWN_BUILD_ENV = {
  SOURCE_DATE_EPOCH: String(1_600_000_000 + randomInt(100_000_000)),
  BUILDAH_LAYERS: 'false',
} as const;

/**
 * An image repository for the images a test builds, unique to this run: podman's image store is
 * shared by every checkout of the machine's user, so a fixed name (or the name image.env gives,
 * which the app deploys) would be re-tagged or removed by another checkout's run at the same time.
 */
export function testRepository(name: string): string {
  return `localhost/${uniqueName('mincloud-test')}/${name}`;
}

/**
 * Removes every tag of `repository` by name, without --force: an image that another run's tag
 * also names (the same layers give the same image id) keeps that other name, and a container
 * still using it (another run's build, reusing this one's layers as its cache) is never removed
 * with it. While such a container holds the image, podman refuses: tried again until the names
 * are gone or `ms` pass, then only untagged (the layers stay for podman to reclaim), and said so.
 */
export function removeRepository(repository: string, env: NodeJS.ProcessEnv = process.env, ms = 30000): void {
  const names = () => spawnSync('podman', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${repository}`], { env, encoding: 'utf-8' })
    .stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${repository}:`));
  const deadline = Date.now() + ms;
  let left = names();
  let refusal = '';
  while (left.length) {
    const r = spawnSync('podman', ['rmi', ...left], { env, encoding: 'utf-8' });
    left = names();
    if (!left.length) return;
    refusal = r.stderr.trim();
    if (Date.now() > deadline) break;
    spawnSync('sleep', ['0.5']); // synchronous: afterAll hooks call this without awaiting
  }
  for (const name of left) spawnSync('podman', ['untag', name], { env });
  console.warn(`removeRepository: podman kept ${left.join(', ')} (${refusal}); untagged them instead`);
}
