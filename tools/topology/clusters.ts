import { KubeObject, objectKey } from 'k8s-checks';

/** A target's objects as synthesized for one of its clusters. */
export interface ClusterObjects {
  readonly cluster: string;
  readonly objects: readonly KubeObject[];
}

/**
 * One picture of a target on several clusters: its objects as synthesized for each cluster,
 * merged. An object the same on every cluster is drawn once, as is; one that only some
 * clusters have (a ConfigMap named after its content: the site's trusted pod network, say) is
 * drawn once per variant, noted with its clusters; one that every cluster has with different
 * values is drawn once, noted, and a Deployment then mounts every cluster's ConfigMaps. The
 * order is the first cluster's, then what only later clusters have, so the same input gives
 * the same picture.
 */
export function mergeClusters(perCluster: readonly ClusterObjects[]): { objects: KubeObject[]; notes: Map<KubeObject, string[]> } {
  const key = objectKey;
  const order: string[] = [];
  const variants = new Map<string, Map<string, KubeObject>>();
  for (const { cluster, objects } of perCluster) {
    for (const o of objects) {
      if (!variants.has(key(o))) {
        variants.set(key(o), new Map());
        order.push(key(o));
      }
      variants.get(key(o))!.set(cluster, o);
    }
  }
  const all = perCluster.map((c) => c.cluster);
  const objects: KubeObject[] = [];
  const notes = new Map<KubeObject, string[]>();
  for (const k of order) {
    const on = variants.get(k)!;
    const [first, ...rest] = [...on.values()];
    const same = rest.every((o) => JSON.stringify(o) === JSON.stringify(first));
    const merged = same ? first : withVolumesOf(first, [...on.values()]);
    objects.push(merged);
    if (on.size < all.length) notes.set(merged, [`only on ${on.size > 1 ? 'clusters' : 'cluster'} ${[...on.keys()].join(', ')}`]);
    else if (!same) notes.set(merged, [`differs per cluster (${all.join(', ')})`]);
  }
  return { objects, notes };
}

/** A Deployment whose pod volumes are those of every variant, so the picture links every cluster's ConfigMaps to its pods. */
function withVolumesOf(o: KubeObject, variants: readonly KubeObject[]): KubeObject {
  if (o.kind !== 'Deployment') return o;
  const seen = new Set<string>();
  const volumes = variants.flatMap((v) => v.spec?.template?.spec?.volumes ?? []).filter((v) => !seen.has(JSON.stringify(v)) && seen.add(JSON.stringify(v)));
  return { ...o, spec: { ...o.spec, template: { ...o.spec?.template, spec: { ...o.spec?.template?.spec, volumes } } } };
}
