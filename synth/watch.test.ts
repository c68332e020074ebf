import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// `npm run synth -- --watch`, for real: a process that stays up, an app file edited on disk, and
// what the loop says and writes after each save. The app is a small one in a temporary folder
// (its own entry, loaded afresh on every change), synthesized by the project's synth command.
const ROOT = path.resolve(__dirname, '..');
/** How npm run synth runs the app: compiled, by plain Node. */
const RUNNER = path.join(__dirname, 'compiled-entry.js');
jest.setTimeout(60000);

const app = (value: string) => `
import { ApiObject, App, Chart } from 'cdk8s';
import { runSynthCommand, SynthCommandOptions } from ${JSON.stringify(path.join(ROOT, 'synth', 'synth-command'))};

export function commandOptions(): SynthCommandOptions<{ name: string }> {
  return {
    targets: [{ name: 'demo' }],
    build: (app: App) => {
      const chart = new Chart(app, 'demo');
      new ApiObject(chart, 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'demo' }, data: { colour: ${value} } });
    },
    validate: () => async (files) => {
      const refused = JSON.stringify(files).includes('forbidden');
      return { passed: !refused, report: refused ? 'ConfigMap demo/settings: the colour "forbidden" is refused' : '', summary: ['checked'] };
    },
    watch: { entry: __filename, paths: [__filename], options: (fresh) => (fresh as { commandOptions: typeof commandOptions }).commandOptions() },
  };
}

if (require.main === module) void runSynthCommand(process.argv.slice(2), process.env, commandOptions()).then((code) => { process.exitCode = code; });
`;

