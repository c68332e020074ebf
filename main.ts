import * as path from 'path';
import { App } from 'cdk8s';
import { deploymentConfig } from './config/targets';
import { apiImage, siteImage } from './lib/image-config';
import { ImageReference } from './lib/image-reference';
import { MetricsExporter } from './lib/metrics-exporter';
import { NamespaceChart } from './lib/namespace-chart';
import { nginxApiProxy } from './lib/nginx-api-proxy';
import { nginxRealIp } from './lib/nginx-real-ip';
import { ServiceType } from 'cdk8s-plus-27';
import { PolicyException } from './lib/policy-exception';
import { ResourceProfile } from './lib/resource-profile';
import { ServerlessService } from './lib/serverless-service';
import { ErrorRateSource, ServiceMonitoring } from './lib/service-monitoring';
import { onCluster, ResolvedTarget, resolveTargets } from './lib/deployment-config';
import { CommandIo, runSynthCommand, selectTarget, SynthCommandOptions } from './synth/synth-command';
import { SynthResult, synthTarget } from './synth/synth-target';
import { loadValidations, pluginValidation } from './synth/validations';
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
      errorRate: target.ingress?.controller.kind === 'nginx' ? ErrorRateSource.ingressNginx()
        : target.ingress?.controller.kind === 'traefik' ? ErrorRateSource.traefik() : undefined,
    });
  }
  return chart;
}

/** Every target of config/targets.ts, checked; the first one is the default. */
export const targets: readonly ResolvedTarget[] = resolveTargets(deploymentConfig);

/** Builds `target` with the images named by the environment (docker/image.env, $SITE_IMAGE, ...). */
export function buildTargetFromEnv(app: App, target: ResolvedTarget, env: NodeJS.ProcessEnv = process.env): NamespaceChart {
  return buildTarget(app, target, { site: siteImage(env), api: apiImage(env) });
}

/** One target synthesized by `synthTargets`. */
export interface SynthesizedTarget {
  /** The target, placed on the cluster it was synthesized for. */
  readonly target: ResolvedTarget;
  /** That cluster's name, for a target on several clusters. @default - the target runs on one cluster */
  readonly cluster?: string;
  readonly dir: string;
  readonly objects: number;
  /** What the synth wrote and what the checks said. */
  readonly result: SynthResult;
}

/**
 * Synthesizes and validates each named target (default: every target) into `<outdir>/<name>/`,
 * as `npm run synth -- --target <name> --outdir <outdir>/<name>` does; throws on the first
 * failure. For the tools and tests that need several targets at once.
 *
 * A target on several clusters is synthesized for its first cluster into `<outdir>/<name>/`;
 * or for `cluster` (which every named target must have), or with `everyCluster` for each of its
 * clusters in their order, into `<outdir>/<name>/<cluster>/`.
 */
export async function synthTargets(outdir: string, options: {
  readonly names?: readonly string[]; readonly env?: NodeJS.ProcessEnv; readonly cluster?: string; readonly everyCluster?: boolean;
} = {}): Promise<SynthesizedTarget[]> {
  const chosen = options.names?.length ? options.names.map((n) => selectTarget(targets, n)) : targets;
  const validate = pluginValidation(validations());
  const out = [];
  for (const named of chosen) {
    const several = named.clusters.length > 1;
    const places = options.everyCluster ? named.clusters.map((c) => onCluster(named, c.name)) : [onCluster(named, options.cluster)];
    for (const target of places) {
      const dir = several && (options.everyCluster || options.cluster) ? path.join(outdir, target.name, target.placement.name) : path.join(outdir, target.name);
      const cluster = several ? target.placement.name : undefined;
      const result = await synthTarget({ outdir: dir, target, cluster, build: (app, t) => buildTargetFromEnv(app, t, options.env), validate });
      out.push({ target, cluster, dir, objects: result.objects, result });
    }
  }
  return out;
}

/** The validation plugins of cdk8s.yaml, loaded once: what `cdk8s synth` runs after the app. */
export function validations(): ReturnType<typeof loadValidations> {
  return loaded ??= loadValidations(path.join(__dirname, 'cdk8s.yaml'));
}
let loaded: ReturnType<typeof loadValidations> | undefined;

/** What the synth command needs to synthesize this app. */
export function commandOptions(env: NodeJS.ProcessEnv): SynthCommandOptions<ResolvedTarget> {
  return {
    targets,
    build: (app, target) => buildTargetFromEnv(app, target, env),
    validate: (options) => pluginValidation(validations(), options),
    applyHint: (target, outdir) => `kubectl --context ${target.placement.context} apply -f ${outdir}`,
    notes: (target) => unpinnedImageNotes(target, env),
    // A target on several clusters is synthesized for one of them at a time (--cluster).
    place: (target, cluster) => {
      const placed = onCluster(target, cluster);
      return placed.clusters.length > 1 ? { target: placed, cluster: placed.placement.name, clusters: placed.clusters.map((c) => c.name) } : { target: placed };
    },
    watch: {
      entry: __filename,
      // The app's sources, and the files the image references come from.
      paths: ['main.ts', 'lib', 'config', 'docker/image.env', 'services/api/image.env'].map((p) => path.join(__dirname, p)),
      options: (fresh) => (fresh as typeof import('./main')).commandOptions(env),
    },
  };
}

/**
 * What the synth says about images deployed by tag: a tag can move and is pulled again on every
 * pod start, so a target beyond the default one (the local build's) should run pushed digests.
 * Said, not refused: a fresh checkout has no pushed digest to pin until a release is pushed.
 */
export function unpinnedImageNotes(target: ResolvedTarget, env: NodeJS.ProcessEnv): string[] {
  if (target.name === targets[0].name) return [];
  const images: Array<[ImageReference, string, string]> = [[siteImage(env), 'SITE_IMAGE', 'docker/push.sh']];
  if (target.api) images.push([apiImage(env), 'API_IMAGE', 'IMAGE_ENV=services/api/image.env docker/push.sh']);
  return images.filter(([image]) => !image.isImmutable).map(([image, variable, push]) =>
    `target ${target.name} deploys ${image} by tag, not by digest (a tag can move; pulled again on every pod start): `
    + `pin it with ${push}, which records the pushed digest in its image.env, or ${variable}=repository:tag@sha256:<digest>`);
}

/** `npm run synth [-- --target NAME] [--outdir DIR] [--no-validate] [--watch]`; returns the exit code. */
export function synth(argv: readonly string[], env: NodeJS.ProcessEnv, io?: CommandIo): Promise<number> {
  return runSynthCommand(argv, env, commandOptions(env), io);
}

// `npm run synth` and `cdk8s synth` (cdk8s.yaml) run this file.
if (require.main === module) void synth(process.argv.slice(2), process.env).then((code) => { process.exitCode = code; });
