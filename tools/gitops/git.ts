import { spawnSync } from 'child_process';

/** A git command that failed: its arguments, exit status and what it said. */
export class GitError extends Error {
  public constructor(readonly args: readonly string[], readonly status: number | null, readonly stderr: string) {
    super(`git ${args.join(' ')} failed${status === null ? '' : ` (exit ${status})`}: ${stderr.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('hint:')).slice(0, 4).join(' / ') || 'no message'}`);
    this.name = 'GitError';
  }
}

// Variables that would point git at another repository or index than the folder it runs in
// (set, for instance, when this runs from a git hook).
const REPOSITORY_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_NAMESPACE'];

function gitEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C', ...extra };
  for (const v of REPOSITORY_VARIABLES) if (!(v in extra)) delete env[v];
  return env;
}

/** The real git command line in folder `cwd`. */
export class Git {
  public constructor(readonly cwd: string, private readonly config: Readonly<Record<string, string>> = {}) {}

  /** Runs git and returns its standard output; throws GitError when it fails. */
  public run(args: readonly string[], options: { readonly env?: NodeJS.ProcessEnv; readonly input?: string } = {}): string {
    const r = this.try(args, options);
    if (r.status !== 0) throw new GitError(args, r.status, r.stderr);
    return r.stdout;
  }

  /** Runs git and returns its status and output, failed or not. */
  public try(args: readonly string[], options: { readonly env?: NodeJS.ProcessEnv; readonly input?: string } = {}): { status: number | null; stdout: string; stderr: string } {
    const settings = Object.entries(this.config).flatMap(([k, v]) => ['-c', `${k}=${v}`]);
    const r = spawnSync('git', [...settings, ...args], {
      cwd: this.cwd, encoding: 'utf-8', env: gitEnv(options.env), input: options.input, maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) throw new GitError(args, null, `${r.error.message}${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? ' (is git installed? apt-get install git)' : ''}`);
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }
}
