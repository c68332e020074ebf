import { PropValidationError } from './validation/prop-errors';

/**
 * The object of a service a deliberate policy exception is attached to: a WebService's
 * Deployment, Service, NetworkPolicy, PodDisruptionBudget or ServiceAccount, or a
 * ServerlessService's Knative Service (`KnativeService`), NetworkPolicy or ServiceAccount.
 */
export type ExceptionTarget = 'Deployment' | 'Service' | 'NetworkPolicy' | 'PodDisruptionBudget' | 'ServiceAccount' | 'KnativeService';

/** The annotation that carries the reason for exceptions whose tool has no reason field. */
export const REASON_ANNOTATION = 'policy.mincloud.dev/reason';

/**
 * A deliberate exception to one rule of a policy checker, declared in code with its reason.
 * It renders as the checker's own annotation on the object, so the real tools (kube-score,
 * kube-linter, Polaris) honour it as well as this project's check. Pod Security Standards
 * have no per-object exceptions, on purpose.
 */
export class PolicyException {
  /** kube-score: `kube-score/ignore: <test-id>`. */
  public static kubeScore(rule: string, on: ExceptionTarget, reason: string): PolicyException {
    return new PolicyException('kube-score', rule, on, reason);
  }

  /** kube-linter: `ignore-check.kube-linter.io/<check>: <reason>`. */
  public static kubeLinter(rule: string, on: ExceptionTarget, reason: string): PolicyException {
    return new PolicyException('kube-linter', rule, on, reason);
  }

  /** Polaris: `polaris.fairwinds.com/<check>-exempt: "true"`. */
  public static polaris(rule: string, on: ExceptionTarget, reason: string): PolicyException {
    return new PolicyException('polaris', rule, on, reason);
  }

  private constructor(
    public readonly tool: 'kube-score' | 'kube-linter' | 'polaris',
    public readonly rule: string,
    public readonly on: ExceptionTarget,
    public readonly reason: string,
  ) {
    if (!/^[A-Za-z0-9-]+$/.test(rule)) {
      throw new PropValidationError(`PolicyException(${tool})`, 'rule', rule, 'use the tool\'s rule id, e.g. "service-type"');
    }
    if (!reason || reason.trim().length < 10) {
      throw new PropValidationError(`PolicyException(${tool} ${rule})`, 'reason', reason, 'explain in a sentence why the exception is deliberate');
    }
  }
}

/** Renders exceptions as the annotations each tool reads, merged per object. */
export function exceptionAnnotations(exceptions: readonly PolicyException[]): Record<string, string> {
  const out: Record<string, string> = {};
  const kubeScore = exceptions.filter((e) => e.tool === 'kube-score').map((e) => e.rule);
  if (kubeScore.length > 0) out['kube-score/ignore'] = kubeScore.join(',');
  for (const e of exceptions) {
    if (e.tool === 'kube-linter') out[`ignore-check.kube-linter.io/${e.rule}`] = e.reason;
    if (e.tool === 'polaris') out[`polaris.fairwinds.com/${e.rule}-exempt`] = 'true';
  }
  const reasoned = exceptions.filter((e) => e.tool !== 'kube-linter');
  if (reasoned.length > 0) out[REASON_ANNOTATION] = reasoned.map((e) => `${e.tool} ${e.rule}: ${e.reason}`).join('; ');
  return out;
}

/**
 * What pulling a digest-pinned image `IfNotPresent` needs, on the workload object: kube-score and
 * Polaris accept only `Always`.
 */
export function pinnedImageExceptions(on: ExceptionTarget): PolicyException[] {
  const reason = 'The image is pinned by digest, which cannot change: IfNotPresent starts pods without a registry round-trip, also when the registry is down.';
  return [PolicyException.kubeScore('container-image-pull-policy', on, reason), PolicyException.polaris('pullPolicyNotAlways', on, reason)];
}
