import { checkKnownProps, PropKeys } from './validation/known-props';
import { PropValidationError } from './validation/prop-errors';

/** Options of `GitOpsLayout.branchPerTarget`. */
export interface BranchPerTargetOptions {
  /** What comes before the target's name in its branch name. @default 'env/' */
  readonly prefix?: string;
}

/** Options of `GitOpsLayout.folderPerTarget`. */
export interface FolderPerTargetOptions {
  /** The one branch that holds every target's folder. @default 'rendered' */
  readonly branch?: string;
  /** What comes before the target's name in its folder name. @default '' (the folder is the target's name) */
  readonly prefix?: string;
}

const BRANCH_KEYS: PropKeys<BranchPerTargetOptions> = { prefix: true };
const FOLDER_KEYS: PropKeys<FolderPerTargetOptions> = { branch: true, prefix: true };

// The part of git's check-ref-format rules a branch name of this project can break: components
// of letters, digits, '.', '_', '-' separated by '/', none starting with '.' or ending in '.lock'.
const COMPONENT = /^(?!\.)[A-Za-z0-9._-]+$/;

function checkBranch(where: string, field: string, value: string, shown: string): void {
  const parts = value.split('/');
  if (value.length > 200 || value.includes('..') || parts.some((p) => !COMPONENT.test(p) || p.endsWith('.lock') || p.endsWith('.'))) {
    throw new PropValidationError(where, field, shown,
      'use letters, digits, ".", "_", "-" and "/" between parts, none starting with "." (a git branch name), e.g. "env/"');
  }
}

/**
 * Where each target's rendered manifests live in the git repository Argo CD reads: exactly the
 * files `npm run synth -- --target <name>` writes, and nothing else.
 */
export class GitOpsLayout {
  /**
   * One branch per target (`env/dev`, `env/prod`), the manifests at its root: each branch's
   * history is that environment's history, a promotion is a commit to the next branch, and a
   * commit to one environment never touches the revision another one follows.
   */
  public static branchPerTarget(options: BranchPerTargetOptions = {}): GitOpsLayout {
    checkKnownProps('GitOpsLayout.branchPerTarget', 'options', options, BRANCH_KEYS);
    const prefix = options.prefix ?? 'env/';
    checkBranch('GitOpsLayout.branchPerTarget', 'prefix', `${prefix}target`, prefix);
    return new GitOpsLayout('branch', (t) => `${prefix}${t}`, () => '.', `branch ${prefix}<target>, manifests at its root`);
  }

  /**
   * One branch (`rendered`), a folder per target (`dev/`, `prod/`): every environment side by
   * side in one tree; `git log -- prod` is prod's history.
   */
  public static folderPerTarget(options: FolderPerTargetOptions = {}): GitOpsLayout {
    checkKnownProps('GitOpsLayout.folderPerTarget', 'options', options, FOLDER_KEYS);
    const branch = options.branch ?? 'rendered';
    const prefix = options.prefix ?? '';
    checkBranch('GitOpsLayout.folderPerTarget', 'branch', branch, branch);
    if (prefix !== '') checkBranch('GitOpsLayout.folderPerTarget', 'prefix', `${prefix}target`, prefix);
    return new GitOpsLayout('folder', () => branch, (t) => `${prefix}${t}`, `folder ${prefix}<target>/ of branch ${branch}`);
  }

  private constructor(
    /** `branch`: a branch per target; `folder`: a folder per target on one branch. */
    public readonly kind: 'branch' | 'folder',
    private readonly branchOf: (target: string) => string,
    private readonly pathOf: (target: string) => string,
    private readonly text: string,
  ) {}

  /** The branch that holds `target`'s manifests (Argo CD's `targetRevision`). */
  public branch(target: string): string {
    return this.branchOf(target);
  }

  /** The folder of `target`'s manifests in that branch: `.` for its root (Argo CD's `path`). */
  public path(target: string): string {
    return this.pathOf(target);
  }

  public toString(): string {
    return this.text;
  }
}