describe('npm run synth -- --watch', () => {
  let work: string;
  let child: ChildProcess;
  let output = '';

  beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-')); });
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** Waits until the output has grown by a line matching `pattern`; returns the new output. */
  async function next(pattern: RegExp): Promise<string> {
    const from = output.length;
    for (let i = 0; i < 200; i++) {
      const fresh = output.slice(from);
      if (pattern.test(fresh)) return fresh;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no line matching ${pattern} after 10 s; output:\n${output}`);
  }
  const dist = () => fs.readFileSync(path.join(work, 'dist', 'demo.k8s.yaml'), 'utf-8');

  /** What withWatcher hands a test: what the loop said so far, and a wait for a condition (10 s unless told). */
  interface WatchLoop {
    said(): string;
    until(what: string, done: () => boolean, timeoutMs?: number): Promise<void>;
  }

  /** A watch loop of its own for one test: `run` gets what it said so far and a wait on it; it is stopped after. */
  async function withWatcher(args: readonly string[], run: (loop: WatchLoop) => Promise<void>): Promise<void> {
    let said = '';
    const watcher = spawn(process.execPath, [RUNNER, ...args], {
      cwd: ROOT, env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    watcher.stdout!.on('data', (d: Buffer) => { said += d.toString(); });
    watcher.stderr!.on('data', (d: Buffer) => { said += d.toString(); });
    const until = async (what: string, done: () => boolean, timeoutMs = 10000): Promise<void> => {
      for (let i = 0; i < timeoutMs / 25 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
      if (!done()) throw new Error(`${what} did not happen in ${timeoutMs / 1000} s; the watch loop said:\n${said}`);
    };
    try {
      await run({ said: () => said, until });
    } finally {
      const exited = new Promise((r) => watcher.once('exit', r));
      watcher.kill('SIGTERM');
      await exited;
    }
  }

  test('re-synthesizes on every save, says what changed, and never writes what failed', async () => {
    const entry = path.join(work, 'app.ts');
    fs.writeFileSync(entry, app("'blue'"));
    child = spawn(process.execPath, [RUNNER, entry, '--watch', '--outdir', path.join(work, 'dist')], {
      cwd: ROOT, env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    const first = await next(/watching .*app\.ts/);
    expect(first).toMatch(/first synth: .*dist\/ target demo, 1 objects validated and written in \d+ ms; 1 added, 0 removed, 0 changed/);
    expect(dist()).toContain('colour: blue');

    fs.writeFileSync(entry, app("'green'"));
    expect(await next(/app\.ts: .* 0 added, 0 removed, 1 changed\n\s+~ ConfigMap\/demo\/settings \(v1\)/)).toBeTruthy();
    expect(dist()).toContain('colour: green');

    // writeFileSync truncates, then writes: a synth that started in between is dropped with a
    // line of its own ("changed while synthesizing"), and the whole file's outcome follows it.
    fs.writeFileSync(entry, app("'forbidden'"));
    expect(await next(/the colour "forbidden" is refused\n.*was left unchanged/)).toBeTruthy();
    expect(dist()).toContain('colour: green');

    fs.writeFileSync(entry, app("'unclosed"));
    expect(await next(/synth failed: .*app\.ts:\d+:\d+: ERROR[\s\S]*was left unchanged/)).toBeTruthy();
    expect(dist()).toContain('colour: green');

    fs.writeFileSync(entry, app("'red'"));
    await next(/1 changed/);
    expect(dist()).toContain('colour: red');
    expect(child.exitCode).toBeNull();
  });

  test('a save caught half-written is never written nor reported: the synth of it is dropped once the file changes, and the whole file synthesized', async () => {
    // The synth starts on the first sign of a save. This app's build waits for `release` to
    // exist, so the test decides when it ends: after the rest of the save is on disk. What the
    // half-written file yields must not reach dist/, nor its error the terminal.
    const entry = path.join(work, 'slow-app.ts');
    const out = path.join(work, 'slow-dist');
    const started = path.join(work, 'started');
    const release = path.join(work, 'release');
    const firstPart = (colour: string, thenThrow = false) => app('colour').replace('export function commandOptions', `let colour = ${JSON.stringify(colour)};
export function commandOptions`).replace('build: (app: App) => {', `build: (app: App) => {
      require('fs').writeFileSync(${JSON.stringify(started)}, colour);
      while (!require('fs').existsSync(${JSON.stringify(release)})) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
      if (${thenThrow} && colour === 'half') throw new Error('the half-written app fails');`);
    const rest = "\ncolour = 'whole';\n";
    fs.writeFileSync(release, '');
    fs.writeFileSync(entry, firstPart('first'));
    await withWatcher([entry, '--watch', '--outdir', out], async ({ said, until }) => {
      await until('the first synth', () => /watching/.test(said()));
      expect(fs.readFileSync(path.join(out, 'demo.k8s.yaml'), 'utf-8')).toContain('colour: first');

      for (const thenThrow of [false, true]) {
        const from = said().length;
        fs.rmSync(release);
        fs.rmSync(started, { force: true });
        fs.writeFileSync(entry, firstPart('half', thenThrow));
        await until('the synth of the half-written file', () => fs.existsSync(started) && fs.readFileSync(started, 'utf-8') === 'half');
        fs.appendFileSync(entry, rest);
        fs.writeFileSync(release, '');
        await until('the synth of the whole file', () => /validated and written/.test(said().slice(from)));
        const now = said().slice(from);
        expect(now).toMatch(/slow-app\.ts changed while synthesizing; .*slow-dist\/ was left unchanged, synthesizing again/);
        expect(now.match(/validated and written/g)).toHaveLength(1);
        expect(now).not.toMatch(/synth failed|half/);
        expect(fs.readFileSync(path.join(out, 'demo.k8s.yaml'), 'utf-8')).toContain('colour: whole');
        fs.writeFileSync(entry, firstPart('first'));
        await until('the synth of the next save', () => /validated and written[^]*validated and written/.test(said().slice(from)));
      }
    });
  });

  test('the checks of cdk8s.yaml judge each save anew: an object changed, and an object unchanged whose PodDisruptionBudget was removed', async () => {
    const entry = path.join(work, 'checked-app.ts');
    // The checks' compliant fixture (a Deployment with its Service, PDB, NetworkPolicy, ...),
    // changed by `edit` before it is synthesized.
    const checkedApp = (edit: string) => `
import { ApiObject, App, Chart } from 'cdk8s';
import { runSynthCommand, SynthCommandOptions } from ${JSON.stringify(path.join(ROOT, 'synth', 'synth-command'))};
import { loadValidations, pluginValidation } from ${JSON.stringify(path.join(ROOT, 'synth', 'validations'))};
import { compliantManifests } from ${JSON.stringify(path.join(ROOT, 'packages', 'k8s-checks', 'test', 'policy', 'test-fixtures'))};

export function commandOptions(): SynthCommandOptions<{ name: string }> {
  return {
    targets: [{ name: 'demo' }],
    build: (app: App) => {
      const chart = new Chart(app, 'demo');
      const edit = ${edit};
      edit(compliantManifests() as any[]).forEach((m: any, i: number) => new ApiObject(chart, \`o\${i}\`, m));
    },
    validate: (options) => pluginValidation(loadValidations(${JSON.stringify(path.join(ROOT, 'cdk8s.yaml'))}), options),
    watch: { entry: __filename, paths: [__filename], options: (fresh) => (fresh as { commandOptions: typeof commandOptions }).commandOptions() },
  };
}

if (require.main === module) void runSynthCommand(process.argv.slice(2), process.env, commandOptions()).then((code) => { process.exitCode = code; });
`;
    const asIs = '(m: any[]) => m';
    fs.writeFileSync(entry, checkedApp(asIs));
    const out = path.join(work, 'checked-dist');
    await withWatcher([entry, '--watch', '--outdir', out], async ({ said, until }) => {
      /**
       * What the loop said after the next save, once it said `pattern` (the outcome asserted: a
       * synth of the half-written file is refused, and said, first).
       */
      const save = async (edit: string, pattern: RegExp): Promise<string> => {
        const from = said().length;
        fs.writeFileSync(entry, checkedApp(edit));
        await until(`${pattern}`, () => pattern.test(said().slice(from)), 20000);
        return said().slice(from);
      };
      await until('the first synth', () => /watching/.test(said()), 20000);
      expect(said()).toMatch(/first synth: .* objects validated and written/);
      const written = () => fs.readFileSync(path.join(out, 'demo.k8s.yaml'), 'utf-8');
      const compliant = written();

      const privileged = "(m: any[]) => { m.find((o) => o.kind === 'Deployment').spec.template.spec.containers[0].securityContext.privileged = true; return m; }";
      const refusedPrivileged = /pod-security\/privileged[\s\S]*was left unchanged/;
      expect(await save(privileged, refusedPrivileged)).toMatch(refusedPrivileged);
      expect(written()).toBe(compliant);
      expect(await save(asIs, /validated and written/)).toMatch(/validated and written/);

      const withoutPdb = "(m: any[]) => m.filter((o) => o.kind !== 'PodDisruptionBudget')";
      const refusedWithoutPdb = /polaris\/missingPodDisruptionBudget[\s\S]*was left unchanged/;
      expect(await save(withoutPdb, refusedWithoutPdb)).toMatch(refusedWithoutPdb);
      expect(written()).toBe(compliant);
    });
  });

  test('--cluster: a target on several clusters is watched for the one named', async () => {
    const entry = path.join(work, 'clusters-app.ts');
    // The demo app, its target on clusters a and b, the colour the cluster's name.
    fs.writeFileSync(entry, app("target.cluster").replace("targets: [{ name: 'demo' }],", `targets: [{ name: 'demo', cluster: 'a' }],
    place: (t, cluster) => ({ target: { ...t, cluster: cluster ?? 'a' }, cluster: cluster ?? 'a', clusters: ['a', 'b'] }),`)
      .replace(/SynthCommandOptions<\{ name: string \}>/, 'SynthCommandOptions<{ name: string; cluster: string }>').replace('build: (app: App) =>', 'build: (app: App, target) =>'));
    const out = path.join(work, 'clusters-dist');
    await withWatcher([entry, '--watch', '--cluster', 'b', '--outdir', out], async ({ said, until }) => {
      await until('the first synth', () => /watching/.test(said()));
      expect(said()).toMatch(/first synth: .*clusters-dist\/ target demo on cluster b \(number 2 of a, b; --cluster NAME for another\), 1 objects validated/);
      expect(fs.readFileSync(path.join(out, 'demo.k8s.yaml'), 'utf-8')).toContain('colour: b');
      expect(JSON.parse(fs.readFileSync(path.join(out, '.synth-output'), 'utf-8'))).toMatchObject({ target: 'demo', cluster: 'b' });
    });
  });
});
