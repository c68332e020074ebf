// What the plugins do for an output folder that carries OutputFolder's marker and the construct
// metadata (an app that writes its output through OutputFolder for the cdk8s CLI's validation
// asks for this by writing both; its own in-process validation writes no metadata): the cdk8s CLI
// empties the folder before the app runs, writes the new manifests, then runs the plugins and
// exits 2 when one failed. Once the CLI has decided — at process exit, after every plugin,
// however they are ordered — the output is kept as the last good one when it passed, and the
// last good one is put back when it did not. The construct metadata the CLI needed is removed
// either way, so that `kubectl apply -f <folder>` reads manifests only.

import * as fs from 'fs';
import * as path from 'path';
import { OutputFolder } from './output-folder';

/** The file the cdk8s CLI reads construct paths from, in the output folder. */
export const CONSTRUCT_METADATA_FILE = 'construct-metadata.json';

const guarded = new Set<string>();

/**
 * Registers, once per output folder, the exit hook described above for the folder that holds
 * these manifests, when it carries the marker and the construct metadata. Returns the folder, or
 * undefined when there is none to guard (manifests from elsewhere, `cdk8s synth --stdout`, an
 * app validating its own output).
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
    const rel = path.relative(process.cwd(), folder.dir);
    const shown = rel && !rel.startsWith('..') ? rel : folder.dir;
    const restored = folder.restore();
    log(restored
      ? `k8s-checks: ${shown}/ did not pass; the last good output (target ${restored.target}) was put back in its place.`
      : `k8s-checks: ${shown}/ did not pass and there was no earlier good output: ${shown}/ was removed, so nothing unchecked is left to apply.`);
  } catch (err) {
    log(`k8s-checks: could not settle ${folder.dir}: ${(err as Error).message}`);
  }
}

function removeConstructMetadata(folder: OutputFolder): void {
  const file = path.join(folder.dir, CONSTRUCT_METADATA_FILE);
  if (!fs.existsSync(file)) return;
  fs.rmSync(file);
  const marker = folder.marker();
  if (marker) folder.writeMarker({ ...marker, files: marker.files.filter((f) => f !== CONSTRUCT_METADATA_FILE) });
}
