import { ChildProcess, execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { buildTarget, targets } from '../../app';
import { apiImage, siteImage } from '../../config/image-config';
import { synthObjects } from '../support/synth';
import { freePort, uniqueName } from '../support/free-port';
import { get } from '../image/support/nginx';
import { ROOT } from './support';

// docker/push.sh records what it pushed in the image.env that names the image (PUSHED_IMAGE),
// and the app then deploys that digest: here for the API image (IMAGE_ENV), against a real
// registry (Debian's docker-registry) on 127.0.0.1 on a port the OS picks. The image.env is a
// copy in the test's own folder naming that registry; a one-file image with the labels
// services/api/build.sh sets stands in for a build (the image tests cover the real one).
jest.setTimeout(300000);

const CONTAINERS_CONF = path.join(ROOT, 'docker', 'containers.conf');
const REVISION = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf-8' }).trim();
const PUSH = path.join(ROOT, 'docker', 'push.sh');

describe('docker/push.sh records the pushed digest, and the app deploys it', () => {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'push-record-'));
  const envFile = path.join(work, 'api', 'image.env');
  let registry: ChildProcess | undefined;
  let address = '';
  let repository = '';
  const images: string[] = [];
  const env = { ...process.env, CONTAINER_ENGINE: 'podman', CONTAINERS_CONF, IMAGE_ENV: envFile, IMAGE_REF_FILE: path.join(work, 'api.ref'), REGISTRY_TLS_VERIFY: 'false' };
  for (const name of ['IMAGE_REPOSITORY', 'IMAGE_TAG', 'REGISTRY']) delete (env as NodeJS.ProcessEnv)[name];
  const push = (extra: Record<string, string> = {}, args: string[] = []) =>
    spawnSync('bash', [PUSH, ...args], { cwd: ROOT, env: { ...env, ...extra }, encoding: 'utf-8', timeout: 120000 });
  /** What the file says before a push: a comment, the image, a stale record, another line. */
  const original = () => `# The API image (a test copy)\nIMAGE_REPOSITORY=${repository}\nIMAGE_TAG=1.0.0\nPUSHED_IMAGE=${repository}:0.9.0@sha256:${'9'.repeat(64)}\nEXTRA=kept\n`;

  beforeAll(async () => {
    address = `127.0.0.1:${await freePort()}`;
    repository = `${address}/${uniqueName('push-record')}/api`;
    fs.writeFileSync(path.join(work, 'config.yml'), `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${work}/data\nhttp:\n  addr: ${address}\nlog:\n  level: error\n`);
    registry = spawn('docker-registry', ['serve', path.join(work, 'config.yml')], { stdio: 'ignore' });
    const deadline = Date.now() + 10000;
    for (let up = false; !up;) {
      try { up = (await get(`http://${address}/v2/`)).status === 200; } catch { /* starting */ }
      if (!up && Date.now() > deadline) throw new Error(`docker-registry did not start on ${address}`);
      if (!up) await new Promise((r) => setTimeout(r, 50));
    }
    fs.mkdirSync(path.join(work, 'rootfs'));
    fs.writeFileSync(path.join(work, 'rootfs', 'hello.txt'), 'minCloud API\n');
    fs.mkdirSync(path.join(work, 'api'));
    const image = `${repository}:1.0.0`;
    execFileSync('bash', ['-c', `tar -C "$0" -c . | podman import --change "LABEL org.opencontainers.image.revision=$1" - "$2"`,
      path.join(work, 'rootfs'), REVISION, image], { env, stdio: 'ignore' });
    images.push(image);
  });
  afterAll(() => {
    registry?.kill();
    for (const image of images) spawnSync('podman', ['rmi', '-f', image], { env });
    fs.rmSync(work, { recursive: true, force: true });
  });

  async function manifestDigest(tag: string): Promise<string> {
    const repoPath = repository.slice(address.length + 1);
    const res = await get(`http://${address}/v2/${repoPath}/manifests/${tag}`, {
      Accept: 'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json' });
    expect(res.status).toBe(200);
    return res.headers['docker-content-digest'];
  }

  test('the registry\'s digest replaces the PUSHED_IMAGE line; every other line stays as it was', async () => {
    fs.writeFileSync(envFile, original());
    const r = push();
    if (r.status !== 0) throw new Error(`push.sh failed: ${r.stderr}`);
    const pushed = `${repository}:1.0.0@${await manifestDigest('1.0.0')}`;
    const lines = original().trimEnd().split('\n').filter((l) => !l.startsWith('PUSHED_IMAGE='));
    expect(fs.readFileSync(envFile, 'utf-8')).toBe(`${[...lines, `PUSHED_IMAGE=${pushed}`].join('\n')}\n`);
    expect(r.stdout).toContain(`push.sh: recorded PUSHED_IMAGE=${pushed} in ${envFile}; commit it`);
    expect(fs.readFileSync(path.join(work, 'api.ref'), 'utf-8')).toBe(`${pushed}\n`);

    // What the app deploys from that file: the digest, pulled IfNotPresent.
    const image = apiImage({}, envFile);
    expect(image.toString()).toBe(pushed);
    const prod = targets.find((t) => t.name === 'prod')!;
    const objects = synthObjects(buildTarget(Testing.app(), prod, { site: siteImage({}), api: image }));
    const container = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === 'api')!.spec.template.spec.containers[0];
    expect([container.image, container.imagePullPolicy]).toEqual([pushed, 'IfNotPresent']);
  });

  // Functions: the registry's address is known once it runs.
  test.each<[string, () => Record<string, string>, string[]]>([
    ['an IMAGE_TAG from the environment (another image than the file names)', () => ({ IMAGE_TAG: '1.0.0' }), []],
    ['REGISTRY (a mirror)', () => ({ REGISTRY: address }), []],
    ['--no-record', () => ({}), ['--no-record']],
  ])('nothing is recorded in image.env with %s', (_name, extra, args) => {
    fs.writeFileSync(envFile, original());
    const r = push(extra(), args);
    if (r.status !== 0) throw new Error(`push.sh failed: ${r.stderr}`);
    expect(fs.readFileSync(envFile, 'utf-8')).toBe(original());
    expect(r.stdout).not.toContain('recorded PUSHED_IMAGE');
  });

  test('an IMAGE_ENV that is not a file is named in the error', () => {
    const r = push({ IMAGE_ENV: path.join(work, 'missing.env') });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`push.sh: IMAGE_ENV '${path.join(work, 'missing.env')}' is not a file; name an image.env such as services/api/image.env`);
  });
});
