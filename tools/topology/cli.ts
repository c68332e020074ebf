import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { KubeObject, readManifestObjects } from 'k8s-checks';
import { OutputFolder } from '../../synth/output-folder';
import { synthTargets } from '../../app';
import { mergeClusters } from './clusters';
import { toDot } from './dot';
import { Picture, writePictures } from './pictures';
import { renderSvg } from './render-svg';

const HELP = `Usage: npm run topology -- [--target NAME[,NAME]] [--dist DIR] [--out DIR]

Draws each target (default: every target of config/targets.ts, synthesized from the current
code into a temporary folder; with --dist, the one target DIR holds) as a picture of what gets
deployed: clients → Ingress / IngressRoute / NodePort → Service (port → targetPort →
containerPort) → pods ×replicas, each workload with its Deployment, autoscaler, disruption
budget, network policy (allowed sources), service account and config, custom resources
(Certificate, ServiceMonitor, PrometheusRule, Middleware) beside them, all inside the
Namespace's box. Writes <out>/<target>.dot and <out>/<target>.svg, rendered by Graphviz built
to WebAssembly (the npm package @hpcc-js/wasm-graphviz; no system Graphviz needed). Every
picture is rendered before any file is written, and each file is replaced whole: a failed run
leaves <out> as it was. The same manifests always give the same bytes.

A target on several clusters is synthesized for each and drawn as one picture titled with its
clusters in rollout order; an object only some clusters have (a ConfigMap holding a cluster's
own pod network) is drawn for each, noted with its clusters.

Options:
  --target NAME[,NAME]  only these targets
  --dist DIR            draw the synthesized output in DIR (e.g. dist) instead
  --out DIR             where to write (default build/topology; docs/topology for the README)
  -h, --help            this text

Exit codes: 0 written, 1 error (no such folder or target, Graphviz failing; nothing written).
`;

async function run(argv: string[]): Promise<number> {
  const { values: opts } = parseArgs({
    args: argv,
    options: {
      target: { type: 'string' },
      dist: { type: 'string' },
      out: { type: 'string', default: path.join('build', 'topology') },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (opts.help) { process.stdout.write(HELP); return 0; }
  const out = opts.out!;
  const only = opts.target?.split(',').map((t) => t.trim()).filter(Boolean);
  let tmp: string | undefined;
  try {
    let folders: Array<{ target: string; dir: string; cluster?: string }>;
    if (opts.dist !== undefined) {
      if (!fs.existsSync(opts.dist)) {
        console.error(`topology: ${opts.dist} does not exist; run "npm run synth" first`);
        return 1;
      }
      const marker = new OutputFolder(opts.dist).marker();
      const target = marker?.target ?? path.basename(path.resolve(opts.dist));
      if (only && !only.includes(target)) {
        console.error(`topology: ${opts.dist} holds target "${target}", not ${only.map((t) => `"${t}"`).join(', ')}`);
        return 1;
      }
      folders = [{ target, dir: opts.dist, cluster: marker?.cluster }];
    } else {
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mincloud-topology-'));
      folders = (await synthTargets(tmp, { names: only, everyCluster: true })).map((r) => ({ target: r.target.name, dir: r.dir, cluster: r.cluster }));
    }
    const names = [...new Set(folders.map((f) => f.target))];
    const pictures: Picture[] = [];
    const summaries: string[] = [];
    for (const target of names) {
      const ofTarget = folders.filter((f) => f.target === target);
      const read = (dir: string) => readManifestObjects(dir);
      let objects: KubeObject[];
      let dot: string;
      if (ofTarget.length > 1) {
        const merged = mergeClusters(ofTarget.map((f) => ({ cluster: f.cluster!, objects: read(f.dir) })));
        objects = merged.objects;
        const clusters = ofTarget.map((f, i) => `${f.cluster}${i === 0 ? ' (canary)' : ''}`).join(' → ');
        dot = toDot(target, objects, { title: `target ${target} on ${ofTarget.length} clusters, in rollout order: ${clusters}`, notes: merged.notes });
      } else {
        objects = read(ofTarget[0].dir);
        dot = toDot(target, objects, ofTarget[0].cluster && opts.dist !== undefined ? { title: `target ${target} on cluster ${ofTarget[0].cluster}` } : {});
      }
      pictures.push({ target, dot });
      const on = ofTarget.filter((f) => f.cluster !== undefined).map((f) => f.cluster);
      summaries.push(`topology: ${path.join(out, `${target}.svg`)} (${objects.length} objects${on.length ? `; ${on.length > 1 ? 'clusters' : 'cluster'} ${on.join(', ')}` : ''})`);
    }
    await writePictures(out, pictures, renderSvg);
    for (const line of summaries) console.log(line);
    return 0;
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

run(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: Error) => {
  console.error(`topology: ${e.message}`);
  process.exitCode = 1;
});
