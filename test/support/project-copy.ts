import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');

/** A copy of the project that is a git repository of its own. */
export interface ProjectCopy {
  readonly root: string;
  /** The commit the copy starts from. */
  readonly base: string;
  /** git in the copy; returns its standard output. */
  git(...args: string[]): string;
}

/**
 * Copies this checkout's sources as the work tree holds them now (tracked and untracked files,
 * not ignored ones) into `dest`, links its node_modules and the workspace package's build to the
 * checkout's, and makes it a git repository with one commit. The commands that record and
 * compare the source commit (npm run gitops) run there, so a test can commit, change and dirty
 * the sources without touching the checkout, and runs the code as it is, committed or not.
 */
export function copyProject(dest: string): ProjectCopy {
  const files = execFileSync('git', ['-C', ROOT, 'ls-files', '-z', '--cached', '--others', '--exclude-standard'], { encoding: 'utf-8' })
    .split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(ROOT, f);
    if (!fs.existsSync(from) || fs.lstatSync(from).isDirectory()) continue; // deleted in the work tree; or a submodule
    fs.mkdirSync(path.dirname(path.join(dest, f)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, f));
  }
  // Installed and built, not sources: the dependencies, and the workspace package's build.
  const linked = ['node_modules', path.join('packages', 'k8s-checks', 'node_modules'), path.join('packages', 'k8s-checks', 'lib')];
  for (const modules of linked) {
    if (fs.existsSync(path.join(ROOT, modules))) fs.symlinkSync(path.join(ROOT, modules), path.join(dest, modules), 'dir');
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dest, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'], env: gitEnv() });
  git('init', '-q', '-b', 'main');
  // .gitignore's `node_modules/` matches folders only, not these links.
  fs.appendFileSync(path.join(dest, '.git', 'info', 'exclude'), linked.map((l) => `/${l}\n`).join(''));
  git('config', 'user.name', 'Source Author');
  git('config', 'user.email', 'author@example.invalid');
  git('add', '-A');
  git('commit', '-q', '-m', 'the project as the tests found it');
  return { root: dest, base: git('rev-parse', 'HEAD').trim(), git };
}

/** The environment without variables that would point git at another repository. */
export function gitEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^GIT_(DIR|WORK_TREE|INDEX_FILE|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|NAMESPACE)$/.test(k)));
}
