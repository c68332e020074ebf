import * as fs from 'fs';
import * as path from 'path';
import { App, YamlOutputType } from 'cdk8s';
import { ChartFile, synthChartFiles } from './chart-files';
import { FolderCheck, OutputCheck, runChecks } from './output-checks';

export interface SynthesizeOptions<T extends { readonly name: string }> {
  /** Where the output goes; each target gets `<outdir>/<target>/`. */
  readonly outdir: string;
  readonly targets: readonly T[];
  /** Defines a target's charts in its app. */
  readonly build: (app: App, target: T) => void;
  /** Checks every target's manifests must pass before anything is written to `outdir`. */
  readonly checks: readonly OutputCheck[];
}

/** Thrown when the synthesized manifests fail a check; `outdir` is left as it was. */
export class OutputCheckError extends Error {
  public constructor(public readonly results: readonly FolderCheck[]) {
    super(['Synthesized manifests failed validation; the previous output was left unchanged.', '',
      ...results.filter((r) => r.problems.length > 0).flatMap((r) => [
        `target ${r.target}:`, ...r.problems.map((p) => `  - ${p}`)])].join('\n'));
    this.name = 'OutputCheckError';
  }
}

/**
 * Synthesizes every target, checks the objects, and only when all passed writes them to a
 * staging folder beside `outdir` and swaps it in. A failure at any step (an error in a
 * construct, an invalid manifest) leaves an earlier `outdir` exactly as it was, and no staging
 * folder behind.
 *
 * The files are what `app.synth()` would write, byte for byte; the checks see the objects
 * those files hold without reading them back.
 */
export function synthesize<T extends { readonly name: string }>(options: SynthesizeOptions<T>): FolderCheck[] {
  const outdir = path.resolve(options.outdir);
  const targets = options.targets.map((target) => {
    const dir = path.join(outdir, target.name);
    const app = new App({ outdir: dir, outputFileExtension: '.k8s.yaml', yamlOutputType: YamlOutputType.FILE_PER_CHART });
    options.build(app, target);
    const files = synthChartFiles(app);
    return { target, files, result: runChecks({ dir, files }, target.name, options.checks) };
  });
  const results = targets.map((t) => t.result);
  if (results.some((r) => r.problems.length > 0)) {
    throw new OutputCheckError(results);
  }
  fs.mkdirSync(path.dirname(outdir), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(outdir), `.${path.basename(outdir)}-staging-`));
  try {
    for (const { target, files } of targets) writeFiles(path.join(staging, target.name), files);
    swapInto(staging, outdir);
    return results;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

function writeFiles(dir: string, files: readonly ChartFile[]): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const f of files) fs.writeFileSync(path.join(dir, f.file), f.yaml);
}

/** Replaces `outdir` by `staging` with two renames: at no point is a folder half-written. */
function swapInto(staging: string, outdir: string): void {
  if (!fs.existsSync(outdir)) {
    fs.renameSync(staging, outdir);
    return;
  }
  const previous = `${staging}-previous`;
  fs.renameSync(outdir, previous);
  try {
    fs.renameSync(staging, outdir);
  } catch (err) {
    fs.renameSync(previous, outdir);
    throw err;
  }
  fs.rmSync(previous, { recursive: true, force: true });
}
