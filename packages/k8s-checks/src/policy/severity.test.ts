import { checkPolicies } from '.';
import { compliantManifests, container, find, podSpec } from '../../test/policy/test-fixtures';

const severityOf = (m: any[], tool: string, rule: string) => [...new Set(checkPolicies(m).findings.filter((f) => f.tool === tool && f.rule === rule).map((f) => f.severity))];

describe('severities, in each tool\'s own word', () => {
  test('Pod Security and kube-linter findings are errors', () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.privileged = true;
    expect(severityOf(m, 'pod-security', 'privileged')).toEqual(['error']);
    expect(severityOf(m, 'kube-linter', 'privileged-container')).toEqual(['error']);
  });

  test('kube-score: CRITICAL for a missing limit, WARNING for a missing request and for the warning-graded rules', () => {
    const m: any[] = compliantManifests();
    delete container(m).resources.limits.cpu;
    expect(severityOf(m, 'kube-score', 'container-resources')).toEqual(['critical']);
    const r: any[] = compliantManifests();
    delete container(r).resources.requests.cpu;
    expect(severityOf(r, 'kube-score', 'container-resources')).toEqual(['warning']);
    const s: any[] = compliantManifests();
    find(s, 'Service').spec.type = 'NodePort';
    expect(severityOf(s, 'kube-score', 'service-type')).toEqual(['warning']);
  });

  test('Polaris: the severity of its default configuration', () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.privileged = true;
    podSpec(m).hostPID = true;
    container(m).imagePullPolicy = 'IfNotPresent';
    expect(severityOf(m, 'polaris', 'runAsPrivileged')).toEqual(['danger']);
    expect(severityOf(m, 'polaris', 'hostPIDSet')).toEqual(['danger']);
    expect(severityOf(m, 'polaris', 'pullPolicyNotAlways')).toEqual(['warning']);
  });

  test('an exemption without a reason is a warning of its tool', () => {
    const m: any[] = compliantManifests();
    find(m, 'Service').metadata.annotations = { 'kube-score/ignore': 'service-type' };
    expect(severityOf(m, 'kube-score', 'exemption-without-reason')).toEqual(['warning']);
  });
});
