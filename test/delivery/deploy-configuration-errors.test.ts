import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs, UsageError } from '../../tools/deploy/args';
import { deploy, EXIT } from '../../tools/deploy/deploy';

// The deploy command refuses bad arguments and configuration before doing anything: exit 1,
// a message that names the problem (and the allowed targets), nothing synthesized, no kubectl
// call (the recording stand-in for kubectl, support/recording-kubectl, would log one).
const ROOT = path.join(__dirname, '..', '..');
const RECORDER = path.join(__dirname, 'support', 'recording-kubectl');
const DEV = ['--context', 'kubernetes-admin@kubernetes'];

jest.setTimeout(120000);

let work: string;
let record: string;
const io = { log: () => undefined, error: () => undefined };

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-config-test-'));
  record = path.join(work, 'calls.jsonl');
  fs.writeFileSync(record, '');
  process.env.KUBECTL_RECORD = record;
});
afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
  delete process.env.KUBECTL_RECORD;
});

const calls = () => fs.readFileSync(record, 'utf-8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { argv: string[] });
const argvs = () => calls().map((c) => c.argv);

describe('npm run deploy refuses bad arguments and configuration', () => {
  test('usage errors name the problem', async () => {
    expect(() => parseArgs([])).toThrow(new UsageError('--env <target> is required (see --help)'));
    expect(() => parseArgs(['--env', 'dev', '--bogus'])).toThrow('unknown option "--bogus"');
    expect(() => parseArgs(['--env'])).toThrow('--env needs a value');
    expect(() => parseArgs(['--env', '--dry-run'])).toThrow('--env needs a value');
    expect(() => parseArgs(['--env', 'dev', '--timeout', 'soon'])).toThrow('--timeout "soon" is not a duration');
    expect(parseArgs(['--env=prod', '--timeout=90s', '--dry-run'])).toMatchObject({ env: 'prod', timeout: '90s', dryRun: true, outdir: 'build/deploy' });
    await expect(deploy(parseArgs(['--env', 'dev,prod', '--kubectl', RECORDER]) as never, io)).rejects.toThrow('deploy one target at a time');
  });

  const cli = (args: string[], env: Record<string, string> = {}) => spawnSync('npm', ['run', '--silent', 'deploy', '--', ...args], {
    cwd: ROOT, encoding: 'utf-8', env: { ...process.env, ...env },
  });

  test('an unknown target (--env nope): exit 1, the allowed targets named, nothing written, no kubectl call', () => {
    const r = cli(['--env', 'nope', '--kubectl', RECORDER, '--outdir', path.join(work, 'out')]);
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toContain('deploy: target selection: invalid target "nope": use one of "dev", "staging", "prod"');
    expect(r.stdout).toBe('');
    expect(fs.existsSync(path.join(work, 'out'))).toBe(false);
    expect(calls()).toEqual([]);
  });

  test('--help lists the options, the steps and the exit codes', () => {
    const r = cli(['--help']);
    expect(r.status).toBe(0);
    for (const s of ['--env <target>', '--image <ref>', '--dry-run', '--timeout <dur>', '--context <ctx>', '--kubectl <path>', '--outdir <dir>',
      'Steps:', 'Exit codes:', '0  deployed', '1  usage', '2  synth', '3  the cluster step failed', '4  a rollout failed and was rolled back', '5  a rollout failed and the rollback failed too']) {
      expect(r.stdout).toContain(s);
    }
  });

  test('kubernetes/provision.sh deploys dev by default through npm run deploy', () => {
    const help = spawnSync('bash', [path.join(ROOT, 'kubernetes', 'provision.sh'), '--help'], { encoding: 'utf-8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: kubernetes/provision.sh [TARGET] [deploy options]');
    const r = spawnSync('bash', [path.join(ROOT, 'kubernetes', 'provision.sh'), '--dry-run', '--kubectl', RECORDER, '--outdir', path.join(work, 'out')], {
      cwd: os.tmpdir(), encoding: 'utf-8', env: { ...process.env, KUBECTL_SCENARIO: 'changes', SITE_IMAGE: 'docker.io/mincloud1501/nginx:1.0.0' },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('[2/2] diff against cluster local (context kubernetes-admin@kubernetes)');
    expect(argvs().map((a) => a.slice(0, 3))).toEqual([[...DEV, 'get'], [...DEV, 'diff']]);
    const bad = spawnSync('bash', [path.join(ROOT, 'kubernetes', 'provision.sh'), 'nope', '--kubectl', RECORDER], { encoding: 'utf-8' });
    expect(bad.status).toBe(EXIT.usage);
  });
});
