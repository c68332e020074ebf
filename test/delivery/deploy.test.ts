import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs, UsageError } from '../../tools/deploy/args';
import { deploy, EXIT } from '../../tools/deploy/deploy';

// The deploy command against a RECORDING STAND-IN for kubectl (test/delivery/support/
// recording-kubectl): no cluster runs here, so these tests check the exact sequence and
// arguments of the kubectl calls, and the exit codes, for each scenario.
const FAKE = path.join(__dirname, 'support', 'recording-kubectl');

interface Call { args: string[]; applyset: string | null }

jest.setTimeout(60000);

describe('npm run deploy', () => {
  let work: string;
  let record: string;
  const lines: string[] = [];
  const io = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) };

  beforeEach(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-test-'));
    record = path.join(work, 'calls.jsonl');
    fs.writeFileSync(record, '');
    lines.length = 0;
    process.env.KUBECTL_RECORD = record;
  });
  afterEach(() => {
    fs.rmSync(work, { recursive: true, force: true });
    delete process.env.KUBECTL_SCENARIO;
    delete process.env.SITE_IMAGE;
  });

  function run(scenario: string, extra: string[] = []): { code: number; calls: Call[] } {
    process.env.KUBECTL_SCENARIO = scenario;
    const opts = parseArgs(['--env', 'dev', '--kubectl', FAKE, '--outdir', path.join(work, 'dist'), ...extra]);
    if (opts === 'help') throw new Error('unexpected help');
    const code = deploy(opts, io);
    const calls = fs.readFileSync(record, 'utf-8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call);
    return { code, calls };
  }
  const ctx = ['--context', 'kubernetes-admin@kubernetes'];

  test('success: diff, apply cluster-scoped, apply the ApplySet with prune, rollout status', () => {
    const { code, calls } = run('changes');
    expect(code).toBe(EXIT.ok);
    expect(calls.map((c) => c.args.map((a) => a.replace(work, '<work>').replace(/\/tmp\/deploy-[^/]+\//, '<tmp>/')))).toEqual([
      [...ctx, 'diff', '--server-side', '--field-manager=mincloud', '-f', '<work>/dist/dev'],
      [...ctx, 'apply', '--server-side', '--field-manager=mincloud', '-f', '<tmp>/cluster-scoped.yaml'],
      [...ctx, 'apply', '--server-side', '--field-manager=mincloud', '-n', 'mincloud-dev',
        '--applyset=secrets/mincloud-dev', '--prune', '-f', '<tmp>/namespaced.yaml'],
      [...ctx, '-n', 'mincloud-dev', 'rollout', 'status', 'deployment/nginx1', '--timeout=300s'],
    ]);
    expect(calls.map((c) => c.applyset)).toEqual([null, null, 'true', null]);
    expect(lines.join('\n')).toMatch(/\[1\/5\] synth and validate target dev/);
    expect(lines.join('\n')).toMatch(/1 object\(s\) would change/);
    expect(lines.join('\n')).toMatch(/deployed dev: \d+ objects, 1 deployment\(s\) rolled out/);
  });

  test('--dry-run stops after the diff: no apply', () => {
    const { code, calls } = run('changes', ['--dry-run']);
    expect(code).toBe(EXIT.ok);
    expect(calls.map((c) => c.args[2])).toEqual(['diff']);
    expect(lines.join('\n')).toMatch(/dry run: stopping before apply/);
  });

  test('validation failure: exit 2 and not a single kubectl call', () => {
    const { code, calls } = run('success', ['--image', 'nginx:latest']);
    expect(code).toBe(EXIT.synth);
    expect(calls).toEqual([]);
    expect(lines.join('\n')).toMatch(/synth failed, nothing was applied:\n.*invalid image tag "latest"/);
  });

  test('diff error: exit 3, nothing applied', () => {
    const { code, calls } = run('diff-error');
    expect(code).toBe(EXIT.apply);
    expect(calls).toHaveLength(1);
  });

  test('apply failure: exit 3, no rollout waited for', () => {
    const { code, calls } = run('apply-fails');
    expect(code).toBe(EXIT.apply);
    expect(calls.map((c) => c.args[2])).toEqual(['diff', 'apply', 'apply']);
    expect(lines.join('\n')).toMatch(/admission webhook denied/);
  });

  test('rollout failure: undo of that deployment, exit 4', () => {
    const { code, calls } = run('rollout-fails');
    expect(code).toBe(EXIT.rolledBack);
    expect(calls.slice(-2).map((c) => c.args.slice(2))).toEqual([
      ['-n', 'mincloud-dev', 'rollout', 'status', 'deployment/nginx1', '--timeout=300s'],
      ['-n', 'mincloud-dev', 'rollout', 'undo', 'deployment/nginx1'],
    ]);
    expect(lines.join('\n')).toMatch(/rollout of deployment\/nginx1 failed; rolled back/);
  });

  test('rollback failure: exit 5', () => {
    expect(run('undo-fails').code).toBe(EXIT.rollbackFailed);
  });

  test('--image is what gets deployed (one digest for every environment)', () => {
    const digest = `docker.io/mincloud1501/nginx:1.0.0@sha256:${'a1'.repeat(32)}`;
    run('success', ['--image', digest, '--timeout', '120s', '--context', 'other']);
    const manifest = fs.readFileSync(path.join(work, 'dist', 'dev', 'dev.k8s.yaml'), 'utf-8');
    expect(manifest).toContain(`image: ${digest}`);
    const calls = fs.readFileSync(record, 'utf-8').trim().split('\n').map((l) => JSON.parse(l) as Call);
    expect(calls.every((c) => c.args[0] === '--context' && c.args[1] === 'other')).toBe(true);
    expect(calls[calls.length - 1].args).toContain('--timeout=120s');
  });

  test('usage errors name the problem', () => {
    expect(() => parseArgs([])).toThrow(new UsageError('--env <target> is required (see --help)'));
    expect(() => parseArgs(['--env', 'dev', '--bogus'])).toThrow('unknown option "--bogus"');
    expect(() => parseArgs(['--env', 'dev', '--timeout', 'soon'])).toThrow('--timeout "soon" is not a duration');
    const opts = parseArgs(['--env', 'qa', '--kubectl', FAKE, '--outdir', path.join(work, 'dist')]);
    expect(() => deploy(opts as never, io)).toThrow('target selection: invalid target "qa": use one of "dev", "staging", "prod"');
    expect(fs.existsSync(path.join(work, 'dist'))).toBe(false);
    expect(fs.readFileSync(record, 'utf-8')).toBe('');
  });
});
