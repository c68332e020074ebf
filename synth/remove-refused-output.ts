// Under `npx cdk8s synth` the CLI empties the output folder, runs the app (which writes the
// manifests and the construct metadata the plugins read), then runs the validation plugins of
// cdk8s.yaml and exits 2 when one failed. RemoveRefusedOutput, the first entry under
// `validations:`, settles the folder once the CLI has decided, at its exit, after every plugin
// whatever their order: on success it removes the construct metadata, so that the folder holds
// manifests only; on any failure it removes what the app wrote there, and only that (the
// marker lists it), so that `kubectl apply -f dist` finds nothing unchecked.
// `npm run synth` checks before it replaces anything and writes no metadata: this is not used.

import * as fs from 'fs';
import * as path from 'path';
import type { Validation, ValidationContext } from 'k8s-checks';
import { CONSTRUCT_METADATA_FILE } from './construct-metadata';
import { displayPath } from './describe-error';
import { lastGoodHint } from './last-good-hint';
import { OutputFolder } from './output-folder';

const guarded = new Set<string>();

/**
 * Registers, once per output folder, the exit hook described above for the folder that holds
 * these manifests, when the app wrote it for the CLI (its marker and the construct metadata are
 * there). Returns the folder, or undefined when there is none to guard.
 */
export function removeRefusedOutput(manifests: readonly string[], log: (line: string) => void = (l) => console.error(l)): OutputFolder | undefined {
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

/** Keeps the output without the construct metadata (exit 0), or removes what the app wrote. */
export function settle(folder: OutputFolder, code: number, log: (line: string) => void): void {
  // With --stdout the CLI removes its temporary folder itself once it passed.
  if (!fs.existsSync(folder.dir)) return;
  try {
    if (code === 0) {
      folder.forget(CONSTRUCT_METADATA_FILE);
      return;
    }
    const removed = folder.removeWritten().filter((f) => f !== CONSTRUCT_METADATA_FILE);
    const shown = displayPath(folder.dir);
    log(`synth: the manifests in ${shown} did not pass; the synth removed what it wrote there (${removed.join(', ')}), `
      + `so nothing unchecked is left to apply. ${lastGoodHint(folder.dir)}`);
  } catch (err) {
    log(`synth: could not remove the refused output from ${folder.dir}: ${(err as Error).message}; do not apply it`);
  }
}

/**
 * The app's own entry under `validations:` in cdk8s.yaml (loaded through cdk8s-plugin.js):
 * checks nothing itself, and settles the output folder as described above. Declared first, so
 * that its hook is in place before any other plugin runs.
 */
export class RemoveRefusedOutput implements Validation {
  public constructor(properties: Record<string, unknown> = {}) {
    const unknown = Object.keys(properties ?? {});
    if (unknown.length > 0) throw new Error(`RemoveRefusedOutput takes no properties (cdk8s.yaml validations:), got "${unknown[0]}"`);
  }

  public async validate(context: ValidationContext): Promise<void> {
    const folder = removeRefusedOutput(context.manifests);
    context.report.submit('success', folder
      ? { output: `${displayPath(folder.dir)} is kept once every validation passed, else what the synth wrote there is removed` }
      : { output: 'not an output folder of this app: left as it is' });
  }
}
