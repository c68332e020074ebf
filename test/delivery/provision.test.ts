import { spawnSync } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { SITE, TIME_SCALE } from './support/deploy-helpers';
import { FakeCluster, ROOT, writes } from './support/fake-cluster';
import { appObjects } from '../support/synth';

// kubernetes/provision.sh, the seed's entry point: it shows the diff and asks before deploying,
// deploys without asking on --yes, and refuses to deploy without a terminal unless --yes. The
// terminal is a real pseudo-terminal (util-linux `script`), the deploy runs the real helm 4.1.4
// and kubectl 1.27 against the fake API server.
jest.setTimeout(180000);

const SCRIPT = path.join(ROOT, 'kubernetes', 'provision.sh');
let cluster: FakeCluster;

beforeAll(async () => {
  cluster = await FakeCluster.start();
});
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(() => cluster.reset({ timeScale: TIME_SCALE }));

const args = () => ['--kubectl', cluster.kubectl, '--helm', cluster.helm, '--outdir', path.join(cluster.work, 'out')];
const env = () => ({ ...process.env, SITE_IMAGE: SITE });
/** provision.sh with stdin not a terminal (as in CI). */
const headless = (extra: string[]) => spawnSync('bash', [SCRIPT, ...extra, ...args()], { cwd: os.tmpdir(), encoding: 'utf-8', env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
/** provision.sh on a pseudo-terminal, typing `answer`. */
const atTerminal = (extra: string[], answer: string) => spawnSync('script', ['-qec', [SCRIPT, ...extra, ...args()].map((a) => `'${a}'`).join(' '), '/dev/null'], {
  cwd: os.tmpdir(), encoding: 'utf-8', env: env(), input: answer,
});

test('without a terminal and without --yes: refuses, names the flag, sends nothing', async () => {
  const r = headless(['dev']);
  expect(r.status).toBe(1);
  expect(r.stderr).toBe('provision.sh: no terminal to ask on before deploying target dev; pass --yes to deploy without asking (or --dry-run to only see the changes)\n');
  expect(await cluster.requests()).toEqual([]);
});

test('--dry-run needs no answer; --yes deploys without asking (dev by default)', async () => {
  const dry = headless(['--dry-run']);
  expect(dry.status).toBe(0);
  expect(dry.stdout).toContain('dev on cluster local (context kubernetes-admin@kubernetes), against nothing (no release yet)');
  expect(writes(await cluster.requests())).toEqual([]);
  const yes = headless(['--yes']);
  expect(yes.status).toBe(0);
  expect(yes.stdout).toMatch(/deployed target dev: local runs revision 1 of release mincloud-dev/);
  expect(yes.stdout).not.toContain('Apply these changes');
});

test('at a terminal: shows the diff and asks; "n" deploys nothing, "y" deploys', async () => {
  const no = atTerminal(['dev'], 'n\n');
  expect(no.status).toBe(1);
  expect(no.stdout).toContain(`against nothing (no release yet): ${appObjects('dev').length} added, 0 removed, 0 changed`);
  expect(no.stdout).toContain('Apply these changes to target dev? [y/N]');
  expect(no.stdout).toContain('provision.sh: not deployed (answer y to deploy)');
  expect(writes(await cluster.requests())).toEqual([]);

  const yes = atTerminal(['dev'], 'y\n');
  expect(yes.status).toBe(0);
  expect(yes.stdout).toContain('Apply these changes to target dev? [y/N]');
  expect(yes.stdout).toMatch(/deployed target dev: local runs revision 1 of release mincloud-dev/);
  expect(await cluster.find('Deployment', 'nginx1')).toBeDefined();
});

test('an unknown target is refused by the deploy before anything runs', () => {
  const r = headless(['nope', '--yes']);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain('invalid target "nope": use one of "dev", "staging", "prod", "preview"');
});
