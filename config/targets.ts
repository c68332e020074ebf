import { Duration } from 'cdk8s';
import { IngressController } from '../lib/ingress-controller';
import { IngressTls } from '../lib/ingress-tls';
import { ServiceMesh } from '../lib/service-mesh';
import { DeploymentConfig } from '../lib/deployment-config';

/**
 * Where the app goes. Each target becomes `dist/<name>/`, a self-contained folder with its own
 * Namespace; `npm run synth -- --target <name>` synthesizes only the named ones.
 *
 * - dev is the seed's system and nothing more: Deployment and NodePort Service `nginx1`.
 * - staging adds the API at /api behind Traefik (IngressRoutes, TLS from a Secret) and metrics.
 * - prod runs everything: ingress-nginx with a cert-manager certificate, autoscaling,
 *   Prometheus alerts, and the Linkerd mesh with tracing, on two clusters: `npm run deploy`
 *   rolls it out to prod-eu first (the canary), then to prod-us.
 */
export const deploymentConfig: DeploymentConfig = {
  clusters: {
    // podNetwork: the clusters' pod CIDRs (kubeadm's --pod-network-cidr); set them to your clusters'.
    local: { context: 'kubernetes-admin@kubernetes', description: 'single-node kubeadm cluster, as in the seed', podNetwork: ['10.244.0.0/16'] },
    'prod-eu': { context: 'prod-eu', description: 'multi-zone production cluster in Europe', podNetwork: ['10.0.0.0/14'] },
    'prod-us': { context: 'prod-us', description: 'multi-zone production cluster in the United States', podNetwork: ['10.4.0.0/14'] },
  },
  targets: [
    { name: 'dev', cluster: 'local', namespace: 'mincloud-dev', replicas: 2, size: 'micro' },
    {
      name: 'staging',
      cluster: 'local',
      namespace: 'mincloud-staging',
      replicas: 2,
      size: 'small',
      api: true,
      hosts: ['staging.mincloud.example.com'],
      ingress: { controller: IngressController.traefik(), tls: IngressTls.fromSecret('mincloud-staging-tls'), traefikCrds: true },
      monitoring: { prometheusLabels: { release: 'prometheus' } },
    },
    {
      name: 'prod',
      // In this order: prod-eu is the canary; prod-us is deployed only once prod-eu rolled out.
      clusters: ['prod-eu', 'prod-us'],
      namespace: 'mincloud',
      replicas: 3,
      maxReplicas: 10,
      size: 'medium',
      api: true,
      hosts: ['mincloud.example.com', 'www.mincloud.example.com'],
      ingress: { controller: IngressController.nginx(), tls: IngressTls.certManager({ issuer: 'letsencrypt-prod', certificateResource: true }) },
      monitoring: { prometheusLabels: { release: 'prometheus' } },
      mesh: ServiceMesh.linkerd({ traceCollector: 'collector.linkerd-jaeger:55678' }),
      // Up to 10 pods replaced one at a time (maxSurge 1): more time than the default 15 minutes.
      rollout: { timeout: Duration.minutes(30) },
      releaseHistory: 20,
    },
  ],
};
