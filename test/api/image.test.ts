import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { freePort, uniqueName } from '../support/free-port';
import { API_DIR, request, ROOT, sleep } from './support';
import { OWN_BUILD_ENV, removeRepository, testRepository } from '../support/podman-names';

// A real build of services/api/Dockerfile, unchanged but for its BASE_IMAGE build argument, by
// the shipped services/api/build.sh with podman, left running (--keep-running) for the checks
// below. No container registry is reachable here, so the base is Debian bookworm's Node.js
// (v18) made by services/api/ci/make-base-image.sh (debootstrap + podman import, cached).
// Names and ports differ from the site image's tests.
const BASE_IMAGE = 'localhost/api-base:bookworm';
/** services/api/image.env: the image build.sh tags, as the app deploys it. */
const API_ENV = Object.fromEntries(fs.readFileSync(path.join(API_DIR, 'image.env'), 'utf-8').trim().split('\n').map((l) => l.split('=', 2)));
const TAG: string = API_ENV.IMAGE_TAG;
/** What build.sh tags: image.env's tag in a repository of this run's own (image.env's is the deployed one). */
const REPOSITORY = testRepository('api');
const IMAGE = `${REPOSITORY}:${TAG}`;
/** build.sh records the reference here (not in build/images/, which a developer's build owns). */
const REF_FILE = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'api-image-ref-')), 'api.ref');
// Unique per run and a port the OS picks: two checkouts may run this at the same time.
const CONTAINER = uniqueName('api-image-test');
let PORT = 0;
const CONTAINERS_CONF = path.join(ROOT, 'docker', 'containers.conf');
const BUILD_SH = path.join(API_DIR, 'build.sh');
const MAKE_BASE = path.join(API_DIR, 'ci', 'make-base-image.sh');
const TRACEPARENT = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

