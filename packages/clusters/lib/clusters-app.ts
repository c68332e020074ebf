import { Annotations, App as CdkApp } from 'aws-cdk-lib';
import { App as Cdk8sApp } from 'cdk8s';
import { deploymentConfig } from '../../../config/targets';
import { buildTargetFromEnv, targets, unpinnedImageNotes } from '../../../app';
import { onCluster } from '../../../config/deployment-config';
import { EksClusterStack, EksClusterStackProps } from './eks-cluster-stack';

/** The stack name of a cluster's stack: `cdk deploy mincloud-<cluster>`. */
export const stackName = (cluster: string): string => `mincloud-${cluster}`;

/**
 * One EksClusterStack per cluster of config/targets.ts that has `eks` settings, each carrying
 * the chart of every target placed on that cluster, built as main.ts builds it for that cluster
 * (`npm run synth -- --target <target> --cluster <cluster>`), with the images `env` names
 * (docker/image.env, $SITE_IMAGE, ...).
 */
export function defineClusters(app: CdkApp, env: NodeJS.ProcessEnv = process.env,
  options: Pick<EksClusterStackProps, 'acknowledgeReviewedFindings'> = {}): EksClusterStack[] {
  return Object.entries(deploymentConfig.clusters).flatMap(([name, cluster]) => {
    if (!cluster.eks) return [];
    const charts = targets.filter((t) => t.clusters.some((c) => c.name === name)).map((t) => ({
      target: t.name,
      chart: buildTargetFromEnv(new Cdk8sApp(), onCluster(t, name), env),
    }));
    const stack = new EksClusterStack(app, stackName(name), {
      ...options,
      clusterName: name,
      context: cluster.context,
      eks: cluster.eks,
      charts,
      description: `EKS cluster ${name} (${cluster.description ?? cluster.context}) and the charts of ${charts.map((c) => c.target).join(', ') || 'no target'}`,
    });
    // What `npm run synth` says of images deployed by tag, said where the chart is deployed.
    for (const note of [...new Set(charts.flatMap((c) => unpinnedImageNotes(targets.find((t) => t.name === c.target)!, env)))]) {
      Annotations.of(stack).addWarningV2('mincloud:image-by-tag', note);
    }
    return [stack];
  });
}
