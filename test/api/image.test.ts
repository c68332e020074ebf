import { execFileSync } from 'child_process';
import * as path from 'path';
import { get } from '../image/support/nginx';

// A real image build of services/api/Dockerfile with podman, on a local Debian base with
// Node.js (no container registry is reachable here), built and started by its build.sh.
const ROOT = path.join(__dirname, '..', '..');
const CONTAINER = 'api-image-test';
const PORT = 18350;
const env = {
  ...process.env,
  CONTAINER_ENGINE: 'podman',
  CONTAINERS_CONF: path.join(ROOT, 'docker', 'containers.conf'),
  BASE_IMAGE: 'localhost/api-base:bookworm',
  PACKAGES: 'nodejs',
  HOST_PORT: String(PORT),
  API_CONTAINER: CONTAINER,
};
const podman = (...args: string[]) => execFileSync('podman', args, { env, encoding: 'utf-8' }).trim();
const image = 'docker.io/mincloud1501/api:1.0.0';

jest.setTimeout(600000);

describe('API image built with podman from services/api/Dockerfile', () => {
  let output = '';
  beforeAll(() => {
    execFileSync('bash', [path.join(ROOT, 'docker', 'ci', 'make-base-image.sh')], { env, stdio: 'inherit' });
    output = execFileSync('bash', [path.join(ROOT, 'services', 'api', 'build.sh'), '--keep-running'], { env, cwd: ROOT, encoding: 'utf-8' });
  });
  afterAll(() => {
    try { podman('rm', '-f', CONTAINER); } catch { /* already gone */ }
  });

  test('build.sh built, ran and checked it', () => {
    expect(output).toContain(`build.sh: ${image} answers on http://127.0.0.1:${PORT}/api/info`);
  });

  test('answers /api/healthz and /api/info on 127.0.0.1', async () => {
    expect((await get(`http://127.0.0.1:${PORT}/api/healthz`)).status).toBe(200);
    const info = JSON.parse((await get(`http://127.0.0.1:${PORT}/api/info`)).body.toString());
    expect(info).toMatchObject({ service: 'api', version: '1.0.0' });
  });

  test('non-root, read-only, healthcheck passes, labelled, port 8080', () => {
    const c = JSON.parse(podman('inspect', CONTAINER))[0];
    expect(c.Config.User).toBe('10101:10101');
    expect(c.HostConfig.ReadonlyRootfs).toBe(true);
    expect(() => podman('healthcheck', 'run', CONTAINER)).not.toThrow();
    const i = JSON.parse(podman('image', 'inspect', image))[0];
    expect(Object.keys(i.Config.ExposedPorts)).toEqual(['8080/tcp']);
    expect(i.Config.Labels['org.opencontainers.image.version']).toBe('1.0.0');
    expect((i.Config.Healthcheck ?? i.Healthcheck).Test.join(' ')).toContain('/api/healthz');
  });
});
