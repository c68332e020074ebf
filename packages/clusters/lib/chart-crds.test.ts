import { crdsFor } from './chart-crds';

test("finds the CRD of crds/ for each custom kind, once, in the order they are needed; Kubernetes' own kinds need none", () => {
  const crds = crdsFor([
    { apiVersion: 'v1', kind: 'Service' },
    { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
    { apiVersion: 'cert-manager.io/v1', kind: 'Certificate' },
    { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor' },
  ], 'test');
  expect(crds.map((c) => [c.name, c.file, c.controller])).toEqual([
    ['servicemonitors.monitoring.coreos.com', 'crds/prometheus-operator/monitoring.coreos.com_servicemonitors.yaml', 'prometheus-operator'],
    ['certificates.cert-manager.io', 'crds/cert-manager/cert-manager.io_certificates.yaml', 'cert-manager'],
  ]);
  expect(crds[0].object).toMatchObject({ kind: 'CustomResourceDefinition', spec: { group: 'monitoring.coreos.com', names: { kind: 'ServiceMonitor' } } });
});

test('a custom kind without a CRD in crds/ is refused, naming it and the fix', () => {
  expect(() => crdsFor([{ apiVersion: 'linkerd.io/v1alpha2', kind: 'ServiceProfile' }], 'target "prod" on cluster "prod-eu"')).toThrow(
    'target "prod" on cluster "prod-eu": ServiceProfile (linkerd.io/v1alpha2) has no CRD in crds/: add the upstream CRD there (crds/README.md), so the cluster gets it before the chart');
});
