import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deploymentConfig } from '../../config/targets';
import { onCluster, ResolvedTarget, resolveTargets, selectTargets } from '../../config/deployment-config';
import { compareObjects, renderText } from '../../synth/manifest-diff';
import { KubeObject, parseManifestText, readManifestObjects } from 'k8s-checks';
import { version } from '../../package.json';
import { writeChart } from '../helm/chart';
import { DeployOptions, UsageError } from './args';
import { commandLine, GOOD, history, Io, releaseBytes, RELEASES_NAMESPACE, Revision, run, SECRET_LIMIT, why } from './helm';
import { checkContexts, Checked, preflight } from './preflight';
import { SynthTarget, synthTarget as defaultSynthTarget } from './synth-target';

export { Io } from './helm';

/** The exit codes; --help says what each leaves on the clusters. */
export const EXIT = { ok: 0, usage: 1, synth: 2, preflight: 3, failed: 4, busy: 5, laterClusterFailed: 6 } as const;

/** What tests replace: the synth (to add or change objects the way a code change would). */
export interface DeployDeps { readonly synthTarget?: SynthTarget }

/** One cluster of the run: the target placed there, and its chart once synthesized. */
interface Cluster extends Checked {
  readonly target: ResolvedTarget;
  readonly label: string;
  chart: string;
  objects: KubeObject[];
}

/** What a run needs everywhere; `release` is the target's Helm release, one name on each cluster. */
interface Run { readonly opts: DeployOptions; readonly io: Io; readonly target: ResolvedTarget; readonly release: string; readonly timeout: number }

/** What helm did on one cluster: the revision it runs now (or was left at), the good one before, where it stands. */
interface Outcome { readonly code: number; readonly now?: Revision; readonly before?: Revision; readonly state?: string }

