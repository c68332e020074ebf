// The compliant fixture defines "production-grade" for the construct authors: it must pass
// all four rule sets with zero findings, in every variant.

import { checkPolicies, formatPolicyReport, KubeObject } from '.';
import { compliantManifests, container, find, FIXTURE_DIGEST, fullCompliantManifests, statefulSetManifests } from '../../test/policy/test-fixtures';

function expectClean(manifests: KubeObject[]): ReturnType<typeof checkPolicies> {
  const report = checkPolicies(manifests);
  if (report.findings.length) throw new Error(formatPolicyReport(report));
  expect(report.findings).toEqual([]);
  expect(report.checkedObjects).toBe(manifests.length);
  return report;
}

describe('compliant fixture', () => {
  test('minimal: Namespace, ServiceAccount, Deployment, Service, PDB, NetworkPolicy', () => {
    const m = compliantManifests();
    expect(m.map((x) => x.kind)).toEqual(['Namespace', 'ServiceAccount', 'Deployment', 'Service', 'PodDisruptionBudget', 'NetworkPolicy']);
    expect(expectClean(m).exemptions).toEqual([]);
  });

  test('with Ingress (TLS), ConfigMap and a namespace-wide default-deny NetworkPolicy', () => {
    expect(expectClean(fullCompliantManifests()).exemptions).toEqual([]);
  });

  test('image pinned by digest (with imagePullPolicy Always)', () => {
    const m = fullCompliantManifests({ digest: true });
    expect(container(m).image).toBe(`registry.example.com/mincloud/web@${FIXTURE_DIGEST}`);
    expect(container(m).imagePullPolicy).toBe('Always');
    expectClean(m);
  });

  test('HPA variant: no replicas on the Deployment, one declared Polaris exemption', () => {
    const m = fullCompliantManifests({ hpa: true, digest: true });
    expect(find(m, 'Deployment').spec.replicas).toBeUndefined();
    const report = expectClean(m);
    expect(report.exemptions).toEqual([{
      tool: 'polaris',
      rule: 'deploymentMissingReplicas',
      object: 'Deployment/mincloud/web',
      reason: 'replicas are managed by the HorizontalPodAutoscaler (minReplicas 2)',
    }]);
  });

  test('StatefulSet variant behind a headless Service', () => {
    expectClean(statefulSetManifests());
  });

  test('another name and namespace', () => {
    expectClean(fullCompliantManifests({ name: 'shop-api', namespace: 'shop' }));
  });

  test('unknown kinds (CRDs) are passed over by the workload rules but counted', () => {
    const m = fullCompliantManifests();
    const crd: KubeObject = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'web', namespace: 'mincloud', labels: { 'app.kubernetes.io/name': 'web' } },
      spec: { selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } }, endpoints: [{ port: 'http' }] },
    };
    const report = expectClean([...m, crd]);
    expect(report.checkedObjects).toBe(m.length + 1);
  });

  test('the fixture builder returns fresh objects', () => {
    const a = compliantManifests();
    container(a).image = 'changed';
    expect(container(compliantManifests()).image).toBe('registry.example.com/mincloud/web:1.0.0');
  });

  test('kube-score pod-networkpolicy follows the policyTypes defaulting', () => {
    const m: any[] = compliantManifests();
    const np = find(m, 'NetworkPolicy');
    delete np.spec.policyTypes; // Ingress (always) + Egress (there are egress rules)
    expect(checkPolicies(m).findings.filter((f) => f.rule === 'pod-networkpolicy')).toEqual([]);
    np.spec.egress = [];
    expect(checkPolicies(m).findings.filter((f) => f.rule === 'pod-networkpolicy')).toHaveLength(1);
  });

  test('a bare Deployment fails on all four tools', () => {
    const report = checkPolicies([{
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'bare' },
      spec: { selector: { matchLabels: { app: 'bare' } }, template: { metadata: { labels: { app: 'bare' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
    }]);
    expect(new Set(report.findings.map((f) => f.tool))).toEqual(new Set(['pod-security', 'kube-score', 'kube-linter', 'polaris']));
    expect(report.findings.every((f) => f.object === 'Deployment/bare')).toBe(true);
  });
});
