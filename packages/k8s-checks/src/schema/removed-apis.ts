// API versions Kubernetes served once and removed by 1.27, with what replaced them (the
// Kubernetes deprecated API migration guide). A manifest still written for one of them is not an
// unknown custom resource: the message names the version to move to.

interface RemovedApi {
  /** The Kubernetes release that stopped serving it. */
  readonly removedIn: string;
  /** The apiVersion to use instead; undefined when the kind itself is gone. */
  readonly replacement?: string;
  /** What to do when the kind itself is gone. */
  readonly instead?: string;
}

const WORKLOADS = ['Deployment', 'DaemonSet', 'ReplicaSet'];
const RBAC = ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'];
const POD_SECURITY = 'use Pod Security admission instead (pod-security.kubernetes.io/* labels on the Namespace)';

const TABLE: ReadonlyArray<readonly [groupVersion: string, kinds: readonly string[], removed: RemovedApi]> = [
  ['extensions/v1beta1', WORKLOADS, { removedIn: '1.16', replacement: 'apps/v1' }],
  ['apps/v1beta1', [...WORKLOADS, 'StatefulSet'], { removedIn: '1.16', replacement: 'apps/v1' }],
  ['apps/v1beta2', [...WORKLOADS, 'StatefulSet'], { removedIn: '1.16', replacement: 'apps/v1' }],
  ['extensions/v1beta1', ['NetworkPolicy'], { removedIn: '1.16', replacement: 'networking.k8s.io/v1' }],
  ['extensions/v1beta1', ['PodSecurityPolicy'], { removedIn: '1.16', instead: POD_SECURITY }],
  ['extensions/v1beta1', ['Ingress'], { removedIn: '1.22', replacement: 'networking.k8s.io/v1' }],
  ['networking.k8s.io/v1beta1', ['Ingress', 'IngressClass'], { removedIn: '1.22', replacement: 'networking.k8s.io/v1' }],
  ['admissionregistration.k8s.io/v1beta1', ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], { removedIn: '1.22', replacement: 'admissionregistration.k8s.io/v1' }],
  ['apiextensions.k8s.io/v1beta1', ['CustomResourceDefinition'], { removedIn: '1.22', replacement: 'apiextensions.k8s.io/v1' }],
  ['apiregistration.k8s.io/v1beta1', ['APIService'], { removedIn: '1.22', replacement: 'apiregistration.k8s.io/v1' }],
  ['authentication.k8s.io/v1beta1', ['TokenReview'], { removedIn: '1.22', replacement: 'authentication.k8s.io/v1' }],
  ['authorization.k8s.io/v1beta1', ['SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectAccessReview'], { removedIn: '1.22', replacement: 'authorization.k8s.io/v1' }],
  ['certificates.k8s.io/v1beta1', ['CertificateSigningRequest'], { removedIn: '1.22', replacement: 'certificates.k8s.io/v1' }],
  ['coordination.k8s.io/v1beta1', ['Lease'], { removedIn: '1.22', replacement: 'coordination.k8s.io/v1' }],
  ['rbac.authorization.k8s.io/v1beta1', RBAC, { removedIn: '1.22', replacement: 'rbac.authorization.k8s.io/v1' }],
  ['scheduling.k8s.io/v1beta1', ['PriorityClass'], { removedIn: '1.22', replacement: 'scheduling.k8s.io/v1' }],
  ['storage.k8s.io/v1beta1', ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], { removedIn: '1.22', replacement: 'storage.k8s.io/v1' }],
  ['batch/v1beta1', ['CronJob'], { removedIn: '1.25', replacement: 'batch/v1' }],
  ['discovery.k8s.io/v1beta1', ['EndpointSlice'], { removedIn: '1.25', replacement: 'discovery.k8s.io/v1' }],
  ['events.k8s.io/v1beta1', ['Event'], { removedIn: '1.25', replacement: 'events.k8s.io/v1' }],
  ['autoscaling/v2beta1', ['HorizontalPodAutoscaler'], { removedIn: '1.25', replacement: 'autoscaling/v2' }],
  ['policy/v1beta1', ['PodDisruptionBudget'], { removedIn: '1.25', replacement: 'policy/v1' }],
  ['policy/v1beta1', ['PodSecurityPolicy'], { removedIn: '1.25', instead: POD_SECURITY }],
  ['node.k8s.io/v1beta1', ['RuntimeClass'], { removedIn: '1.25', replacement: 'node.k8s.io/v1' }],
  ['flowcontrol.apiserver.k8s.io/v1beta1', ['FlowSchema', 'PriorityLevelConfiguration'], { removedIn: '1.26', replacement: 'flowcontrol.apiserver.k8s.io/v1beta3' }],
  ['autoscaling/v2beta2', ['HorizontalPodAutoscaler'], { removedIn: '1.26', replacement: 'autoscaling/v2' }],
  ['storage.k8s.io/v1beta1', ['CSIStorageCapacity'], { removedIn: '1.27', replacement: 'storage.k8s.io/v1' }],
];

const BY_KEY = new Map<string, RemovedApi>();
for (const [groupVersion, kinds, removed] of TABLE) for (const kind of kinds) BY_KEY.set(`${groupVersion}/${kind}`, removed);

/** Every removed `apiVersion/kind` the table knows. */
export function removedApiKeys(): string[] {
  return [...BY_KEY.keys()];
}

/**
 * What to say about `apiVersion`/`kind` when Kubernetes removed that API version by 1.27, e.g.
 * `extensions/v1beta1 Deployment was removed in Kubernetes 1.16; use apiVersion: apps/v1`, or
 * undefined when it never was a Kubernetes API.
 */
export function removedApiMessage(apiVersion: string, kind: string): string | undefined {
  const removed = BY_KEY.get(`${apiVersion}/${kind}`);
  if (!removed) return undefined;
  const what = `${apiVersion} ${kind} was removed in Kubernetes ${removed.removedIn}`;
  return removed.replacement
    ? `${what}; use apiVersion: ${removed.replacement} (kind ${kind}), and adapt the fields that changed with it`
    : `${what}, and the kind with it; ${removed.instead}`;
}
