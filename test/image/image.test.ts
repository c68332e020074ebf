import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freeConsecutivePorts, uniqueName } from '../support/free-port';
import { get, portInUse } from './support/nginx';
import { OWN_BUILD_ENV, removeRepository, testRepository } from '../support/podman-names';

// A real image build and run with podman: docker/Dockerfile, unchanged, on a local Debian base
// image (debootstrap: no container registry is reachable here), built, started and checked by
// docker/build.sh itself. The container runs in the host network namespace on 127.0.0.1, on a port
// the OS picks (HOST_PORT, stub_status on the next one; the image's own default, 8080, is checked
// in a container without a network). Container names are unique per run: two checkouts may run
// this file at the same time.
const ROOT = path.join(__dirname, '..', '..');
const CONTAINER = uniqueName('site-image-test');
const DEFAULT_CONTAINER = uniqueName('site-image-default');
let PORT = 0;
const BASE = 'localhost/nginx-base:bookworm';
const WORK = fs.mkdtempSync(path.join(os.tmpdir(), 'image-test-'));
/** build.sh records the reference here (not in build/images/, which a developer's build owns). */
const REF_FILE = path.join(WORK, 'site.ref');
const env: NodeJS.ProcessEnv = {
  ...process.env,
  CONTAINER_ENGINE: 'podman',
  CONTAINERS_CONF: path.join(ROOT, 'docker', 'containers.conf'),
  BASE_IMAGE: BASE,
  SITE_CONTAINER: CONTAINER,
  IMAGE_REF_FILE: REF_FILE,
  ...OWN_BUILD_ENV,
};
const podman = (...args: string[]) => execFileSync('podman', args, { env, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const podmanRun = (...args: string[]) => spawnSync('podman', args, { env, encoding: 'utf-8', timeout: 60000 });
const imageEnv = Object.fromEntries(fs.readFileSync(path.join(ROOT, 'docker', 'image.env'), 'utf-8').trim().split('\n').map((l) => l.split('=')));
/** What build.sh tags: image.env's tag in a repository of this run's own (image.env's is the deployed one). */
const REPOSITORY = testRepository('nginx');
env.IMAGE_REPOSITORY = REPOSITORY;
const IMAGE = `${REPOSITORY}:${imageEnv.IMAGE_TAG}`;
const SECURITY_HEADERS = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'permissions-policy'];
/** Containers a test starts besides the one build.sh starts; all removed in afterAll. */
const extra: string[] = [];

/** Runs the built image in a container without any network; its own 127.0.0.1 is all it has. */
function runIsolated(name: string, ...args: string[]): void {
  extra.push(name);
  podman('rm', '-f', name);
  podman('run', '-d', '--pull', 'never', '--name', name, '--network', 'none', '--read-only', '--read-only-tmpfs=false',
    '--tmpfs', '/tmp:rw,mode=1777', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--health-interval', 'disable',
    ...args, IMAGE);
}

/** Waits until the container's own healthcheck passes (at most 10 s). */
async function waitHealthy(name: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if (podmanRun('healthcheck', 'run', name).status === 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} never became healthy: ${podmanRun('logs', name).stderr}`);
}

/** Whether some socket listens on 0.0.0.0 or :: with this port (i.e. beyond the loopback). */
function listensOnAllAddresses(port: number): boolean {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((f) => fs.existsSync(f) && fs.readFileSync(f, 'utf-8').split('\n').slice(1)
    .map((l) => l.trim().split(/\s+/))
    .some((c) => c[1] !== undefined && c[3] === '0A' && c[1].endsWith(`:${hex}`) && /^0+:/.test(c[1])));
}

jest.setTimeout(600000);

describe('site image built with podman from docker/Dockerfile', () => {
  let buildOutput = '';
  beforeAll(async () => {
    PORT = await freeConsecutivePorts(2);
    env.HOST_PORT = String(PORT);
    for (const port of [PORT, PORT + 1]) {
      if (await portInUse(port)) throw new Error(`127.0.0.1:${port} is in use; stop whatever listens there and run the test again`);
    }
    // The local base image (debootstrap, ~1 min the first time; skipped when it exists).
    execFileSync('bash', [path.join(ROOT, 'docker', 'ci', 'make-base-image.sh')], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    buildOutput = execFileSync('bash', [path.join(ROOT, 'docker', 'build.sh'), '--keep-running'], { env, cwd: ROOT, encoding: 'utf-8' });
  });
  afterAll(() => {
    for (const name of [CONTAINER, DEFAULT_CONTAINER, ...extra]) spawnSync('podman', ['rm', '-f', '-t', '0', name], { env });
    removeRepository(REPOSITORY, env);
    fs.rmSync(WORK, { recursive: true, force: true });
  });

  test('build.sh built, tagged, recorded, ran and checked the image', () => {
    expect(buildOutput).toContain(`build.sh: ${IMAGE} answers on http://127.0.0.1:${PORT}/healthz and http://127.0.0.1:${PORT}/`);
    expect(buildOutput).toContain(`build.sh: built ${IMAGE} (recorded in ${REF_FILE})`);
    expect(fs.readFileSync(REF_FILE, 'utf-8')).toBe(`${IMAGE}\n`);
  });

  test('the running container serves the page, /healthz and gzip on 127.0.0.1 only', async () => {
    const page = await get(`http://127.0.0.1:${PORT}/`);
    expect(page.status).toBe(200);
    expect(page.body.toString()).toContain('<h1>minCloud mini Project!!</h1>');
    for (const h of SECURITY_HEADERS) expect(page.headers[h]).toBeTruthy();
    expect(page.headers.server).toBe('nginx');
    const health = await get(`http://127.0.0.1:${PORT}/healthz`);
    expect([health.status, health.body.toString()]).toEqual([200, 'ok\n']);
    expect((await get(`http://127.0.0.1:${PORT}/`, { 'Accept-Encoding': 'gzip' })).headers['content-encoding']).toBe('gzip');
    expect((await get(`http://127.0.0.1:${PORT}/nothing-here`)).status).toBe(404);
    expect((await get(`http://127.0.0.1:${PORT + 1}/stub_status`)).body.toString()).toMatch(/Active connections: \d+/);
    expect(listensOnAllAddresses(PORT)).toBe(false);
  });

  test('hardened: uid 10101, read-only root, only /tmp writable, no capabilities, host network', () => {
    const c = JSON.parse(podman('inspect', CONTAINER))[0];
    expect(c.Config.User).toBe('10101:10101');
    expect(c.HostConfig.ReadonlyRootfs).toBe(true);
    expect(c.HostConfig.NetworkMode).toBe('host');
    expect(c.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(c.EffectiveCaps ?? []).toEqual([]);
    const processes = podman('top', CONTAINER, 'user', 'group', 'comm');
    expect(processes).toMatch(/10101\s+10101\s+nginx/);
    expect(processes).not.toMatch(/root/);
    expect(podmanRun('exec', CONTAINER, 'touch', '/etc/nginx/x').status).not.toBe(0);
    expect(podmanRun('exec', CONTAINER, 'touch', '/usr/share/nginx/html/x').status).not.toBe(0);
    expect(podmanRun('exec', CONTAINER, 'touch', '/tmp/x').status).toBe(0);
  });

  test('logs: JSON access lines on stdout (no health checks), no errors on stderr', async () => {
    await get(`http://127.0.0.1:${PORT}/?from=test`);
    await get(`http://127.0.0.1:${PORT}/healthz`);
    await get(`http://127.0.0.1:${PORT}/?after=healthz`);
    // access_log flush=1s: once the last request's line is there, every earlier one's would be.
    const deadline = Date.now() + 5000;
    let logs = podmanRun('logs', CONTAINER);
    while (!logs.stdout.includes('"uri":"/?after=healthz"') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      logs = podmanRun('logs', CONTAINER);
    }
    const lines = logs.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.find((l) => l.uri === '/?from=test')).toMatchObject({ method: 'GET', status: 200 });
    expect(lines.some((l) => l.uri === '/healthz')).toBe(false);
    expect(logs.stderr).not.toMatch(/\[(emerg|alert|crit|error)\]/);
  });

  test('image metadata: port 8080, user, healthcheck, OCI labels', () => {
    const inspect = JSON.parse(podman('image', 'inspect', IMAGE))[0];
    const config = inspect.Config;
    expect(Object.keys(config.ExposedPorts)).toEqual(['8080/tcp']);
    expect(config.User).toBe('10101:10101');
    expect(config.Entrypoint).toEqual(['/usr/local/bin/start-nginx']);
    expect(config.StopSignal).toBe('SIGQUIT');
    // podman reports the Docker-format healthcheck at the top level, docker under Config.
    const healthcheck = config.Healthcheck ?? inspect.Healthcheck;
    expect(healthcheck.Test).toEqual(['CMD', '/usr/local/bin/healthcheck']);
    const labels = config.Labels;
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'minCloud site',
      'org.opencontainers.image.licenses': 'MIT',
      'org.opencontainers.image.version': imageEnv.IMAGE_TAG,
    });
    expect(labels['org.opencontainers.image.description']).toBeTruthy();
    expect(labels['org.opencontainers.image.base.name']).toBe(BASE);
    expect(labels['org.opencontainers.image.revision']).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    // This run's own SOURCE_DATE_EPOCH (podman-names.ts), as build.sh writes it.
    expect(labels['org.opencontainers.image.created']).toBe(new Date(Number(OWN_BUILD_ENV.SOURCE_DATE_EPOCH) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(labels['org.opencontainers.image.source']).toMatch(/^https:\/\//);
  });

  test('the HEALTHCHECK passes inside the running container', () => {
    expect(podmanRun('healthcheck', 'run', CONTAINER).status).toBe(0);
  });

  test('by default the image serves on 8080 and stub_status on 127.0.0.1:8081 (no network, checked inside)', async () => {
    runIsolated(DEFAULT_CONTAINER);
    await waitHealthy(DEFAULT_CONTAINER); // the HEALTHCHECK: curl 127.0.0.1:8080/healthz
    const page = podmanRun('exec', DEFAULT_CONTAINER, 'curl', '-fsS', 'http://127.0.0.1:8080/');
    expect(page.stdout).toContain('<h1>minCloud mini Project!!</h1>');
    const status = podmanRun('exec', DEFAULT_CONTAINER, 'curl', '-fsS', 'http://127.0.0.1:8081/stub_status');
    expect(status.stdout).toMatch(/Active connections: \d+/);
    // The shipped config as is: nothing rendered to /tmp.
    expect(podmanRun('exec', DEFAULT_CONTAINER, 'test', '-e', '/tmp/nginx-conf').status).not.toBe(0);
    const config = podmanRun('run', '--rm', '--pull', 'never', '--network', 'none', '--read-only', '--tmpfs', '/tmp',
      '--health-interval', 'disable', IMAGE, '-T');
    expect(config.status).toBe(0);
    expect(config.stdout).toMatch(/^\s*listen 8080 default_server;/m);
    expect(config.stdout).toMatch(/^\s*listen 127\.0\.0\.1:8081;/m);
  });

  test('a malformed SITE_LISTEN stops the container with a message naming it', () => {
    const r = podmanRun('run', '--rm', '--pull', 'never', '--network', 'none', '--read-only', '--tmpfs', '/tmp',
      '--health-interval', 'disable', '-e', 'SITE_LISTEN=8080; include /etc/passwd', IMAGE);
    expect(r.status).toBe(64);
    expect(r.stderr).toContain("start-nginx: SITE_LISTEN '8080; include /etc/passwd' is not a listen address; use PORT or ADDRESS:PORT");
  });

  test('tagged with the version and the version plus git revision, never latest', () => {
    const tags = JSON.parse(podman('image', 'inspect', IMAGE))[0].RepoTags as string[];
    expect(tags).toContain(IMAGE);
    const sha = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: ROOT, encoding: 'utf-8' }).trim();
    expect(tags.some((t) => t === `${IMAGE}-${sha}` || t === `${IMAGE}-${sha}-dirty`)).toBe(true);
    expect(tags.every((t) => !t.endsWith(':latest'))).toBe(true);
  });

  test('stops gracefully: SIGQUIT (STOPSIGNAL) ends nginx with exit code 0', () => {
    podman('stop', '-t', '10', CONTAINER);
    expect(podman('inspect', '-f', '{{.State.ExitCode}}', CONTAINER)).toBe('0');
  });
});

