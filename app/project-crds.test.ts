import * as fs from 'fs';
import * as path from 'path';
import { onCluster } from '../config/deployment-config';
import { appObjects } from '../test/support/synth';
import { commandOptions } from './command';
import { crdsFor } from './project-crds';
import { targets } from './targets';

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

test("the README's prod flow installs exactly the CRDs that the synth of prod says it needs", () => {
  const prod = onCluster(targets.find((t) => t.name === 'prod')!, undefined);
  const said = commandOptions({}).beforeApply!(prod, appObjects('prod'));
  const command = /^install the CRDs it uses \(once per cluster\): (kubectl .*)$/.exec(said ?? '')?.[1];
  expect(command).toContain('crds/cert-manager/');
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf-8');
  expect(readme.split('\n')).toContain(command);
});

test('the synth names a custom kind without a CRD in crds/ instead of failing after its output is written', () => {
  const prod = onCluster(targets.find((t) => t.name === 'prod')!, undefined);
  const objects = [...appObjects('prod'), { apiVersion: 'linkerd.io/v1alpha2', kind: 'ServiceProfile', metadata: { name: 'site' } }];
  expect(commandOptions({}).beforeApply!(prod, objects)).toBe(
    'target "prod": ServiceProfile (linkerd.io/v1alpha2) has no CRD in crds/: add the upstream CRD there (crds/README.md), so the cluster gets it before the chart');
});
