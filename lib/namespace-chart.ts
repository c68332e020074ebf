import { Chart, ChartProps, JsonPatch } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import * as k8s from '../imports/k8s';
import { recommendedLabels } from './labels';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { checkDnsLabel, checkInteger } from './validation/prop-errors';

const NAMESPACE_CHART_PROPS: PropKeys<NamespaceChartProps> = {
  namespace: true, partOf: true, version: true, priority: true, labels: true, disableResourceNameHashes: true,
};

const BRAND = Symbol.for('mincloud.NamespaceChart');

export interface NamespaceChartProps extends ChartProps {
  /** The namespace every object of the chart goes into; the chart creates it. */
  readonly namespace: string;
  /** `app.kubernetes.io/part-of` of the namespace. @default 'mincloud' */
  readonly partOf?: string;
  /** `app.kubernetes.io/version` of the namespace, e.g. the app's release. */
  readonly version: string;
  /**
   * Scheduling priority of the chart's pods, through a PriorityClass named
   * `<namespace>-services`: above pods without a class (0), so the site is not the first to be
   * preempted, far below the cluster's system classes (2 billion).
   * @default 10000
   */
  readonly priority?: number;
}

/**
 * A chart that owns its namespace: it creates the Namespace, with Pod Security Admission
 * enforcing the "restricted" standard, and puts every object it holds into it. Its output
 * is self-contained, so one `kubectl apply` brings up the whole target.
 */
export class NamespaceChart extends Chart {
  /** The PriorityClass name of the NamespaceChart a construct is in, if it is in one. */
  public static priorityClassNameOf(construct: IConstruct): string | undefined {
    // Not `instanceof`: cdk8s' Chart answers it for every chart.
    const chart = construct.node.scopes.slice().reverse().find((s) => (s as Partial<NamespaceChart>)[BRAND] === true) as NamespaceChart | undefined;
    return chart?.priorityClass.name;
  }

  /** @internal */
  public readonly [BRAND] = true;
  public readonly namespaceName: string;
  public readonly namespaceObject: k8s.KubeNamespace;
  /** The PriorityClass the chart's web services run with. */
  public readonly priorityClass: k8s.KubePriorityClass;

  public constructor(scope: Construct, id: string, props: NamespaceChartProps) {
    checkKnownProps(`NamespaceChart "${id}"`, 'props', props, NAMESPACE_CHART_PROPS);
    checkDnsLabel(`NamespaceChart "${id}"`, 'namespace', props.namespace);
    if (props.priority !== undefined) checkInteger(`NamespaceChart "${id}"`, 'priority', props.priority, 1, 1000000000);
    super(scope, id, { ...props, namespace: props.namespace });
    this.namespaceName = props.namespace;
    this.namespaceObject = new k8s.KubeNamespace(this, 'Namespace', {
      metadata: {
        name: props.namespace,
        labels: {
          ...recommendedLabels({
            name: props.namespace,
            instance: props.namespace,
            version: props.version,
            component: 'namespace',
            partOf: props.partOf ?? 'mincloud',
          }),
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.27',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'v1.27',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'v1.27',
        },
      },
    });
    this.priorityClass = new k8s.KubePriorityClass(this, 'PriorityClass', {
      metadata: {
        name: `${props.namespace}-services`,
        labels: recommendedLabels({
          name: props.namespace, instance: `${props.namespace}-services`, version: props.version,
          component: 'scheduling', partOf: props.partOf ?? 'mincloud',
        }),
      },
      value: props.priority ?? 10000,
      globalDefault: false,
      preemptionPolicy: 'PreemptLowerPriority',
      description: `Web services of namespace ${props.namespace}.`,
    });
    // The chart's default namespace would be stamped on these too; they are cluster-scoped.
    for (const o of [this.namespaceObject, this.priorityClass]) o.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
}
