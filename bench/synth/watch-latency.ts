// How long the watch loop of `npm run synth -- --watch` takes from a save to a validated dist/:
// a copy of the project's sources in a temporary folder (so nothing of the checkout is edited),
// the watch process started on it, then EDITS saves of the app file, each timed from the write
// to the line that says the new dist/ is validated and written. For the app (main.ts) and for
// the generated app of 1000 services (many-services.ts).
//
//   node synth/compiled-entry.js bench/synth/watch-latency.ts [--edits 10] [--services 1000]
//
// Prints the median and the range of both the whole edit-to-dist time and the synth's own
// share of it (what the loop reports), as JSON lines for bench/synth/run.sh.

import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';

const ROOT = path.resolve(__dirname, '..', '..');

/** The project's sources, copied; what stays loaded in the watch process, linked. */
function copyProject(into: string): void {
  for (const p of ['main.ts', 'app', 'lib', 'synth', 'config', 'bench/synth/many-services.ts', 'docker/image.env', 'services/api/image.env', 'package.json', 'cdk8s.yaml', 'crds']) {
    fs.cpSync(path.join(ROOT, p), path.join(into, p), { recursive: true, filter: (src) => !src.endsWith('.test.ts') });
  }
  for (const p of ['node_modules', 'imports', 'packages']) fs.symlinkSync(path.join(ROOT, p), path.join(into, p));
}

interface Timing { readonly total: number; readonly synth: number }

async function measure(project: string, args: string[], edited: string, edits: number): Promise<Timing[]> {
  // As npm run synth runs the app: compiled once, by the copy's own runner.
  const child: ChildProcess = spawn(process.execPath, [path.join(project, 'synth', 'compiled-entry.js'), ...args], { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const waitFor = async (pattern: RegExp, from: number, timeoutMs = 120000): Promise<RegExpExecArray> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(output.slice(from));
      if (m) return m;
      if (Date.now() > until || child.exitCode !== null) throw new Error(`no ${pattern} in:\n${output}`);
      await new Promise((r) => setTimeout(r, 2));
    }
  };
  try {
    await waitFor(/watching /, 0);
    const file = path.join(project, edited);
    const original = fs.readFileSync(file, 'utf-8');
    const out: Timing[] = [];
    for (let i = 0; i < edits; i++) {
      const from = output.length;
      const start = performance.now();
      fs.writeFileSync(file, `${original}\n// edit ${i}\n`);
      const m = await waitFor(/validated and written in (\d+) ms/, from);
      out.push({ total: performance.now() - start, synth: Number(m[1]) });
      await new Promise((r) => setTimeout(r, 100));
    }
    return out;
  } finally {
    child.kill('SIGTERM');
  }
}

function summary(name: string, timings: Timing[]): string {
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { min: Math.round(s[0]), median: Math.round(s[Math.floor(s.length / 2)]), max: Math.round(s[s.length - 1]) };
  };
  return JSON.stringify({ name, edits: timings.length, total: stats(timings.map((t) => t.total)), synth: stats(timings.map((t) => t.synth)) });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { edits: { type: 'string', default: '10' }, services: { type: 'string', default: '1000' } } });
  const edits = Number(values.edits);
  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'watch-latency-'));
  try {
    copyProject(project);
    console.log(summary('app', await measure(project, ['main.ts', '--watch', '--outdir', 'dist'], 'main.ts', edits)));
    console.log(summary(`${values.services} services`, await measure(project,
      ['bench/synth/many-services.ts', '--services', values.services!, '--watch', '--outdir', 'dist-many'], 'bench/synth/many-services.ts', edits)));
  } finally {
    fs.rmSync(project, { recursive: true, force: true });
  }
}

void main();
