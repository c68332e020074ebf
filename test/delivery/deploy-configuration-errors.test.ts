import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs, UsageError } from '../../tools/deploy/args';
import { deploy, EXIT } from '../../tools/deploy/deploy';
import { OUTPUT_MARKER } from '../../tools/deploy/synth-target';

// The deploy command refuses bad arguments, configuration and input before doing anything:
// exit 1 (2 for a failed validation), a message that names the problem, nothing synthesized or
// deleted, no kubectl or helm call (the recording stand-in, support/recording-kubectl, passed as
// both, would log one).
const ROOT = path.join(__dirname, '..', '..');
const RECORDER = path.join(__dirname, 'support', 'recording-kubectl');

jest.setTimeout(120000);

let work: string;
let record: string;
const lines: string[] = [];
const io = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) };

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-config-test-'));
  record = path.join(work, 'calls.jsonl');
  fs.writeFileSync(record, '');
  process.env.KUBECTL_RECORD = record;
  lines.length = 0;
});
afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
  delete process.env.KUBECTL_RECORD;
});

const calls = () => fs.readFileSync(record, 'utf-8').split('\n').filter(Boolean);
const options = (args: string[]) => {
  const o = parseArgs([...args, '--kubectl', RECORDER, '--helm', RECORDER]);
  if (o === 'help') throw new Error('unexpected help');
  return o;
};

