import { displayPath } from './describe-error';

/**
 * How to get the last good output back after `npx cdk8s synth` failed: the CLI empties the
 * output folder before the app runs, so the folder holds no manifests then; `npm run synth`
 * checks before it replaces anything, and git has the code that passed.
 */
export function lastGoodHint(outdir: string): string {
  const shown = displayPath(outdir);
  const synth = `npm run synth${shown === 'dist/' ? '' : ` -- --outdir ${shown.replace(/\/$/, '')}`}`;
  return `For the last good output: fix what is named above and synth again, or synthesize the last good commit `
    + `(git stash; ${synth}; git stash pop). ${synth} leaves ${shown} as it was when it fails.`;
}

/** What an app that failed under `npx cdk8s synth` says about the output folder. */
export function failedUnderCli(outdir: string): string {
  return `cdk8s synth removed ${displayPath(outdir)} before the app ran, so it holds no manifests now. ${lastGoodHint(outdir)}`;
}
