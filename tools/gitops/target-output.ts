import * as fs from 'fs';
import * as path from 'path';
import { ResolvedTarget } from '../../lib/deployment-config';
import { apiImage, siteImage } from '../../lib/image-config';
import { synthTargets } from '../../main';
import { K8sObject } from '../deploy/manifests';
import { ImageRecord, imagesOf } from '../deploy/releases';

/** The images a synth is given; unset ones come from $SITE_IMAGE / $API_IMAGE, then the image.env files. */
export interface ImageInputs {
  readonly site?: string;
  readonly api?: string;
}

/** One target, synthesized and validated, as a publish commits it. */
export interface TargetOutput {
  /** The folder holding exactly what the synth wrote. */
  readonly dir: string;
  /** Every file in it, relative, sorted (the synth's marker file included). */
  readonly files: readonly string[];
  readonly objects: number;
  /** The validation summary lines. */
  readonly validation: readonly string[];
  /** Every container image of the target's Deployments. */
  readonly images: readonly ImageRecord[];
  /** The site image reference given to the synth, when the target runs it. */
  readonly siteImage?: string;
  /** The API image reference given to the synth, when the target runs it. */
  readonly apiImage?: string;
}

/**
 * Synthesizes and validates `target` with the project's own synth (main.ts' synthTargets: the
 * validation plugins of cdk8s.yaml) into `<workdir>/<target>/`. Throws what the synth throws
 * (an OutputValidationError when a check failed); nothing is written elsewhere.
 */
export async function synthesizeTarget(target: ResolvedTarget, images: ImageInputs, workdir: string, env: NodeJS.ProcessEnv): Promise<TargetOutput> {
  const synthEnv: NodeJS.ProcessEnv = {
    ...env,
    ...(images.site !== undefined ? { SITE_IMAGE: images.site } : {}),
    ...(images.api !== undefined ? { API_IMAGE: images.api } : {}),
  };
  const [done] = await synthTargets(workdir, { names: [target.name], env: synthEnv });
  const objects = done.result.manifests.flatMap((m) => m.objects) as K8sObject[];
  const running = imagesOf(objects);
  const runs = (ref: string) => running.some((i) => i.image === ref);
  const site = siteImage(synthEnv).toString();
  const api = apiImage(synthEnv).toString();
  return {
    dir: done.dir,
    files: listFiles(done.dir),
    objects: done.objects,
    validation: done.result.validation?.summary ?? ['not validated'],
    images: running,
    siteImage: runs(site) ? site : undefined,
    apiImage: runs(api) ? api : undefined,
  };
}

function listFiles(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath ?? e.path, e.name)))
    .sort();
}
