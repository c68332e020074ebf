import * as fs from 'fs';
import * as path from 'path';
import { ForeignOutputError, OutputFolder } from '../../synth/output-folder';
import { ResolvedTarget } from '../../config/deployment-config';
import { synthTargets } from '../../app';
import { UsageError } from './args';

/** The file that marks `<outdir>/<target>/` as written by the synth (the deploy's or `npm run synth`'s). */
export const OUTPUT_MARKER = OutputFolder.MARKER;

/** Synthesizes one target into a folder of validated manifests and returns the folder. */
export type SynthTarget = (target: ResolvedTarget, image: string | undefined, outdir: string, log: (line: string) => void) => Promise<string>;

/**
 * The deploy's one dependency on the synth: the project's own synth (main.ts, with the
 * validation plugins of cdk8s.yaml) for `target`, with `image` as SITE_IMAGE, into
 * `<outdir>/<target>/` (a target on several clusters: `<outdir>/<target>/<cluster>/`). Throws
 * (nothing written) when a check fails.
 *
 * `<outdir>` may be any folder: only that folder is written, replaced as a whole once
 * the synth passed, and only when it holds nothing but what the synth wrote there before (its
 * marker says so). Anything else in it is someone else's: refused (UsageError), nothing deleted.
 */
export const synthTarget: SynthTarget = async (target, image, outdir, log) => {
  const dir = path.resolve(outdir, target.name, target.clusters.length > 1 ? target.placement.name : '');
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`--outdir: ${dir} is a file, not a folder; choose another --outdir (default build/deploy)`);
  }
  const env = { ...process.env, ...(image !== undefined ? { SITE_IMAGE: image } : {}) };
  try {
    const cluster = target.clusters.length > 1 ? target.placement.name : undefined;
    const [synthesized] = await synthTargets(outdir, { names: [target.name], env, cluster });
    log(`${synthesized.dir}: ${synthesized.objects} objects, validated`);
    return synthesized.dir;
  } catch (e) {
    if (!(e instanceof ForeignOutputError)) throw e;
    const foreign = e.foreign;
    throw new UsageError(`--outdir: ${dir} holds files this command did not write (${foreign.slice(0, 3).map((f) => `"${f}"`).join(', ')}`
      + `${foreign.length > 3 ? `, and ${foreign.length - 3} more` : ''}); the deploy replaces that folder, so it refuses to. `
      + 'Choose another --outdir (default build/deploy), or move those files away; nothing was changed.');
  }
};
