// A generated app of N web services, synthesized the way `npm run synth` synthesizes main.ts:
// the same constructs, the same schema and policy checks, the same atomic write.
//
//   node -r ./tools/ts-run/register.js bench/synth/many-services.ts --services 1000 --outdir /tmp/out
//   ... --no-checks    the same without the schema and policy checks
//
// Each service gets every production object this project gives a web service: ServiceAccount,
// Deployment, Service, PodDisruptionBudget, NetworkPolicy and HorizontalPodAutoscaler.

import { ImageReference } from '../../lib/image-reference';
import { NamespaceChart } from '../../lib/namespace-chart';
import { ResourceProfile } from '../../lib/resource-profile';
import { policyCheck, schemaCheck } from '../../lib/synth/output-checks';
import { synthesize } from '../../lib/synth/synthesize';
import { WebService } from '../../lib/web-service';

export function synthesizeServices(services: number, outdir: string, checks = true): { objects: number } {
  const [result] = synthesize({
    outdir,
    targets: [{ name: 'bench' }],
    checks: checks ? [schemaCheck, policyCheck] : [],
    build: (app) => {
      const chart = new NamespaceChart(app, 'bench', { namespace: 'bench', version: '1.0.0' });
      for (let i = 0; i < services; i++) {
        new WebService(chart, `svc${i}`, {
          image: ImageReference.fromTag(`registry.example.com/svc${i}`, '1.0.0'),
          resources: ResourceProfile.MICRO,
          autoscaling: { minReplicas: 2, maxReplicas: 4 },
        });
      }
    },
  });
  return { objects: result.objects };
}

function main(argv: readonly string[]): void {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const services = Number(value('--services'));
  const outdir = value('--outdir');
  const unknown = argv.filter((a, i) => a.startsWith('--') && !['--services', '--outdir', '--no-checks'].includes(a) && argv[i - 1] !== '--services' && argv[i - 1] !== '--outdir');
  if (!Number.isInteger(services) || services < 1 || !outdir || unknown.length > 0) {
    console.error('usage: many-services.ts --services N (a whole number >= 1) --outdir DIR [--no-checks]');
    process.exit(2);
  }
  const { objects } = synthesizeServices(services, outdir, !argv.includes('--no-checks'));
  console.log(`${outdir}/bench: ${services} services, ${objects} objects`);
}

if (require.main === module) main(process.argv.slice(2));