describe('docker/Dockerfile as written', () => {
  const dockerfile = fs.readFileSync(path.join(ROOT, 'docker', 'Dockerfile'), 'utf-8');

  test('the default base is an exact, non-root nginx version, overridable as a build argument', () => {
    const base = /^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(base).toMatch(/^docker\.io\/nginxinc\/nginx-unprivileged:\d+\.\d+\.\d+-bookworm(@sha256:[0-9a-f]{64})?$/);
    expect(dockerfile).toMatch(/^FROM \$\{BASE_IMAGE\}$/m);
  });

  test('numeric non-root user, port 8080, healthcheck, no shell-form entrypoint', () => {
    const users = [...dockerfile.matchAll(/^USER (\S+)$/gm)].map((m) => m[1]);
    expect(users[users.length - 1]).toBe('10101:10101');
    expect(dockerfile).toMatch(/^EXPOSE 8080$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["/m);
  });

  test('image.env is exactly the two lines other code parses', () => {
    expect(fs.readFileSync(path.join(ROOT, 'docker', 'image.env'), 'utf-8'))
      .toMatch(/^IMAGE_REPOSITORY=[a-z0-9][a-z0-9._\/-]*\nIMAGE_TAG=[A-Za-z0-9_][A-Za-z0-9_.-]*\n$/);
    expect(imageEnv.IMAGE_TAG).not.toBe('latest');
  });
});

describe('docker/build.sh refuses bad settings before building', () => {
  const run = (extraEnv: Record<string, string>, args: string[] = []) =>
    spawnSync('bash', [path.join(ROOT, 'docker', 'build.sh'), ...args], { env: { ...env, ...extraEnv }, cwd: ROOT, encoding: 'utf-8' });

  test.each<[string, Record<string, string>, string]>([
    ['an unknown engine', { CONTAINER_ENGINE: 'rkt' }, "build.sh: CONTAINER_ENGINE 'rkt' is not supported; use docker or podman"],
    ['a latest tag', { IMAGE_TAG: 'latest' }, "build.sh: IMAGE_TAG 'latest' is not a version; use a release such as 1.0.0"],
    ['a bad repository', { IMAGE_REPOSITORY: 'Docker.io/X' }, "build.sh: IMAGE_REPOSITORY 'Docker.io/X' is not a repository name"],
    ['a bad port', { HOST_PORT: '80a' }, "build.sh: HOST_PORT '80a' is not allowed; use a number from 1 to 65534"],
    ['a bad container name', { SITE_CONTAINER: '-x' }, "build.sh: SITE_CONTAINER '-x' is not a container name"],
  ])('%s', (_n, extraEnv, message) => {
    const r = run(extraEnv);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(message);
  });

  test('no engine at all', () => {
    // A PATH with what the script needs but neither docker nor podman.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'no-engine-'));
    try {
      for (const tool of ['bash', 'dirname', 'basename', 'git', 'cat', 'date', 'mkdir']) {
        fs.symlinkSync(execFileSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf-8' }).trim(), path.join(bin, tool));
      }
      const r = run({ PATH: bin, CONTAINER_ENGINE: '' });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('build.sh: neither docker (with a running engine) nor podman is installed; install one or set CONTAINER_ENGINE');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });

  test('--help', () => {
    const r = run({}, ['--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage: docker\/build.sh/);
    expect(r.stdout).toContain('BASE_IMAGE');
  });
});

describe('docker/Dockerfile on a base pinned by digest', () => {
  test('every build records its base\'s digest; BASE_IMAGE=repository:tag@sha256:... builds (the tag kept for humans, the digest what is used); a wrong digest is refused', () => {
    execFileSync('bash', [path.join(ROOT, 'docker', 'ci', 'make-base-image.sh')], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const digest = podman('image', 'inspect', '--format', '{{.Digest}}', BASE);
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const repo = testRepository('site-pinned');
    let byTagId = '';
    const build = (base: string) => spawnSync('bash', [path.join(ROOT, 'docker', 'build.sh'), '--no-run'], {
      env: { ...env, BASE_IMAGE: base, IMAGE_REPOSITORY: repo, IMAGE_REF_FILE: path.join(WORK, 'pinned.ref') }, cwd: ROOT, encoding: 'utf-8',
    });
    try {
      // Built by tag, the image still records the digest of the base it is on: the pin for next time.
      const byTag = build(BASE);
      expect([byTag.status, byTag.status === 0 ? '' : byTag.stderr]).toEqual([0, '']);
      expect(JSON.parse(podman('image', 'inspect', `${repo}:${imageEnv.IMAGE_TAG}`))[0].Labels['org.opencontainers.image.base.digest']).toBe(digest);
      byTagId = podman('image', 'inspect', '--format', '{{.Id}}', `${repo}:${imageEnv.IMAGE_TAG}`);
      const pinned = `${BASE}@${digest}`;
      const r = build(pinned);
      expect([r.status, r.stderr.split('\n').filter((l) => /^Error/.test(l))]).toEqual([0, []]);
      const labels = JSON.parse(podman('image', 'inspect', `${repo}:${imageEnv.IMAGE_TAG}`))[0].Labels;
      expect(labels['org.opencontainers.image.base.name']).toBe(pinned);
      expect(labels['org.opencontainers.image.base.digest']).toBe(digest);
      const wrong = build(`${BASE}@sha256:${'0'.repeat(64)}`);
      expect(wrong.status).not.toBe(0);
      expect(wrong.stderr).toContain(`nginx-base@sha256:${'0'.repeat(64)}`);
    } finally {
      removeRepository(repo, env);
      // The build by tag, whose tags the pinned build took: removed by id only while nothing names
      // it (without --force podman refuses an id another run's tag or container still uses).
      if (byTagId && podmanRun('image', 'inspect', '--format', '{{len .RepoTags}}', byTagId).stdout.trim() === '0') podmanRun('rmi', byTagId);
    }
  });
});