describe('npm run deploy refuses bad arguments and configuration', () => {
  test('usage errors name the problem (node:util parseArgs underneath)', () => {
    expect(() => parseArgs([])).toThrow(new UsageError('--target <target> is required (see --help)'));
    expect(() => parseArgs(['--target', 'dev', '--bogus'])).toThrow('unknown option "--bogus" (see --help)');
    expect(() => parseArgs(['--target'])).toThrow('--target needs a value (see --help)');
    expect(() => parseArgs(['--target', '--dry-run'])).toThrow('--target needs a value (see --help)');
    expect(() => parseArgs(['--target', 'dev', '--dry-run=yes'])).toThrow('--dry-run takes no value (see --help)');
    expect(() => parseArgs(['--target', 'dev', 'prod'])).toThrow('unexpected argument "prod": every option starts with -- (see --help)');
    expect(() => parseArgs(['--target', 'dev', '--timeout', 'soon'])).toThrow('--timeout "soon" is not a duration; use e.g. 900s, 15m or 1m30s');
    expect(() => parseArgs(['--target', 'dev', '--to', '3'])).toThrow('--to needs --rollback: npm run deploy -- --target <target> --rollback --to <N>');
    expect(() => parseArgs(['--target', 'dev', '--rollback', '--to', 'latest'])).toThrow('--to "latest" is not a revision number');
    expect(() => parseArgs(['--target', 'dev', '--rollback', '--image', 'x:1'])).toThrow('--image does not go with --history or --rollback');
    expect(() => parseArgs(['--target', 'dev', '--history', '--rollback'])).toThrow('--history and --rollback do not go together');
    expect(() => parseArgs(['--target', 'dev', '--env', 'prod'])).toThrow('--env is another name for --target: give one of them');
    expect(parseArgs(['--target=prod', '--timeout=1m30s', '--dry-run'])).toMatchObject({ target: 'prod', timeoutSeconds: 90, dryRun: true, outdir: 'build/deploy', mode: 'deploy' });
    expect(parseArgs(['--env', 'dev', '--rollback', '--to', '3'])).toMatchObject({ target: 'dev', mode: 'rollback', to: 3 });
    expect(parseArgs(['-h'])).toBe('help');
  });

  test('one target at a time, a timeout above the progress deadline', async () => {
    await expect(deploy(options(['--target', 'dev,prod']), io)).rejects.toThrow('deploy one target at a time');
    await expect(deploy(options(['--target', 'dev', '--timeout', '3m']), io)).rejects.toThrow('--timeout 180s is not above the progress deadline of target dev (180s)');
    expect(calls()).toEqual([]);
  });

  test('a target on several clusters: --cluster names one of them; --context and --rollback need --cluster; nothing runs', async () => {
    await expect(deploy(options(['--target', 'prod', '--cluster', 'prod-ap']), io)).rejects.toThrow(
      '--cluster: target "prod": invalid cluster "prod-ap": the target runs on clusters "prod-eu", "prod-us" (config/targets.ts); name one of them');
    await expect(deploy(options(['--target', 'dev', '--cluster', 'prod-eu', '--history']), io)).rejects.toThrow(
      '--cluster: target "dev": invalid cluster "prod-eu": the target runs on cluster "local" (config/targets.ts); name one of them');
    await expect(deploy(options(['--target', 'prod', '--rollback', '--to', '3']), io)).rejects.toThrow(
      '--rollback goes back on one cluster at a time (each has its own revisions), and target prod runs on 2 (prod-eu, prod-us): add --cluster prod-eu');
    await expect(deploy(options(['--target', 'prod', '--context', 'prod-eu', '--dry-run']), io)).rejects.toThrow(
      '--context names one kube context, but target prod runs on 2 clusters (prod-eu, prod-us): add --cluster prod-eu (one of prod-eu, prod-us)');
    expect(calls()).toEqual([]);
    expect(parseArgs(['--target', 'prod', '--cluster', 'prod-us', '--rollback', '--to', '2'])).toMatchObject({ cluster: 'prod-us', mode: 'rollback', to: 2 });
  });

  const cli = (args: string[], env: Record<string, string> = {}) => spawnSync('npm', ['run', '--silent', 'deploy', '--', ...args], {
    cwd: ROOT, encoding: 'utf-8', env: { ...process.env, ...env },
  });

  test('an unknown target (--target nope): exit 1, the allowed targets named, nothing written, no kubectl or helm call', () => {
    const r = cli(['--target', 'nope', '--kubectl', RECORDER, '--helm', RECORDER, '--outdir', path.join(work, 'out')]);
    expect(r.status).toBe(EXIT.usage);
    expect(r.stderr).toContain('deploy: target selection: invalid target "nope": use one of "dev", "staging", "prod", "preview"');
    expect(r.stdout).toBe('');
    expect(fs.existsSync(path.join(work, 'out'))).toBe(false);
    expect(calls()).toEqual([]);
  });

  test('a validation failure: exit 2, not a single kubectl or helm call, nothing written', async () => {
    const code = await deploy(options(['--target', 'dev', '--image', 'nginx:latest', '--outdir', path.join(work, 'out')]), io);
    expect(code).toBe(EXIT.synth);
    expect(lines.join('\n')).toMatch(/ERR deploy: synth failed, nothing was sent to any cluster:\n.*"latest"/);
    expect(calls()).toEqual([]);
    expect(fs.existsSync(path.join(work, 'out', 'dev'))).toBe(false);
  });

  test('--outdir never deletes what it did not write: files beside the target folder stay, a foreign file in it is refused', async () => {
    const out = path.join(work, 'mine');
    fs.mkdirSync(path.join(out, 'dev'), { recursive: true });
    fs.writeFileSync(path.join(out, 'notes.txt'), 'my notes\n');
    fs.writeFileSync(path.join(out, 'dev', 'keep-me.txt'), 'precious\n');
    await expect(deploy(options(['--target', 'dev', '--dry-run', '--outdir', out]), io)).rejects.toThrow(
      `--outdir: ${path.join(out, 'dev')} holds files this command did not write ("keep-me.txt"); the deploy replaces that folder, so it refuses to. `
      + 'Choose another --outdir (default build/deploy), or move those files away; nothing was changed.');
    expect(fs.readFileSync(path.join(out, 'dev', 'keep-me.txt'), 'utf-8')).toBe('precious\n');
    expect(fs.readdirSync(out).sort()).toEqual(['dev', 'notes.txt']);
    expect(calls()).toEqual([]);

    // Without the foreign file the deploy writes its folder (and its marker), and leaves the rest.
    fs.rmSync(path.join(out, 'dev', 'keep-me.txt'));
    const code = await deploy(options(['--target', 'dev', '--dry-run', '--outdir', out]), io);
    expect(code).toBe(EXIT.synth); // the stand-in helm cannot measure the release
    expect(calls().map((c) => JSON.parse(c).argv.slice(0, 1))).toEqual([['install']]);
    expect(fs.readdirSync(path.join(out, 'dev')).sort()).toEqual([OUTPUT_MARKER, 'dev.k8s.yaml']);
    expect(fs.readFileSync(path.join(out, 'notes.txt'), 'utf-8')).toBe('my notes\n');
    expect(fs.readdirSync(out).sort()).toEqual(['dev', 'notes.txt']);
    // A file in place of the folder is refused too.
    fs.rmSync(path.join(out, 'dev'), { recursive: true });
    fs.writeFileSync(path.join(out, 'dev'), 'a file\n');
    await expect(deploy(options(['--target', 'dev', '--dry-run', '--outdir', out]), io)).rejects.toThrow(`--outdir: ${path.join(out, 'dev')} is a file, not a folder`);
  });
});
