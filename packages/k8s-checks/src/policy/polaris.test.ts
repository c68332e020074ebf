import * as fs from 'fs';
import * as path from 'path';
import { checkPolicies, policyRules } from '.';
import { checkPolaris, loadPolarisConfig, parsePolarisCheck, POLARIS_CHECKS_DIR } from './polaris';
import { compliantManifests, container, find, podSpec } from '../../test/policy/test-fixtures';

const polarisHits = (m: any[], rule: string) => checkPolaris(m).findings.filter((f) => f.rule === rule);

describe('Polaris check files', () => {
  const config = loadPolarisConfig();

  test('the 44 upstream checks, default.yaml, SOURCE.md and LICENSE are in the package\'s policy/polaris-checks', () => {
    expect(config.definitions.size).toBe(44);
    for (const f of ['default.yaml', 'SOURCE.md', 'LICENSE']) expect(fs.existsSync(path.join(POLARIS_CHECKS_DIR, f))).toBe(true);
    expect(fs.readFileSync(path.join(POLARIS_CHECKS_DIR, 'SOURCE.md'), 'utf8')).toContain('src/policy/polaris.ts');
  });

  test('every check of the default configuration has a definition, and policyRules() lists the active ones', () => {
    for (const id of Object.keys(config.checks)) expect(config.definitions.has(id)).toBe(true);
    const active = Object.entries(config.checks).filter(([, s]) => s !== 'ignore').map(([id]) => id).sort();
    const listed = policyRules().filter((r) => r.tool === 'polaris' && r.rule !== 'exemption-without-reason').map((r) => r.rule).sort();
    expect(listed).toEqual(active);
  });

  test('keys are read like encoding/json reads them (linuxHardening spells FailureMessage)', () => {
    expect(config.definitions.get('linuxHardening')!.failureMessage).toMatch(/^Use one of AppArmor/);
    const check = parsePolarisCheck('x', 'target: Container\nschema:\n  type: object\nadditionalSchemas:\n  ServiceAccount: {type: object}\n');
    expect(JSON.parse(check.schemaString)).toEqual({ type: 'object' });
    expect(JSON.parse(check.additionalSchemaStrings.ServiceAccount)).toEqual({ type: 'object' });
  });

  test('init containers are checked unless the check excludes them', () => {
    const m: any[] = compliantManifests();
    const init = { ...JSON.parse(JSON.stringify(container(m))), name: 'migrate' };
    delete init.resources;
    delete init.livenessProbe;
    delete init.readinessProbe;
    delete init.startupProbe;
    init.imagePullPolicy = 'IfNotPresent';
    podSpec(m).initContainers = [init];
    const rules = checkPolaris(m).findings.map((f) => f.rule).sort();
    expect(rules).toEqual(['pullPolicyNotAlways']); // cpu/memory and probe checks exclude init containers
  });

  test('quantities are compared as the typed API serializes them (cpu: 1 is "1")', () => {
    const m: any[] = compliantManifests();
    container(m).resources.limits.cpu = 1;
    expect(polarisHits(m, 'cpuLimitsMissing')).toEqual([]);
  });

  test('controllers.exclude: Jobs are not checked for probes or topology spread', () => {
    const m: any[] = compliantManifests();
    const d = find(m, 'Deployment');
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { ...d.metadata, name: 'web-migrate', labels: { ...d.metadata.labels, 'app.kubernetes.io/instance': 'web-migrate' } }, spec: { template: JSON.parse(JSON.stringify(d.spec.template)) } };
    const spec = job.spec.template.spec;
    delete spec.topologySpreadConstraints;
    delete spec.containers[0].livenessProbe;
    delete spec.containers[0].readinessProbe;
    spec.restartPolicy = 'Never';
    const rules = checkPolaris([...m, job]).findings.filter((f) => f.object === 'Job/mincloud/web-migrate').map((f) => f.rule);
    expect(rules).toEqual([]);
  });

  test('automountServiceAccountToken consults the ServiceAccount when the pod does not set it', () => {
    const m: any[] = compliantManifests();
    delete podSpec(m).automountServiceAccountToken;
    expect(polarisHits(m, 'automountServiceAccountToken')).toEqual([]); // the ServiceAccount disables it
    find(m, 'ServiceAccount').automountServiceAccountToken = true;
    expect(polarisHits(m, 'automountServiceAccountToken')).toHaveLength(1);
    expect(polarisHits(m.filter((x) => x.kind !== 'ServiceAccount'), 'automountServiceAccountToken')).toHaveLength(1);
  });

  test('missingNetworkPolicy needs ingress and egress rules and exactly one matching pod label', () => {
    const m: any[] = compliantManifests();
    const np = find(m, 'NetworkPolicy');
    np.spec.egress = [];
    expect(polarisHits(m, 'missingNetworkPolicy')).toHaveLength(1);
    np.spec.egress = [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }];
    expect(polarisHits(m, 'missingNetworkPolicy')).toEqual([]);
    np.spec.podSelector = { matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' } };
    expect(polarisHits(m, 'missingNetworkPolicy')).toHaveLength(1);
  });

  test('linuxHardening accepts an AppArmor annotation, SELinux options or dropped capabilities instead of seccomp', () => {
    const m: any[] = compliantManifests();
    delete podSpec(m).securityContext.seccompProfile;
    delete container(m).securityContext.seccompProfile;
    expect(polarisHits(m, 'linuxHardening')).toEqual([]); // capabilities.drop: [ALL]
    delete container(m).securityContext.capabilities;
    expect(polarisHits(m, 'linuxHardening')).toHaveLength(1);
    find(m, 'Deployment').spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/web': 'runtime/default' };
    expect(polarisHits(m, 'linuxHardening')).toEqual([]);
  });

  test('(?i) patterns of Go regexp are matched case-insensitively', () => {
    const m: any[] = compliantManifests();
    container(m).securityContext.capabilities.add = ['sys_admin'];
    expect(polarisHits(m, 'dangerousCapabilities')).toHaveLength(1);
  });

  test('findings name the container, the field and the severity', () => {
    const m: any[] = compliantManifests();
    container(m).imagePullPolicy = 'IfNotPresent';
    expect(checkPolicies(m).findings.find((f) => f.rule === 'pullPolicyNotAlways')).toEqual({
      tool: 'polaris',
      rule: 'pullPolicyNotAlways',
      object: 'Deployment/mincloud/web',
      path: 'spec.template.spec.containers[0].imagePullPolicy',
      message: 'Image pull policy should be "Always" (container "web"): imagePullPolicy="IfNotPresent" [warning]',
      fix: 'Set imagePullPolicy: Always.',
      severity: 'warning',
    });
  });
});
