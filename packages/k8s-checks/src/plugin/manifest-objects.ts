// What both plugins do first: read every object of every manifest the context names (a policy
// check needs them all at once, for its cross-object rules), and name each object the way the
// CLI can find its construct path by.

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

/** `<Kind>/<namespace>/<name>`, or `<Kind>/<name>` for an object without a namespace. */
export function uniqueKey(object: any): string {
  const kind = typeof object?.kind === 'string' ? object.kind : '<no kind>';
  const name = typeof object?.metadata?.name === 'string' ? object.metadata.name : '<no name>';
  const namespace = object?.metadata?.namespace;
  return typeof namespace === 'string' && namespace !== '' ? `${kind}/${namespace}/${name}` : `${kind}/${name}`;
}

/**
 * The resource name to report an object under. cdk8s keys its construct metadata by
 * `metadata.name` alone, which is ambiguous (a Deployment and a Service both called `nginx1`);
 * a host that records it under the unique key gets exact construct paths. So: the unique key
 * when the metadata has it; else the plain name when the metadata has that; else the unique key.
 */
export function resourceName(object: any, metadata: ValidationContext['metadata']): string {
  const key = uniqueKey(object);
  if (Object.prototype.hasOwnProperty.call(metadata, key)) return key;
  const name = object?.metadata?.name;
  if (typeof name === 'string' && Object.prototype.hasOwnProperty.call(metadata, name)) return name;
  return key;
}
