// Shared types of the policy checker. `index.ts` re-exports them; the rule modules import
// them from here so that no module depends on the entry point.

import type { CheckMemo } from '../cache/check-memo';

export type PolicyTool = 'pod-security' | 'kube-score' | 'kube-linter' | 'polaris';

/**
 * How bad a finding is, in its tool's own word: `error` (Pod Security: admission rejects the
 * pod; kube-linter: a failed check, it has no levels), `critical` and `warning` (kube-score's
 * grades), `danger` and `warning` (Polaris' severities). Every finding fails the check.
 */
export type PolicySeverity = 'error' | 'critical' | 'danger' | 'warning';

/** The objects checked: the package's one model of a Kubernetes object. */
export type { KubeObject } from '../manifest/kube-object';

export interface PolicyFinding {
  readonly tool: PolicyTool;
  /** The tool's own id, e.g. 'container-resources', 'runAsNonRoot', 'no-anti-affinity'. */
  readonly rule: string;
  /** The object's objectKey: `Deployment/<namespace>/<name>`, `Service.serving.knative.dev/<namespace>/<name>`. */
  readonly object: string;
  /** e.g. 'spec.template.spec.containers[0].securityContext.runAsUser'. */
  readonly path?: string;
  /** What is wrong, with the bad value. */
  readonly message: string;
  /** What to change. */
  readonly fix: string;
  readonly severity: PolicySeverity;
}

export interface PolicyExemption {
  readonly tool: PolicyTool;
  readonly rule: string;
  readonly object: string;
  readonly reason: string;
}

export interface PolicyReport {
  readonly findings: PolicyFinding[];
  readonly exemptions: PolicyExemption[];
  readonly checkedObjects: number;
}

export interface PolicyRule {
  readonly tool: PolicyTool;
  readonly rule: string;
  readonly description: string;
}

/** A Kubernetes version, as kube-score's `--kubernetes-version v1.27` gives it. */
export interface KubernetesVersion {
  readonly major: number;
  readonly minor: number;
}

/** kube-score's command-line options that change what its checks decide (`kube-score score --help`). */
export interface KubeScoreOptions {
  /** `--kubernetes-version` (default v1.27: the version this package checks for). */
  readonly kubernetesVersion?: KubernetesVersion;
  /** `--min-replicas-deployment` (default 2). */
  readonly minReplicasDeployment?: number;
  /** `--min-replicas-hpa` (default 2). */
  readonly minReplicasHPA?: number;
  /** `--ignore-container-cpu-limit` (default false). */
  readonly ignoreContainerCpuLimitRequirement?: boolean;
  /** `--ignore-container-memory-limit` (default false). */
  readonly ignoreContainerMemoryLimitRequirement?: boolean;
}

/** Options of checkPolicies: each tool's own settings, their defaults those of the tool's command line. */
export interface PolicyOptions {
  readonly kubeScore?: KubeScoreOptions;
  /**
   * The annotation that gives the reason for an exemption declared with a tool's own annotation.
   * @default 'policy.mincloud.dev/reason'
   */
  readonly reasonAnnotation?: string;
  /**
   * What earlier runs found in the same objects: the rules that look at one object alone are
   * not run again for an object the memo knows.
   * @default - every object is checked afresh
   */
  readonly memo?: CheckMemo;
}
