import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from 'util';
import { OutputFolder } from '../../synth/output-folder';
import { onCluster } from '../../config/deployment-config';
import { selectTarget } from '../../synth/synth-command';
import { synthTargets, targets } from '../../app';
import { compareTarget, hasChanges, renderMarkdown, renderText } from '../../synth/manifest-diff';

const HELP = `Usage: npm run diff -- [--target NAME] [--cluster NAME] [--base DIR] [--markdown]

Synthesizes the current code for one target into a temporary folder (dist/ is not touched) and
compares it, object by object (apiVersion, kind, namespace, name), with the last synthesized
output of that target in DIR (default dist): objects added, removed, and for the others the
fields that changed, with old and new values. No cluster is needed.

A target on several clusters (prod) is synthesized for each of them: DIR holds the output for
one cluster (npm run synth -- --target prod --cluster NAME), which is compared with the code's
for that cluster; every other cluster is shown with what the code gives it that differs from
that cluster (its own pod network, say), and how to compare it too.

Options:
  --target NAME   the target to compare (default: the one DIR holds, else the first target)
  --cluster NAME  a target on several clusters: only this cluster (DIR must hold it)
  --base DIR      the output to compare with (default dist); missing: everything is added
  --markdown      Markdown tables for a pull request comment instead of terminal text
  -h, --help      this text

Exit codes: 0 no changes, 1 changes, 2 error (bad option, the code does not synthesize).
`;

async function run(argv: readonly string[]): Promise<number> {
  let tmp: string | undefined;
  try {
    const { values: opts } = parseArgs({
      args: [...argv],
      options: {
        target: { type: 'string' },
        cluster: { type: 'string' },
        base: { type: 'string', default: 'dist' },
        markdown: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (opts.help) {
      process.stdout.write(HELP);
      return 0;
    }
    const base = opts.base!;
    const held = new OutputFolder(base).marker();
    const target = selectTarget(targets, opts.target ?? held?.target);
    if (held !== undefined && held.target !== target.name) {
      throw new Error(`${base} holds target "${held.target}", not "${target.name}": run "npm run synth -- --target ${target.name}" first, or pass --base`);
    }
    const placed = onCluster(target, opts.cluster);
    const several = target.clusters.length > 1;
    if (several && opts.cluster !== undefined && held !== undefined && held.cluster !== placed.placement.name) {
      throw new Error(`${base} holds target ${target.name} ${held.cluster ? `on cluster ${held.cluster}` : 'without a cluster recorded'}, not on ${placed.placement.name}: `
        + `run "npm run synth -- --target ${target.name} --cluster ${placed.placement.name}" first, or pass --base`);
    }
    if (!fs.existsSync(base)) {
      console.error(`diff: ${base} does not exist (run "npm run synth" to create it); everything counts as added`);
    }
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mincloud-diff-'));
    const color = !opts.markdown && process.stdout.isTTY === true && !process.env.NO_COLOR;
    if (!several) {
      const [next] = await synthTargets(tmp, { names: [target.name] });
      const diff = compareTarget(target.name, base, next.dir);
      console.log(opts.markdown ? renderMarkdown([diff]) : renderText([diff], color));
      return hasChanges([diff]) ? 1 : 0;
    }
    // Every cluster (or the one asked for), each synthesized for itself.
    const wanted = opts.cluster !== undefined ? [placed.placement.name] : target.clusters.map((c) => c.name);
    const outputs = new Map((await synthTargets(tmp, { names: [target.name], everyCluster: true })).map((r) => [r.cluster!, r.dir]));
    const label = (cluster: string) => `${target.name} on ${cluster}`;
    const compared = wanted.filter((c) => !fs.existsSync(base) || held?.cluster === c);
    if (compared.length === 0) {
      throw new Error(`${base} holds target ${target.name} ${held?.cluster ? `on cluster ${held.cluster}, which it no longer runs on` : 'without a cluster recorded (synthesized before it ran on several clusters)'}: `
        + `run "npm run synth -- --target ${target.name} --cluster NAME" (one of ${wanted.join(', ')}) first, or pass --base`);
    }
    const diffs = compared.map((c) => compareTarget(label(c), base, outputs.get(c)!));
    const others = wanted.filter((c) => !compared.includes(c)).map((c) => ({
      cluster: c,
      // What the same code gives this cluster that differs from the cluster the base holds.
      own: held?.cluster !== undefined && outputs.has(held.cluster) ? compareTarget(`${label(c)}, against ${label(held.cluster)}`, outputs.get(held.cluster)!, outputs.get(c)!) : undefined,
    }));
    const lines = diffs.length ? [opts.markdown ? renderMarkdown(diffs) : renderText(diffs, color)] : [];
    for (const { cluster, own } of others) {
      const how = `to compare it, synthesize its last output with "npm run synth -- --target ${target.name} --cluster ${cluster} --outdir DIR" `
        + `and run "npm run diff -- --target ${target.name} --cluster ${cluster} --base DIR"`;
      const why = held?.cluster ? `${base} holds ${label(held.cluster)}` : `${base} holds target ${target.name} without a cluster recorded (synthesized before it ran on several clusters)`;
      lines.push(opts.markdown ? `### ${label(cluster)}: not compared\n\n${why}; ${how}.` : `${label(cluster)}: not compared: ${why}; ${how}`);
      if (own) {
        const count = own.added.length + own.removed.length + own.changed.length;
        if (count === 0) lines.push(opts.markdown ? `\nThe code gives it the same manifests as ${held!.cluster}.\n` : `  the code gives it the same manifests as ${held!.cluster}`);
        else if (opts.markdown) lines.push(`\nWhat the code gives it that differs from ${held!.cluster}:\n\n${renderMarkdown([own]).replace(/^## Manifest changes\n\n[\s\S]*?\n### /, '### ')}`);
        else lines.push(`  what the code gives it that differs from ${held!.cluster}:`, ...renderText([own], color).split('\n').map((l) => `  ${l}`));
      }
    }
    console.log(lines.join('\n'));
    return hasChanges(diffs) ? 1 : 0;
  } catch (e) {
    console.error(`diff: ${(e as Error).message}`);
    return 2;
  } finally {
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  }
}

void run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
