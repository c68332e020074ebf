import * as path from 'path';
import { onCluster, ResolvedTarget } from '../config/deployment-config';
import { apiImage, siteImage } from '../config/image-config';
import { ImageReference } from '../lib/image-reference';
import { CommandIo, runSynthCommand, SynthCommandOptions } from '../synth/synth-command';
import { pluginValidation } from '../synth/validations';
import { crdsFor } from './project-crds';
import { validations } from './validations';

const ROOT = path.join(__dirname, '..');

/**
 * The checked config and the chart builder, loaded when the synth first asks for a target: a
 * mistake in config/targets.ts is then reported as the synth's own failure (under cdk8s synth too,
 * with nothing left in dist/ to apply), not as a crash while the app loads.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const app = (): typeof import('./targets') => require('./targets');

/** What the synth command needs to synthesize this app. */
export function commandOptions(env: NodeJS.ProcessEnv): SynthCommandOptions<ResolvedTarget> {
  return {
    get targets() {
      return app().targets;
    },
    build: (cdk8sApp, target) => app().buildTargetFromEnv(cdk8sApp, target, env),
    validate: (options) => pluginValidation(validations(), options),
    applyHint: (target, outdir) => `kubectl --context ${target.placement.context} apply -f ${outdir}`,
    // Server-side: a CRD's last-applied annotation would outgrow its limit on the larger ones.
    // Said once the output is written: a custom kind without a CRD in crds/ is named here, not
    // turned into a failure after the fact.
    beforeApply: (target, objects) => {
      let crds;
      try {
        crds = crdsFor(objects, `target "${target.name}"`);
      } catch (err) {
        return (err as Error).message;
      }
      return crds.length === 0 ? undefined
        : `install the CRDs it uses (once per cluster): kubectl --context ${target.placement.context} apply --server-side ${crds.map((c) => `-f ${c.file}`).join(' ')}`;
    },
    notes: (target) => unpinnedImageNotes(target, env),
    // A target on several clusters is synthesized for one of them at a time (--cluster).
    place: (target, cluster) => {
      const placed = onCluster(target, cluster);
      return placed.clusters.length > 1 ? { target: placed, cluster: placed.placement.name, clusters: placed.clusters.map((c) => c.name) } : { target: placed };
    },
    watch: {
      // The watch loop forgets the project's modules and loads main.ts again, which loads this
      // module again: the options come from that fresh copy, with the edited sources.
      entry: path.join(ROOT, 'main.ts'),
      // The app's sources, and the files the image references come from.
      paths: ['main.ts', 'app', 'lib', 'config', 'docker/image.env', 'services/api/image.env'].map((p) => path.join(ROOT, p)),
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      options: () => (require('./command') as typeof import('./command')).commandOptions(env),
    },
  };
}

/**
 * What the synth says about images deployed by tag: a tag can move and is pulled again on every
 * pod start, so a target beyond the default one (the local build's) should run pushed digests.
 * Said, not refused: a fresh checkout has no pushed digest to pin until a release is pushed.
 */
export function unpinnedImageNotes(target: ResolvedTarget, env: NodeJS.ProcessEnv): string[] {
  if (target.name === app().targets[0].name) return [];
  const images: Array<[ImageReference, string, string]> = [[siteImage(env), 'SITE_IMAGE', 'docker/push.sh']];
  if (target.api) images.push([apiImage(env), 'API_IMAGE', 'IMAGE_ENV=services/api/image.env docker/push.sh']);
  return images.filter(([image]) => !image.isImmutable).map(([image, variable, push]) =>
    `target ${target.name} deploys ${image} by tag, not by digest (a tag can move; pulled again on every pod start): `
    + `pin it with ${push}, which records the pushed digest in its image.env, or ${variable}=repository:tag@sha256:<digest>`);
}

/** `npm run synth [-- --target NAME] [--outdir DIR] [--no-validate] [--watch]`; returns the exit code. */
export function synth(argv: readonly string[], env: NodeJS.ProcessEnv, io?: CommandIo): Promise<number> {
  return runSynthCommand(argv, env, commandOptions(env), io);
}
