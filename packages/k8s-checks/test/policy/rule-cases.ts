// One case per rule of policyRules(): the compliant fixture, minimally mutated so that the
// rule must fire. rules.test.ts runs them on the Deployment fixture, knative.test.ts on the same
// service as a Knative Service.

import { KubeObject } from '../../src/policy/types';
import { compliantManifests, container, find, FixtureOptions, podSpec, statefulSetManifests } from './test-fixtures';

export type M = any[];

export interface Case {
  /** Fixture options, or 'statefulset' for the StatefulSet variant. */
  readonly fixture?: FixtureOptions | 'statefulset';
  /** Mutates the manifests in place, or returns replacements. */
  readonly mutate: (m: M) => M | void;
}

const sc = (m: M): any => container(m).securityContext;
const podSc = (m: M): any => podSpec(m).securityContext;
const addHostPath = (m: M, path: string): void => {
  podSpec(m).volumes.push({ name: 'host', hostPath: { path } });
  container(m).volumeMounts.push({ name: 'host', mountPath: '/host', readOnly: true });
};
const remove = (m: M, kind: string): M => m.filter((x) => x.kind !== kind);
const rbac = (kind: string, name: string, extra: Record<string, unknown>, namespaced = true): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind,
  metadata: { name, ...(namespaced ? { namespace: 'mincloud' } : {}) },
  ...extra,
});
/** A CronJob running the Deployment's pod template, with `spec` added and the pod's restartPolicy. */
const cronJob = (m: M, spec: Record<string, unknown>, restartPolicy = 'OnFailure'): KubeObject => {
  const template = structuredClone(find(m, 'Deployment').spec.template);
  template.spec.restartPolicy = restartPolicy;
  return { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'web-nightly', namespace: 'mincloud' }, spec: { schedule: '0 3 * * *', ...spec, jobTemplate: { spec: { template } } } };
};
const execRule = { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] };