/** The one target `--target` names; configuration problems are usage errors. */
export function resolveTarget(name: string): ResolvedTarget {
  if (name.includes(',')) throw new UsageError(`--target "${name}": deploy one target at a time`);
  try {
    return selectTargets(resolveTargets(deploymentConfig), name)[0];
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Runs `npm run deploy` (a deploy, `--rollback` or `--history`); resolves with the exit code. */
export async function deploy(opts: DeployOptions, io: Io, deps: DeployDeps = {}): Promise<number> {
  const target = resolveTarget(opts.target);
  const timeout = opts.timeoutSeconds ?? target.rolloutSeconds.timeout;
  if (timeout <= target.rolloutSeconds.progressDeadline) {
    throw new UsageError(`--timeout ${timeout}s is not above the progress deadline of target ${target.name} (${target.rolloutSeconds.progressDeadline}s): `
      + 'a stuck rollout must end on its deadline; give a longer --timeout');
  }
  const clusters = clustersOf(target, opts);
  const x: Run = { opts, io, target, release: `mincloud-${target.name}`, timeout };
  if (opts.mode === 'history') {
    let code: number = EXIT.ok;
    for (const c of clusters) code = Math.max(code, await showHistory(x, c, clusters.length > 1));
    return code;
  }
  if (opts.mode === 'rollback') return rollback(x, clusters[0]);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `deploy-${target.name}-`));
  try {
    for (const c of clusters) {
      const stopped = await prepare(x, c, deps.synthTarget ?? defaultSynthTarget, work);
      if (stopped !== undefined) return stopped;
    }
    io.log(`[2/3] preflight: ${clusters.map((c) => `${c.name} (context ${c.context})`).join(', ')}`);
    const problems = await preflight(opts.kubectl, clusters, io);
    if (problems.length > 0) {
      io.error(`deploy: preflight failed; nothing was applied to any cluster:\n${problems.map((p) => `- ${p}`).join('\n')}`);
      return EXIT.preflight;
    }
    if (opts.dryRun) {
      for (const c of clusters) await showDiff(x, c, c.objects);
      io.log(`dry run of target ${target.name}: nothing was changed`);
      return EXIT.ok;
    }
    const done: Array<{ c: Cluster; o: Outcome }> = [];
    for (const [i, c] of clusters.entries()) {
      io.log(`[3/3] helm upgrade --install ${x.release} on ${c.label}`);
      const o = await upgrade(x, c);
      if (o.code !== EXIT.ok) {
        report(x, clusters, done, i, o);
        return i === 0 ? o.code : EXIT.laterClusterFailed;
      }
      done.push({ c, o });
    }
    io.log(`deployed target ${target.name}: ${done.map(({ c, o }) => `${c.name} runs revision ${o.now?.revision}`).join(', ')} of release ${x.release}`);
    return EXIT.ok;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The clusters of this run, in rollout order: the one `--cluster` names, or all of them. */
function clustersOf(target: ResolvedTarget, opts: DeployOptions): Cluster[] {
  const names = target.clusters.map((c) => c.name);
  const oneOf = `--cluster ${names[0]} (one of ${names.join(', ')})`;
  if (opts.cluster === undefined && names.length > 1 && opts.context !== undefined) {
    throw new UsageError(`--context names one kube context, but target ${target.name} runs on ${names.length} clusters (${names.join(', ')}): add ${oneOf}`);
  }
  if (opts.cluster === undefined && names.length > 1 && opts.mode === 'rollback') {
    throw new UsageError(`--rollback goes back on one cluster at a time (each has its own revisions), and target ${target.name} runs on ${names.length} `
      + `(${names.join(', ')}): add ${oneOf}; npm run deploy -- --target ${target.name} --history lists each cluster's revisions`);
  }
  let placed: ResolvedTarget[];
  try {
    placed = opts.cluster !== undefined ? [onCluster(target, opts.cluster)] : names.map((n) => onCluster(target, n));
  } catch (e) {
    throw new UsageError(`--cluster: ${(e as Error).message}`);
  }
  return placed.map((t) => {
    const i = names.indexOf(t.placement.name);
    return {
      target: t, name: t.placement.name, context: opts.context ?? t.placement.context, chart: '', objects: [],
      contextSource: opts.context ? '--context' : `cluster "${t.placement.name}" of target ${target.name} in config/targets.ts`,
      label: names.length > 1 ? `cluster ${t.placement.name} (${i + 1} of ${names.length}${i === 0 ? ', the canary' : ''}; context ${opts.context ?? t.placement.context})`
        : `cluster ${t.placement.name} (context ${opts.context ?? t.placement.context})`,
    };
  });
}

const scope = (c: Cluster): string[] => ['--namespace', RELEASES_NAMESPACE, '--kube-context', c.context];

/** Step 1 for one cluster: synth, chart, and the size of Helm's record. An exit code when it stopped. */
async function prepare(x: Run, c: Cluster, synth: SynthTarget, work: string): Promise<number | undefined> {
  const { io, opts, target } = x;
  io.log(`[1/3] synth and validate target ${target.name} for ${c.label}`);
  let dir: string;
  try {
    dir = await synth(c.target, opts.image, opts.outdir, (line) => io.log(`    ${line}`));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    io.error(`deploy: synth failed, nothing was sent to any cluster:\n${(e as Error).message}`);
    return EXIT.synth;
  }
  c.objects = readManifestObjects(dir);
  c.chart = writeChart(dir, target.name, path.join(work, c.name), version, target.clusters.length > 1 ? c.name : undefined);
  const bytes = await releaseBytes(opts.helm, x.release, c.chart, io);
  if (typeof bytes === 'string') {
    io.error(`deploy: helm cannot render the chart ${path.basename(c.chart)}; nothing was sent to any cluster:\n${bytes}`);
    return EXIT.synth;
  }
  const mib = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MiB`;
  // Go's gzip may compress a little less than zlib's: 2% headroom.
  if (bytes > SECRET_LIMIT * 0.98) {
    io.error(`deploy: release ${x.release} is too big for Helm's storage on ${c.label}: Helm would store each revision as a Secret of about ${mib(bytes)} `
      + `(the release, gzipped and base64), and the API server refuses a Secret above ${mib(SECRET_LIMIT)}, after Helm changed the cluster. `
      + 'Nothing was sent to any cluster. Make the target smaller: large data belongs in an image or a volume, not in a ConfigMap or Secret of the chart');
    return EXIT.synth;
  }
  io.log(`    chart ${path.basename(c.chart)}: ${c.objects.length} objects; Helm's record of a revision: ${mib(bytes)} of ${mib(SECRET_LIMIT)}`);
  return undefined;
}

