import * as path from 'path';
import { onCluster, ResolvedTarget } from '../config/deployment-config';
import { selectTarget } from '../synth/synth-command';
import { SynthResult, synthTarget } from '../synth/synth-target';
import { pluginValidation } from '../synth/validations';
import { buildTargetFromEnv, targets } from './targets';
import { validations } from './validations';

/** One target synthesized by `synthTargets`. */
export interface SynthesizedTarget {
  /** The target, placed on the cluster it was synthesized for. */
  readonly target: ResolvedTarget;
  /** That cluster's name, for a target on several clusters. @default - the target runs on one cluster */
  readonly cluster?: string;
  readonly dir: string;
  readonly objects: number;
  /** What the synth wrote and what the checks said. */
  readonly result: SynthResult;
}

/**
 * Synthesizes and validates each named target (default: every target) into `<outdir>/<name>/`,
 * as `npm run synth -- --target <name> --outdir <outdir>/<name>` does; throws on the first
 * failure. For the tools and tests that need several targets at once.
 *
 * A target on several clusters is synthesized for its first cluster into `<outdir>/<name>/`;
 * or for `cluster` (which every named target must have), or with `everyCluster` for each of its
 * clusters in their order, into `<outdir>/<name>/<cluster>/`.
 */
export async function synthTargets(outdir: string, options: {
  readonly names?: readonly string[]; readonly env?: NodeJS.ProcessEnv; readonly cluster?: string; readonly everyCluster?: boolean;
} = {}): Promise<SynthesizedTarget[]> {
  const chosen = options.names?.length ? options.names.map((n) => selectTarget(targets, n)) : targets;
  const validate = pluginValidation(validations());
  const out = [];
  for (const named of chosen) {
    const several = named.clusters.length > 1;
    const places = options.everyCluster ? named.clusters.map((c) => onCluster(named, c.name)) : [onCluster(named, options.cluster)];
    for (const target of places) {
      const dir = several && (options.everyCluster || options.cluster) ? path.join(outdir, target.name, target.placement.name) : path.join(outdir, target.name);
      const cluster = several ? target.placement.name : undefined;
      const result = await synthTarget({ outdir: dir, target, cluster, build: (app, t) => buildTargetFromEnv(app, t, options.env), validate });
      out.push({ target, cluster, dir, objects: result.objects, result });
    }
  }
  return out;
}
