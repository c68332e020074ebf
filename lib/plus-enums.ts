import type * as kplus from 'cdk8s-plus-27';

// cdk8s-plus-27's ServiceType and ImagePullPolicy: the values the constructs take and compare.
// Importing cdk8s-plus-27 for two enums costs every synth about 60 ms (33 modules, with a
// second copy of the Kubernetes classes), more than this app's own code takes to run. Its types
// are used, so `kplus.ServiceType.NODE_PORT` is accepted as before; its code is not loaded.
// plus-enums.test.ts pins these values to cdk8s-plus-27's.

/** `kplus.ServiceType`, value for value. */
export const ServiceType = {
  CLUSTER_IP: 'ClusterIP',
  NODE_PORT: 'NodePort',
  LOAD_BALANCER: 'LoadBalancer',
  EXTERNAL_NAME: 'ExternalName',
} as unknown as typeof kplus.ServiceType;
export type ServiceType = kplus.ServiceType;

/** `kplus.ImagePullPolicy`, value for value. */
export const ImagePullPolicy = {
  ALWAYS: 'Always',
  IF_NOT_PRESENT: 'IfNotPresent',
  NEVER: 'Never',
} as unknown as typeof kplus.ImagePullPolicy;
export type ImagePullPolicy = kplus.ImagePullPolicy;
