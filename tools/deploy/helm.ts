import { spawn } from 'child_process';
import { gzipSync } from 'zlib';

/** Where the deploy writes: stdout for progress, stderr for problems. */
export interface Io {
  log(line: string): void;
  error(line: string): void;
}

export interface Result {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Where Helm keeps the releases on each cluster: a namespace of their own, not the target's.
 * The chart holds the target's Namespace (its Pod Security labels are part of the release), and
 * Helm cannot also create the namespace it stores the release in from that chart.
 */
export const RELEASES_NAMESPACE = 'mincloud-releases';

/** The most a Secret holds (the API server refuses more), where Helm stores each revision. */
export const SECRET_LIMIT = 1024 * 1024;

const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
export const commandLine = (words: readonly string[]): string => words.map(shellWord).join(' ');

/**
 * Runs `binary args` without blocking, in the deploy's process group (a kill of the group ends
 * it too). Prints the command line as `$ <name> ...`; with `stream`, its output as it comes.
 */
export function run(binary: string, name: string, args: readonly string[], io: Io, options: { stream?: boolean } = {}): Promise<Result> {
  io.log(`    $ ${commandLine([name, ...args])}`);
  return new Promise((resolve) => {
    const child = spawn(binary, args, { env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    const err: string[] = [];
    const collect = (into: string[], print: (l: string) => void) => (d: Buffer) => {
      into.push(d.toString('utf-8'));
      if (options.stream) for (const l of d.toString('utf-8').replace(/\n$/, '').split('\n')) print(`    ${l}`);
    };
    child.stdout.on('data', collect(out, (l) => io.log(l)));
    child.stderr.on('data', collect(err, (l) => io.error(l)));
    child.on('error', (e) => resolve({ status: 127, stdout: '', stderr: `cannot run ${binary}: ${e.message}` }));
    child.on('close', (code, signal) => resolve({ status: code ?? (signal ? 128 : 1), stdout: out.join(''), stderr: err.join('') }));
  });
}

/** What failed, in the program's words (without client-go's log lines). */
export const why = (r: Result): string => (r.stderr || r.stdout).split('\n').filter((l) => !/^[IWE]\d{4} \d\d:\d\d:\d\d/.test(l)).join('\n').trim().replace(/^Error: /, '');

/** One revision of `helm history -o json`. */
export interface Revision {
  readonly revision: number;
  readonly updated: string;
  readonly status: string;
  readonly chart: string;
  readonly description: string;
}

/** Revisions that ran: what `--rollback` and Helm's own rollback on failure go back to. */
export const GOOD = new Set(['deployed', 'superseded']);

/** The release's revisions, oldest first ([] when it was never installed), or what went wrong. */
export async function history(helm: string, release: string, context: string, io: Io): Promise<Revision[] | string> {
  const r = await run(helm, 'helm', ['history', release, '--namespace', RELEASES_NAMESPACE, '--kube-context', context, '--max', '256', '-o', 'json'], io);
  if (r.status !== 0) return /release: not found/.test(r.stderr) ? [] : why(r);
  return (JSON.parse(r.stdout) as Revision[]).sort((a, b) => a.revision - b.revision);
}

/**
 * The size of the Secret Helm would store for a revision of `chart`: Helm writes the release
 * (chart, templates and rendered manifest) as JSON, gzipped, base64. Measured on the release
 * `helm install --dry-run=client -o json` prints, which reaches no cluster.
 */
export async function releaseBytes(helm: string, release: string, chart: string, io: Io): Promise<number | string> {
  const r = await run(helm, 'helm', ['install', release, chart, '--namespace', RELEASES_NAMESPACE, '--dry-run=client', '-o', 'json'], io);
  if (r.status !== 0) return why(r);
  return gzipSync(r.stdout.trim(), { level: 9 }).toString('base64').length;
}
