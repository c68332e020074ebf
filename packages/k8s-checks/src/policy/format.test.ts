import { checkPolicies, formatPolicyReport, PolicyReport } from '.';
import { compliantManifests, container } from '../../test/policy/test-fixtures';

describe('formatPolicyReport', () => {
  test('no findings: one line with objects and exemptions', () => {
    expect(formatPolicyReport({ findings: [], exemptions: [], checkedObjects: 6 })).toBe('6 objects, 0 findings (0 exemptions)');
    expect(formatPolicyReport(checkPolicies(compliantManifests({ hpa: true })))).toBe('7 objects, 0 findings (1 exemptions)');
  });

  test('one block per finding (object, tool/rule, problem, fix), then the exemptions with reasons', () => {
    const report: PolicyReport = {
      checkedObjects: 7,
      findings: [
        {
          tool: 'pod-security',
          rule: 'runAsUser',
          object: 'Deployment/mincloud/web',
          path: 'spec.template.spec.containers[0].securityContext.runAsUser',
          message: 'runAsUser=0: container "web" runs as root',
          fix: 'Set securityContext.runAsUser to a non-zero UID.',
          severity: 'error',
        },
        { tool: 'kube-score', rule: 'service-type', object: 'Service/mincloud/web', message: 'The Service is of type NodePort', fix: 'Use ClusterIP.', severity: 'warning' },
      ],
      exemptions: [{ tool: 'polaris', rule: 'deploymentMissingReplicas', object: 'Deployment/mincloud/web', reason: 'scaled by the HPA' }],
    };
    expect(formatPolicyReport(report)).toBe([
      'Policy check failed: 7 objects, 2 findings (1 exemptions)',
      '',
      'Deployment/mincloud/web',
      '  rule:    pod-security/runAsUser at spec.template.spec.containers[0].securityContext.runAsUser',
      '  problem: runAsUser=0: container "web" runs as root',
      '  fix:     Set securityContext.runAsUser to a non-zero UID.',
      '',
      'Service/mincloud/web',
      '  rule:    kube-score/service-type',
      '  problem: The Service is of type NodePort',
      '  fix:     Use ClusterIP.',
      '',
      'Exemptions:',
      '  Deployment/mincloud/web: polaris/deploymentMissingReplicas: scaled by the HPA',
    ].join('\n'));
  });

  test('a real report names every failing tool and rule', () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.runAsUser = 0;
    const text = formatPolicyReport(checkPolicies(m));
    expect(text).toMatch(/^Policy check failed: 6 objects, \d+ findings \(0 exemptions\)/);
    expect(text).toContain('pod-security/runAsUser at spec.template.spec.containers[0].securityContext.runAsUser');
    expect(text).toContain('kube-score/container-security-context-user-group-id');
  });
});
