import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { readManifestFolder, targetFolders } from '../../lib/synth/manifest-files';
import { toDot } from './dot';

const HELP = `Usage: npm run topology -- [--target NAME[,NAME]] [--dist DIR] [--out DIR]

Draws each synthesized target (default: every folder in DIR, default dist/) as a picture of
what gets deployed: clients → Ingress / IngressRoute / NodePort → Service (port → targetPort →
containerPort) → pods ×replicas, each workload with its Deployment, autoscaler, disruption
budget, network policy (allowed sources), service account and config, custom resources
(Certificate, ServiceMonitor, PrometheusRule, Middleware) beside them, all inside the
Namespace's box. Writes <out>/<target>.dot and <out>/<target>.svg with Graphviz's dot
(Debian package graphviz). The same manifests always give the same bytes.

Options:
  --target NAME[,NAME]  only these targets
  --dist DIR            the synthesized output to read (default dist)
  --out DIR             where to write (default build/topology; docs/topology for the README)
  -h, --help            this text

Exit codes: 0 written, 1 error (no such folder or target, dot missing or failing).
`;

function run(argv: string[]): number {
  let dist = 'dist';
  let out = path.join('build', 'topology');
  let only: string[] | undefined;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('-'))) throw new Error(`${flag} needs a value (see --help)`);
      return v;
    };
    if (flag === '-h' || flag === '--help') { process.stdout.write(HELP); return 0; }
    if (flag === '--dist') dist = value();
    else if (flag === '--out') out = value();
    else if (flag === '--target') only = value().split(',');
    else throw new Error(`unknown option "${argv[i]}" (see --help)`);
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

try {
  process.exitCode = run(process.argv.slice(2));
} catch (e) {
  console.error(`topology: ${(e as Error).message}`);
  process.exitCode = 1;
}
