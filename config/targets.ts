import { Duration } from 'cdk8s';
import { IngressController } from '../lib/ingress-controller';
import { IngressTls } from '../lib/ingress-tls';
import { KnativeNetworking } from '../lib/knative-networking';
import { ServiceMesh } from '../lib/service-mesh';
import { DeploymentConfig } from './deployment-config';
import { ArgoCdCluster } from '../lib/argocd-cluster';

/**
 * Where the app goes. The first target is the default of `npx cdk8s synth` and `npm run synth`;
 * `TARGET=<name> npx cdk8s synth` (or `--target <name>`) synthesizes another one into dist/, a
 * self-contained set of manifests with its own Namespace.
 *
 * - dev is the seed's system and nothing more: Deployment and NodePort Service `nginx1`.
 * - staging adds the API at /api behind Traefik (IngressRoutes, TLS from a Secret) and metrics.
 * - prod runs everything: ingress-nginx with a cert-manager certificate, autoscaling,
 *   Prometheus alerts, and the Linkerd mesh with tracing, on two clusters: `npm run deploy`
 *   rolls it out to prod-eu first (the canary), then to prod-us.
 * - preview runs the API as a Knative Service that scales to zero when idle; the site (as in
 *   dev) reaches it through its /api proxy at the API's cluster-local address.
 */
export const deploymentConfig: DeploymentConfig = {
  clusters: {
    // podNetwork: the clusters' pod CIDRs (kubeadm's --pod-network-cidr); set them to your clusters'.
    local: { context: 'kubernetes-admin@kubernetes', description: 'single-node kubeadm cluster, as in the seed', podNetwork: ['10.244.0.0/16'] },
    // The production clusters are Amazon EKS clusters, defined by `npm run clusters` (packages/clusters):
    // one AWS CDK stack each, which also deploys the chart of every target placed on it.
    // endpoint.publicCidrs: the addresses npm run deploy and Argo CD reach the API server from; set them to yours,
    // and adminRoles to the IAM roles of your operators and CI (cluster admin through an access entry).
    'prod-eu': {
      context: 'prod-eu',
      description: 'multi-zone production cluster in Europe',
      podNetwork: ['10.0.0.0/14'],
      eks: {
        region: 'eu-central-1',
        zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
        kubernetesVersion: '1.36',
        vpcCidr: '10.0.0.0/16',
        nodes: { kind: 'managed', instanceTypes: ['m7i.large'], minSize: 3, maxSize: 6 },
        endpoint: { publicCidrs: ['203.0.113.0/24'] },
      },
    },
    'prod-us': {
      context: 'prod-us',
      description: 'multi-zone production cluster in the United States',
      podNetwork: ['10.4.0.0/14'],
      eks: {
        region: 'us-east-1',
        zones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
        kubernetesVersion: '1.36',
        vpcCidr: '10.4.0.0/16',
        nodes: { kind: 'managed', instanceTypes: ['m7i.large'], minSize: 3, maxSize: 6 },
        endpoint: { publicCidrs: ['203.0.113.0/24'] },
      },
    },
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
    {
      name: 'preview',
      cluster: 'local',
      namespace: 'mincloud-preview',
      replicas: 2,
      size: 'micro',
      api: true,
      // Needs Knative Serving with Kourier on the cluster: http://api.mincloud-preview.svc.cluster.local.
      serverless: { networking: KnativeNetworking.kourier(), scaleToZero: true },
    },
  ],
  // GitOps delivery (npm run gitops): each target's rendered manifests on branch env/<target>
  // of this repository, applied by Argo CD. Argo CD runs in the local cluster and has the
  // production clusters registered by their names (argocd cluster add prod-eu --name prod-eu).
  gitops: {
    repository: 'https://git.mincloud.example.com/mincloud/rendered-manifests.git',
    clusters: { local: ArgoCdCluster.inCluster(), 'prod-eu': ArgoCdCluster.named('prod-eu'), 'prod-us': ArgoCdCluster.named('prod-us') },
    promotion: ['dev', 'staging', 'prod'],
  },
};