/** Step 3 on one cluster: helm upgrade --install, then where the release stands. */
async function upgrade(x: Run, c: Cluster): Promise<Outcome> {
  const { io, opts } = x;
  const before = await history(opts.helm, x.release, c.context, io);
  if (typeof before === 'string') return { code: EXIT.failed, state: `not changed: cannot read the release's history: ${before}` };
  const images = c.objects.filter((o) => o.kind === 'Deployment').flatMap((d) => (d.spec?.template?.spec?.containers ?? [])
    .map((k: { name: string; image: string }) => `${d.metadata.name}=${k.image}`));
  const r = await run(opts.helm, 'helm', ['upgrade', '--install', x.release, c.chart, ...scope(c), '--create-namespace',
    '--server-side=true', '--force-conflicts', '--rollback-on-failure', '--wait=watcher', `--timeout=${x.timeout}s`, `--history-max=${c.target.releasesKept}`,
    '--description', `${commit()}: ${images.join(' ') || 'no Deployment'}`, ...(before.length === 0 ? ['--take-ownership'] : [])], io, { stream: true });
  const after = await history(opts.helm, x.release, c.context, io);
  const revs = typeof after === 'string' ? [] : after;
  const good = before.filter((v) => GOOD.has(v.status)).pop();
  const now = revs[revs.length - 1];
  if (r.status === 0) return { code: EXIT.ok, now, before: good };
  // Helm's lock: a pending revision, or (two deploys at the same moment) the next revision's record taken.
  if (/another operation \(install\/upgrade\/rollback\) is in progress|release: already exists/.test(r.stderr)) {
    const latest = now ?? before[before.length - 1];
    return {
      code: EXIT.busy, now: latest, before: good,
      state: `not changed: Helm refused (${why(r).split('\n').pop()}). Either another deploy or rollback of target ${x.target.name} is running there `
        + `now: wait for it, then deploy again. Or one was interrupted (killed) and left revision ${latest?.revision} ${latest?.status} `
        + `(since ${latest?.updated}); then nothing will finish it: ${good ? `put the cluster back on revision ${good.revision}, the last good one, with the rollback below`
          : `remove the unfinished first install (${commandLine(['helm', 'uninstall', x.release, ...scope(c)])})`}, and deploy again`,
    };
  }
  const restored = /^Rollback to (\d+)/.exec(now?.description ?? '');
  const state = !now
    ? 'the first install failed, and Helm removed it (a failed install is uninstalled): nothing of the target is left there'
    : now.status === 'deployed' && restored
      ? `failed, and Helm restored the whole release: revision ${now.revision} is revision ${restored[1]} again, every object as it was; `
        + `the failed revision is kept in --history as failed`
      : `failed, and Helm could not restore the release: revision ${now.revision} is ${now.status} (${now.description}); look at the cluster now`;
  return { code: EXIT.failed, now, before: good, state };
}

