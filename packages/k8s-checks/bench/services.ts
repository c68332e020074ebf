// N generated services, as the host app's bench/synth/many-services.ts makes them (each a
// ServiceAccount, Deployment, Service, PodDisruptionBudget, NetworkPolicy and
// HorizontalPodAutoscaler, in one namespace), from this package's compliant fixture instead of
// the app's constructs: they pass every check.

import { compliantManifests } from '../test/policy/test-fixtures';

export function generatedServices(count: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const objects = compliantManifests({ name: `svc-${i}`, hpa: true })
      .filter((m) => ['ServiceAccount', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy', 'HorizontalPodAutoscaler'].includes(m.kind)
        || (i === 0 && m.kind === 'Namespace'));
    out.push(...objects);
  }
  return out;
}
