import { DeployOptions, UsageError } from './args';
import { EXIT } from './exit-codes';
import { Kubectl } from './kubectl';
import { Release } from './releases';
import { Io } from './steps';

/**
 * One target on several clusters (`clusters: ['prod-eu', 'prod-us']` in config/targets.ts):
 * the deploy goes to them one at a time, in their order, the first acting as the canary.
 *
 * 1. Every cluster is checked before any is changed: the clusters are distinct (no two contexts
 *    reach the same API server), then each cluster's synth and preflight (context, version,
 *    every kind served, what its namespace holds). A cluster that cannot take the target stops
 *    the deploy before the canary is touched.
 * 2. Then cluster by cluster: diff, apply, rollout (a failed rollout goes back to that cluster's
 *    last good release), release record, prune: the whole deploy of one cluster. The namespace
 *    is read again right before each later cluster is changed.
 * 3. The first cluster that fails stops the deploy: the clusters before it keep the new release,
 *    the ones after it are not touched (their previous release runs on). The output says which
 *    cluster is where, and the commands that roll the deployed ones back.
 *
 * This module only orders and reports; each cluster's steps are deploy.ts's (`FleetCluster`).
 */

/** What one cluster's deploy ended with. */
export interface Outcome {
  /** Its exit code, as a deploy to that one cluster would exit. */
  readonly code: number;
  /** The release it recorded as deployed (a deploy, or a rollback), if it did. */
  readonly recorded?: number;
  /** The cluster's last good release before this run. */
  readonly previous?: Release;
  /** What failed, in the words of the step that failed. */
  readonly failure?: string;
  /** With --rollback: the release it went back to. */
  readonly rollbackOf?: Release;
}

/** One cluster of the target, as deploy.ts runs it; `P` is what its preflight found. */
export interface FleetCluster<P> {
  readonly name: string;
  readonly context: string;
  readonly kubectl: Kubectl;
  /** `--history` of this cluster; resolves with its exit code. */
  history(): Promise<number>;
  /** Steps 1-2 (synth or the release to roll back to; preflight); an exit code when it stopped. Changes nothing. */
  prepare(): Promise<P | number>;
  /** Reads the namespace again right before the cluster is changed; an exit code when it cannot. */
  refresh(prepared: P): Promise<number | undefined>;
  /** Steps 3-8. */
  execute(prepared: P): Promise<Outcome>;
  /** The cluster's current (last good) release, as its preflight read it. */
  current(prepared: P): Release | undefined;
}

/** `npm run deploy` for a target on several clusters: see above. Resolves with the exit code. */
export async function rollOut<P>(clusters: ReadonlyArray<FleetCluster<P>>, opts: DeployOptions, io: Io): Promise<number> {
  const count = clusters.length;
  const label = (i: number) => `${clusters[i].name} (${i + 1} of ${count}${i === 0 ? ', the canary' : ''}; context ${clusters[i].context})`;
  io.log(`target ${opts.env} runs on ${count} clusters, deployed in this order: ${clusters.map((c, i) => `${c.name}${i === 0 ? ' (the canary)' : ''}`).join(', ')}`);

  if (opts.mode === 'history') {
    let code: number = EXIT.ok;
    for (const [i, c] of clusters.entries()) {
      io.log(`== cluster ${label(i)}`);
      code = Math.max(code, await c.history());
    }
    return code;
  }

  // 1. Every cluster, before any is changed.
  const same = await sameServers(clusters);
  if (same) {
    io.error(`deploy: ${same}; nothing was applied to any cluster`);
    return EXIT.preflight;
  }
  const prepared: P[] = [];
  for (const [i, c] of clusters.entries()) {
    io.log(`== cluster ${label(i)}: ${opts.mode === 'rollback' ? 'the release to go back to' : 'synth'} and preflight`);
    const p = await c.prepare();
    if (typeof p === 'number') {
      io.error(`deploy: cluster ${c.name} cannot take target ${opts.env} (exit ${p}, see above); nothing was applied to any cluster`);
      return p;
    }
    prepared.push(p);
  }
  if (opts.mode === 'rollback') checkSameCurrentRelease(clusters, prepared, opts.env);
  io.log(`every cluster can take target ${opts.env}; ${opts.dryRun ? 'the diff of each' : 'now one cluster at a time, stopping at the first that fails'}`);

  // 2. Cluster by cluster.
  const done: Array<{ cluster: FleetCluster<P>; outcome: Outcome }> = [];
  for (const [i, c] of clusters.entries()) {
    io.log(`== cluster ${label(i)}: ${opts.dryRun ? 'diff' : 'diff, apply, rollout, record, prune'}`);
    const stale = i > 0 && !opts.dryRun ? await c.refresh(prepared[i]) : undefined;
    const outcome: Outcome = stale !== undefined ? { code: stale, previous: c.current(prepared[i]) } : await c.execute(prepared[i]);
    if (outcome.code !== EXIT.ok) {
      report(io, opts, clusters, prepared, done, i, outcome);
      // Nothing was applied before a dry run's failure, nor before the canary's.
      return i === 0 || opts.dryRun ? outcome.code : EXIT.laterClusterFailed;
    }
    done.push({ cluster: c, outcome });
  }
  if (opts.dryRun) {
    io.log(`dry run of target ${opts.env} on ${count} clusters: nothing was changed`);
  } else {
    const what = opts.mode === 'rollback' ? 'rolled back' : 'deployed';
    io.log(`${what} target ${opts.env} on all ${count} clusters, in order: ${done.map(({ cluster, outcome }) => `${cluster.name} (release ${outcome.recorded ?? '?'})`).join(', ')}`);
  }
  return EXIT.ok;
}

