// Each tool finds pod specs its own way: Polaris by structure, kube-score by the apiVersions its
// parser decodes, kube-linter and Pod Security admission by group; the tools that decode into Go
// types read a missing template, spec or metadata as empty.

import { checkPolicies } from '.';
import { KubeObject } from './types';
import { polarisPodSpecPath, PolicyView, workloadOf } from './workload';

const container = { name: 'app', image: 'app:1.0.0' };
const withTemplate = (apiVersion: string, kind: string, extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion, kind, metadata: { name: 'app', namespace: 'ns' }, spec: { ...extra, template: { metadata: { labels: { app: 'a' } }, spec: { containers: [container] } } } });
const views: PolicyView[] = ['pod-security', 'kube-score', 'kube-linter', 'polaris'];
const seenBy = (m: KubeObject): PolicyView[] => views.filter((v) => workloadOf(m, v) !== undefined);

describe('where each tool finds pod specs', () => {
  test('an OpenShift DeploymentConfig: Polaris and kube-linter check it, kube-score and admission do not', () => {
    expect(seenBy(withTemplate('apps.openshift.io/v1', 'DeploymentConfig'))).toEqual(['kube-linter', 'polaris']);
  });

  test('ReplicaSets and ReplicationControllers: not kube-score\'s (its parser never reads them)', () => {
    expect(seenBy(withTemplate('apps/v1', 'ReplicaSet'))).toEqual(['pod-security', 'kube-linter', 'polaris']);
    expect(seenBy(withTemplate('v1', 'ReplicationController'))).toEqual(['pod-security', 'kube-linter', 'polaris']);
  });

  test('Deployments of beta APIs: kube-score reads their pods; admission reads the apps group only', () => {
    expect(seenBy(withTemplate('apps/v1beta2', 'Deployment'))).toEqual(views);
    expect(seenBy(withTemplate('extensions/v1beta1', 'Deployment'))).toEqual(['kube-score', 'kube-linter', 'polaris']);
    // ... but its Deployment rules only on apps/v1.
    const beta = checkPolicies([withTemplate('apps/v1beta2', 'Deployment', { replicas: 3 })]).findings.filter((f) => f.tool === 'kube-score');
    expect(beta.some((f) => f.rule === 'container-resources')).toBe(true);
    expect(beta.filter((f) => f.rule.startsWith('deployment-'))).toEqual([]);
  });

  test('a custom resource with a pod template is a controller for Polaris only', () => {
    expect(seenBy(withTemplate('example.com/v1', 'Worker'))).toEqual(['polaris']);
  });

  test('Polaris descends jobTemplate, spec, template and wants containers', () => {
    expect(polarisPodSpecPath(withTemplate('batch/v1', 'CronJob'))).toEqual(['spec', 'template', 'spec']);
    expect(polarisPodSpecPath({ kind: 'CronJob', spec: { jobTemplate: { spec: { template: { spec: { containers: [] } } } } } })).toEqual(['spec', 'jobTemplate', 'spec', 'template', 'spec']);
    expect(polarisPodSpecPath({ kind: 'Pod', spec: { containers: [container] } })).toEqual(['spec']);
    expect(polarisPodSpecPath({ kind: 'Pod', spec: { volumes: [] } })).toBeUndefined();
    expect(polarisPodSpecPath({ kind: 'Service', spec: { selector: {} } })).toBeUndefined();
  });

  test('a template without spec is an empty pod for the typed tools and admission, no controller for Polaris', () => {
    const d = withTemplate('apps/v1', 'Deployment');
    delete d.spec.template.spec;
    expect(seenBy(d)).toEqual(['pod-security', 'kube-score', 'kube-linter']);
    expect(workloadOf(d, 'kube-linter')).toMatchObject({ podSpec: {}, podLabels: { app: 'a' } });
    // Its labels still count: the Service selecting them is not dangling.
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app', namespace: 'ns' }, spec: { selector: { app: 'a' }, ports: [{ port: 80 }] } };
    const report = checkPolicies([d, svc]);
    expect(report.findings.filter((f) => f.rule === 'dangling-service' || f.rule === 'service-targets-pod')).toEqual([]);
  });

  test('an object without metadata is checked as one with empty metadata', () => {
    const d = withTemplate('apps/v1', 'Deployment');
    delete (d as any).metadata;
    d.spec.template.spec.containers = [{ ...container, env: [{ name: 'A', value: '1' }, { name: 'A', value: '2' }] }];
    const report = checkPolicies([d]);
    expect(report.findings.filter((f) => f.rule === 'duplicate-env-var').map((f) => [f.object, f.message]))
      .toEqual([['Deployment/<no name>', 'Duplicate environment variable A in container "app" found']]);
  });
});
