import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readManifestFolder, targetFolders } from '../../lib/synth/manifest-files';
import { toDot } from './dot';

const HELP = `Usage: npm run topology -- [--target NAME[,NAME]] [--dist DIR] [--out DIR]

Draws each synthesized target (default: every folder in dist/) as a picture of what gets
deployed: clients → Ingress → Service → Deployment → pods, with ports, replicas, autoscaling,
disruption budget and network policy. Writes <out>/<target>.dot and <out>/<target>.svg
(default out: build/topology) with Graphviz's dot.
`;

function run(argv: string[]): number {
  let dist = 'dist';
  let out = path.join('build', 'topology');
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') { process.stdout.write(HELP); return 0; }
    if (a === '--dist') dist = argv[++i];
    else if (a === '--out') out = argv[++i];
    else if (a === '--target') only = argv[++i].split(',');
    else { console.error(`topology: unknown option "${a}" (see --help)`); return 1; }
  }
  if (!fs.existsSync(dist)) {
    console.error(`topology: ${dist} does not exist; run "npm run synth" first`);
    return 1;
  }
  const targets = targetFolders(dist).filter((t) => !only || only.includes(t));
  for (const t of only ?? []) {
    if (!targets.includes(t)) { console.error(`topology: no target "${t}" in ${dist}; have ${targetFolders(dist).join(', ')}`); return 1; }
  }
  fs.mkdirSync(out, { recursive: true });
  for (const target of targets) {
    const objects = readManifestFolder(path.join(dist, target)).files.flatMap((f) => f.manifests);
    const dot = toDot(target, objects as never);
    const dotFile = path.join(out, `${target}.dot`);
    fs.writeFileSync(dotFile, dot);
    const svg = spawnSync('dot', ['-Tsvg', dotFile], { encoding: 'utf-8' });
    if (svg.error || svg.status !== 0) {
      console.error(`topology: dot failed for ${target}: ${svg.error?.message ?? svg.stderr} (install graphviz)`);
      return 1;
    }
    fs.writeFileSync(path.join(out, `${target}.svg`), svg.stdout);
    console.log(`topology: ${path.join(out, `${target}.svg`)} (${objects.length} objects)`);
  }
  return 0;
}

process.exitCode = run(process.argv.slice(2));