/**
 * Two clusters of a target that are one API server (two contexts reaching the same server)
 * would get the target twice, the second time with the other cluster's pod network, and
 * prune each other's objects. Returns the problem, or undefined. A context the kubeconfig
 * lacks is left to its preflight, which names it and the contexts there are.
 */
async function sameServers<P>(clusters: ReadonlyArray<FleetCluster<P>>): Promise<string | undefined> {
  const servers = await Promise.all(clusters.map(async (c) => {
    const r = await c.kubectl.run(['config', 'view', '--minify', '-o', 'json'], { quiet: true });
    try {
      return r.status === 0 ? (JSON.parse(r.stdout).clusters?.[0]?.cluster?.server as string | undefined) : undefined;
    } catch {
      return undefined;
    }
  }));
  for (let i = 0; i < clusters.length; i++) {
    const j = servers.findIndex((s, k) => k > i && s !== undefined && s === servers[i]);
    if (j >= 0) {
      return `clusters ${clusters[i].name} and ${clusters[j].name} are one API server: contexts ${clusters[i].context} and ${clusters[j].context} `
        + `both reach ${servers[i]} (kubeconfig ${process.env.KUBECONFIG || '~/.kube/config'}); point each context at its own cluster, `
        + 'or deploy one of them with --cluster NAME';
    }
  }
  return undefined;
}

/**
 * `--rollback` of every cluster goes back one release on each: only right when every cluster
 * runs the same release (the same commit and images). After a deploy that stopped part way,
 * the clusters it did not reach would go back one release too far: refused, with each
 * cluster's current release and the command for one cluster.
 */
function checkSameCurrentRelease<P>(clusters: ReadonlyArray<FleetCluster<P>>, prepared: readonly P[], target: string): void {
  const current = clusters.map((c, i) => c.current(prepared[i]));
  const key = (r: Release | undefined) => (r ? `${r.commit} ${r.images.map((x) => `${x.deployment}/${x.container}=${x.image}`).join(' ')}` : '');
  if (current.every((r) => key(r) === key(current[0]))) return;
  throw new UsageError(`--rollback without --cluster goes back one release on every cluster of target ${target}, but they do not run the same release: `
    + `${clusters.map((c, i) => `${c.name} runs ${current[i] ? `release ${current[i]!.release} (commit ${current[i]!.commit.slice(0, 12)}, ${current[i]!.images.map((x) => x.image).join(', ') || 'no images'})` : 'no release'}`).join('; ')}. `
    + `Roll back the clusters one at a time: npm run deploy -- --env ${target} --cluster NAME --rollback --to N (see --history); nothing was changed`);
}

