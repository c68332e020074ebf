// A Knative Service's pod template is judged exactly as a Deployment's: every case of
// rule-cases.ts that breaks the Deployment's pod template (or its metadata) is run again with
// the same service turned into a Knative Service, and must fire there too, unless the rule is
// about what only a Deployment has (replicas, selector, strategy, disruption budget), listed
// below with the reason.

import { checkPolicies, policyRules } from '.';
import { build, CASES } from '../../test/policy/rule-cases';
import { compliantManifests, knativeManifests, knativeService, statefulSetManifests, toKnative } from '../../test/policy/test-fixtures';
import { objectKey, workloadOf } from './workload';
import { KubeObject } from './types';

const KNATIVE_ID = 'Service.serving.knative.dev/mincloud/web';

/**
 * Rules that judge the workload object of a Deployment (or StatefulSet) and have nothing to
 * judge on a Knative Service, with the reason. The package README lists the same.
 */
export const NOT_FOR_KNATIVE: Readonly<Record<string, string>> = {
  'kube-score/deployment-has-host-podantiaffinity': 'replica counts are the autoscaler\'s; anti-affinity is a Knative feature flag',
  'kube-score/deployment-targeted-by-hpa-does-not-have-replicas-configured': 'Knative scales its pods itself; an HPA targets the Deployment Knative creates',
  'kube-score/deployment-pod-selector-labels-match-template-metadata-labels': 'a Knative Service has no selector: Knative writes the Deployment\'s',
  'kube-score/deployment-strategy': 'Knative rolls Revisions out itself (traffic moves when the new one is ready)',
  'kube-score/deployment-replicas': 'the number of pods is the autoscaler\'s (min-scale / max-scale)',
  'kube-score/deployment-has-poddisruptionbudget': 'the number of pods goes down to min-scale (or zero) by design; the autoscaler, not evictions, decides it',
  'kube-score/statefulset-has-host-podantiaffinity': 'StatefulSet only',
  'kube-score/statefulset-has-servicename': 'StatefulSet only',
  'kube-score/statefulset-pod-selector-labels-match-template-metadata-labels': 'StatefulSet only',
  'kube-score/statefulset-has-poddisruptionbudget': 'StatefulSet only',
  'kube-linter/mismatching-selector': 'a Knative Service has no selector',
  'kube-linter/no-anti-affinity': 'judged from spec.replicas, which a Knative Service does not have',
  'kube-linter/no-extensions-v1beta': 'a Knative Service\'s apiVersion is serving.knative.dev/v1',
  'polaris/deploymentMissingReplicas': 'Deployment only (controllers.include), as in Polaris',
  'polaris/missingPodDisruptionBudget': 'Deployment only (controllers.include), as in Polaris',
  'polaris/pdbMinAvailableGreaterThanHPAMinReplicas': 'Deployment only (controllers.include), as in Polaris',
};

const onWorkload = (report: ReturnType<typeof checkPolicies>, key: string, ids: readonly string[]) =>
  report.findings.filter((f) => `${f.tool}/${f.rule}` === key && ids.includes(f.object));

function baseline(key: string): KubeObject[] {
  const c = CASES[key];
  return c.fixture === 'statefulset' ? statefulSetManifests() : compliantManifests(c.fixture ?? {});
}

