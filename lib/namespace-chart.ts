import { Chart, ChartProps, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import { recommendedLabels } from './labels';
import { checkDnsLabel } from './validation/prop-errors';

export interface NamespaceChartProps extends ChartProps {
  /** The namespace every object of the chart goes into; the chart creates it. */
  readonly namespace: string;
  /** `app.kubernetes.io/part-of` of the namespace. @default 'mincloud' */
  readonly partOf?: string;
  /** `app.kubernetes.io/version` of the namespace, e.g. the app's release. */
  readonly version: string;
}

/**
 * A chart that owns its namespace: it creates the Namespace, with Pod Security Admission
 * enforcing the "restricted" standard, and puts every object it holds into it. Its output
 * is self-contained, so one `kubectl apply` brings up the whole target.
 */
export class NamespaceChart extends Chart {
  public readonly namespaceName: string;
  public readonly namespaceObject: k8s.KubeNamespace;

  public constructor(scope: Construct, id: string, props: NamespaceChartProps) {
    checkDnsLabel(`NamespaceChart "${id}"`, 'namespace', props.namespace);
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
    // The chart's default namespace would be stamped on the Namespace too; it is cluster-scoped.
    this.namespaceObject.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
}
