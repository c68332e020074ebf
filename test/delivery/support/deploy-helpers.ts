import * as fs from 'fs';
import * as path from 'path';
import { KubeObject, parseManifestText } from 'k8s-checks';
import * as YAML from 'yaml';
import { DeployDeps } from '../../../tools/deploy/deploy';
import { synthTarget } from '../../../tools/deploy/synth-target';
import { appObjects } from '../../support/synth';

export const SITE = 'docker.io/mincloud1501/nginx:1.0.0';
export const SITE_NEXT = 'docker.io/mincloud1501/nginx:1.0.1';
export const SITE_PINNED = `docker.io/mincloud1501/nginx:1.0.0@sha256:${'a1'.repeat(32)}`;
/** The fake's control `failImages: [BROKEN_MARK]` makes pods of these images never ready. */
export const BROKEN_MARK = '6.6.6-broken';
export const BROKEN = `docker.io/mincloud1501/nginx:${BROKEN_MARK}`;
export const API = 'docker.io/mincloud1501/api:1.0.0';
export const API_BROKEN = `docker.io/mincloud1501/api:${BROKEN_MARK}`;
/** The test clock of the fake: 0.005 makes the Deployments' 180 s progress deadline pass in 0.9 s. */
export const TIME_SCALE = 0.005;

/**
 * The real synth, then `edit` on the synthesized objects: what a change of the code would do
 * (an object added, renamed, a field changed), without changing the code.
 */
export function editedSynth(edit: (docs: KubeObject[]) => KubeObject[]): DeployDeps {
  return {
    synthTarget: async (target, image, outdir, log) => {
      const dir = await synthTarget(target, image, outdir, log);
      const file = path.join(dir, `${target.name}.k8s.yaml`);
      const docs = parseManifestText(fs.readFileSync(file, 'utf-8'), file);
      fs.writeFileSync(file, edit(docs).map((d) => YAML.stringify(d)).join('---\n'));
      return dir;
    },
  };
}

/** A ConfigMap of the target, as a code change could add one. */
export function configMap(namespace: string, name: string, data: Record<string, string> = { a: '1' }): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, labels: { 'app.kubernetes.io/part-of': 'mincloud', 'app.kubernetes.io/managed-by': 'cdk8s' } }, data };
}

/**
 * The images `npm run deploy` records in a revision's description (`nginx1=<image> …`): each
 * container of each Deployment the app puts in `target`, with `site` as the site image (what
 * `--image` sets). Derived from the app, so a service added to main.ts changes it here too.
 */
export function revisionImages(target: string, site: string): string {
  return appObjects(target, { ...process.env, SITE_IMAGE: site }).filter((o) => o.kind === 'Deployment')
    .flatMap((d) => d.spec.template.spec.containers.map((c: { name: string; image: string }) => `${d.metadata.name}=${c.image}`)).join(' ');
}
