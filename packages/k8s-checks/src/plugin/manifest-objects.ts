// What both plugins do first: read every object of every manifest the context names (a policy
// check needs them all at once, for its cross-object rules), and name each object the way the
// CLI can find its construct path by.

import { objectKey } from '../manifest/kube-object';
import { ValidationContext } from './cdk8s-validation';

/** One document of one manifest file. */
export interface ManifestObject {
  readonly manifestPath: string;
  /** Position of the document among the file's objects (empty documents left out). */
  readonly index: number;
  readonly object: any;
}

/** Every non-empty document of every manifest, in the context's order. */
export function readObjects(context: ValidationContext): ManifestObject[] {
  const out: ManifestObject[] = [];
  for (const manifestPath of context.manifests) {
    const docs = context.parseManifest(manifestPath).filter((d) => d !== null && d !== undefined);
    docs.forEach((object, index) => out.push({ manifestPath, index, object }));
  }
  return out;
}

/**
 * The resource name to report an object under. cdk8s keys its construct metadata by
 * `metadata.name` alone, which is ambiguous (a Deployment and a Service both called `nginx1`);
 * a host that records it under the objectKey gets exact construct paths. So: the objectKey
 * when the metadata has it; else the plain name when the metadata has that; else the objectKey.
 */
export function resourceName(object: any, metadata: ValidationContext['metadata']): string {
  const key = objectKey(object);
  if (Object.prototype.hasOwnProperty.call(metadata, key)) return key;
  const name = object?.metadata?.name;
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(metadata, name)) return name;
  return key;
}