describe('Knative Services: the pod template is judged as a Deployment\'s', () => {
  test('the compliant service, as a Knative Service, has zero findings and no exemptions', () => {
    const report = checkPolicies(knativeManifests());
    expect(report.findings).toEqual([]);
    expect(report.exemptions).toEqual([]);
  });

  test('a Knative Service (and Configuration) is a workload with its template at spec.template; the core Service is not', () => {
    const ksvc = knativeService(knativeManifests());
    const w = workloadOf(ksvc, 'kube-score')!;
    expect(w).toMatchObject({ kind: 'Service', knative: true, templatePath: 'spec.template', podSpecPath: 'spec.template.spec', id: KNATIVE_ID });
    expect(w.podSpec.containers[0].name).toBe('web');
    expect(w.podLabels['app.kubernetes.io/instance']).toBe('web');
    const configuration = { ...ksvc, kind: 'Configuration' };
    expect(workloadOf(configuration, 'kube-score')).toMatchObject({ knative: true, podSpecPath: 'spec.template.spec' });
    const core = compliantManifests().find((m) => m.kind === 'Service')!;
    expect(workloadOf(core, 'kube-score')).toBeUndefined();
    // For the tools that decode by kind, another group's kind with a template is no workload (only
    // Knative Serving's are known); Polaris finds pod specs by structure, so it is one for Polaris.
    expect(workloadOf({ ...ksvc, apiVersion: 'example.com/v1' }, 'kube-score')).toBeUndefined();
    expect(workloadOf({ ...ksvc, apiVersion: 'example.com/v1' }, 'polaris')).toMatchObject({ podSpecPath: 'spec.template.spec' });
    expect(workloadOf({ ...ksvc, kind: 'Route' }, 'kube-score')).toBeUndefined();
    expect(objectKey(ksvc)).toBe(KNATIVE_ID);
    expect(objectKey(core)).toBe('Service/mincloud/web');
    expect(workloadOf(compliantManifests().find((m) => m.kind === 'Deployment')!, 'kube-score')!.knative).toBe(false);
  });

  test('the list of rules that do not apply names only rules that exist', () => {
    const keys = new Set(policyRules().map((r) => `${r.tool}/${r.rule}`));
    for (const key of Object.keys(NOT_FOR_KNATIVE)) expect(keys).toContain(key);
  });

  const rules = policyRules().map((r) => `${r.tool}/${r.rule}`);
  test.each(rules)('%s', (key) => {
    const c = CASES[key];
    expect(c).toBeDefined();
    const deployment = checkPolicies(build(c));
    const workloadIds = ['Deployment/mincloud/web', 'StatefulSet/mincloud/web'];
    const onDeployment = onWorkload(deployment, key, workloadIds);
    const knative = checkPolicies(toKnative(build(c)));
    const onKnative = onWorkload(knative, key, [KNATIVE_ID]);
    if (NOT_FOR_KNATIVE[key] !== undefined) {
      // A Deployment rule: it fired on the Deployment, and has nothing to judge on the Knative Service.
      expect(onDeployment.length).toBeGreaterThan(0);
      expect(onKnative).toEqual([]);
    } else if (onDeployment.length > 0) {
      // About the pod template or the workload's metadata: the same break fires on the Knative Service.
      expect(onWorkload(checkPolicies(toKnative(baseline(key))), key, [KNATIVE_ID])).toEqual([]);
      expect(onKnative.length).toBeGreaterThan(0);
      for (const f of onKnative) {
        if (f.path !== undefined) expect(f.path).toMatch(/^(spec\.template|metadata)/);
        expect(f.fix.length).toBeGreaterThan(10);
      }
      // The same findings, at the same fields of the template.
      expect(onKnative.map((f) => [f.message, f.path])).toEqual(onDeployment.map((f) => [f.message.replace(/Deployment\/mincloud\/web/g, KNATIVE_ID), f.path]));
    } else {
      // About another object (a Service, PDB, HPA, Ingress, RBAC object, ConfigMap, NetworkPolicy).
      expect(onKnative).toEqual([]);
    }
  });

  test('the rules that judge pod templates all run on the Knative Service', () => {
    const applying = rules.filter((key) => NOT_FOR_KNATIVE[key] === undefined
      && onWorkload(checkPolicies(build(CASES[key])), key, ['Deployment/mincloud/web', 'StatefulSet/mincloud/web']).length > 0);
    // Every Pod Security control, and the container, probe, network policy and metadata rules of the others.
    expect(applying.filter((k) => k.startsWith('pod-security/'))).toHaveLength(17);
    expect(applying).toEqual(expect.arrayContaining([
      'kube-score/container-resources', 'kube-score/pod-probes', 'kube-score/pod-networkpolicy', 'kube-score/container-security-context-user-group-id',
      'kube-linter/run-as-non-root', 'kube-linter/non-existent-service-account', 'kube-linter/liveness-port', 'kube-linter/readiness-port',
      'polaris/missingNetworkPolicy', 'polaris/priorityClassNotSet', 'polaris/topologySpreadConstraint', 'polaris/metadataAndInstanceMismatched',
      'polaris/livenessProbeMissing', 'polaris/readinessProbeMissing', 'polaris/pullPolicyNotAlways',
    ]));
  });

  test('the container side of invalid-target-ports: a bad port name in the Knative template', () => {
    const m = knativeManifests();
    knativeService(m).spec.template.spec.containers[0].ports[0].name = 'http_port';
    const hits = checkPolicies(m).findings.filter((f) => f.rule === 'invalid-target-ports');
    expect(hits.map((f) => [f.object, f.path])).toEqual([[KNATIVE_ID, 'spec.template.spec.containers[0].ports[0].name']]);
  });

  test('pod-probes: the Knative Service routes to its pods, so a missing readinessProbe fires without any core Service', () => {
    const m = knativeManifests();
    expect(m.filter((x) => x.kind === 'Service' && x.apiVersion === 'v1')).toEqual([]);
    delete knativeService(m).spec.template.spec.containers[0].readinessProbe;
    expect(checkPolicies(m).findings.filter((f) => f.rule === 'pod-probes').map((f) => f.object)).toEqual([KNATIVE_ID]);
  });

  test('an exemption on a core Service does not exempt the Knative Service of the same name, nor the other way round', () => {
    const m = knativeManifests();
    delete knativeService(m).spec.template.spec.priorityClassName;
    const exempt = { 'polaris.fairwinds.com/priorityClassNotSet-exempt': 'true', 'policy.mincloud.dev/reason': 'polaris priorityClassNotSet: declared on another object on purpose' };
    m.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'mincloud', labels: { ...knativeService(m).metadata.labels }, annotations: exempt },
      spec: { type: 'ClusterIP', selector: { 'app.kubernetes.io/instance': 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] } });
    const report = checkPolicies(m);
    expect(report.findings.filter((f) => f.rule === 'priorityClassNotSet').map((f) => f.object)).toEqual([KNATIVE_ID]);
    // Declared on the Knative Service itself, it is accepted, with its reason, for that object only.
    knativeService(m).metadata.annotations = exempt;
    const exempted = checkPolicies(m);
    expect(exempted.findings.filter((f) => f.rule === 'priorityClassNotSet')).toEqual([]);
    // (Declared exemptions are listed per object whether a finding needed them or not.)
    expect(exempted.exemptions.filter((e) => e.rule === 'priorityClassNotSet').map((e) => e.object).sort()).toEqual([KNATIVE_ID, 'Service/mincloud/web']);
  });
});
