/**
 * The recommended `app.kubernetes.io/*` labels
 * (https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/).
 */
export interface RecommendedLabels {
  /** The application's name, e.g. `nginx`. */
  readonly name: string;
  /** This instance of it; equal to the workload's object name, which checkers expect. */
  readonly instance: string;
  /** The version running, e.g. the image tag. */
  readonly version: string;
  /** Its role in the architecture, e.g. `web`, `api`. */
  readonly component: string;
  /** The larger application it belongs to. */
  readonly partOf: string;
}

export const MANAGED_BY = 'cdk8s';

export function recommendedLabels(l: RecommendedLabels): Record<string, string> {
  return {
    'app.kubernetes.io/name': l.name,
    'app.kubernetes.io/instance': l.instance,
    'app.kubernetes.io/version': l.version,
    'app.kubernetes.io/component': l.component,
    'app.kubernetes.io/part-of': l.partOf,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/**
 * The labels a workload's selector matches on. Only labels that never change for the life of
 * the workload (selectors are immutable), and unique per service within a namespace because
 * `instance` is the service's name, which the chart keeps unique.
 */
export function selectorLabels(l: Pick<RecommendedLabels, 'name' | 'instance'>): Record<string, string> {
  return {
    'app.kubernetes.io/name': l.name,
    'app.kubernetes.io/instance': l.instance,
  };
}
