import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, uniqueName } from '../support/free-port';
import { get, portInUse } from './support/nginx';

// docker/push.sh against a real registry (Debian's docker-registry, the CNCF distribution
// registry) on 127.0.0.1, and its refusals. push.sh pushes whatever image carries the name; a
// one-file image with the labels build.sh sets keeps this test independent of the (slower)
// real build, which image.test.ts covers.
const ROOT = path.join(__dirname, '..', '..');
/** The registry's address: a port the OS picks (set in beforeAll). */
let REGISTRY = '';
/** Local image names are global to the user: a path unique to this run, so two checkouts can run at once. */
const LOCAL_PATH = uniqueName('push-test');
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'push-test-'));
/** push.sh records the digest here (not in build/images/, which a developer's push owns). */
const REF_FILE = path.join(WORK, 'site.ref');
const REVISION = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf-8' }).trim();
const env = { ...process.env, CONTAINER_ENGINE: 'podman', CONTAINERS_CONF: path.join(ROOT, 'docker', 'containers.conf'), IMAGE_REF_FILE: REF_FILE };
const push = (extraEnv: Record<string, string>, args: string[] = [], cwd = ROOT) =>
  spawnSync('bash', [path.join(cwd, 'docker', 'push.sh'), ...args], { env: { ...env, ...extraEnv }, cwd, encoding: 'utf-8', timeout: 120000 });
const images: string[] = [];

jest.setTimeout(300000);

