import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { get } from './support/nginx';

// docker/push.sh against a real registry (Debian's docker-registry, the CNCF distribution
// registry) on 127.0.0.1, and its refusals.
const ROOT = path.join(__dirname, '..', '..');
const REGISTRY = '127.0.0.1:18500';
const env = { ...process.env, CONTAINER_ENGINE: 'podman', CONTAINERS_CONF: path.join(ROOT, 'docker', 'containers.conf') };
const podman = (...args: string[]) => execFileSync('podman', args, { env, encoding: 'utf-8' }).trim();
const push = (extraEnv: Record<string, string>, args: string[] = [], cwd = ROOT) =>
  spawnSync('bash', [path.join(cwd, 'docker', 'push.sh'), ...args], { env: { ...env, ...extraEnv }, cwd, encoding: 'utf-8' });

jest.setTimeout(600000);

describe('docker/push.sh', () => {
  let work: string;
  let registry: ChildProcess;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'push-test-'));
    fs.writeFileSync(path.join(work, 'config.yml'), `version: 0.1
storage:
  filesystem:
    rootdirectory: ${work}/data
http:
  addr: ${REGISTRY}
log:
  level: error
`);
    registry = spawn('docker-registry', ['serve', path.join(work, 'config.yml')], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      try { if ((await get(`http://${REGISTRY}/v2/`)).status === 200) break; } catch { /* starting */ }
      await new Promise((r) => setTimeout(r, 50));
    }
    // push.sh pushes whatever image has the name; a one-file image keeps this test independent
    // of the (slow) real build, which image.test.ts covers.
    fs.mkdirSync(path.join(work, 'rootfs'));
    fs.writeFileSync(path.join(work, 'rootfs', 'hello.txt'), 'minCloud\n');
    execFileSync('bash', ['-c', `tar -C "${work}/rootfs" -c . | podman import - ${REGISTRY}/mincloud/nginx:1.0.0`], { env, stdio: 'ignore' });
  });
  afterAll(() => {
    registry?.kill();
    try { podman('rmi', `${REGISTRY}/mincloud/nginx:1.0.0`); } catch { /* gone */ }
    fs.rmSync(work, { recursive: true, force: true });
  });

  test('pushes to the registry and records the pushed digest', async () => {
    const refFile = path.join(ROOT, 'build', 'images', 'site.ref');
    const r = push({ IMAGE_REPOSITORY: `${REGISTRY}/mincloud/nginx`, IMAGE_TAG: '1.0.0', REGISTRY_TLS_VERIFY: 'false' }, ['--allow-dirty']);
    expect(r.status).toBe(0);
    const ref = fs.readFileSync(refFile, 'utf-8').trim();
    expect(ref).toMatch(new RegExp(`^${REGISTRY}/mincloud/nginx:1\\.0\\.0@sha256:[0-9a-f]{64}$`));
    const tags = JSON.parse((await get(`http://${REGISTRY}/v2/mincloud/nginx/tags/list`)).body.toString());
    expect(tags.tags).toContain('1.0.0');
    const manifest = await get(`http://${REGISTRY}/v2/mincloud/nginx/manifests/1.0.0`, {
      Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' });
    expect(manifest.headers['docker-content-digest']).toBe(ref.split('@')[1]);
    expect(r.stdout).toContain(`npm run deploy -- --env <target> --image ${ref}`);
  });

  test.each<[string, Record<string, string>, RegExp]>([
    ['a latest tag', { IMAGE_TAG: 'latest' }, /IMAGE_TAG 'latest' is not a version/],
    ['an invalid tag', { IMAGE_TAG: 'v 1' }, /IMAGE_TAG 'v 1' is not a valid tag/],
    ['an image that was not built', { IMAGE_TAG: '9.9.9' }, /docker.io\/mincloud1501\/nginx:9.9.9 is not built; run docker\/build.sh first/],
    ['a username without a password', { REGISTRY_USERNAME: 'me', IMAGE_TAG: '1.0.0' }, /set both REGISTRY_USERNAME and REGISTRY_PASSWORD/],
    ['a bad TLS setting', { REGISTRY_TLS_VERIFY: 'no', IMAGE_TAG: '1.0.0' }, /REGISTRY_TLS_VERIFY 'no' is not allowed; use true or false/],
  ])('refuses %s', (_n, extraEnv, message) => {
    const r = push(extraEnv, ['--allow-dirty']);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(message);
  });

  test('refuses a build from uncommitted changes in docker/', () => {
    const repo = path.join(work, 'repo');
    fs.mkdirSync(repo);
    fs.cpSync(path.join(ROOT, 'docker'), path.join(repo, 'docker'), { recursive: true });
    const git = (...args: string[]) => execFileSync('git', ['-c', 'user.email=t@example.com', '-c', 'user.name=t', ...args], { cwd: repo });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'x');
    fs.appendFileSync(path.join(repo, 'docker', 'nginx.conf'), '\n# local edit\n');
    const r = push({}, [], repo);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/docker\/ has uncommitted changes; commit them .* or pass --allow-dirty/);
  });
});
