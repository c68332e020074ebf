// The app layer: what each target runs (build-target.ts), the checked config and the images
// (targets.ts), and how it is synthesized (synth-targets.ts for the tools, command.ts for
// main.ts). The tools and tests import it from here; main.ts runs it.
export { buildTarget } from './build-target';
export type { Images } from './build-target';
export { buildTargetFromEnv, gitops, imagesFromEnv, resolveConfig, targets } from './targets';
export type { ResolvedConfig } from './targets';
export { synthTargets } from './synth-targets';
export { validations } from './validations';
export type { SynthesizedTarget } from './synth-targets';
export { commandOptions, synth, unpinnedImageNotes } from './command';
