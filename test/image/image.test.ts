import { execFileSync } from 'child_process';
import * as path from 'path';
import { get } from './support/nginx';

// A real image build and run with podman: docker/Dockerfile, unchanged, on a local Debian
// base image (no container registry is reachable here), built and started by docker/build.sh.
const ROOT = path.join(__dirname, '..', '..');
const CONTAINER = 'site-image-test';
const PORT = 18888;
const env = {
  ...process.env,
  CONTAINER_ENGINE: 'podman',
  CONTAINERS_CONF: path.join(ROOT, 'docker', 'containers.conf'),
  BASE_IMAGE: 'localhost/nginx-base:bookworm',
  HOST_PORT: String(PORT),
  SITE_CONTAINER: CONTAINER,
};
const podman = (...args: string[]) => execFileSync('podman', args, { env, encoding: 'utf-8' }).trim();
const image = () => execFileSync('bash', ['-c', 'source docker/image.env; echo "$IMAGE_REPOSITORY:$IMAGE_TAG"'], { cwd: ROOT, encoding: 'utf-8' }).trim();

jest.setTimeout(600000);

describe('site image built with podman from docker/Dockerfile', () => {
  let buildOutput = '';
  beforeAll(() => {
    execFileSync('bash', [path.join(ROOT, 'docker', 'ci', 'make-base-image.sh')], { env, stdio: 'inherit' });
    buildOutput = execFileSync('bash', [path.join(ROOT, 'docker', 'build.sh'), '--keep-running'], { env, cwd: ROOT, encoding: 'utf-8' });
  });
  afterAll(() => {
    try { podman('rm', '-f', CONTAINER); } catch { /* already gone */ }
  });

  test('build.sh built, ran and checked the image', () => {
    expect(buildOutput).toContain(`build.sh: ${image()} answers on http://127.0.0.1:${PORT}/`);
  });

  test('the running container serves the page and /healthz on 127.0.0.1', async () => {
    const page = await get(`http://127.0.0.1:${PORT}/`);
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('<h1>minCloud mini Project!!</h1>');
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect((await get(`http://127.0.0.1:${PORT}/healthz`)).status).toBe(200);
    const css = await get(`http://127.0.0.1:${PORT}/`, { 'Accept-Encoding': 'gzip' });
    expect(css.headers['content-encoding']).toBe('gzip');
  });

  test('runs as uid 10101, read-only root filesystem, no capabilities', () => {
    const inspect = JSON.parse(podman('inspect', CONTAINER))[0];
    expect(inspect.Config.User).toBe('10101:10101');
    expect(inspect.HostConfig.ReadonlyRootfs).toBe(true);
    expect(inspect.HostConfig.CapDrop ?? inspect.EffectiveCaps).toBeDefined();
    expect(inspect.EffectiveCaps ?? []).toEqual([]);
    const processes = podman('top', CONTAINER, 'user', 'comm');
    expect(processes).toMatch(/10101\s+nginx/);
    expect(processes).not.toMatch(/root\s+nginx/);
  });

  test('image metadata: port 8080, healthcheck, OCI labels', () => {
    const inspect = JSON.parse(podman('image', 'inspect', image()))[0];
    const config = inspect.Config;
    expect(Object.keys(config.ExposedPorts)).toEqual(['8080/tcp']);
    expect(config.User).toBe('10101:10101');
    // podman reports the Docker-format healthcheck at the top level, docker under Config.
    const healthcheck = config.Healthcheck ?? inspect.Healthcheck;
    expect(healthcheck.Test.join(' ')).toContain('http://127.0.0.1:8080/healthz');
    const labels = config.Labels;
    expect(labels['org.opencontainers.image.version']).toBe(image().split(':').pop());
    expect(labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{12}$|^unknown$/);
    expect(labels['org.opencontainers.image.created']).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(labels['org.opencontainers.image.source']).toMatch(/^https:\/\//);
  });

  test('the healthcheck passes inside the container', () => {
    expect(() => podman('healthcheck', 'run', CONTAINER)).not.toThrow();
  });

  test('tagged with the version and the git revision, never only latest', () => {
    const tags = JSON.parse(podman('image', 'inspect', image()))[0].RepoTags as string[];
    expect(tags).toContain(image());
    expect(tags.some((t) => /:\d[\w.]*-[0-9a-f]{7}$/.test(t))).toBe(true);
    expect(tags.every((t) => !t.endsWith(':latest'))).toBe(true);
  });
});
