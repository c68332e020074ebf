// How long writing the YAML of generated services takes: cdk8s' own Yaml.stringify (the `yaml`
// package) against manifestYaml (synth/manifest-yaml.ts), the same documents, in the same
// process, alternating, after a warm-up; checks first that both give the same bytes. Prints one
// JSON line for bench/synth/report.js:
//
//   node synth/compiled-entry.js bench/synth/yaml-writer.ts [--services 1000] [--rounds 5]

import { parseArgs } from 'util';
import { App, Yaml } from 'cdk8s';
import { buildServices } from './many-services';
import { manifestYaml } from '../../synth/manifest-yaml';

function main(): void {
  const { values } = parseArgs({ options: { services: { type: 'string', default: '1000' }, rounds: { type: 'string', default: '5' } } });
  const services = Number(values.services);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(services) || services < 1 || !Number.isInteger(rounds) || rounds < 1) {
    console.error('usage: yaml-writer.ts [--services N] [--rounds R] (whole numbers >= 1)');
    process.exit(2);
  }
  const app = new App({ outdir: '/nonexistent' });
  buildServices(app, services);
  const docs = app.charts.flatMap((c) => Object.values(c.toJson()));
  if (manifestYaml(docs) !== Yaml.stringify(...docs)) throw new Error('manifestYaml and Yaml.stringify differ on the generated services');
  const time = (write: () => string) => {
    const start = process.hrtime.bigint();
    write();
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const library: number[] = [];
  const own: number[] = [];
  for (let i = 0; i < rounds; i++) {
    library.push(time(() => Yaml.stringify(...docs)));
    own.push(time(() => manifestYaml(docs)));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(JSON.stringify({ services, objects: docs.length, rounds, library: median(library), own: median(own) }));
}

main();
