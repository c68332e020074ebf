// Under `npx cdk8s synth`, the CLI empties the output folder before the app runs, writes the new
// manifests, then runs the validation plugins of cdk8s.yaml and exits 2 when one failed. So that
// `kubectl apply -f dist` never finds output that did not pass, KeepLastGoodOutput — the first
// entry under `validations:` — settles the folder once the CLI has decided, at its exit, after
// every plugin whatever their order: the output is kept as the last good one when the CLI exits
// 0, and the last good one is put back when it does not. The construct metadata the CLI needed
// is removed either way, so that the folder holds manifests only. It acts only on a folder that
// carries OutputFolder's marker and the construct metadata, which the app writes when the CLI
// validates; `npm run synth` validates before it replaces anything and writes no metadata.

import * as fs from 'fs';
import * as path from 'path';
import type { Validation, ValidationContext } from 'k8s-checks';
import { displayPath } from './describe-error';
import { OutputFolder } from './output-folder';

/** The file the cdk8s CLI reads construct paths from, in the output folder. */
export const CONSTRUCT_METADATA_FILE = 'construct-metadata.json';

const guarded = new Set<string>();

/**
 * Registers, once per output folder, the exit hook described above for the folder that holds
 * these manifests, when it carries the marker and the construct metadata. Returns the folder, or
 * undefined when there is none to guard (manifests from elsewhere, `cdk8s synth --stdout`,
 * `npm run synth`).
 */
export function keepLastGoodOutput(manifests: readonly string[], log: (line: string) => void = (l) => console.error(l)): OutputFolder | undefined {
  const dirs = [...new Set(manifests.map((m) => path.resolve(path.dirname(m))))];
  const dir = dirs.find((d) => new OutputFolder(d).marker() !== undefined && fs.existsSync(path.join(d, CONSTRUCT_METADATA_FILE)));
  if (!dir) return undefined;
  const folder = new OutputFolder(dir);
  if (!guarded.has(folder.dir)) {
    guarded.add(folder.dir);
    process.once('exit', (code) => settle(folder, code, log));
  }
  return folder;
}

/** Keeps or restores the folder, as the process' exit code says the validation went. */
export function settle(folder: OutputFolder, code: number, log: (line: string) => void): void {
  try {
    removeConstructMetadata(folder);
    if (code === 0) {
      folder.keep();
      return;
    }
    const shown = displayPath(folder.dir);
    const restored = folder.restore();
    log(restored
      ? `synth: ${shown} did not pass; the last good output (target ${restored.target}) was put back in its place.`
      : `synth: ${shown} did not pass and there was no earlier good output: ${shown} was removed, so nothing unchecked is left to apply.`);
  } catch (err) {
    log(`synth: could not settle ${folder.dir}: ${(err as Error).message}`);
  }
}

function removeConstructMetadata(folder: OutputFolder): void {
  const file = path.join(folder.dir, CONSTRUCT_METADATA_FILE);
  if (!fs.existsSync(file)) return;
  fs.rmSync(file);
  const marker = folder.marker();
  if (marker) folder.writeMarker({ ...marker, files: marker.files.filter((f) => f !== CONSTRUCT_METADATA_FILE) });
}

/**
 * The app's own entry under `validations:` in cdk8s.yaml (loaded through cdk8s-plugin.js):
 * checks nothing itself, and settles the output folder as described above. Declared first, so
 * that its hook is in place before any other plugin runs.
 */
export class KeepLastGoodOutput implements Validation {
  public constructor(properties: Record<string, unknown> = {}) {
    const unknown = Object.keys(properties ?? {});
    if (unknown.length > 0) throw new Error(`KeepLastGoodOutput takes no properties (cdk8s.yaml validations:), got "${unknown[0]}"`);
  }

  public async validate(context: ValidationContext): Promise<void> {
    const folder = keepLastGoodOutput(context.manifests);
    context.report.submit('success', folder
      ? { output: `${displayPath(folder.dir)} is kept once every validation passed, else the last good output is put back` }
      : { output: 'not an output folder of this app: left as it is' });
  }
}