export const CASES: Record<string, Case> = {
  // ------------------------------------------------------------ Pod Security (restricted) --
  'pod-security/hostProcess': { mutate: (m) => { podSc(m).windowsOptions = { hostProcess: true }; } },
  'pod-security/hostNamespaces': { mutate: (m) => { podSpec(m).hostNetwork = true; } },
  'pod-security/privileged': { mutate: (m) => { sc(m).privileged = true; } },
  'pod-security/capabilities_baseline': { mutate: (m) => { sc(m).capabilities.add = ['SYS_ADMIN']; } },
  'pod-security/hostPathVolumes': { mutate: (m) => addHostPath(m, '/var/log') },
  'pod-security/hostPorts': { mutate: (m) => { container(m).ports[0].hostPort = 8080; } },
  'pod-security/appArmorProfile': { mutate: (m) => { find(m, 'Deployment').spec.template.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' }; } },
  'pod-security/seLinuxOptions': { mutate: (m) => { sc(m).seLinuxOptions = { type: 'spc_t' }; } },
  'pod-security/procMount': { mutate: (m) => { sc(m).procMount = 'Unmasked'; } },
  'pod-security/seccompProfile_baseline': { mutate: (m) => { sc(m).seccompProfile = { type: 'Unconfined' }; } },
  'pod-security/sysctls': { mutate: (m) => { podSc(m).sysctls = [{ name: 'kernel.msgmax', value: '65536' }]; } },
  'pod-security/restrictedVolumes': { mutate: (m) => { podSpec(m).volumes.push({ name: 'data', nfs: { server: 'nfs.example.com', path: '/data' } }); } },
  'pod-security/allowPrivilegeEscalation': { mutate: (m) => { delete sc(m).allowPrivilegeEscalation; } },
  'pod-security/runAsNonRoot': { mutate: (m) => { sc(m).runAsNonRoot = false; } },
  'pod-security/runAsUser': { mutate: (m) => { sc(m).runAsUser = 0; } },
  'pod-security/seccompProfile_restricted': { mutate: (m) => { delete podSc(m).seccompProfile; delete sc(m).seccompProfile; } },
  'pod-security/capabilities_restricted': { mutate: (m) => { sc(m).capabilities.drop = ['NET_RAW']; } },

  // -------------------------------------------------------------------------- kube-score --
  'kube-score/container-resources': { mutate: (m) => { delete container(m).resources.limits.cpu; } },
  'kube-score/container-image-tag': { mutate: (m) => { container(m).image = 'registry.example.com/mincloud/web:latest'; } },
  // The digest variant with IfNotPresent: what a project may prefer, but kube-score wants Always.
  'kube-score/container-image-pull-policy': { fixture: { digest: true }, mutate: (m) => { container(m).imagePullPolicy = 'IfNotPresent'; } },
  'kube-score/container-ephemeral-storage-request-and-limit': { mutate: (m) => { delete container(m).resources.limits['ephemeral-storage']; } },
  'kube-score/environment-variable-key-duplication': { mutate: (m) => { container(m).env.push({ name: 'PORT', value: '9090' }); } },
  'kube-score/container-security-context-user-group-id': { mutate: (m) => { sc(m).runAsUser = 1000; podSc(m).runAsUser = 1000; } },
  'kube-score/container-security-context-privileged': { mutate: (m) => { sc(m).privileged = true; } },
  'kube-score/container-security-context-readonlyrootfilesystem': { mutate: (m) => { sc(m).readOnlyRootFilesystem = false; } },
  'kube-score/pod-probes': { mutate: (m) => { delete container(m).readinessProbe; } },
  'kube-score/pod-probes-identical': { mutate: (m) => { container(m).readinessProbe = { ...container(m).livenessProbe }; } },
  'kube-score/pod-networkpolicy': { mutate: (m) => remove(m, 'NetworkPolicy') },
  'kube-score/networkpolicy-targets-pod': { mutate: (m) => { find(m, 'NetworkPolicy').spec.podSelector.matchLabels['app.kubernetes.io/instance'] = 'other'; } },
  'kube-score/pod-topology-spread-constraints': { mutate: (m) => { delete podSpec(m).topologySpreadConstraints[0].labelSelector; } },
  'kube-score/deployment-has-host-podantiaffinity': { mutate: (m) => { delete podSpec(m).affinity; } },
  'kube-score/deployment-targeted-by-hpa-does-not-have-replicas-configured': { fixture: { hpa: true }, mutate: (m) => { find(m, 'Deployment').spec.replicas = 2; } },
  'kube-score/deployment-pod-selector-labels-match-template-metadata-labels': { mutate: (m) => { find(m, 'Deployment').spec.selector.matchLabels['app.kubernetes.io/instance'] = 'other'; } },
  'kube-score/statefulset-has-host-podantiaffinity': { fixture: 'statefulset', mutate: (m) => { delete podSpec2(m).affinity; } },
  'kube-score/statefulset-has-servicename': { fixture: 'statefulset', mutate: (m) => { find(m, 'StatefulSet').spec.serviceName = 'missing'; } },
  'kube-score/statefulset-pod-selector-labels-match-template-metadata-labels': { fixture: 'statefulset', mutate: (m) => { find(m, 'StatefulSet').spec.selector.matchLabels['app.kubernetes.io/instance'] = 'other'; } },
  'kube-score/statefulset-has-poddisruptionbudget': { fixture: 'statefulset', mutate: (m) => remove(m, 'PodDisruptionBudget') },
  'kube-score/deployment-strategy': { mutate: (m) => { find(m, 'Deployment').spec.strategy = { type: 'Recreate' }; } },
  'kube-score/deployment-replicas': { mutate: (m) => { find(m, 'Deployment').spec.replicas = 1; } },
  'kube-score/deployment-has-poddisruptionbudget': { mutate: (m) => remove(m, 'PodDisruptionBudget') },
  'kube-score/poddisruptionbudget-has-policy': { mutate: (m) => { delete find(m, 'PodDisruptionBudget').spec.maxUnavailable; } },
  'kube-score/service-targets-pod': { mutate: (m) => { find(m, 'Service').spec.selector['app.kubernetes.io/instance'] = 'other'; } },
  'kube-score/service-type': { mutate: (m) => { find(m, 'Service').spec.type = 'NodePort'; } },
  'kube-score/ingress-targets-service': { fixture: { ingress: true }, mutate: (m) => { find(m, 'Ingress').spec.rules[0].http.paths[0].backend.service.port = { name: 'https' }; } },
  'kube-score/horizontalpodautoscaler-has-target': { fixture: { hpa: true }, mutate: (m) => { find(m, 'HorizontalPodAutoscaler').spec.scaleTargetRef.name = 'other'; } },
  'kube-score/horizontalpodautoscaler-replicas': { fixture: { hpa: true }, mutate: (m) => { delete find(m, 'HorizontalPodAutoscaler').spec.minReplicas; } },
  // A nightly CronJob of the same service, run from the Deployment's pod template.
  'kube-score/cronjob-has-deadline': { mutate: (m) => { m.push(cronJob(m, {})); } },
  'kube-score/cronjob-restartpolicy': { mutate: (m) => { m.push(cronJob(m, { startingDeadlineSeconds: 300 }, 'Always')); } },
  'kube-score/label-values': { mutate: (m) => { find(m, 'Deployment').metadata.labels['app.kubernetes.io/version'] = '1.0.0+build.5'; } },
  'kube-score/stable-version': { mutate: (m) => { find(m, 'PodDisruptionBudget').apiVersion = 'policy/v1beta1'; } },
  'kube-score/exemption-without-reason': { mutate: (m) => { find(m, 'Service').metadata.annotations = { 'kube-score/ignore': 'service-type' }; } },

  // ------------------------------------------------------------------------- kube-linter --
  'kube-linter/dangling-service': { mutate: (m) => { find(m, 'Service').spec.selector['app.kubernetes.io/instance'] = 'other'; } },
  'kube-linter/deprecated-service-account-field': { mutate: (m) => { podSpec(m).serviceAccount = 'legacy'; } },
  'kube-linter/docker-sock': { mutate: (m) => addHostPath(m, '/var/run/docker.sock') },
  'kube-linter/drop-net-raw-capability': { mutate: (m) => { sc(m).capabilities.drop = ['CHOWN']; } },
  'kube-linter/duplicate-env-var': { mutate: (m) => { container(m).env.push({ name: 'PORT', value: '9090' }); } },
  'kube-linter/env-var-secret': { mutate: (m) => { container(m).env.push({ name: 'API_SECRET', value: 'hunter2' }); } },
  'kube-linter/host-ipc': { mutate: (m) => { podSpec(m).hostIPC = true; } },
  'kube-linter/host-network': { mutate: (m) => { podSpec(m).hostNetwork = true; } },
  'kube-linter/host-pid': { mutate: (m) => { podSpec(m).hostPID = true; } },
  'kube-linter/invalid-target-ports': { mutate: (m) => { find(m, 'Service').spec.ports[0].targetPort = 'http_port'; } },
  // A migration Job of the same service, without ttlSecondsAfterFinished: it stays after it finished.
  'kube-linter/job-ttl-seconds-after-finished': { mutate: (m) => { m.push({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'web-migrate', namespace: 'mincloud' }, spec: { template: structuredClone(find(m, 'Deployment').spec.template) } }); } },
  'kube-linter/latest-tag': { mutate: (m) => { container(m).image = 'registry.example.com/mincloud/web:latest'; } },
  'kube-linter/liveness-port': { mutate: (m) => { container(m).livenessProbe.httpGet.port = 'metrics'; } },
  'kube-linter/mismatching-selector': { mutate: (m) => { find(m, 'Deployment').spec.selector.matchLabels['app.kubernetes.io/instance'] = 'other'; } },
  'kube-linter/no-anti-affinity': { mutate: (m) => { delete podSpec(m).affinity; } },
  'kube-linter/no-extensions-v1beta': { mutate: (m) => { find(m, 'Deployment').apiVersion = 'extensions/v1beta1'; } },
  'kube-linter/no-read-only-root-fs': { mutate: (m) => { sc(m).readOnlyRootFilesystem = false; } },
  'kube-linter/non-existent-service-account': { mutate: (m) => remove(m, 'ServiceAccount') },
  'kube-linter/pdb-max-unavailable': { mutate: (m) => { find(m, 'PodDisruptionBudget').spec.maxUnavailable = 0; } },
  'kube-linter/pdb-min-available': { mutate: (m) => { const s = find(m, 'PodDisruptionBudget').spec; delete s.maxUnavailable; s.minAvailable = 2; } },
  'kube-linter/pdb-unhealthy-pod-eviction-policy': { mutate: (m) => { delete find(m, 'PodDisruptionBudget').spec.unhealthyPodEvictionPolicy; } },
  'kube-linter/privilege-escalation-container': { mutate: (m) => { sc(m).allowPrivilegeEscalation = true; } },
  'kube-linter/privileged-container': { mutate: (m) => { sc(m).privileged = true; } },
  'kube-linter/readiness-port': { mutate: (m) => { container(m).readinessProbe.httpGet.port = 9090; } },
  'kube-linter/run-as-non-root': { mutate: (m) => { sc(m).runAsGroup = 0; } },
  'kube-linter/sensitive-host-mounts': { mutate: (m) => addHostPath(m, '/etc') },
  'kube-linter/ssh-port': { mutate: (m) => { container(m).ports.push({ name: 'ssh', containerPort: 22, protocol: 'TCP' }); } },
  'kube-linter/startup-port': { mutate: (m) => { container(m).startupProbe.httpGet.port = 9090; } },
  'kube-linter/unsafe-sysctls': { mutate: (m) => { podSc(m).sysctls = [{ name: 'net.core.somaxconn', value: '1024' }]; } },
  'kube-linter/unset-cpu-requirements': { mutate: (m) => { delete container(m).resources.requests.cpu; } },
  'kube-linter/unset-memory-requirements': { mutate: (m) => { delete container(m).resources.limits.memory; } },
  'kube-linter/exemption-without-reason': { mutate: (m) => { find(m, 'Deployment').metadata.annotations = { 'ignore-check.kube-linter.io/no-anti-affinity': '' }; } },

  // ----------------------------------------------------------------------------- Polaris --
  'polaris/automountServiceAccountToken': { mutate: (m) => { podSpec(m).automountServiceAccountToken = true; } },
  'polaris/clusterrolePodExecAttach': { mutate: (m) => { m.push(rbac('ClusterRole', 'exec', { rules: [execRule] }, false)); } },
  'polaris/clusterrolebindingClusterAdmin': { mutate: (m) => { m.push(rbac('ClusterRoleBinding', 'ops', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [] }, false)); } },
  'polaris/clusterrolebindingPodExecAttach': { mutate: (m) => { m.push(rbac('ClusterRoleBinding', 'ops', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'exec' }, subjects: [] }, false), rbac('ClusterRole', 'exec', { rules: [execRule] }, false)); } },
  'polaris/cpuLimitsMissing': { mutate: (m) => { delete container(m).resources.limits.cpu; } },
  'polaris/cpuRequestsMissing': { mutate: (m) => { delete container(m).resources.requests.cpu; } },
  'polaris/dangerousCapabilities': { mutate: (m) => { sc(m).capabilities.add = ['NET_ADMIN']; } },
  'polaris/deploymentMissingReplicas': { mutate: (m) => { find(m, 'Deployment').spec.replicas = 1; } },
  'polaris/hostIPCSet': { mutate: (m) => { podSpec(m).hostIPC = true; } },
  'polaris/hostNetworkSet': { mutate: (m) => { podSpec(m).hostNetwork = true; } },
  'polaris/hostPIDSet': { mutate: (m) => { podSpec(m).hostPID = true; } },
  'polaris/hostPathSet': { mutate: (m) => addHostPath(m, '/var/log') },
  'polaris/hostPortSet': { mutate: (m) => { container(m).ports[0].hostPort = 8080; } },
  'polaris/hostProcess': { mutate: (m) => { sc(m).windowsOptions = { hostProcess: true }; } },
  'polaris/hpaMaxAvailability': { fixture: { hpa: true }, mutate: (m) => { find(m, 'HorizontalPodAutoscaler').spec.maxReplicas = 2; } },
  'polaris/hpaMinAvailability': { fixture: { hpa: true }, mutate: (m) => { find(m, 'HorizontalPodAutoscaler').spec.minReplicas = 1; } },
  'polaris/insecureCapabilities': { mutate: (m) => { sc(m).capabilities.drop = ['NET_RAW']; } },
  'polaris/linuxHardening': { mutate: (m) => { delete podSc(m).seccompProfile; delete sc(m).seccompProfile; delete sc(m).capabilities; } },
  'polaris/livenessProbeMissing': { mutate: (m) => { delete container(m).livenessProbe; } },
  'polaris/memoryLimitsMissing': { mutate: (m) => { delete container(m).resources.limits.memory; } },
  'polaris/memoryRequestsMissing': { mutate: (m) => { delete container(m).resources.requests.memory; } },
  'polaris/metadataAndInstanceMismatched': { mutate: (m) => { find(m, 'Deployment').metadata.labels['app.kubernetes.io/instance'] = 'other'; } },
  // Polaris matches the pod labels with oneOf: a NetworkPolicy selecting on two labels does not count.
  'polaris/missingNetworkPolicy': { mutate: (m) => { find(m, 'NetworkPolicy').spec.podSelector.matchLabels['app.kubernetes.io/name'] = 'web'; } },
  'polaris/missingPodDisruptionBudget': { mutate: (m) => remove(m, 'PodDisruptionBudget') },
  'polaris/notReadOnlyRootFilesystem': { mutate: (m) => { sc(m).readOnlyRootFilesystem = false; } },
  'polaris/pdbDisruptionsIsZero': { mutate: (m) => { find(m, 'PodDisruptionBudget').spec.maxUnavailable = 0; } },
  'polaris/pdbMinAvailableGreaterThanHPAMinReplicas': { fixture: { hpa: true }, mutate: (m) => { const s = find(m, 'PodDisruptionBudget').spec; delete s.maxUnavailable; s.minAvailable = 3; } },
  'polaris/priorityClassNotSet': { mutate: (m) => { delete podSpec(m).priorityClassName; } },
  'polaris/privilegeEscalationAllowed': { mutate: (m) => { sc(m).allowPrivilegeEscalation = true; } },
  'polaris/procMount': { mutate: (m) => { sc(m).procMount = 'Unmasked'; } },
  'polaris/pullPolicyNotAlways': { fixture: { digest: true }, mutate: (m) => { container(m).imagePullPolicy = 'IfNotPresent'; } },
  'polaris/readinessProbeMissing': { mutate: (m) => { delete container(m).readinessProbe; } },
  'polaris/rolePodExecAttach': { mutate: (m) => { m.push(rbac('Role', 'exec', { rules: [execRule] })); } },
  'polaris/rolebindingClusterAdminClusterRole': { mutate: (m) => { m.push(rbac('RoleBinding', 'ops', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [] })); } },
  'polaris/rolebindingClusterAdminRole': { mutate: (m) => { m.push(rbac('RoleBinding', 'ops', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'wild' }, subjects: [] }), rbac('Role', 'wild', { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] })); } },
  'polaris/rolebindingClusterRolePodExecAttach': { mutate: (m) => { m.push(rbac('RoleBinding', 'ops', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'exec' }, subjects: [] }), rbac('ClusterRole', 'exec', { rules: [execRule] }, false)); } },
  'polaris/rolebindingRolePodExecAttach': { mutate: (m) => { m.push(rbac('RoleBinding', 'ops', { roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'exec' }, subjects: [] }), rbac('Role', 'exec', { rules: [execRule] })); } },
  'polaris/runAsPrivileged': { mutate: (m) => { sc(m).privileged = true; } },
  'polaris/runAsRootAllowed': { mutate: (m) => { sc(m).runAsNonRoot = false; sc(m).runAsUser = 0; } },
  'polaris/sensitiveConfigmapContent': { fixture: { configMap: true }, mutate: (m) => { find(m, 'ConfigMap').data.DB_PASSWORD = 'hunter2'; } },
  'polaris/sensitiveContainerEnvVar': { mutate: (m) => { container(m).env.push({ name: 'DB_PASSWORD', value: 'hunter2' }); } },
  'polaris/tagNotSpecified': { mutate: (m) => { container(m).image = 'registry.example.com/mincloud/web'; } },
  'polaris/tlsSettingsMissing': { fixture: { ingress: true }, mutate: (m) => { delete find(m, 'Ingress').spec.tls; } },
  'polaris/topologySpreadConstraint': { mutate: (m) => { delete podSpec(m).topologySpreadConstraints; } },
  'polaris/exemption-without-reason': { mutate: (m) => { find(m, 'Deployment').metadata.annotations = { 'polaris.fairwinds.com/priorityClassNotSet-exempt': 'true' }; } },
};

function podSpec2(m: M): any {
  return find(m, 'StatefulSet').spec.template.spec;
}

export function build(c: Case): M {
  const base: M = c.fixture === 'statefulset' ? statefulSetManifests() : compliantManifests(c.fixture ?? {});
  return c.mutate(base) ?? base;
}
