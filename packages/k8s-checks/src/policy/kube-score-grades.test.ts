// kube-score's grades and command-line options, as its checks decide them.

import { checkPolicies } from '.';
import { compliantManifests, container, find } from '../../test/policy/test-fixtures';
import { KubeScoreOptions } from './types';

const kubeScore = (m: any[], rule: string, options?: KubeScoreOptions) =>
  checkPolicies(m, options ? { kubeScore: options } : {}).findings.filter((f) => f.tool === 'kube-score' && f.rule === rule);

describe('kube-score grades and options', () => {
  test('a missing livenessProbe is graded almost OK, which kube-score shows as OK; a missing readinessProbe is CRITICAL', () => {
    const m: any[] = compliantManifests();
    delete container(m).livenessProbe;
    expect(kubeScore(m, 'pod-probes')).toEqual([]);
    delete container(m).readinessProbe;
    expect(kubeScore(m, 'pod-probes').map((f) => f.severity)).toEqual(['critical']);
  });

  test('a NetworkPolicy covering one direction is a WARNING, none at all CRITICAL', () => {
    const m: any[] = compliantManifests();
    find(m, 'NetworkPolicy').spec.policyTypes = ['Ingress'];
    expect(kubeScore(m, 'pod-networkpolicy').map((f) => f.severity)).toEqual(['warning']);
    find(m, 'NetworkPolicy').spec.podSelector = { matchLabels: { 'app.kubernetes.io/instance': 'other' } };
    expect(kubeScore(m, 'pod-networkpolicy').map((f) => f.severity)).toEqual(['critical']);
  });

  test('--kubernetes-version: a deprecated API is flagged only once its replacement exists', () => {
    const m: any[] = compliantManifests({ hpa: true });
    find(m, 'HorizontalPodAutoscaler').apiVersion = 'autoscaling/v2beta2';
    expect(kubeScore(m, 'stable-version').map((f) => f.message)).toEqual(['The apiVersion and kind autoscaling/v2beta2/HorizontalPodAutoscaler is deprecated']);
    expect(kubeScore(m, 'stable-version', { kubernetesVersion: { major: 1, minor: 22 } })).toEqual([]);
  });

  test('--min-replicas-deployment and --min-replicas-hpa', () => {
    const m: any[] = compliantManifests();
    find(m, 'Deployment').spec.replicas = 2;
    expect(kubeScore(m, 'deployment-replicas')).toEqual([]);
    expect(kubeScore(m, 'deployment-replicas', { minReplicasDeployment: 3 }).map((f) => f.severity)).toEqual(['warning']);
    const h: any[] = compliantManifests({ hpa: true });
    expect(kubeScore(h, 'horizontalpodautoscaler-replicas')).toEqual([]);
    expect(kubeScore(h, 'horizontalpodautoscaler-replicas', { minReplicasHPA: 5 }).map((f) => f.severity)).toEqual(['warning']);
  });

  test('--ignore-container-cpu-limit and --ignore-container-memory-limit', () => {
    const m: any[] = compliantManifests();
    delete container(m).resources.limits.cpu;
    delete container(m).resources.limits.memory;
    expect(kubeScore(m, 'container-resources')).toHaveLength(2);
    expect(kubeScore(m, 'container-resources', { ignoreContainerCpuLimitRequirement: true }).map((f) => f.message)).toEqual(['container "web": Memory limit is not set']);
    expect(kubeScore(m, 'container-resources', { ignoreContainerCpuLimitRequirement: true, ignoreContainerMemoryLimitRequirement: true })).toEqual([]);
  });

  test('only what kube-score decodes is checked: a ConfigMap\'s labels are not its concern', () => {
    const m: any[] = compliantManifests();
    m.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'mincloud', labels: { bad: 'a+b' } }, data: {} });
    expect(kubeScore(m, 'label-values')).toEqual([]);
    find(m, 'Service').metadata.labels.bad = 'a+b';
    expect(kubeScore(m, 'label-values').map((f) => f.object)).toEqual(['Service/mincloud/web']);
  });

  test('a networking.k8s.io/v1 Ingress naming its backend with the v1beta1 fields targets nothing', () => {
    const m: any[] = compliantManifests({ ingress: true });
    find(m, 'Ingress').spec.rules[0].http.paths[0].backend = { serviceName: 'web', servicePort: 80 };
    expect(kubeScore(m, 'ingress-targets-service')).toHaveLength(1);
    find(m, 'Ingress').apiVersion = 'networking.k8s.io/v1beta1';
    expect(kubeScore(m, 'ingress-targets-service')).toEqual([]);
  });

  test('kube-score/ignore on the pod template exempts its pod checks, not the Deployment checks', () => {
    const m: any[] = compliantManifests();
    container(m).image = 'registry.example.com/mincloud/web:latest';
    find(m, 'Deployment').spec.strategy = { type: 'Recreate' };
    const template = find(m, 'Deployment').spec.template;
    template.metadata.annotations = { 'kube-score/ignore': 'container-image-tag,deployment-strategy', 'policy.mincloud.dev/reason': 'a rolling tag of a build pipeline' };
    const report = checkPolicies(m);
    expect(report.findings.filter((f) => f.tool === 'kube-score').map((f) => f.rule)).toEqual(['deployment-strategy']);
    expect(report.exemptions).toEqual([{ tool: 'kube-score', rule: 'container-image-tag', object: 'Deployment/mincloud/web', reason: 'a rolling tag of a build pipeline' }]);
    // Without a reason it is not accepted, and reported where it is.
    delete template.metadata.annotations['policy.mincloud.dev/reason'];
    const unreasoned = checkPolicies(m).findings.filter((f) => f.rule === 'exemption-without-reason');
    expect(unreasoned.map((f) => f.path)).toEqual(['spec.template.metadata.annotations["kube-score/ignore"]']);
  });

  test('CronJobs: a deadline and a restart policy a Job accepts', () => {
    const m: any[] = compliantManifests();
    const template = structuredClone(find(m, 'Deployment').spec.template);
    const cron = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: 'mincloud' }, spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template } } } };
    m.push(cron);
    expect(kubeScore(m, 'cronjob-has-deadline')).toHaveLength(1);
    expect(kubeScore(m, 'cronjob-restartpolicy')).toHaveLength(1);
    (cron.spec as any).startingDeadlineSeconds = 60;
    template.spec.restartPolicy = 'OnFailure';
    expect(kubeScore(m, 'cronjob-has-deadline')).toEqual([]);
    expect(kubeScore(m, 'cronjob-restartpolicy')).toEqual([]);
  });
});
