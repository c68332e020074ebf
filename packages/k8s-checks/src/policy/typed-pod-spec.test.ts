import { checkPolicies } from '.';
import { typedPodSpec, TypedDecodeError } from './typed-pod-spec';

describe('pod specs as Polaris decodes them into corev1.PodSpec', () => {
  test('fields the type does not have are dropped, and so are nulls', () => {
    const spec = { securityContext: { privileged: true, allowPrivilegeEscalation: false, runAsUser: 1 }, containers: [{ name: 'a', image: 'a:1', runAsUser: 0, securityContext: null, resources: { limits: { cpu: 1 } } }], nope: 1 };
    expect(typedPodSpec(spec)).toEqual({ securityContext: { runAsUser: 1 }, containers: [{ name: 'a', image: 'a:1', resources: { limits: { cpu: 1 } } }] });
  });

  test('a value of the wrong type fails the decoding, naming the field', () => {
    expect(() => typedPodSpec({ containers: [{ name: 'a', env: [{ name: 'N', value: 5 }] }] }))
      .toThrow(new TypedDecodeError('cannot unmarshal number into PodSpec.containers[0].env[0].value of type string'));
    expect(() => typedPodSpec({ containers: [{ name: 'a', ports: [{ containerPort: '80' }] }] })).toThrow(/containerPort of type int/);
    // Int-or-string ports and quantities take both.
    expect(() => typedPodSpec({ containers: [{ name: 'a', livenessProbe: { httpGet: { port: 'http' } }, resources: { requests: { cpu: 0.5 } } }] })).not.toThrow();
  });

  test('Polaris judges nothing of an object whose pod spec does not decode (the schema check reports the type)', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'DB_PASSWORD', value: 12345 }] }] } };
    const report = checkPolicies([pod]);
    expect(report.findings.filter((f) => f.tool === 'polaris')).toEqual([]);
    pod.spec.containers[0].env[0].value = '12345' as any;
    expect(checkPolicies([pod]).findings.filter((f) => f.rule === 'sensitiveContainerEnvVar')).toHaveLength(1);
  });

  test('a pod-level securityContext field that PodSecurityContext lacks neither passes nor fails a check', () => {
    const pod = (podSc: Record<string, unknown>, sc: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns' }, spec: { securityContext: podSc, containers: [{ name: 'a', image: 'a:1', securityContext: sc }] } });
    const rule = (m: unknown, r: string) => checkPolicies([m as any]).findings.filter((f) => f.tool === 'polaris' && f.rule === r);
    expect(rule(pod({ privileged: true }, { privileged: false }), 'runAsPrivileged')).toEqual([]);
    expect(rule(pod({ allowPrivilegeEscalation: false }, {}), 'privilegeEscalationAllowed')).toHaveLength(1);
  });
});
