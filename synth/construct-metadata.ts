import { ApiObject, App } from 'cdk8s';
import { objectKey } from 'k8s-checks';

/** The file the cdk8s CLI reads construct paths from, in the output folder. */
export const CONSTRUCT_METADATA_FILE = 'construct-metadata.json';

/**
 * The construct path of every object of the app, in the format the cdk8s CLI reads
 * (`construct-metadata.json`, version 1.0.0).
 *
 * cdk8s' own `recordConstructMetadata` keys objects by `metadata.name` alone, so a Deployment
 * and a Service called `nginx1` share one entry and a finding on the Deployment is reported at
 * the Service's path. Here every object is listed under the validation plugins' key, its
 * objectKey (`Kind/namespace/name`), and under its plain name as well where that name is
 * unique in the app, for plugins that look it up that way.
 */
export function constructMetadata(app: App): { version: '1.0.0'; resources: Record<string, { path: string }> } {
  const objects = app.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c));
  const nameCount = new Map<string, number>();
  for (const o of objects) nameCount.set(o.name, (nameCount.get(o.name) ?? 0) + 1);
  const resources: Record<string, { path: string }> = {};
  for (const o of objects) {
    resources[objectKey({ apiVersion: o.apiVersion, kind: o.kind, metadata: { name: o.name, namespace: o.metadata.namespace } })] = { path: o.node.path };
    if (nameCount.get(o.name) === 1) resources[o.name] = { path: o.node.path };
  }
  return { version: '1.0.0', resources };
}
