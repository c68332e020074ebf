import { Git, GitError } from './git';

/** The project's git state: what a publish records as its source. */
export interface SourceState {
  /** The commit checked out (HEAD), 40 hex digits. */
  readonly commit: string;
  /** `git status --porcelain` lines: changed, staged and untracked (not ignored) files; [] when clean. */
  readonly changes: readonly string[];
}

/** Thrown when the project is not a git checkout with a commit: there is no source to record. */
export class NoSourceCommitError extends Error {}

/** The git state of the checkout at `root`. */
export function sourceState(root: string): SourceState {
  const git = new Git(root);
  let commit: string;
  try {
    commit = git.run(['rev-parse', '--verify', '--quiet', 'HEAD^{commit}']).trim();
  } catch (e) {
    if (!(e instanceof GitError)) throw e;
    throw new NoSourceCommitError(`${root} is not a git checkout with a commit (${e.stderr.trim() || 'no HEAD'}): a publish records the commit it was made from; `
      + 'run it in a clone of the project');
  }
  // Untracked files count: a new module that is imported but not committed changes the output.
  const changes = git.run(['status', '--porcelain', '--untracked-files=all']).split('\n').filter(Boolean);
  return { commit, changes };
}

/** The commit as a publish records it: `<sha>`, or `<sha>-dirty` for a tree with changes. */
export function recordedCommit(s: SourceState): string {
  return s.changes.length ? `${s.commit}-dirty` : s.commit;
}
