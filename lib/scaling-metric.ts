import { checkInteger } from './validation/prop-errors';

/**
 * What Knative's autoscaler (KPA) keeps per pod, adding pods above it and removing them below:
 * requests in flight (`concurrency`) or requests per second (`rps`). A soft target: a pod may
 * take more for a while; `containerConcurrency` is the hard limit.
 */
export class ScalingMetric {
  /** Requests in flight per pod (`autoscaling.knative.dev/metric: concurrency`), Knative's default metric (target 100). */
  public static concurrency(target: number): ScalingMetric {
    checkInteger('ScalingMetric.concurrency', 'target', target, 1, 10000);
    return new ScalingMetric('concurrency', target);
  }

  /** Requests per second per pod (`autoscaling.knative.dev/metric: rps`). */
  public static requestsPerSecond(target: number): ScalingMetric {
    checkInteger('ScalingMetric.requestsPerSecond', 'target', target, 1, 100000);
    return new ScalingMetric('rps', target);
  }

  private constructor(
    /** The annotation's value: `concurrency` or `rps`. */
    public readonly metric: 'concurrency' | 'rps',
    /** `autoscaling.knative.dev/target`. */
    public readonly target: number,
  ) {}
}
