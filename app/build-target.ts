import { App } from 'cdk8s';
import { ServiceType } from 'cdk8s-plus-27';
import { ResolvedTarget } from '../config/deployment-config';
import { ImageReference } from '../lib/image-reference';
import { MetricsExporter } from '../lib/metrics-exporter';
import { NamespaceChart } from '../lib/namespace-chart';
import { nginxApiProxy } from '../lib/nginx-api-proxy';
import { nginxRealIp } from '../lib/nginx-real-ip';
import { PolicyException } from '../lib/policy-exception';
import { ResourceProfile } from '../lib/resource-profile';
import { ServerlessService } from '../lib/serverless-service';
import { ServiceMonitoring } from '../lib/service-monitoring';
import { WebIngress } from '../lib/web-ingress';
import { WebService } from '../lib/web-service';
import { version } from '../package.json';

/** The images a target runs: the site's and the API's. */
export interface Images {
  readonly site: ImageReference;
  readonly api: ImageReference;
}

/** What one target runs: the site (the seed's `nginx1`), and what the target turns on. */
export function buildTarget(app: App, target: ResolvedTarget, images: Images): NamespaceChart {
  const chart = new NamespaceChart(app, target.name, { namespace: target.namespace, version });
  const serviceType = target.serviceType ?? (target.ingress ? ServiceType.CLUSTER_IP : ServiceType.NODE_PORT);
  const autoscaling = target.maxReplicas ? { minReplicas: target.replicas ?? 2, maxReplicas: target.maxReplicas } : undefined;

  const site = new WebService(chart, 'nginx1', {
    appName: 'nginx',
    image: images.site,
    containerPort: 8080,
    servicePort: 80,
    serviceType,
    nodePort: target.nodePort,
    replicas: target.replicas,
    resources: target.resources,
    autoscaling,
    mesh: target.mesh,
    progressDeadline: target.rollout?.progressDeadline,
    metrics: target.monitoring ? MetricsExporter.nginx({ scrapedFrom: target.monitoring.namespace }) : undefined,
    policyExceptions: serviceType === ServiceType.NODE_PORT ? [
      PolicyException.kubeScore('service-type', 'Service',
        'The seed exposes the site on a NodePort (no ingress controller on its single-node cluster); kept for compatibility.'),
    ] : [],
  });

  // The second microservice: the same construct, and the site proxies /api to it. The site's
  // nginx is the one way in (its /api location holds the per-client limits): no Ingress routes
  // to the API, and its NetworkPolicy admits the site's pods alone.
  const api = target.api && !target.serverless ? new WebService(chart, 'api', {
    image: images.api,
    component: 'api',
    // Behind a mesh's sidecar every connection comes from the sidecar's address, so a cap per
    // address would cap the whole pod: the API keeps its global cap only, and the per-client
    // limits are the site's nginx's.
    env: target.mesh ? { MAX_CONNECTIONS_PER_ADDRESS: '0' } : undefined,
    healthCheckPath: '/api/healthz',
    readinessPath: '/api/readyz',
    resources: ResourceProfile.MICRO,
    replicas: target.replicas,
    mesh: target.mesh,
    progressDeadline: target.rollout?.progressDeadline,
  }) : undefined;
  if (api) {
    api.allowFrom(site);
    site.mountConfig('api-proxy', '/etc/nginx/mincloud/site.d', { 'api-proxy.conf': nginxApiProxy(api.url) });
  }
  // Or run by Knative: the site reaches it at its cluster-local address, through Knative's
  // gateway, which routes by host name.
  if (target.api && target.serverless) {
    const serverless = new ServerlessService(chart, 'api', {
      image: images.api,
      component: 'api',
      healthCheckPath: '/api/healthz',
      readinessPath: '/api/readyz',
      resources: ResourceProfile.MICRO,
      networking: target.serverless.networking,
      autoscaling: { scaleToZero: target.serverless.scaleToZero, maxScale: target.serverless.maxScale },
    });
    serverless.allowFrom(site);
    site.mountConfig('api-proxy', '/etc/nginx/mincloud/site.d', { 'api-proxy.conf': nginxApiProxy(serverless.url, '/api/', { upstreamHost: true }) });
  }

  if (target.ingress) {
    // Behind the ingress every connection comes from the controller's pods: trust them (and only
    // them) for the client address, so the site's per-client limits see each client.
    // The pod network is the cluster's: a target on several clusters trusts each one's own.
    site.mountConfig('real-ip', '/etc/nginx/mincloud/http.d', { 'real-ip.conf': nginxRealIp(target.placement.podNetwork ?? []) });
    new WebIngress(chart, 'web', {
      controller: target.ingress.controller,
      hosts: target.hosts ?? [],
      tls: target.ingress.tls,
      traefikCrds: target.ingress.traefikCrds,
      // Everything goes to the site, /api included: its nginx applies the /api limits and
      // proxies to the API.
      routes: [{ path: '/', service: site }],
    });
  }

  if (target.monitoring) {
    new ServiceMonitoring(chart, 'monitoring', {
      service: site,
      prometheusLabels: target.monitoring.prometheusLabels,
      errorRate: target.ingress?.controller.errorRate(),
    });
  }
  return chart;
}
