import { App } from 'cdk8s';
import { deploymentConfig } from './config/targets';
import { apiImage, siteImage } from './lib/image-config';
import { ImageReference } from './lib/image-reference';
import { MetricsExporter } from './lib/metrics-exporter';
import { NamespaceChart } from './lib/namespace-chart';
import { nginxApiProxy } from './lib/nginx-api-proxy';
import { ServiceType } from './lib/plus-enums';
import { PolicyException } from './lib/policy-exception';
import { ResourceProfile } from './lib/resource-profile';
import { ErrorRateSource, ServiceMonitoring } from './lib/service-monitoring';
import { policyCheck, schemaCheck } from './lib/synth/output-checks';
import { synthesize } from './lib/synth/synthesize';
import { ResolvedTarget, resolveTargets, selectTargets } from './lib/deployment-config';
import { WebIngress } from './lib/web-ingress';
import { WebService } from './lib/web-service';
import { version } from './package.json';

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
    metrics: target.monitoring ? MetricsExporter.nginx({ scrapedFrom: target.monitoring.namespace }) : undefined,
    policyExceptions: serviceType === ServiceType.NODE_PORT ? [
      PolicyException.kubeScore('service-type', 'Service',
        'The seed exposes the site on a NodePort (no ingress controller on its single-node cluster); kept for compatibility.'),
    ] : [],
  });

  // The second microservice: the same construct, and the site proxies /api to it.
  const api = target.api ? new WebService(chart, 'api', {
    image: images.api,
    component: 'api',
    healthCheckPath: '/api/healthz',
    readinessPath: '/api/readyz',
    resources: ResourceProfile.MICRO,
    replicas: target.replicas,
    mesh: target.mesh,
  }) : undefined;
  if (api) {
    api.allowFrom(site);
    site.mountConfig('api-proxy', '/etc/nginx/mincloud/site.d', { 'api-proxy.conf': nginxApiProxy(api.url) });
  }

  if (target.ingress) {
    new WebIngress(chart, 'web', {
      controller: target.ingress.controller,
      hosts: target.hosts ?? [],
      tls: target.ingress.tls,
      traefikCrds: target.ingress.traefikCrds,
      routes: [{ path: '/', service: site }, ...(api ? [{ path: '/api', service: api }] : [])],
    });
  }

  if (target.monitoring) {
    new ServiceMonitoring(chart, 'monitoring', {
      service: site,
      prometheusLabels: target.monitoring.prometheusLabels,
      errorRate: target.ingress?.controller.kind === 'nginx' ? ErrorRateSource.ingressNginx()
        : target.ingress?.controller.kind === 'traefik' ? ErrorRateSource.traefik() : undefined,
    });
  }
  return chart;
}

/** `npm run synth [-- --target dev,prod] [--outdir dist]` */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv, log: (line: string) => void = console.log): void {
  const args = parseArgs(argv);
  const targets = selectTargets(resolveTargets(deploymentConfig), args.target ?? env.TARGET);
  const images = { site: siteImage(env), api: apiImage(env) };
  const outdir = args.outdir ?? env.CDK8S_OUTDIR ?? 'dist';
  const results = synthesize({
    outdir,
    targets,
    build: (app, target) => buildTarget(app, target, images),
    checks: [schemaCheck, policyCheck],
  });
  for (const r of results) {
    log(`${outdir}/${r.target}: ${r.objects} objects; ${r.summary.join('; ')}`);
  }
}

function parseArgs(argv: readonly string[]): { target?: string; outdir?: string } {
  const out: { target?: string; outdir?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => inline ?? argv[++i];
    if (flag === '--target' || flag === '-t') out.target = value();
    else if (flag === '--outdir' || flag === '-o') out.outdir = value();
    else if (flag === '--help' || flag === '-h') {
      console.log('Usage: npm run synth -- [--target NAME[,NAME]] [--outdir DIR]\n\n'
        + 'Synthesizes every target (or the named ones) into DIR/<target>/ (default dist/), after\n'
        + 'validating them against the Kubernetes 1.27 schema and the policy checks. On any error\n'
        + 'the previous output is left unchanged.');
      process.exit(0);
    } else throw new Error(`unknown argument "${argv[i]}"; use --target NAME or --outdir DIR (see --help)`);
  }
  return out;
}

if (require.main === module) {
  try {
    main(process.argv.slice(2), process.env);
  } catch (err) {
    console.error(`synth failed: ${(err as Error).message}`);
    process.exit(1);
  }
}
