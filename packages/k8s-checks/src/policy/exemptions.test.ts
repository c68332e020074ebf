import { checkPolicies } from '.';
import { compliantManifests, container, find, podSpec } from '../../test/policy/test-fixtures';

const hits = (r: ReturnType<typeof checkPolicies>, tool: string, rule: string) => r.findings.filter((f) => f.tool === tool && f.rule === rule);

describe('native exemption annotations', () => {
  test('kube-score/ignore with a reason exempts a NodePort Service from service-type', () => {
    const m: any[] = compliantManifests();
    const svc = find(m, 'Service');
    svc.spec.type = 'NodePort';
    expect(hits(checkPolicies(m), 'kube-score', 'service-type')).toHaveLength(1);
    svc.metadata.annotations = { 'kube-score/ignore': 'service-type', 'policy.mincloud.dev/reason': 'the edge load balancer forwards to node ports' };
    const report = checkPolicies(m);
    expect(report.findings).toEqual([]);
    expect(report.exemptions).toEqual([
      { tool: 'kube-score', rule: 'service-type', object: 'Service/mincloud/web', reason: 'the edge load balancer forwards to node ports' },
    ]);
  });

  test('kube-score/ignore takes a comma-separated list, and container-resources implies the ephemeral-storage test', () => {
    const m: any[] = compliantManifests();
    delete container(m).resources.limits.cpu;
    delete container(m).resources.limits['ephemeral-storage'];
    find(m, 'Deployment').spec.strategy = { type: 'Recreate' };
    find(m, 'Deployment').metadata.annotations = { 'kube-score/ignore': 'container-resources, deployment-strategy', 'policy.mincloud.dev/reason': 'batch-like service, see the runbook' };
    const report = checkPolicies(m);
    expect(report.findings.filter((f) => f.tool === 'kube-score')).toEqual([]);
    expect(report.exemptions.map((e) => e.rule).sort()).toEqual(['container-ephemeral-storage-request-and-limit', 'container-resources', 'deployment-strategy']);
    // other tools still see the missing CPU limit
    expect(hits(report, 'polaris', 'cpuLimitsMissing')).toHaveLength(1);
  });

  test('kube-linter: the annotation value is the reason', () => {
    const m: any[] = compliantManifests();
    delete podSpec(m).affinity;
    find(m, 'Deployment').metadata.annotations = { 'ignore-check.kube-linter.io/no-anti-affinity': 'topology spread constraints already spread the pods' };
    const report = checkPolicies(m);
    expect(hits(report, 'kube-linter', 'no-anti-affinity')).toEqual([]);
    expect(hits(report, 'kube-score', 'deployment-has-host-podantiaffinity')).toHaveLength(1);
    expect(report.exemptions).toEqual([
      { tool: 'kube-linter', rule: 'no-anti-affinity', object: 'Deployment/mincloud/web', reason: 'topology spread constraints already spread the pods' },
    ]);
  });

  test('Polaris per-check and whole-object exemptions need the reason annotation', () => {
    const m: any[] = compliantManifests();
    delete podSpec(m).priorityClassName;
    const d = find(m, 'Deployment');
    d.metadata.annotations = { 'polaris.fairwinds.com/priorityClassNotSet-exempt': 'true', 'policy.mincloud.dev/reason': 'the cluster has no PriorityClasses yet' };
    let report = checkPolicies(m);
    expect(report.findings).toEqual([]);
    expect(report.exemptions).toEqual([{ tool: 'polaris', rule: 'priorityClassNotSet', object: 'Deployment/mincloud/web', reason: 'the cluster has no PriorityClasses yet' }]);

    d.metadata.annotations = { 'polaris.fairwinds.com/exempt': 'TRUE', 'policy.mincloud.dev/reason': 'third-party chart, audited separately' };
    container(m).imagePullPolicy = 'IfNotPresent';
    report = checkPolicies(m);
    expect(report.findings.filter((f) => f.tool === 'polaris')).toEqual([]);
    expect(hits(report, 'kube-score', 'container-image-pull-policy')).toHaveLength(1);
    expect(report.exemptions).toEqual([{ tool: 'polaris', rule: '*', object: 'Deployment/mincloud/web', reason: 'third-party chart, audited separately' }]);
  });

  test('a combined reason annotation ("<tool> <rule>: <reason>; ...") gives each exemption its own reason', () => {
    const m: any[] = compliantManifests();
    const svc = find(m, 'Service');
    svc.spec.type = 'NodePort';
    svc.metadata.annotations = {
      'kube-score/ignore': 'service-type',
      'polaris.fairwinds.com/exempt': 'true',
      'policy.mincloud.dev/reason': 'kube-score service-type: reached through node ports by the edge; polaris *: nothing Polaris checks on Services',
    };
    const report = checkPolicies(m);
    expect(report.findings).toEqual([]);
    expect(report.exemptions).toEqual([
      { tool: 'kube-score', rule: 'service-type', object: 'Service/mincloud/web', reason: 'reached through node ports by the edge' },
      { tool: 'polaris', rule: '*', object: 'Service/mincloud/web', reason: 'nothing Polaris checks on Services' },
    ]);
  });

  test('a reason may itself contain ";"', () => {
    const m: any[] = compliantManifests();
    const svc = find(m, 'Service');
    svc.spec.type = 'NodePort';
    svc.metadata.annotations = {
      'kube-score/ignore': 'service-type',
      'policy.mincloud.dev/reason': 'kube-score service-type: no ingress controller on the node; kept for compatibility.',
    };
    expect(checkPolicies(m).exemptions[0].reason).toBe('no ingress controller on the node; kept for compatibility.');
  });

  test('without a reason: exemption-without-reason, and the exemption is not applied', () => {
    const m: any[] = compliantManifests();
    const svc = find(m, 'Service');
    svc.spec.type = 'NodePort';
    svc.metadata.annotations = { 'kube-score/ignore': 'service-type' };
    const d = find(m, 'Deployment');
    delete podSpec(m).priorityClassName;
    delete podSpec(m).affinity;
    d.metadata.annotations = { 'polaris.fairwinds.com/priorityClassNotSet-exempt': 'true', 'ignore-check.kube-linter.io/no-anti-affinity': ' ' };
    const report = checkPolicies(m);
    expect(report.exemptions).toEqual([]);
    const missing = report.findings.filter((f) => f.rule === 'exemption-without-reason');
    expect(missing.map((f) => `${f.tool} ${f.object} ${f.path}`).sort()).toEqual([
      'kube-linter Deployment/mincloud/web metadata.annotations["ignore-check.kube-linter.io/no-anti-affinity"]',
      'kube-score Service/mincloud/web metadata.annotations["kube-score/ignore"]',
      'polaris Deployment/mincloud/web metadata.annotations["polaris.fairwinds.com/priorityClassNotSet-exempt"]',
    ]);
    expect(missing.find((f) => f.tool === 'kube-score')!.fix).toContain('policy.mincloud.dev/reason');
    expect(hits(report, 'kube-score', 'service-type')).toHaveLength(1);
    expect(hits(report, 'polaris', 'priorityClassNotSet')).toHaveLength(1);
    expect(hits(report, 'kube-linter', 'no-anti-affinity')).toHaveLength(1);
  });

  test('Pod Security findings cannot be exempted', () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.runAsUser = 0;
    find(m, 'Deployment').metadata.annotations = {
      'polaris.fairwinds.com/exempt': 'true',
      'kube-linter.io/ignore-all': 'legacy image runs as root',
      'kube-score/ignore': 'runAsUser,container-security-context-user-group-id',
      'ignore-check.kube-linter.io/runAsUser': 'legacy image runs as root',
      'pod-security.kubernetes.io/exempt': 'true',
      'policy.mincloud.dev/reason': 'legacy image runs as root',
    };
    const report = checkPolicies(m);
    expect(hits(report, 'pod-security', 'runAsUser')).toHaveLength(1);
    expect(report.exemptions.some((e) => e.tool === 'pod-security')).toBe(false);
    expect(report.findings.filter((f) => f.tool !== 'pod-security')).toEqual([]);
  });

  test('Polaris default.yaml exemptions apply to the controller names they list', () => {
    const m: any[] = compliantManifests({ name: 'oauth2-proxy' });
    const env = container(m).env;
    env.push({ name: 'OAUTH2_PROXY_CLIENT_SECRET', value: 'not-in-git' });
    const report = checkPolicies(m);
    expect(hits(report, 'polaris', 'sensitiveContainerEnvVar')).toEqual([]);
    expect(hits(report, 'kube-linter', 'env-var-secret')).toHaveLength(1);
    expect(report.exemptions.find((e) => e.rule === 'sensitiveContainerEnvVar')).toMatchObject({ tool: 'polaris', object: 'Deployment/mincloud/oauth2-proxy' });
  });

  test('a Polaris default.yaml exemption turns off only the rules it lists', () => {
    const m: any[] = compliantManifests({ name: 'oauth2-proxy' });
    delete container(m).resources.limits.cpu;
    const report = checkPolicies(m);
    expect(hits(report, 'polaris', 'cpuLimitsMissing')).toHaveLength(1);
    expect(report.exemptions.filter((e) => e.tool === 'polaris').map((e) => e.rule)).not.toContain('cpuLimitsMissing');
  });
});
