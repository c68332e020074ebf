import { spawnSync } from 'child_process';
import { uniqueName } from './free-port';

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
 * still using it (another run's) is never removed with it.
 */
export function removeRepository(repository: string, env: NodeJS.ProcessEnv = process.env): void {
  const listed = spawnSync('podman', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', `reference=${repository}`], { env, encoding: 'utf-8' });
  const names = listed.stdout.split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`${repository}:`));
  if (names.length) spawnSync('podman', ['rmi', ...names], { env, encoding: 'utf-8' });
}