/** The git commit deployed (`-dirty` with uncommitted changes), for the revision's description. */
function commit(): string {
  try {
    const git = (...a: string[]) => execFileSync('git', ['-C', path.join(__dirname, '..', '..'), ...a], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `commit ${git('rev-parse', '--short=12', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '-dirty' : ''}`;
  } catch {
    return 'no git commit';
  }
}

/** The commands that put cluster `c` on `revision`. */
function rollbackCommands(x: Run, c: Cluster, revision: number): string {
  const many = x.target.clusters.length > 1 ? ` --cluster ${c.name}` : '';
  return `  npm run deploy -- --target ${x.target.name}${many} --rollback --to ${revision}\n`
    + `  (or: ${commandLine(['helm', 'rollback', x.release, String(revision), ...scope(c), '--server-side=true', '--wait=watcher', `--timeout=${x.timeout}s`])})`;
}

/** After the first failure: where every cluster is now, and the commands that roll each back. */
function report(x: Run, clusters: readonly Cluster[], done: ReadonlyArray<{ c: Cluster; o: Outcome }>, at: number, failed: Outcome): void {
  const { io, target } = x;
  const width = Math.max(...clusters.map((c) => c.name.length));
  const lines = [
    ...done.map(({ c, o }) => `${c.name.padEnd(width)}  runs the new release: revision ${o.now?.revision}${o.before ? `; revision ${o.before.revision} ran before` : '; its first'}`),
    `${clusters[at].name.padEnd(width)}  ${failed.state}`,
    ...clusters.slice(at + 1).map((c) => `${c.name.padEnd(width)}  not reached: not changed`),
  ];
  io.error(`deploy: target ${target.name} stopped at ${clusters[at].label}. Where each cluster is now:\n${lines.map((l) => `  ${l}`).join('\n')}`);
  const back = failed.before ?? (failed.now && GOOD.has(failed.now.status) ? failed.now : undefined);
  if (back) {
    io.error(`deploy: the last good revision of ${clusters[at].name} is ${back.revision}; to put it back there by hand`
      + `${failed.code === EXIT.busy ? ' (once no deploy is running)' : ''}:\n${rollbackCommands(x, clusters[at], back.revision)}`);
  }
  for (const { c, o } of done) {
    io.error(o.before ? `deploy: ${c.name} stays on the new release; to roll it back to revision ${o.before.revision}:\n${rollbackCommands(x, c, o.before.revision)}`
      : `deploy: ${c.name} had no release of target ${target.name} before; to remove it: ${commandLine(['helm', 'uninstall', x.release, ...scope(c)])}`);
  }
}

/** The context check and the release's history of one cluster (--history, --rollback), or the exit code. */
async function revisionsOf(x: Run, c: Cluster): Promise<Revision[] | number> {
  const problems = await checkContexts(x.opts.kubectl, [c], x.io);
  const revs = problems.length > 0 ? problems[0] : await history(x.opts.helm, x.release, c.context, x.io);
  if (typeof revs !== 'string') return revs;
  x.io.error(`deploy: ${problems.length > 0 ? '' : `cannot read the history of release ${x.release} on ${c.label}: `}${revs}`);
  return EXIT.preflight;
}

/** --history: Helm's history of the release on one cluster. */
async function showHistory(x: Run, c: Cluster, several: boolean): Promise<number> {
  if (several) x.io.log(`== ${c.label}`);
  const revs = await revisionsOf(x, c);
  if (typeof revs === 'number') return revs;
  const r = revs.length > 0 ? await run(x.opts.helm, 'helm', ['history', x.release, ...scope(c)], x.io) : undefined;
  x.io.log(r ? r.stdout.replace(/\s+$/, '') : `target ${x.target.name} has no release on ${c.label}`);
  return EXIT.ok;
}

/**
 * --rollback: helm rollback to `--to N`, or to the newest good revision before the newest one:
 * after a failed or interrupted deploy, the release that ran before it.
 */
async function rollback(x: Run, c: Cluster): Promise<number> {
  const { io, opts, target } = x;
  const revs = await revisionsOf(x, c);
  if (typeof revs === 'number') return revs;
  const listed = `it has ${revs.map((v) => `${v.revision} (${v.status})`).join(', ') || 'none'} (npm run deploy -- --target ${target.name} --history)`;
  const latest = revs[revs.length - 1];
  const to = opts.to !== undefined ? revs.find((v) => v.revision === opts.to) : revs.filter((v) => v.revision < latest?.revision && GOOD.has(v.status)).pop();
  if (!to) throw new UsageError(`${opts.to !== undefined ? `--to ${opts.to}: no such revision` : 'no good revision before the newest one'} of release ${x.release} on ${c.label}; ${listed}`);
  if (!GOOD.has(to.status)) throw new UsageError(`--to ${to.revision}: revision ${to.revision} is ${to.status}, it never ran; pick one that was deployed: ${listed}`);
  io.log(`roll back release ${x.release} on ${c.label} from revision ${latest.revision} (${latest.status}) to revision ${to.revision} (${to.description})`);
  if (opts.dryRun) {
    const manifest = await run(opts.helm, 'helm', ['get', 'manifest', x.release, '--revision', String(to.revision), ...scope(c)], io);
    await showDiff(x, c, parseManifestText(manifest.stdout, `helm get manifest ${x.release} --revision ${to.revision}`));
    return EXIT.ok;
  }
  const r = await run(opts.helm, 'helm', ['rollback', x.release, String(to.revision), ...scope(c), '--server-side=true', '--force-conflicts',
    '--wait=watcher', `--timeout=${x.timeout}s`, `--history-max=${c.target.releasesKept}`], io, { stream: true });
  const after = await history(opts.helm, x.release, c.context, io);
  const now = typeof after === 'string' ? undefined : after[after.length - 1];
  if (r.status === 0) {
    io.log(`rolled back target ${target.name} on ${c.label} to revision ${to.revision}: it runs revision ${now?.revision}`);
    return EXIT.ok;
  }
  io.error(`deploy: the rollback of release ${x.release} on ${c.label} failed: ${why(r)}\n`
    + `deploy: revision ${now?.revision} is ${now?.status}; look at the cluster, then roll back again:\n${rollbackCommands(x, c, to.revision)}`);
  return /another operation/.test(r.stderr) ? EXIT.busy : EXIT.failed;
}

/** --dry-run: what `objects` would change against the release's current revision on the cluster. */
async function showDiff(x: Run, c: Cluster, objects: readonly KubeObject[]): Promise<void> {
  const r = await run(x.opts.helm, 'helm', ['get', 'manifest', x.release, ...scope(c)], x.io);
  const current = r.status === 0 ? parseManifestText(r.stdout, `helm get manifest ${x.release}`) : [];
  if (r.status !== 0 && !/release: not found/.test(r.stderr)) x.io.error(`deploy: cannot read release ${x.release} on ${c.label}: ${why(r)}`);
  const what = `${x.target.name} on ${c.label}, against ${r.status === 0 ? `release ${x.release}'s current revision` : 'nothing (no release yet)'}`;
  x.io.log(renderText([compareObjects(what, current, objects)]));
}
