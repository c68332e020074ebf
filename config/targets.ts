import * as kplus from 'cdk8s-plus-27';
import { DeploymentConfig } from '../lib/targets';

/**
 * Where the app goes. Each target becomes `dist/<name>/`, a self-contained folder with its own
 * Namespace; `npm run synth -- --target <name>` synthesizes only the named ones.
 *
 * `dev` is the seed's system: Deployment and NodePort Service `nginx1` on a single cluster.
 */
export const deploymentConfig: DeploymentConfig = {
  clusters: {
    local: { context: 'kubernetes-admin@kubernetes', description: 'single-node kubeadm cluster, as in the seed' },
    production: { context: 'production', description: 'multi-zone production cluster' },
  },
  targets: [
    { name: 'dev', cluster: 'local', namespace: 'mincloud-dev', serviceType: kplus.ServiceType.NODE_PORT, replicas: 2, size: 'micro' },
    { name: 'staging', cluster: 'local', namespace: 'mincloud-staging', serviceType: kplus.ServiceType.NODE_PORT, replicas: 2, size: 'small' },
    { name: 'prod', cluster: 'production', namespace: 'mincloud', serviceType: kplus.ServiceType.NODE_PORT, replicas: 3, maxReplicas: 10, size: 'medium' },
  ],
};
