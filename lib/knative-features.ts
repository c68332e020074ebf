import { PropKeys } from './validation/known-props';

/**
 * Knative Serving's feature flags (ConfigMap `config-features` in `knative-serving`) that let a
 * Knative Service use more of the pod spec; all are off in a default installation, and
 * Knative's webhook refuses a Service that uses a field whose flag is off. Say which ones the
 * cluster turns on, and the pods get what each allows.
 */
export interface KnativeFeatures {
  /** `kubernetes.podspec-priorityclassname`: the pods get the namespace's PriorityClass. @default false */
  readonly priorityClassName?: boolean;
  /** `kubernetes.podspec-topologyspreadconstraints`: the pods spread over nodes and zones. @default false */
  readonly topologySpreadConstraints?: boolean;
  /** `kubernetes.podspec-affinity`: the pods prefer nodes without another of them. @default false */
  readonly affinity?: boolean;
  /**
   * `kubernetes.podspec-securitycontext`: a pod security context (non-root ids, `fsGroup` for the
   * volumes, seccomp) besides the container's, which carries them all anyway. @default false
   */
  readonly podSecurityContext?: boolean;
}

export const KNATIVE_FEATURE_KEYS: PropKeys<KnativeFeatures> = { priorityClassName: true, topologySpreadConstraints: true, affinity: true, podSecurityContext: true };

/** The flag's name in `config-features`, for messages. */
export const KNATIVE_FEATURE_FLAGS: Readonly<Record<keyof KnativeFeatures, string>> = {
  priorityClassName: 'kubernetes.podspec-priorityclassname',
  topologySpreadConstraints: 'kubernetes.podspec-topologyspreadconstraints',
  affinity: 'kubernetes.podspec-affinity',
  podSecurityContext: 'kubernetes.podspec-securitycontext',
};
