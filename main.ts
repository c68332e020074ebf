import { App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { deploymentConfig } from './config/targets';
import { ImageReference } from './lib/image-reference';
import { siteImage } from './lib/image-config';
import { NamespaceChart } from './lib/namespace-chart';
import { PolicyException } from './lib/policy-exception';
import { policyCheck, schemaCheck } from './lib/synth/output-checks';
import { synthesize } from './lib/synth/synthesize';
import { ResolvedTarget, resolveTargets, selectTargets } from './lib/targets';
import { WebService } from './lib/web-service';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { version } = require('./package.json') as { version: string };

/** What one target runs: the site (the seed's `nginx1`). */
export function buildTarget(app: App, target: ResolvedTarget, image: ImageReference): NamespaceChart {
  const chart = new NamespaceChart(app, target.name, { namespace: target.namespace, version });
  const serviceType = target.serviceType ?? kplus.ServiceType.NODE_PORT;

  new WebService(chart, 'nginx1', {
    appName: 'nginx',
    image,
    containerPort: 8080,
    servicePort: 80,
    serviceType,
    nodePort: target.nodePort,
    replicas: target.replicas,
    resources: target.resources,
    autoscaling: target.maxReplicas ? { minReplicas: target.replicas ?? 2, maxReplicas: target.maxReplicas } : undefined,
    policyExceptions: serviceType === kplus.ServiceType.NODE_PORT ? [
      PolicyException.kubeScore('service-type', 'Service',
        'The seed exposes the site on a NodePort (no ingress controller on its single-node cluster); kept for compatibility.'),
    ] : [],
  });
  return chart;
}

/** `npm run synth [-- --target dev,prod] [--outdir dist]` */
export function main(argv: readonly string[], env: NodeJS.ProcessEnv, log: (line: string) => void = console.log): void {
  const args = parseArgs(argv);
  const targets = selectTargets(resolveTargets(deploymentConfig), args.target ?? env.TARGET);
  const image = siteImage(env);
  const outdir = args.outdir ?? env.CDK8S_OUTDIR ?? 'dist';
  const results = synthesize({
    outdir,
    targets,
    build: (app, target) => buildTarget(app, target, image),
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
