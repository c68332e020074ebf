import { execFileSync, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { mutate, Protection } from './protections';

/**
 * A copy of the project's work tree as it is now (tracked and untracked files, not ignored
 * ones) in a temporary folder, node_modules linked to the project's own: the place where one
 * mutation at a time is applied and its test run, so that nothing in the work tree changes.
 * The copy is a git repository with that tree as its one commit, for the tests that read the
 * commit (an image's revision label); a mutation is then an uncommitted change, as an edit is.
 */
export function copyWorkTree(root: string, dest: string): void {
  const files = execFileSync('git', ['-C', root, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf-8', maxBuffer: 64 * 1024 * 1024 })
    .split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(root, f);
    // Deleted in the work tree, a submodule, or a link to a folder (node_modules is linked below).
    if (!fs.existsSync(from) || fs.statSync(from).isDirectory()) continue;
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, f));
    fs.chmodSync(path.join(dest, f), fs.statSync(from).mode & 0o777);
  }
  const linked = ['node_modules', ...workspaceModules(root)].filter((m) => fs.existsSync(path.join(root, m)));
  for (const modules of linked) {
    fs.mkdirSync(path.dirname(path.join(dest, modules)), { recursive: true });
    fs.symlinkSync(path.join(root, modules), path.join(dest, modules), 'dir');
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dest, stdio: 'ignore', env: ownRepository(process.env) });
  git('init', '-q', '-b', 'main');
  // .gitignore's `node_modules/` matches folders only, not these links.
  fs.appendFileSync(path.join(dest, '.git', 'info', 'exclude'), linked.map((l) => `/${l}\n`).join(''));
  git('add', '-A');
  git('-c', 'user.name=mutation-check', '-c', 'user.email=mutation-check@example.invalid', 'commit', '-q', '--no-verify', '-m', 'the work tree as the mutation check found it');
}

/** The environment without variables that would point git at another repository. */
function ownRepository(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|COMMON_DIR)$/.test(k)));
}

function workspaceModules(root: string): string[] {
  const packages = path.join(root, 'packages');
  if (!fs.existsSync(packages)) return [];
  return fs.readdirSync(packages).map((p) => path.join('packages', p, 'node_modules'));
}

export interface JestRun {
  /** passed: every selected test passed; failed: one failed (or the file did not run); timeout. */
  readonly outcome: 'passed' | 'failed' | 'timeout';
  readonly ms: number;
  readonly passed: number;
  readonly failed: number;
  /** The last lines of jest's output (for a report). */
  readonly tail: string;
}

/** Runs one jest test file (optionally only the tests matching `name`) in `dir`. */
export function runJest(dir: string, test: string, name: string | undefined, timeoutMs: number): Promise<JestRun> {
  const results = path.join(dir, 'build', `mutation-check-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  fs.mkdirSync(path.dirname(results), { recursive: true });
  const args = [path.join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci', '--json', `--outputFile=${results}`, '--runTestsByPath', test];
  if (name !== undefined) args.push('-t', name);
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, FORCE_COLOR: '0' } });
    let output = '';
    const keep = (d: Buffer) => { output = (output + d.toString()).slice(-20000); };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      let passed = 0;
      let failed = 0;
      try {
        const json = JSON.parse(fs.readFileSync(results, 'utf-8'));
        passed = json.numPassedTests;
        failed = json.numFailedTests + json.numRuntimeErrorTestSuites;
      } catch { /* no results: the run failed before jest wrote them */ }
      fs.rmSync(results, { force: true });
      const tail = output.trim().split('\n').slice(-25).join('\n');
      const outcome = timedOut ? 'timeout' : code === 0 && failed === 0 ? 'passed' : 'failed';
      resolve({ outcome, ms: Date.now() - started, passed, failed, tail });
    });
  });
}

export interface Verdict {
  readonly protection: Protection;
  /** killed: its test failed without it (as it must); survived: its test still passed. */
  readonly verdict: 'killed' | 'survived' | 'no test selected';
  readonly run: JestRun;
}

export interface BaselineResult {
  readonly test: string;
  readonly name?: string;
  readonly run: JestRun;
}

/** What one worker does: a task in its own copy of the project. */
type Task = (copy: string) => Promise<void>;

/**
 * Runs the tasks on `jobs` workers, each with its own copy of the project (made once), and
 * removes the copies afterwards.
 */
async function onWorkers(root: string, jobs: number, tasks: Task[]): Promise<void> {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'mutation-check-'));
  try {
    const copies = Array.from({ length: Math.max(1, Math.min(jobs, tasks.length)) }, (_, i) => {
      const dir = path.join(base, `copy-${i}`);
      copyWorkTree(root, dir);
      return dir;
    });
    let next = 0;
    await Promise.all(copies.map(async (copy) => {
      while (next < tasks.length) await tasks[next++](copy);
    }));
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

/** The test selections to run once without any mutation: one run per test file. */
export function baselineSelections(protections: readonly Protection[]): Array<{ test: string; name?: string }> {
  const byTest = new Map<string, Array<string | undefined>>();
  for (const p of protections) byTest.set(p.test, [...(byTest.get(p.test) ?? []), p.name]);
  return [...byTest].map(([test, names]) => (names.some((n) => n === undefined)
    ? { test }
    : { test, name: [...new Set(names)].map((n) => `(?:${n})`).join('|') }));
}

export interface CheckOptions {
  readonly jobs: number;
  readonly timeoutMs: number;
  /** Runs each test without mutation first (a test that fails anyway proves nothing). */
  readonly baseline: boolean;
  readonly onBaseline?: (r: BaselineResult) => void;
  readonly onVerdict?: (v: Verdict) => void;
}

/** Baseline runs (unless turned off), then one run per protection with it removed. */
export async function checkProtections(root: string, protections: readonly Protection[], opts: CheckOptions): Promise<{ baseline: BaselineResult[]; verdicts: Verdict[] }> {
  const baseline: BaselineResult[] = [];
  if (opts.baseline) {
    await onWorkers(root, opts.jobs, baselineSelections(protections).map((sel) => async (copy) => {
      const result = { ...sel, run: await runJest(copy, sel.test, sel.name, opts.timeoutMs) };
      baseline.push(result);
      opts.onBaseline?.(result);
    }));
    if (baseline.some((b) => b.run.outcome !== 'passed')) return { baseline, verdicts: [] };
  }
  const verdicts: Verdict[] = [];
  await onWorkers(root, opts.jobs, protections.map((p) => async (copy) => {
    const file = path.join(copy, p.file);
    const original = fs.readFileSync(file, 'utf-8');
    fs.writeFileSync(file, mutate(original, p));
    try {
      const run = await runJest(copy, p.test, p.name, opts.timeoutMs);
      const verdict: Verdict['verdict'] = run.outcome !== 'passed' ? 'killed' : run.passed === 0 ? 'no test selected' : 'survived';
      const v = { protection: p, verdict, run };
      verdicts.push(v);
      opts.onVerdict?.(v);
    } finally {
      fs.writeFileSync(file, original);
    }
  }));
  const order = new Map(protections.map((p, i) => [p.id, i]));
  verdicts.sort((a, b) => order.get(a.protection.id)! - order.get(b.protection.id)!);
  return { baseline, verdicts };
}