const podman = (...args: string[]) =>
  execFileSync('podman', args, { env: { ...process.env, CONTAINERS_CONF }, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const removeContainer = (name: string) => spawnSync('podman', ['rm', '-f', '-t', '0', name], { env: { ...process.env, CONTAINERS_CONF } });
/** The environment of the scripts: CONTAINERS_CONF unset, so they use their own default. */
const scriptEnv = (extra: Record<string, string>) => {
  const env: NodeJS.ProcessEnv = { ...process.env, ...OWN_BUILD_ENV, ...extra };
  delete env.CONTAINERS_CONF;
  return env;
};

jest.setTimeout(600000);

describe('build.sh refuses bad input before building', () => {
  const run = (env: Record<string, string>, args: string[] = []) =>
    spawnSync('bash', [BUILD_SH, ...args], { env: scriptEnv(env), encoding: 'utf-8' });

  test('--help describes the flags and variables', () => {
    const r = run({}, ['--help']);
    expect(r.status).toBe(0);
    for (const word of ['--no-run', '--keep-running', 'CONTAINER_ENGINE', 'CONTAINERS_CONF', 'BASE_IMAGE', 'HOST_PORT', 'API_CONTAINER', 'IMAGE_REF_FILE', 'build/images/api.ref', 'docker/containers.conf']) {
      expect(r.stdout).toContain(word);
    }
  });

  test('unknown flags, engines, tags and ports are named in the error', () => {
    expect(run({}, ['--fast'])).toMatchObject({ status: 2, stderr: "build.sh: unknown argument '--fast' (see --help)\n" });
    expect(run({ CONTAINER_ENGINE: 'nerdctl' })).toMatchObject({ status: 1, stderr: "build.sh: CONTAINER_ENGINE 'nerdctl' is not supported; use docker or podman\n" });
    expect(run({ CONTAINER_ENGINE: 'podman', IMAGE_TAG: 'latest' }).stderr).toContain("IMAGE_TAG 'latest' is not a version");
    expect(run({ CONTAINER_ENGINE: 'podman', IMAGE_REPOSITORY: 'Not/Valid' }).stderr).toContain("IMAGE_REPOSITORY 'Not/Valid' is not a repository name");
    expect(run({ CONTAINER_ENGINE: 'podman', HOST_PORT: '99999' }).stderr).toContain("HOST_PORT '99999' is not a port");
  });

  test('neither docker nor podman: a clear error', () => {
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'api-nobin-'));
    try {
      fs.symlinkSync(execFileSync('bash', ['-c', 'command -v dirname'], { encoding: 'utf-8' }).trim(), path.join(bin, 'dirname'));
      const r = spawnSync('/bin/bash', [BUILD_SH], { env: { PATH: bin }, encoding: 'utf-8' });
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('build.sh: neither docker (with a running engine) nor podman is installed; install one or set CONTAINER_ENGINE\n');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});

describe('the Dockerfile\'s base', () => {
  const dockerfile = fs.readFileSync(path.join(API_DIR, 'Dockerfile'), 'utf-8');
  const base = /^ARG BASE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1] ?? '';

  test('is the official Node image of a current LTS release, pinned by digest with its tag kept', () => {
    const m = /^docker\.io\/library\/node:(\d+)\.(\d+)\.(\d+)-bookworm-slim@sha256:[0-9a-f]{64}$/.exec(base);
    expect([base, m !== null]).toEqual([base, true]);
    const major = Number(m![1]);
    // Even majors become LTS; 22 is the oldest still maintained (Node 20, whose 20.18.1 predates
    // the request smuggling fix of 20.19.2, CVE-2025-23167, reached its end of life in April 2026).
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(22);
  });
});

describe('the API image, built with podman by build.sh', () => {
  let buildOutput = '';
  let built = false;

  beforeAll(async () => {
    PORT = await freePort();
    url = `http://127.0.0.1:${PORT}`;
    removeContainer(CONTAINER);
    execFileSync('bash', [MAKE_BASE], { env: scriptEnv({}), stdio: ['ignore', 'inherit', 'inherit'] });
    const r = spawnSync('bash', [BUILD_SH, '--keep-running'], {
      cwd: ROOT,
      encoding: 'utf-8',
      env: scriptEnv({ CONTAINER_ENGINE: 'podman', BASE_IMAGE, HOST_PORT: String(PORT), API_CONTAINER: CONTAINER, IMAGE_REPOSITORY: REPOSITORY, IMAGE_REF_FILE: REF_FILE }),
    });
    buildOutput = `${r.stdout}\n${r.stderr}`;
    if (r.status !== 0) throw new Error(`build.sh failed (${r.status}):\n${buildOutput}`);
    built = true;
  }, 600000);

  // Even when the build or a test failed.
  afterAll(() => {
    removeContainer(CONTAINER);
    removeRepository(REPOSITORY, { ...process.env, CONTAINERS_CONF });
    fs.rmSync(path.dirname(REF_FILE), { recursive: true, force: true });
  });

  let url = '';
  const waitUntilUp = async () => {
    for (let i = 0; i < 100; i++) {
      try {
        if ((await request(`${url}/api/healthz`)).status === 200) return;
      } catch { /* not yet */ }
      await sleep(100);
    }
    throw new Error(`the container did not answer on ${url}/api/healthz:\n${podman('logs', CONTAINER)}`);
  };
  const logLines = () => podman('logs', CONTAINER).split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l));

  test('build.sh built and tagged the image, recorded it, ran and checked it, and left it running', () => {
    expect(built).toBe(true);
    expect(buildOutput).toContain(`build.sh: building ${IMAGE} with podman on ${BASE_IMAGE}`);
    // (-dirty when services/api has uncommitted changes in this checkout: see the test below)
    const quoted = IMAGE.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const sha = new RegExp(`build\\.sh: built ${quoted} and ${quoted}-([0-9a-f]{7})(-dirty)? \\(recorded in (.*)\\)`).exec(buildOutput);
    expect(sha).not.toBeNull();
    expect(sha![3]).toBe(REF_FILE);
    expect(fs.readFileSync(REF_FILE, 'utf-8')).toBe(`${IMAGE}\n`);
    // The commit built from (HEAD may have moved since: others commit too).
    expect(execFileSync('git', ['-C', ROOT, 'cat-file', '-t', sha![1]], { encoding: 'utf-8' }).trim()).toBe('commit');
    const tags: string[] = JSON.parse(podman('image', 'inspect', IMAGE))[0].RepoTags;
    expect(tags).toEqual(expect.arrayContaining([IMAGE, `${IMAGE}-${sha![1]}${sha![2] ?? ''}`]));
    expect(buildOutput).toContain(`build.sh: ${IMAGE} answers on http://127.0.0.1:${PORT}/api/healthz and /api/info (container ${CONTAINER})`);
    expect(buildOutput).toContain(`build.sh: left running; stop it with: podman stop ${CONTAINER} && podman rm ${CONTAINER}`);
    expect(podman('inspect', '-f', '{{.State.Running}}', CONTAINER)).toBe('true');
  });

  test('published on 127.0.0.1 only, through slirp4netns (not the bridge network)', () => {
    const c = JSON.parse(podman('inspect', CONTAINER))[0];
    expect(c.HostConfig.NetworkMode).toMatch(/^slirp4netns/);
    expect(c.HostConfig.PortBindings).toEqual({ '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: String(PORT) }] });
  });

  test('runs on the base\'s pinned Node.js, read-only as 10101, and answers every endpoint', async () => {
    await waitUntilUp();
    const started = logLines()[0];
    expect(started).toMatchObject({ msg: 'listening', service: 'api', version: TAG, host: '0.0.0.0', port: 8080 });
    // Exactly the Node.js the base pins (services/api/ci/make-base-image.sh).
    const pinned = /nodejs=(\d+\.\d+\.\d+)/.exec(fs.readFileSync(MAKE_BASE, 'utf-8'))![1];
    expect(started.node).toBe(`v${pinned}`);

    const health = await request(`${url}/api/healthz`);
    expect([health.status, health.body]).toEqual([200, '{"status":"ok"}']);
    expect(health.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store', 'content-security-policy': "default-src 'none'; frame-ancestors 'none'" });
    expect(health.headers.server).toBeUndefined();
    expect((await request(`${url}/api/readyz`)).body).toBe('{"status":"ready"}');

    const info = await request(`${url}/api/info`, { headers: { traceparent: TRACEPARENT, 'x-request-id': 'image-info' } });
    expect(info.status).toBe(200);
    expect(Object.keys(info.json)).toEqual(['service', 'version', 'time']);
    expect(info.json).toMatchObject({ service: 'api', version: TAG });
    expect(info.body).not.toContain(podman('inspect', '-f', '{{.Config.Hostname}}', CONTAINER));
    expect(info.headers.traceparent).toBe(TRACEPARENT);

    expect((await request(`${url}/api/greeting?name=Zo%C3%AB`)).json).toEqual({ greeting: 'Hello, Zoë!' });
    const bad = await request(`${url}/api/greeting?name=%3Cx%3E`);
    expect([bad.status, bad.json]).toEqual([400, { error: `invalid parameter "name": use 1-40 letters, digits, spaces, '-', '_' or '.'` }]);
    expect((await request(`${url}/nope`)).body).toBe('{"error":"not found"}');
    const post = await request(`${url}/api/info`, { method: 'POST' });
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD']);

    await request(`${url}/api/info`, { headers: { b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1', 'x-request-id': 'image-b3' } });
    // The container's log reaches podman a moment after the answer: until the last request's line is there.
    const deadline = Date.now() + 5000;
    let lines = logLines();
    while (!lines.some((l) => l.request_id === 'image-b3') && Date.now() < deadline) {
      await sleep(50);
      lines = logLines();
    }
    expect(lines.find((l) => l.request_id === 'image-info')).toMatchObject({ method: 'GET', path: '/api/info', status: 200, trace_id: '0af7651916cd43dd8448eb211c80319c', trace_format: 'w3c' });
    expect(lines.find((l) => l.request_id === 'image-b3')).toMatchObject({ trace_id: '80f198ee56343ba864fe8b2a57d3eff7', trace_format: 'b3-single' });
    expect(lines.some((l) => l.path === '/api/healthz')).toBe(false);
  });

  test('the container: user 10101, read-only root, no capabilities, no new privileges, nothing written', async () => {
    await waitUntilUp();
    const c = JSON.parse(podman('inspect', CONTAINER))[0];
    expect(c.Config.User).toBe('10101:10101');
    expect(c.HostConfig.ReadonlyRootfs).toBe(true);
    expect(c.EffectiveCaps ?? []).toEqual([]);
    expect(c.HostConfig.SecurityOpt).toContain('no-new-privileges');
    // Only podman's own mount points for /etc/hosts, /etc/resolv.conf and /etc/hostname.
    expect(podman('diff', CONTAINER).split('\n').filter((l) => l !== '' && l !== 'C /etc')).toEqual([]);
    expect(podman('exec', CONTAINER, 'id', '-u')).toBe('10101');
    // Only what .dockerignore lets in.
    expect(podman('exec', CONTAINER, 'ls', '-A', '/app').split('\n')).toEqual(['package.json', 'server.js']);
  });

  test('the image: user, port, health check on /api/healthz with node, OCI labels, entrypoint', () => {
    const i = JSON.parse(podman('image', 'inspect', IMAGE))[0];
    expect(i.Config.User).toBe('10101:10101');
    expect(Object.keys(i.Config.ExposedPorts)).toEqual(['8080/tcp']);
    expect(i.Config.Entrypoint).toEqual(['node', 'server.js']);
    expect(i.Config.WorkingDir).toBe('/app');
    expect(i.Config.Env).toEqual(expect.arrayContaining(['NODE_ENV=production', `APP_VERSION=${TAG}`]));
    // podman reports it at the top level, docker under Config.
    const health = i.Healthcheck ?? i.Config.Healthcheck;
    expect(health).toBeDefined();
    expect(health.Test[0]).toBe('CMD');
    expect(health.Test[1]).toBe('node');
    expect(health.Test.join(' ')).toContain('/api/healthz');
    const labels = i.Config.Labels;
    expect(labels['org.opencontainers.image.source']).toBe('https://github.com/mincloud1501/MSA_miniProject');
    expect(labels['org.opencontainers.image.version']).toBe(TAG);
    // The commit built from, "-dirty" when services/api had uncommitted changes.
    const revision = labels['org.opencontainers.image.revision'];
    expect(revision).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
    expect(execFileSync('git', ['-C', ROOT, 'cat-file', '-t', revision.slice(0, 40)], { encoding: 'utf-8' }).trim()).toBe('commit');
    // This run's own SOURCE_DATE_EPOCH (podman-names.ts), as build.sh writes it.
    expect(labels['org.opencontainers.image.created']).toBe(new Date(Number(OWN_BUILD_ENV.SOURCE_DATE_EPOCH) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    expect(labels['org.opencontainers.image.title']).toBe('minCloud API');
    // The base it was built on, by name and by the digest that pins it.
    expect(labels['org.opencontainers.image.base.name']).toBe(BASE_IMAGE);
    expect(labels['org.opencontainers.image.base.digest']).toBe(podman('image', 'inspect', '--format', '{{.Digest}}', BASE_IMAGE));
    expect(labels['org.opencontainers.image.description']).toMatch(/API/);
    expect(labels['org.opencontainers.image.licenses']).toBe('MIT');
  });

  test('the local base has exactly the pinned Debian packages, and another version is refused', () => {
    const pins = /PINNED_PACKAGES:-([^}]+)\}/.exec(fs.readFileSync(MAKE_BASE, 'utf-8'))![1].split(' ');
    const installed = podman('run', '--rm', '--pull', 'never', '--network', 'none', '--entrypoint', 'dpkg-query', BASE_IMAGE,
      '-W', '-f', '${Package}=${Version}\n', ...pins.map((p) => p.split('=')[0])).split('\n');
    expect(installed.sort()).toEqual([...pins].sort());
    const other = spawnSync('bash', [MAKE_BASE], { env: scriptEnv({ PINNED_PACKAGES: 'nodejs=18.0.0+dfsg-1' }), encoding: 'utf-8' });
    expect(other.status).toBe(1);
    expect(other.stderr).toContain(`make-base-image: ${BASE_IMAGE} has ${pins.find((p) => p.startsWith('nodejs='))}, not the pinned nodejs=18.0.0+dfsg-1; remake it with --force`);
  });

  test('its HEALTHCHECK passes in the running container', async () => {
    await waitUntilUp();
    const r = spawnSync('podman', ['healthcheck', 'run', CONTAINER], { env: { ...process.env, CONTAINERS_CONF }, encoding: 'utf-8' });
    expect({ status: r.status, stdout: r.stdout.trim() }).toMatchObject({ status: 0 });
  });

  test('podman stop (SIGTERM): drains and exits 0', async () => {
    await waitUntilUp();
    podman('stop', '-t', '10', CONTAINER);
    expect(podman('inspect', '-f', '{{.State.ExitCode}}', CONTAINER)).toBe('0');
    const lines = logLines();
    expect(lines.slice(-2)).toMatchObject([{ msg: 'shutting down', signal: 'SIGTERM' }, { msg: 'stopped' }]);
  });

  test('a build from uncommitted changes is tagged IMAGE_TAG-<sha>-dirty, never as the commit', () => {
    expect(built).toBe(true);
    // A clone of this commit with one file changed in services/api, built by its own build.sh.
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'api-dirty-'));
    const repo = testRepository('api-dirty');
    try {
      execFileSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone]);
      const sha = execFileSync('git', ['-C', clone, 'rev-parse', '--short=7', 'HEAD'], { encoding: 'utf-8' }).trim();
      fs.appendFileSync(path.join(clone, 'services', 'api', 'server.js'), '\n// changed\n');
      const r = spawnSync('bash', [path.join(clone, 'services', 'api', 'build.sh'), '--no-run'], {
        encoding: 'utf-8',
        env: scriptEnv({ CONTAINER_ENGINE: 'podman', BASE_IMAGE, IMAGE_REPOSITORY: repo, IMAGE_REF_FILE: path.join(clone, 'api.ref') }),
      });
      expect([r.status, r.stderr.split('\n').filter((l) => /error/i.test(l))]).toEqual([0, []]);
      expect(r.stdout).toContain(`build.sh: note: services/api/ has uncommitted changes; tagged ${TAG}-${sha}-dirty, not a commit's tag`);
      const tags: string[] = JSON.parse(podman('image', 'inspect', `${repo}:${TAG}`))[0].RepoTags;
      expect(tags).toContain(`${repo}:${TAG}-${sha}-dirty`);
      expect(tags).not.toContain(`${repo}:${TAG}-${sha}`);
    } finally {
      removeRepository(repo, { ...process.env, CONTAINERS_CONF });
      fs.rmSync(clone, { recursive: true, force: true });
    }
  });
});
