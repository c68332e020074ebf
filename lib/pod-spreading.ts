/**
 * Spread a service's pods over nodes and zones, ScheduleAnyway: spread when the cluster can,
 * still schedule on a single node.
 */
export function topologySpread(selector: Record<string, string>) {
  return ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
    maxSkew: 1,
    topologyKey,
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: selector },
  }));
}

/** Prefer nodes without another pod of the service (kube-linter wants the hostname key). */
export function hostAntiAffinity(selector: Record<string, string>) {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: 100,
        podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } },
      }],
    },
  };
}
