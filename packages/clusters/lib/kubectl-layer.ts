import { KubectlV36Layer } from '@aws-cdk/lambda-layer-kubectl-v36';
import type { ILayerVersion } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';

/**
 * The kubectl (and helm) Lambda layer per Kubernetes minor version: the kubectl provider that
 * applies the charts must be within one minor version of the cluster. A version is added here
 * with its package, @aws-cdk/lambda-layer-kubectl-v<minor>.
 */
const LAYERS: Readonly<Record<string, (scope: Construct, id: string) => ILayerVersion>> = {
  '1.36': (scope, id) => new KubectlV36Layer(scope, id),
};

/** The versions packages/clusters has a kubectl layer for. */
export const KUBECTL_LAYER_VERSIONS: readonly string[] = Object.keys(LAYERS);

/** The kubectl layer for a cluster of Kubernetes `version`; throws naming the cluster, the version and the fix. */
export function kubectlLayer(scope: Construct, id: string, cluster: string, version: string): ILayerVersion {
  const layer = LAYERS[version];
  if (!layer) {
    const minor = version.split('.')[1] ?? '<minor>';
    throw new Error(`cluster "${cluster}": invalid eks.kubernetesVersion "${version}": packages/clusters has kubectl layers for ${KUBECTL_LAYER_VERSIONS.map((v) => `"${v}"`).join(', ')}; `
      + `use one of them, or install @aws-cdk/lambda-layer-kubectl-v${minor} (npm install -w clusters --save-exact) and add it to packages/clusters/lib/kubectl-layer.ts`);
  }
  return layer(scope, id);
}