describe('docker/push.sh', () => {
  const work = WORK;
  let registry: ChildProcess | undefined;

  /** A one-file image named NAME whose revision label is REVISION_LABEL, as build.sh labels. */
  function makeImage(name: string, revisionLabel: string): void {
    execFileSync('bash', ['-c', `tar -C "$0" -c . | podman import --change "LABEL org.opencontainers.image.revision=$1" - "$2"`,
      path.join(work, 'rootfs'), revisionLabel, name], { env, stdio: 'ignore' });
    images.push(name);
  }

  beforeAll(async () => {
    const port = await freePort();
    REGISTRY = `127.0.0.1:${port}`;
    if (await portInUse(port)) throw new Error(`${REGISTRY} is in use; stop whatever listens there and run the test again`);
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
    let up = false;
    for (let i = 0; i < 100 && !up; i++) {
      try { up = (await get(`http://${REGISTRY}/v2/`)).status === 200; } catch { /* starting */ }
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    if (!up) throw new Error(`docker-registry did not start on ${REGISTRY}`);
    fs.mkdirSync(path.join(work, 'rootfs'));
    fs.writeFileSync(path.join(work, 'rootfs', 'hello.txt'), 'minCloud\n');
    makeImage(`${REGISTRY}/mincloud/nginx:1.0.0`, REVISION);
    makeImage(`${REGISTRY}/mincloud/nginx:1.0.0-${REVISION.slice(0, 7)}`, REVISION);
    makeImage(`localhost/${LOCAL_PATH}/nginx:2.0.0`, REVISION);
    makeImage(`localhost/${LOCAL_PATH}/nginx:3.0.0`, `${REVISION}-dirty`);
    makeImage(`localhost/${LOCAL_PATH}/nginx:4.0.0`, 'unknown');
  });
  afterAll(() => {
    registry?.kill();
    for (const image of images) spawnSync('podman', ['rmi', '-f', image], { env });
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function manifestDigest(repo: string, tag: string): Promise<string> {
    const res = await get(`http://${REGISTRY}/v2/${repo}/manifests/${tag}`, {
      Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' });
    expect(res.status).toBe(200);
    return res.headers['docker-content-digest'];
  }

  test('pushes the version and the version-revision tags and records the pushed digest', async () => {
    const r = push({ IMAGE_REPOSITORY: `${REGISTRY}/mincloud/nginx`, IMAGE_TAG: '1.0.0', REGISTRY_TLS_VERIFY: 'false' });
    if (r.status !== 0) throw new Error(`push.sh failed: ${r.stderr}`);
    const ref = fs.readFileSync(REF_FILE, 'utf-8').trim();
    expect(ref).toMatch(new RegExp(`^${REGISTRY}/mincloud/nginx:1\\.0\\.0@sha256:[0-9a-f]{64}$`));
    const tags = JSON.parse((await get(`http://${REGISTRY}/v2/mincloud/nginx/tags/list`)).body.toString());
    expect(tags.tags.sort()).toEqual(['1.0.0', `1.0.0-${REVISION.slice(0, 7)}`]);
    expect(await manifestDigest('mincloud/nginx', '1.0.0')).toBe(ref.split('@')[1]);
    expect(r.stdout).toContain(`push.sh: pushed ${ref} (also tagged 1.0.0-${REVISION.slice(0, 7)}) (recorded in ${REF_FILE})`);
    expect(r.stdout).toContain(`npm run deploy -- --target <target> --image ${ref}`);
  });

  test('REGISTRY sends the image to another registry (a mirror) under the same path', async () => {
    const r = push({ IMAGE_REPOSITORY: `localhost/${LOCAL_PATH}/nginx`, IMAGE_TAG: '2.0.0', REGISTRY, REGISTRY_TLS_VERIFY: 'false' });
    if (r.status !== 0) throw new Error(`push.sh failed: ${r.stderr}`);
    const ref = fs.readFileSync(REF_FILE, 'utf-8').trim();
    expect(ref).toMatch(new RegExp(`^${REGISTRY}/${LOCAL_PATH}/nginx:2\\.0\\.0@sha256:[0-9a-f]{64}$`));
    images.push(`${REGISTRY}/${LOCAL_PATH}/nginx:2.0.0`);
    expect(await manifestDigest(`${LOCAL_PATH}/nginx`, '2.0.0')).toBe(ref.split('@')[1]);
  });

  test('a build from uncommitted changes: refused, unless --allow-dirty', async () => {
    const base = { IMAGE_REPOSITORY: `localhost/${LOCAL_PATH}/nginx`, REGISTRY, REGISTRY_TLS_VERIFY: 'false' };
    const refused = push({ ...base, IMAGE_TAG: '3.0.0' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(`push.sh: localhost/${LOCAL_PATH}/nginx:3.0.0 was built from uncommitted changes (revision ${REVISION}-dirty); commit them and run docker/build.sh again, or pass --allow-dirty`);
    const unknown = push({ ...base, IMAGE_TAG: '4.0.0' });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("has no commit in its revision label ('unknown')");
    const allowed = push({ ...base, IMAGE_TAG: '3.0.0' }, ['--allow-dirty']);
    if (allowed.status !== 0) throw new Error(`push.sh --allow-dirty failed: ${allowed.stderr}`);
    images.push(`${REGISTRY}/${LOCAL_PATH}/nginx:3.0.0`);
    expect(await manifestDigest(`${LOCAL_PATH}/nginx`, '3.0.0')).toMatch(/^sha256:/);
  });

  test.each<[string, Record<string, string>, string]>([
    ['a latest tag', { IMAGE_TAG: 'latest' }, "push.sh: IMAGE_TAG 'latest' is not a version; use a release such as 1.0.0"],
    ['an invalid tag', { IMAGE_TAG: 'v 1' }, "push.sh: IMAGE_TAG 'v 1' is not a valid tag"],
    ['an image that was not built', { IMAGE_TAG: '9.9.9' }, 'push.sh: docker.io/mincloud1501/nginx:9.9.9 is not built; run docker/build.sh first'],
    ['a username without a password', { REGISTRY_USERNAME: 'me', IMAGE_TAG: '1.0.0' }, 'push.sh: set both REGISTRY_USERNAME and REGISTRY_PASSWORD'],
    ['a bad TLS setting', { REGISTRY_TLS_VERIFY: 'no', IMAGE_TAG: '1.0.0' }, "push.sh: REGISTRY_TLS_VERIFY 'no' is not allowed; use true or false"],
    ['a bad registry', { REGISTRY: 'https://x', IMAGE_TAG: '1.0.0' }, "push.sh: REGISTRY 'https://x' is not allowed; use host[:port][/path]"],
    ['an unknown engine', { CONTAINER_ENGINE: 'rkt', IMAGE_TAG: '1.0.0' }, "push.sh: CONTAINER_ENGINE 'rkt' is not supported; use docker or podman"],
  ])('refuses %s', (_n, extraEnv, message) => {
    const r = push(extraEnv);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(message);
  });

  test('--help names every variable', () => {
    const r = push({}, ['--help']);
    expect(r.status).toBe(0);
    for (const v of ['IMAGE_REPOSITORY', 'IMAGE_TAG', 'REGISTRY', 'REGISTRY_USERNAME', 'REGISTRY_PASSWORD', 'REGISTRY_TLS_VERIFY', '--allow-dirty']) {
      expect(r.stdout).toContain(v);
    }
  });
});
