import * as fs from 'fs';
import * as path from 'path';
import { Git } from './git';
import { PublishRecord, readPublishRecord } from './publish-record';

/**
 * Where later publishes that found the same output record their source commit: a git note on
 * the commit that holds the output. No empty commit is made, and the environment's last publish
 * still says which code it is the output of.
 */
export const NOTES_REF = 'refs/notes/mincloud-gitops';

/** The last commit that changed an environment's manifests. */
export interface LastPublish {
  /** The commit in the GitOps repository. */
  readonly commit: string;
  readonly subject: string;
  /** What the publish recorded; undefined when the commit is not a publish's (made by hand). */
  readonly record?: PublishRecord;
  /** Every source commit this output was published from: the record's, then those noted by later publishes of the same output. */
  readonly sourceCommits: readonly string[];
}

/** Who commits: the project's git identity when it has one. */
export interface Identity {
  readonly name: string;
  readonly email: string;
}

export interface CheckoutOptions {
  /** The GitOps repository: a URL or a path of a (bare) repository. */
  readonly remote: string;
  readonly branch: string;
  /** The environment's folder in the branch, `.` for its root. */
  readonly path: string;
  /** An empty folder for the clone. */
  readonly workdir: string;
  readonly identity: Identity;
}

/**
 * A clone of one environment's branch of the GitOps repository, in a folder of its own: it
 * reads the last publish, replaces the environment's files, commits and pushes. A branch that
 * does not exist yet starts without history (an orphan branch). Pushes are never forced: when
 * the branch moved meanwhile, the push fails and nothing is overwritten.
 */
export class EnvironmentCheckout {
  public static open(options: CheckoutOptions): EnvironmentCheckout {
    fs.mkdirSync(options.workdir, { recursive: true });
    const git = new Git(options.workdir, { 'user.name': options.identity.name, 'user.email': options.identity.email });
    git.run(['init', '-q']);
    git.run(['remote', 'add', 'origin', options.remote]);
    const refs = git.run(['ls-remote', 'origin', `refs/heads/${options.branch}`, NOTES_REF]).split('\n').filter(Boolean).map((l) => l.split('\t')[1]);
    const exists = refs.includes(`refs/heads/${options.branch}`);
    const fetch = [
      ...(exists ? [`+refs/heads/${options.branch}:refs/remotes/origin/${options.branch}`] : []),
      ...(refs.includes(NOTES_REF) ? [`+${NOTES_REF}:${NOTES_REF}`] : []),
    ];
    if (fetch.length) git.run(['fetch', '-q', '--no-tags', 'origin', ...fetch]);
    if (exists) git.run(['checkout', '-q', '-B', options.branch, `refs/remotes/origin/${options.branch}`]);
    else git.run(['checkout', '-q', '--orphan', options.branch]);
    return new EnvironmentCheckout(git, options, exists);
  }

  private notesChanged = false;

  private constructor(
    private readonly git: Git,
    public readonly options: CheckoutOptions,
    /** The branch existed before. */
    public readonly existed: boolean,
  ) {}

  /** The last commit that changed the environment's folder, with its record; undefined before the first publish. */
  public lastPublish(): LastPublish | undefined {
    if (!this.head()) return undefined;
    const out = this.git.run(['log', '-1', '--format=%H%x00%s%x00%(trailers:only,unfold)', '--', this.options.path]);
    if (!out.trim()) return undefined;
    const [commit, subject, trailers] = out.split('\0');
    const record = readPublishRecord(trailers);
    const noted = this.git.try(['notes', `--ref=${NOTES_REF}`, 'show', commit]);
    const later = noted.status === 0 ? [...noted.stdout.matchAll(/^Source-Commit: ([0-9a-f]{40})$/gm)].map((m) => m[1]) : [];
    return { commit, subject, record, sourceCommits: record ? [record.sourceCommit, ...later] : [] };
  }

  /** The branch's last commit, or undefined for a branch without commits. */
  public head(): string | undefined {
    const r = this.git.try(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']);
    return r.status === 0 ? r.stdout.trim() : undefined;
  }

  /**
   * Replaces the environment's folder with `files` (relative to `from`) and stages it. Returns
   * the changes, as `git status --porcelain` lines; [] when the folder already held exactly them.
   */
  public stage(from: string, files: readonly string[]): string[] {
    const dir = path.join(this.git.cwd, this.options.path);
    if (this.options.path === '.') {
      for (const entry of fs.readdirSync(dir)) if (entry !== '.git') fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    } else {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    for (const f of files) {
      fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
      fs.copyFileSync(path.join(from, f), path.join(dir, f));
    }
    this.git.run(['add', '-A', '--', this.options.path]);
    return this.git.run(['status', '--porcelain', '--untracked-files=all', '--', this.options.path]).split('\n').filter(Boolean);
  }

  /** Commits what is staged; returns the commit. */
  public commit(message: string): string {
    this.git.run(['commit', '-q', '--no-verify', '-F', '-'], { input: message });
    return this.head()!;
  }

  /** Adds `text` to the note of `commit` (after what is there). */
  public note(commit: string, text: string): void {
    this.git.run(['notes', `--ref=${NOTES_REF}`, 'append', '-m', text, commit]);
    this.notesChanged = true;
  }

  /**
   * Pushes the branch (and the notes, if any were added) in one atomic push, never forced.
   * Throws GitError when the remote refuses, e.g. because the branch moved meanwhile.
   */
  public push(): void {
    const refs = [
      ...(this.head() ? [`HEAD:refs/heads/${this.options.branch}`] : []),
      ...(this.notesChanged ? [`${NOTES_REF}:${NOTES_REF}`] : []),
    ];
    if (refs.length) this.git.run(['push', '-q', '--atomic', 'origin', ...refs]);
  }
}
