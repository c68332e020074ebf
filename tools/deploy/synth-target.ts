import * as fs from 'fs';
import * as path from 'path';
import { ResolvedTarget } from '../../lib/deployment-config';
import { main as synth } from '../../main';
import { UsageError } from './args';

/** The file that marks `<outdir>/<target>/` as this command's own. */
export const OUTPUT_MARKER = '.mincloud-deploy';

/** Synthesizes one target into a folder of validated manifests and returns the folder. */
export type SynthTarget = (target: ResolvedTarget, image: string | undefined, outdir: string, log: (line: string) => void) => string;

/**
 * The deploy's one dependency on the synth: the project's own synth (main.ts, with the
 * Kubernetes 1.27 schema and the policy checks) for `target`, with `image` as SITE_IMAGE, into
 * `<outdir>/<target>/`. Throws (nothing written) when a check fails.
 *
 * `<outdir>` may be any folder: only `<outdir>/<target>/` is written, replaced as a whole by a
 * rename once the synth passed, and only when it is absent, empty, carries the marker file
 * this function writes, or holds just `<target>.k8s.yaml` (what earlier versions wrote there).
 * Anything else in it is someone else's: refused (UsageError), nothing deleted.
 */
export const synthTarget: SynthTarget = (target, image, outdir, log) => {
  const dir = path.resolve(outdir, target.name);
  checkOwnFolder(dir, target.name);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  // The synth replaces the whole folder it is given: give it a fresh one beside ours.
  const staging = fs.mkdtempSync(path.join(path.dirname(dir), `.${target.name}-deploy-`));
  try {
    const env = { ...process.env, ...(image !== undefined ? { SITE_IMAGE: image } : {}) };
    const out = path.join(staging, 'out');
    synth(['--target', target.name, '--outdir', out], env, (line) => log(line.split(out).join(outdir)));
    const fresh = path.join(out, target.name);
    fs.writeFileSync(path.join(fresh, OUTPUT_MARKER), 'Written by npm run deploy (tools/deploy/synth-target.ts); replaced on every deploy of this target.\n');
    if (fs.existsSync(dir)) fs.renameSync(dir, path.join(staging, 'previous'));
    fs.renameSync(fresh, dir);
    return dir;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
};

function checkOwnFolder(dir: string, target: string): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) {
    throw new UsageError(`--outdir: ${dir} is a file, not a folder; choose another --outdir (default build/deploy)`);
  }
  const entries = fs.readdirSync(dir);
  if (entries.length === 0 || entries.includes(OUTPUT_MARKER)) return;
  if (entries.length === 1 && entries[0] === `${target}.k8s.yaml`) return;
  const foreign = entries.filter((e) => e !== OUTPUT_MARKER && e !== `${target}.k8s.yaml`);
  throw new UsageError(`--outdir: ${dir} holds files this command did not write (${foreign.slice(0, 3).map((f) => `"${f}"`).join(', ')}`
    + `${foreign.length > 3 ? `, and ${foreign.length - 3} more` : ''}); the deploy replaces that folder, so it refuses to. `
    + 'Choose another --outdir (default build/deploy), or move those files away; nothing was changed.');
}
