// A generated app of N web services, synthesized the way `npm run synth` synthesizes main.ts:
// the same constructs, the same validation plugins, the same atomic write, the same command.
//
//   node synth/compiled-entry.js bench/synth/many-services.ts --services 1000 --outdir /tmp/out
//   ... --no-checks    the same without the validation plugins
//   ... --watch        the watch loop of `npm run synth -- --watch`, on this app
//
// Each service gets every production object this project gives a web service: ServiceAccount,
// Deployment, Service, PodDisruptionBudget, NetworkPolicy and HorizontalPodAutoscaler.

import * as path from 'path';
import { parseArgs } from 'util';
import { App } from 'cdk8s';
import { ImageReference } from '../../lib/image-reference';
import { NamespaceChart } from '../../lib/namespace-chart';
import { ResourceProfile } from '../../lib/resource-profile';
import { runSynthCommand, SynthCommandOptions } from '../../synth/synth-command';
import { synthTarget } from '../../synth/synth-target';
import { pluginValidation } from '../../synth/validations';
import { WebService } from '../../lib/web-service';
import { validations } from '../../app/validations';

/** N services in one namespace. */
export function buildServices(app: App, services: number): void {
  const chart = new NamespaceChart(app, 'bench', { namespace: 'bench', version: '1.0.0' });
  for (let i = 0; i < services; i++) {
    new WebService(chart, `svc${i}`, {
      image: ImageReference.fromTag(`registry.example.com/svc${i}`, '1.0.0'),
      resources: ResourceProfile.MICRO,
      autoscaling: { minReplicas: 2, maxReplicas: 4 },
    });
  }
}

export async function synthesizeServices(services: number, outdir: string, checks = true): Promise<{ objects: number }> {
  const result = await synthTarget({
    outdir,
    target: { name: 'bench' },
    validate: checks ? pluginValidation(validations()) : undefined,
    build: (app) => buildServices(app, services),
  });
  return { objects: result.objects };
}

/** What the synth command (and its watch loop, which reloads this file) needs for N services. */
export function commandOptions(services: number): SynthCommandOptions<{ name: string }> {
  return {
    targets: [{ name: 'bench' }],
    build: (app) => buildServices(app, services),
    validate: (options) => pluginValidation(validations(), options),
    watch: { entry: __filename, paths: [__filename], options: (fresh) => (fresh as typeof import('./many-services')).commandOptions(services) },
  };
}

const USAGE = 'usage: many-services.ts --services N (a whole number >= 1) --outdir DIR [--no-checks] [--watch]';

async function main(argv: readonly string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: [...argv], options: { 'services': { type: 'string' }, 'outdir': { type: 'string' }, 'no-checks': { type: 'boolean' }, 'watch': { type: 'boolean' } } }).values;
  } catch {
    values = undefined;
  }
  const services = Number(values?.services);
  if (!values || !Number.isInteger(services) || services < 1 || !values.outdir) {
    console.error(USAGE);
    return 2;
  }
  if (values.watch) {
    return runSynthCommand(['--watch', '--outdir', values.outdir, ...(values['no-checks'] ? ['--no-validate'] : [])], {}, commandOptions(services));
  }
  const { objects } = await synthesizeServices(services, path.resolve(values.outdir), !values['no-checks']);
  console.log(`${values.outdir}: ${services} services, ${objects} objects`);
  return 0;
}

if (require.main === module) void main(process.argv.slice(2)).then((code) => { process.exitCode = code; });
