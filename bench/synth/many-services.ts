// A generated app of N web services, synthesized the way `npm run synth` synthesizes main.ts:
// the same constructs, the same schema and policy checks, the same atomic write.
//
//   node --import tsx bench/synth/many-services.ts --services 1000 --outdir /tmp/out
//   ... --no-checks    the same without the schema and policy checks
//
// Each service gets every production object this project gives a web service: ServiceAccount,
// Deployment, Service, PodDisruptionBudget, NetworkPolicy and HorizontalPodAutoscaler.

import { ImageReference } from '../../lib/image-reference';
import { NamespaceChart } from '../../lib/namespace-chart';
import { ResourceProfile } from '../../lib/resource-profile';
import { parseArgs } from 'util';
import { synthTarget } from '../../lib/synth/synth-target';
import { pluginValidation } from '../../lib/synth/validations';
import { validations } from '../../main';
import { WebService } from '../../lib/web-service';

export async function synthesizeServices(services: number, outdir: string, checks = true): Promise<{ objects: number }> {
  const result = await synthTarget({
    outdir,
    target: { name: 'bench' },
    validate: checks ? pluginValidation(validations()) : undefined,
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

const USAGE = 'usage: many-services.ts --services N (a whole number >= 1) --outdir DIR [--no-checks]';

async function main(argv: readonly string[]): Promise<void> {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: { 'services': { type: 'string' }, 'outdir': { type: 'string' }, 'no-checks': { type: 'boolean' } } }).values;
  } catch {
    values = undefined;
  }
  const services = Number(values?.services);
  if (!values || !Number.isInteger(services) || services < 1 || !values.outdir) {
    console.error(USAGE);
    process.exit(2);
  }
  const { objects } = await synthesizeServices(services, values.outdir, !values['no-checks']);
  console.log(`${values.outdir}: ${services} services, ${objects} objects`);
}

if (require.main === module) void main(process.argv.slice(2));
