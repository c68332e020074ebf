import * as fs from 'fs';
import * as path from 'path';
import { ResolvedTarget } from '../../config/deployment-config';
import { apiImage, siteImage } from '../../config/image-config';
import { synthTargets } from '../../app';
import { ImageRecord, imagesOf } from './images';

/** The images a synth is given; unset ones come from $SITE_IMAGE / $API_IMAGE, then the image.env files. */
export interface ImageInputs {
  readonly site?: string;
  readonly api?: string;
}

/** What was synthesized for one cluster of the target. */
export interface ClusterOutput {
  /** The cluster's name (its key in `clusters`). */
  readonly cluster: string;
  /** Its folder in the output: `.` for a target on one cluster, the cluster's name for a target on several. */
  readonly folder: string;
  /** Its files, relative to that folder, sorted. */
  readonly files: readonly string[];
  readonly objects: number;
  /** The validation summary lines of its manifests. */
  readonly validation: readonly string[];
}

/** One target, synthesized and validated for every cluster it runs on, as a publish commits it. */
export interface TargetOutput {
  /**
   * The folder holding exactly what the synth wrote: the target's files, or for a target on
   * several clusters a folder per cluster (`prod-eu/`, `prod-us/`) holding that cluster's.
   */
  readonly dir: string;
  /** Every file in it, relative, sorted (the synth's marker files included). */
  readonly files: readonly string[];
  /** The objects of all clusters together. */
  readonly objects: number;
  /** Each cluster's output, in the target's order of clusters. */
  readonly clusters: readonly ClusterOutput[];
  /** The validation summary lines; each begins with `<cluster>: ` for a target on several clusters. */
  readonly validation: readonly string[];
  /** Every container image of the target's Deployments (the same on each of its clusters). */
  readonly images: readonly ImageRecord[];
  /** The site image reference given to the synth, when the target runs it. */
  readonly siteImage?: string;
  /** The API image reference given to the synth, when the target runs it. */
  readonly apiImage?: string;
}

/**
 * Synthesizes and validates `target` with the project's own synth (main.ts' synthTargets: the
 * validation plugins of cdk8s.yaml) into `<workdir>/<target>/`, for each of its clusters
 * (`<workdir>/<target>/<cluster>/` for a target on several). Throws what the synth throws (an
 * OutputValidationError when a check failed); nothing is written elsewhere.
 */
export async function synthesizeTarget(target: ResolvedTarget, images: ImageInputs, workdir: string, env: NodeJS.ProcessEnv): Promise<TargetOutput> {
  const synthEnv: NodeJS.ProcessEnv = {
    ...env,
    ...(images.site !== undefined ? { SITE_IMAGE: images.site } : {}),
    ...(images.api !== undefined ? { API_IMAGE: images.api } : {}),
  };
  const done = await synthTargets(workdir, { names: [target.name], env: synthEnv, everyCluster: true });
  const dir = path.join(workdir, target.name);
  const several = done.length > 1;
  const clusters = done.map((d): ClusterOutput => ({
    cluster: d.target.placement.name,
    folder: several ? path.relative(dir, d.dir) : '.',
    files: listFiles(d.dir),
    objects: d.objects,
    validation: d.result.validation?.summary ?? ['not validated'],
  }));
  const imagesPerCluster = done.map((d) => imagesOf(d.result.manifests.flatMap((m) => m.objects) as Parameters<typeof imagesOf>[0]));
  const running = imagesPerCluster[0];
  imagesPerCluster.forEach((other, i) => {
    // The images come from the environment, not the cluster; a difference would be a bug of the app's code.
    if (JSON.stringify(other) !== JSON.stringify(running)) {
      throw new Error(`the images of target ${target.name} differ between clusters ${clusters[0].cluster} and ${clusters[i].cluster} `
        + `(${running.map((r) => r.image).join(', ')} vs ${other.map((r) => r.image).join(', ')}): a publish carries one set of images to every cluster`);
    }
  });
  const runs = (ref: string) => running.some((i) => i.image === ref);
  const site = siteImage(synthEnv).toString();
  const api = apiImage(synthEnv).toString();
  return {
    dir,
    files: listFiles(dir),
    objects: clusters.reduce((sum, c) => sum + c.objects, 0),
    clusters,
    validation: several ? clusters.flatMap((c) => c.validation.map((l) => `${c.cluster}: ${l}`)) : clusters[0].validation,
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