/** After the first failure: where every cluster is now, and how to roll back the ones deployed. */
function report<P>(io: Io, opts: DeployOptions, clusters: ReadonlyArray<FleetCluster<P>>, prepared: readonly P[],
  done: ReadonlyArray<{ cluster: FleetCluster<P>; outcome: Outcome }>, at: number, failed: Outcome): void {
  const target = opts.env;
  const failedCluster = clusters[at];
  const deployed = opts.mode === 'rollback' ? 'rolled back' : 'deployed';
  io.error(`deploy: target ${target} stopped at cluster ${failedCluster.name} (${at + 1} of ${clusters.length})`
    + `${failed.failure ? `: ${failed.failure.split('\n')[0]}` : ''}`);
  if (opts.dryRun) {
    io.error('deploy: dry run: nothing was changed on any cluster');
    return;
  }
  const lines: string[] = [];
  const width = Math.max(...clusters.map((c) => c.name.length));
  const row = (c: FleetCluster<P>, text: string) => lines.push(`  ${c.name.padEnd(width)}  ${text}`);
  for (const { cluster, outcome } of done) {
    row(cluster, `${deployed}: runs the new release ${outcome.recorded ?? '(not recorded)'}${outcome.previous ? `; release ${outcome.previous.release} ran before` : '; its first release'}`);
  }
  row(failedCluster, failedState(failed));
  for (let i = at + 1; i < clusters.length; i++) {
    const current = clusters[i].current(prepared[i]);
    row(clusters[i], `not reached: not changed, ${current ? `still on release ${current.release}` : 'still without a release of this target'}`);
  }
  io.error(`deploy: where each cluster of target ${target} is now:\n${lines.join('\n')}`);

  const commands: string[] = [];
  const back = (name: string, release: number) => `  npm run deploy -- --env ${target} --cluster ${name} --rollback --to ${release}`;
  for (const { cluster, outcome } of done) {
    if (outcome.previous) commands.push(back(cluster.name, outcome.previous.release));
  }
  if (commands.length > 0) {
    io.error(`deploy: the cluster(s) before ${failedCluster.name} stay on the new release; to roll them back as well:\n${commands.join('\n')}`);
  }
  const firsts = done.filter(({ outcome }) => !outcome.previous).map(({ cluster }) => cluster.name);
  if (firsts.length > 0) {
    io.error(`deploy: ${firsts.join(', ')} had no release of target ${target} before this one, so there is none to roll back to (delete its namespace to remove it)`);
  }
  if ((failed.code === EXIT.rolledBack || failed.code === EXIT.partial || failed.code === EXIT.finishFailed) && failed.previous) {
    io.error(`deploy: to put ${failedCluster.name} back on its last good release ${failed.previous.release} exactly (every object, and a prune of what the failed one added):\n`
      + back(failedCluster.name, failed.previous.release));
  }
  if (at + 1 < clusters.length) {
    io.error(`deploy: once the cause is fixed, deploy again: every cluster gets the release (the ones already on it see no change), or one with --cluster NAME`);
  }
}

/** What the failed cluster holds, by its exit code (see EXIT). */
function failedState(o: Outcome): string {
  const last = o.previous ? `release ${o.previous.release}` : 'no earlier release';
  switch (o.code) {
    case EXIT.preflight: return `failed before anything of the new release was applied (at most its Namespace and ApplySet parent): still on ${o.previous ? last : 'no release'}`;
    case EXIT.rolledBack: return o.previous
      ? `failed, rolled back: its Deployments that did not roll out run ${last} again (the last good one); its other objects keep the new version, nothing pruned`
      : 'failed: what the first deploy created was removed (--cleanup-on-fail)';
    case EXIT.rollbackFailed: return `failed, and could not be rolled back (${last} is the last good one): look at it now (see above)`;
    case EXIT.partial: return `failed: some objects could not be applied, its Deployments rolled out on the new version; not recorded as deployed (${last} is the last good one)`;
    case EXIT.finishFailed: return 'runs the new release, but recording it or the prune after it failed (see above)';
    default: return `failed (exit ${o.code}, see above)`;
  }
}
