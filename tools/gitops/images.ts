import type { KubeObject } from 'k8s-checks';

/** One container image of a Deployment, as a publish records it. */
export interface ImageRecord {
  readonly deployment: string;
  readonly container: string;
  readonly image: string;
  /** The digest the reference pins (`@sha256:...`), or null for a tag (which can move). */
  readonly digest: string | null;
}

/** The images of the Deployments among `objects`. */
export function imagesOf(objects: readonly KubeObject[]): ImageRecord[] {
  return objects.filter((o) => o.kind === 'Deployment').flatMap((d) => {
    const containers = ((d.spec as { template?: { spec?: { containers?: Array<{ name: string; image: string }> } } })?.template?.spec?.containers) ?? [];
    return containers.map((c) => ({ deployment: d.metadata.name, container: c.name, image: c.image, digest: /@(sha256:[0-9a-f]{64})$/.exec(c.image)?.[1] ?? null }));
  });
}
