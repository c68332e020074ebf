import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deploymentConfig } from '../../config/targets';
import { onCluster, ResolvedTarget, resolveTargets, selectTargets } from '../../lib/deployment-config';
import { DeployOptions, UsageError } from './args';
import { ApplySet, applySetOf, parentWithSuperset, PART_OF_LABEL } from './applyset';
import { EXIT } from './exit-codes';
import { FleetCluster, rollOut } from './fleet';
import { Kubectl, KubectlResult, why } from './kubectl';
import { DeployPlan, describe, K8sObject, planDeploy, readTargetFolder, ref, summarizeDiff, withLabels, writeObjects } from './manifests';
import { checkContext, checkServer, groupResource, kindKey, ServerFacts } from './preflight';
import {
  formatHistory, imagesOf, lastGood, readReleaseSecret, Release, RELEASE_FORMAT, RELEASE_OF_LABEL, releasesBeyond, releaseName, releaseSecret,
  ReleaseStatus, rollbackTarget,
} from './releases';
import { availability, awaitRollouts, deploymentsByName, LiveDeployment, RolloutResult, templateChanged } from './rollouts';
import { Io, StepRunner } from './steps';
import { synthDir, SynthTarget, synthTarget as defaultSynthTarget } from './synth-target';

export { Io } from './steps';

export { EXIT } from './exit-codes';

/** What tests replace: the synth (to add or rename objects the way a code change would). */
export interface DeployDeps {
  readonly synthTarget?: SynthTarget;
}

/** The one target `--env` names; configuration problems are usage errors (exit 1). */
export function resolveTarget(env: string): ResolvedTarget {
  if (env.includes(',')) throw new UsageError(`--env "${env}": deploy one target at a time`);
  try {
    const [target] = selectTargets(resolveTargets(deploymentConfig), env);
    return target;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Everything a run needs to know, fixed at its start. */
interface Run {
  readonly opts: DeployOptions;
  readonly io: Io;
  readonly target: ResolvedTarget;
  readonly namespace: string;
  readonly kubectl: Kubectl;
  readonly applySet: ApplySet;
  readonly timeout: number;
  readonly work: string;
  /** Where the context comes from, for messages. */
  readonly contextSource: string;
}

/**
 * Runs `npm run deploy` (a deploy, `--rollback` or `--history`); resolves with the exit code
 * (see `EXIT`). Throws `UsageError` for a configuration problem found before anything ran.
 * A target on several clusters goes to each in turn (fleet.ts), unless `--cluster` names one.
 */
export async function deploy(opts: DeployOptions, io: Io, deps: DeployDeps = {}): Promise<number> {
  const target = resolveTarget(opts.env);
  const timeout = opts.timeoutSeconds ?? target.rolloutSeconds.timeout;
  if (timeout <= target.rolloutSeconds.progressDeadline) {
    throw new UsageError(`--timeout ${timeout}s is not above the progress deadline of target ${target.name} (${target.rolloutSeconds.progressDeadline}s): `
      + 'a stuck rollout must end on its deadline; give a longer --timeout');
  }
  const placed = clustersToDeploy(target, opts);
  const synth = deps.synthTarget ?? defaultSynthTarget;
  if (placed.length > 1) {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), `deploy-${target.name}-`));
    try {
      return await rollOut(placed.map((t, i) => fleetCluster(newRun(opts, io, t, timeout, path.join(base, String(i + 1))), synth)), opts, io);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  }
  const run = newRun(opts, io, placed[0], timeout, '');
  if (opts.mode === 'history') return history(run);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `deploy-${target.name}-`));
  try {
    const prepared = await prepare({ ...run, work }, synth);
    return typeof prepared === 'number' ? prepared : await execute(prepared);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The clusters this run goes to, in rollout order, each as the target placed there: the one
 * `--cluster` names, or all of them. Options that only make sense for one cluster are refused
 * for several, with what to add.
 */
export function clustersToDeploy(target: ResolvedTarget, opts: DeployOptions): ResolvedTarget[] {
  if (opts.cluster !== undefined) {
    try {
      return [onCluster(target, opts.cluster)];
    } catch (e) {
      throw new UsageError(`--cluster: ${(e as Error).message}`);
    }
  }
  if (target.clusters.length === 1) return [target];
  const names = target.clusters.map((c) => c.name);
  const oneOf = `--cluster ${names[0]} (one of ${names.join(', ')})`;
  if (opts.context !== undefined) {
    throw new UsageError(`--context names one kube context, but target ${target.name} runs on ${names.length} clusters (${names.join(', ')}): add ${oneOf}`);
  }
  if (opts.mode === 'rollback' && opts.to !== undefined) {
    throw new UsageError(`--to ${opts.to}: release numbers are per cluster, and target ${target.name} runs on ${names.length} (${names.join(', ')}): `
      + `add ${oneOf} (npm run deploy -- --env ${target.name} --history lists each cluster's releases)`);
  }
  return target.clusters.map((c) => onCluster(target, c.name));
}

/** The run of one cluster: the target placed there, its context and namespace, the set it prunes. */
function newRun(opts: DeployOptions, io: Io, target: ResolvedTarget, timeout: number, work: string): Run {
  const context = opts.context ?? target.placement.context;
  return {
    opts, io, target, namespace: target.namespace, kubectl: new Kubectl(opts.kubectl, context, io), applySet: applySetOf(target), timeout,
    work, contextSource: opts.context ? '--context' : `cluster "${target.placement.name}" of target ${target.name} in config/targets.ts`,
  };
}

/** One cluster of a target on several, as fleet.ts drives it: the same steps as a deploy to one cluster. */
function fleetCluster(run: Run, synth: SynthTarget): FleetCluster<Prepared> {
  return {
    name: run.target.placement.name,
    context: run.kubectl.context,
    kubectl: run.kubectl,
    history: () => history(run),
    prepare: () => {
      fs.mkdirSync(run.work, { recursive: true });
      return prepare(run, synth);
    },
    refresh: (p) => refresh(p),
    execute: async (p) => ({ code: await execute(p), recorded: p.recorded, previous: p.state.good, failure: p.steps.lastFailure, rollbackOf: p.rollbackOf }),
    current: (p) => p.state.good,
  };
}

/** `--history`: the releases recorded in the target's namespace. */
async function history(run: Run): Promise<number> {
  const { kubectl, io, target } = run;
  const contextProblem = await checkContext(kubectl, run.contextSource, true);
  if (contextProblem) {
    io.error(`deploy: ${contextProblem}`);
    return EXIT.preflight;
  }
  const read = await readReleases(run, true);
  if ('error' in read) {
    io.error(`deploy: cannot read the releases of target ${target.name}: ${read.error}`);
    return EXIT.preflight;
  }
  if (read.releases.length === 0) {
    io.log(`target ${target.name}: no release recorded in namespace ${run.namespace} (context ${kubectl.context})`);
  } else {
    io.log(`target ${target.name}, namespace ${run.namespace}, context ${kubectl.context}: ${read.releases.length} release(s), at most ${target.releasesKept} kept`);
    io.log(formatHistory(read.releases));
  }
  return EXIT.ok;
}

async function readReleases(run: Run, quiet = false): Promise<{ releases: Release[]; skipped: string[] } | { error: string }> {
  const r = await run.kubectl.run(['get', 'secrets', '-n', run.namespace, '-l', `${RELEASE_OF_LABEL}=${run.target.name}`, '-o', 'json'], { quiet });
  if (r.status !== 0) return { error: why(r) };
  return releasesIn(run, JSON.parse(r.stdout || '{"items":[]}').items ?? []);
}

/** The target's releases among `items` (a list of Secrets, maybe with other objects). */
function releasesIn(run: Run, items: ReadonlyArray<{ kind?: string; metadata: { name: string; labels?: Record<string, string> } }>): { releases: Release[]; skipped: string[] } {
  const releases: Release[] = [];
  const skipped: string[] = [];
  for (const secret of items) {
    if ((secret.kind !== undefined && secret.kind !== 'Secret') || secret.metadata.labels?.[RELEASE_OF_LABEL] !== run.target.name) continue;
    try {
      releases.push(readReleaseSecret(secret as Parameters<typeof readReleaseSecret>[0]));
    } catch (e) {
      skipped.push((e as Error).message);
    }
  }
  return { releases: releases.sort((a, b) => a.release - b.release), skipped };
}

/** What steps 1 and 2 found: everything steps 3-8 need. */
export interface Prepared {
  readonly run: Run;
  readonly steps: StepRunner;
  /** What is applied: the synthesized target, or the release rolled back to. */
  readonly objects: readonly K8sObject[];
  readonly rollbackOf?: Release;
  readonly server: ServerFacts;
  readonly plan: DeployPlan;
  /** What the namespace holds (read in the preflight; read again right before a later cluster is changed). */
  state: NamespaceState;
  /** The release this run recorded as deployed. */
  recorded?: number;
}

/** The target's namespace as it is before anything is applied. */
interface NamespaceState {
  readonly namespaceExists: boolean;
  readonly releases: readonly Release[];
  /** The last good release: what a failed rollout goes back to. */
  readonly good?: Release;
  /** The ApplySet parent, if it exists. */
  readonly parent?: object;
  /** The Deployments before this deploy, to tell which ones it changes. */
  readonly before: ReadonlyMap<string, LiveDeployment>;
}

/** The two reads of what the namespace holds, in one round: whether it exists; its Secrets and Deployments. */
function readNamespace(run: Run): Array<Promise<KubectlResult>> {
  return [
    run.kubectl.run(['get', 'namespace', run.namespace, '--ignore-not-found', '-o', 'name']),
    run.kubectl.getJson(['secrets,deployments.apps'], { namespace: run.namespace }),
  ];
}

/** The namespace's state from its two reads, or what went wrong. */
function namespaceState(run: Run, nsRead: KubectlResult, contentRead: KubectlResult): NamespaceState | { error: string } {
  const readFailure = [nsRead, contentRead].find((r) => r.status !== 0);
  if (readFailure) return { error: `cannot read the target's namespace ${run.namespace}; nothing was applied:\n${why(readFailure)}` };
  const content = (JSON.parse(contentRead.stdout || '{"items":[]}').items ?? []) as Array<{ kind: string; metadata: { name: string } }>;
  const { releases, skipped } = releasesIn(run, content);
  for (const s of skipped) run.io.error(`deploy: warning: ${s}; ignored`);
  return {
    namespaceExists: nsRead.stdout.trim() !== '',
    releases,
    good: lastGood(releases),
    parent: content.find((o) => o.kind === 'Secret' && o.metadata.name === run.applySet.name),
    before: new Map(content.filter((o) => o.kind === 'Deployment').map((d) => [d.metadata.name, d as unknown as LiveDeployment])),
  };
}

/**
 * Steps 1 and 2 of a deploy or a rollback (see HELP in args.ts): what to apply (the synth, or a
 * release read from the cluster), then the preflight. Nothing is applied. Resolves with what
 * steps 3-8 need, or with the exit code when it stopped.
 */
async function prepare(run: Run, synthTarget: SynthTarget): Promise<Prepared | number> {
  const { opts, io, target, namespace, kubectl, applySet } = run;
  const rollback = opts.mode === 'rollback';
  const steps = new StepRunner(opts.dryRun ? 3 : 8, io);
  // 1. What to apply: the synthesized target, or (rollback) a release read from the cluster.
  let objects: readonly K8sObject[];
  let rollbackOf: Release | undefined;
  if (rollback) {
    steps.step(`read ${opts.to !== undefined ? `release ${opts.to}` : 'the release before the current one'} of target ${target.name} from the cluster (context ${kubectl.context})`);
    const contextProblem = await checkContext(kubectl, run.contextSource);
    if (contextProblem) return fail(steps, EXIT.preflight, contextProblem);
    const read = await readReleases(run);
    if ('error' in read) return fail(steps, EXIT.preflight, `cannot read the releases of target ${target.name}; nothing was applied:\n${read.error}`);
    try {
      rollbackOf = rollbackTarget(read.releases, opts.to, target.name);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    objects = rollbackOf.objects;
    steps.detail(`release ${rollbackOf.release}, recorded ${rollbackOf.time} from commit ${rollbackOf.commit}: ${objects.length} objects; `
      + `images: ${rollbackOf.images.map((i) => `${i.deployment}=${i.image}`).join(', ') || 'none'}`);
  } else {
    steps.step(`synth and validate target ${target.name} into ${synthDir(target, opts.outdir)}/ (Kubernetes 1.27 schema, policies)`);
    let dir: string;
    try {
      dir = await synthTarget(target, opts.image, opts.outdir, (line) => steps.detail(line));
      objects = readTargetFolder(dir);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      return fail(steps, EXIT.synth, `synth failed, nothing was sent to the cluster:\n${(e as Error).message}`);
    }
    if (opts.image !== undefined) steps.detail(`site image: ${opts.image}`);
  }
  checkDeadlines(run, objects, !rollback);

  // 2. Preflight: nothing is applied unless the cluster can take every object.
  steps.step(`preflight: context ${kubectl.context}, server version, every kind served`);
  // All at once. Without the context the other calls fail in kubectl itself (it reaches no
  // cluster without one), and the context's problem is the one reported.
  // What the namespace holds comes in one read: the releases, the ApplySet parent, the
  // Deployments as they are before this deploy (to tell which ones it changes).
  const [contextProblem, server, nsRead, contentRead] = await Promise.all([
    rollback ? undefined : checkContext(kubectl, run.contextSource),
    checkServer(kubectl, objects),
    ...readNamespace(run),
  ]);
  if (contextProblem) return fail(steps, EXIT.preflight, contextProblem);
  if ('problems' in server) {
    return fail(steps, EXIT.preflight, `the cluster cannot take target ${target.name}; nothing was applied:\n${server.problems.map((p) => `- ${p}`).join('\n')}`);
  }
  const state = namespaceState(run, nsRead, contentRead);
  if ('error' in state) return fail(steps, EXIT.preflight, state.error);
  let plan: DeployPlan;
  try {
    plan = planDeploy(objects, namespace, { [PART_OF_LABEL]: applySet.id }, run.work, (o) => server.served.get(kindKey(o))!.namespaced);
  } catch (e) {
    return fail(steps, EXIT.synth, `${(e as Error).message}; nothing was sent to the cluster`);
  }
  steps.detail(`server ${server.serverVersion}, kubectl ${server.clientVersion}; ${objects.length} objects, all of served kinds; `
    + `namespace ${namespace} ${state.namespaceExists ? 'exists' : 'is new'}; ${describeCurrent(state.good)}`);
  return { run, steps, objects, rollbackOf, server, plan, state };
}

const describeCurrent = (good: Release | undefined): string =>
  (good ? `current release: ${good.release} (${good.time}, commit ${good.commit.slice(0, 12)})` : 'no release recorded yet');

/**
 * Reads what the namespace holds again, right before a cluster of a target on several is
 * changed: its preflight ran before the clusters ahead of it were deployed, and the namespace
 * may have changed since (another deploy, a release recorded by hand). Resolves with the exit
 * code when it cannot be read.
 */
async function refresh(p: Prepared): Promise<number | undefined> {
  const { run, steps } = p;
  const [nsRead, contentRead] = await Promise.all(readNamespace(run));
  const state = namespaceState(run, nsRead, contentRead);
  if ('error' in state) return fail(steps, EXIT.preflight, state.error);
  p.state = state;
  steps.detail(`read again before the change: namespace ${run.namespace} ${state.namespaceExists ? 'exists' : 'is new'}; ${describeCurrent(state.good)}`);
  return undefined;
}

/** Steps 3-8: diff, apply, rollout (and rollback), record, prune. Resolves with the exit code. */
async function execute(p: Prepared): Promise<number> {
  const { run, steps, objects, rollbackOf, server, plan } = p;
  const { opts, io, target, namespace, kubectl, applySet } = run;
  const { namespaceExists, releases, good, parent, before } = p.state;

  // 3. Diff. kubectl diff cannot dry-run objects into a namespace that does not exist yet (the
  // API server answers NotFound for each: kubernetes/kubectl#1331), so on a first deploy only
  // the cluster-scoped objects are diffed and everything in the namespace is reported as new.
  steps.step(`diff against cluster ${target.placement.name} (context ${kubectl.context})`);
  const diff = await kubectl.diff(namespaceExists ? [plan.dirs.namespace, ...plan.dirs.members] : [plan.dirs.namespace, ...plan.dirs.clusterMembers]);
  if (diff.status > 1) return fail(steps, EXIT.preflight, `kubectl diff failed (exit ${diff.status}); nothing was applied:\n${why(diff)}`);
  if (diff.stdout.trim()) steps.detail(diff.stdout);
  const changes = summarizeDiff(diff.stdout).map((e) => (e.isNew ? `+ ${e.object}: new` : `~ ${e.object}: +${e.added} -${e.removed} lines`));
  if (!namespaceExists) changes.push(...plan.namespacedMembers.map((o) => `+ ${describe(o)}: new (namespace ${namespace} does not exist yet)`));
  steps.detail(changes.length === 0 ? 'no changes' : [`${changes.length} object(s) would change:`, ...changes.map((c) => `  ${c}`)].join('\n'));
  steps.detail('objects an earlier release applied and this one does not define are pruned at the end (kubectl diff does not show them)');
  if (opts.dryRun) {
    io.log('dry run: stopped before apply; nothing was changed');
    return EXIT.ok;
  }

  // 4. The Namespace, then the ApplySet parent with the kinds about to be applied, before any
  // member: an object of a kind new to the set is then covered by every later prune, even if
  // this deploy stops before its own.
  steps.step(`apply Namespace ${namespace} (never pruned), then record the set's kinds on ApplySet parent ${applySet.parent}`);
  const nsApply = await kubectl.apply([plan.dirs.namespace]);
  if (nsApply.status !== 0) return fail(steps, EXIT.preflight, `kubectl apply of Namespace ${namespace} failed (exit ${nsApply.status}); nothing else was applied:\n${why(nsApply)}`);
  steps.detail(nsApply.stdout);
  const parentProblem = await writeParent(run, plan, server, parent);
  if (parentProblem) return fail(steps, EXIT.preflight, `${parentProblem}\nOnly Namespace ${namespace} was applied.`);

  // 5. The members, without prune: what the previous release uses (a ConfigMap whose name
  // changed with its content, say) stays until the new version has rolled out.
  steps.step(`apply ${plan.clusterMembers.length + plan.namespacedMembers.length} members of ApplySet ${applySet.parent} (no prune yet)`);
  const membersApply = await kubectl.apply(plan.dirs.members, { namespace });
  steps.detail(membersApply.stdout);
  if (membersApply.status !== 0) {
    io.error(`deploy: kubectl apply failed for some objects (exit ${membersApply.status}); the Deployments it changed are still watched:\n${why(membersApply)}`);
  }

  // 6. Wait for the Deployments this apply changed, all at once; roll back those that fail.
  const afterRead = await kubectl.getJson(['deployments'], { namespace });
  const after = afterRead.status === 0 ? deploymentsByName(afterRead.stdout) : new Map<string, LiveDeployment>();
  const names = plan.deployments.map((d) => d.metadata.name);
  const changed = names.filter((n) => templateChanged(before.get(n), after.get(n)));
  const unchanged = names.filter((n) => !changed.includes(n) && after.has(n));
  steps.step(`wait for ${changed.length} changed deployment(s) to roll out, all at once (timeout ${run.timeout}s; `
    + `progress deadline ${target.rolloutSeconds.progressDeadline}s)${unchanged.length ? `; unchanged: ${unchanged.join(', ')}` : ''}`);
  for (const n of unchanged) {
    const a = availability(after.get(n)!);
    if (!a.ok) io.error(`deploy: warning: ${a.message}; this deploy did not change its pod template, so it is not rolled back (an earlier revision would not help)`);
  }
  const results = await awaitRollouts(kubectl, namespace, changed, run.timeout);
  for (const r of results) (r.ok ? steps.detail(r.message) : io.error(`deploy: deployment/${r.name} did not roll out: ${r.message}`));
  const failed = results.filter((r) => !r.ok);
  const record = (status: ReleaseStatus, description: string, revisions: Record<string, string> = {}) => recordRelease(run, releases, objects, status, description, revisions);

  if (failed.length > 0) {
    return rollBackFailed(run, steps, plan, failed, good, namespaceExists, membersApply, record);
  }
  if (membersApply.status !== 0) {
    await record('failed', `apply failed for some objects: ${firstLine(why(membersApply))}`);
    steps.fail(`the apply failed for some objects (see above), but every Deployment it changed rolled out (${changed.join(', ') || 'none'}); `
      + 'no release was recorded as deployed and nothing was pruned: fix the error and deploy again');
    return EXIT.partial;
  }

  // 7. Record the release (the cluster now runs it), then 8. prune what it no longer defines.
  steps.step(`record the release in namespace ${namespace} (at most ${target.releasesKept} kept)`);
  const revisions = await readRevisions(run);
  const description = rollbackOf ? `rollback to release ${rollbackOf.release}` : 'deploy';
  const recorded = await record('deployed', description, revisions);
  if (typeof recorded === 'string') io.error(`deploy: ${recorded}`);
  else {
    steps.detail(`release ${recorded} recorded: ${releaseName(target.name, recorded)}`);
    p.recorded = recorded;
  }

  steps.step(`prune: apply the members as ApplySet ${applySet.parent} with --prune`);
  const prune = await kubectl.applySetPrune(namespace, applySet.parent, plan.dirs.prune);
  if (prune.status !== 0) {
    steps.fail(`the new release runs, but the pruning apply failed (exit ${prune.status}); objects an earlier release applied and this one `
      + `does not define may remain, and are pruned by the next deploy:\n${why(prune)}`);
    return EXIT.finishFailed;
  }
  steps.detail(prune.stdout);
  if (typeof recorded === 'string') {
    steps.fail('the new release runs and was pruned, but it was not recorded (see above): --history and --rollback do not know it');
    return EXIT.finishFailed;
  }
  io.log(rollbackOf
    ? `rolled back target ${target.name} to release ${rollbackOf.release} on ${kubectl.context} (recorded as release ${recorded})`
    : `deployed ${target.name} to ${kubectl.context} as release ${recorded}: ${objects.length} objects, ${changed.length} deployment(s) rolled out`
      + `${unchanged.length ? `, ${unchanged.length} unchanged` : ''}`);
  return EXIT.ok;
}

/**
 * Step 6 when Deployments failed: each goes back to its version in the last good release, by a
 * server-side apply of that release's object under the project's field manager (fields the
 * failed version added are removed, nothing is left owned by another manager), and is awaited
 * again. A Deployment without an earlier version (a first deploy, a new Deployment) is left for
 * inspection and reported with how to remove it, or removed with --cleanup-on-fail.
 */
async function rollBackFailed(run: Run, steps: StepRunner, plan: DeployPlan, failed: readonly RolloutResult[], good: Release | undefined,
  namespaceExisted: boolean, membersApply: KubectlResult,
  record: (status: ReleaseStatus, description: string) => Promise<number | string>): Promise<number> {
  const { io, kubectl, namespace, target, opts } = run;
  const restore: K8sObject[] = [];
  const leftovers: string[] = [];
  for (const f of failed) {
    const previous = good?.objects.find((o) => o.kind === 'Deployment' && o.metadata.name === f.name);
    if (previous) restore.push(previous);
    else leftovers.push(f.name);
  }
  const notes: string[] = [];
  let restored: RolloutResult[] = [];
  let restoreFailed = false;
  if (restore.length > 0) {
    io.log(`    rolling back ${restore.map(ref).join(', ')} to release ${good!.release} (server-side apply of the recorded objects, field manager mincloud)`);
    const dir = writeObjects(path.join(run.work, 'rollback'), restore.map((o) => withLabels(o, { [PART_OF_LABEL]: run.applySet.id })));
    const r = await kubectl.apply([dir], { namespace });
    if (r.status !== 0) {
      restoreFailed = true;
      io.error(`deploy: the rollback apply failed (exit ${r.status}): ${why(r)}`);
    } else {
      restored = await awaitRollouts(kubectl, namespace, restore.map((o) => o.metadata.name), run.timeout);
      for (const x of restored) {
        if (x.ok) io.error(`deploy: deployment/${x.name} rolled back to release ${good!.release}: ${x.message}`);
        else {
          restoreFailed = true;
          io.error(`deploy: deployment/${x.name} did not roll out after the rollback to release ${good!.release} either: ${x.message}`);
        }
      }
    }
    notes.push(`${restore.map((o) => o.metadata.name).join(', ')} ${restoreFailed ? 'could not be rolled back' : 'rolled back'} to release ${good!.release}`);
  }
  let cleaned = false;
  if (leftovers.length > 0) {
    const first = good === undefined;
    const context = `--context ${kubectl.context}`;
    const clusterRefs = plan.clusterMembers.map(ref);
    const removal = first && !namespaceExisted
      ? [`kubectl ${context} delete namespace ${namespace}`, ...(clusterRefs.length ? [`kubectl ${context} delete ${clusterRefs.join(' ')}`] : [])]
      : [`kubectl ${context} -n ${namespace} delete ${leftovers.map((n) => `deployment/${n}`).join(' ')}`];
    const whatIsLeft = first
      ? `this is the first release of target ${target.name}, so there is nothing to go back to. Left on the cluster: `
        + `${namespaceExisted ? `in namespace ${namespace}` : `Namespace ${namespace} (created by this deploy) with`} `
        + `${plan.namespacedMembers.map(describe).join(', ')}${clusterRefs.length ? `; ${plan.clusterMembers.map(describe).join(', ')}` : ''}`
      : `${leftovers.map((n) => `deployment/${n}`).join(', ')} ${leftovers.length > 1 ? 'are' : 'is'} new in this release (release ${good!.release} has none), so there is no earlier version to go back to`;
    if (opts.cleanupOnFail) {
      io.log(`    --cleanup-on-fail: ${whatIsLeft}; removing it`);
      const removals = first && !namespaceExisted
        ? [kubectl.delete(['namespace', namespace, '--ignore-not-found']), ...(clusterRefs.length ? [kubectl.delete([...clusterRefs, '--ignore-not-found'])] : [])]
        : first
          ? [kubectl.delete([...plan.dirs.members.flatMap((d) => ['-f', d]), '--ignore-not-found']),
            kubectl.delete(['secret', run.applySet.name, '-n', namespace, '--ignore-not-found'])]
          : [kubectl.delete(['-n', namespace, ...leftovers.map((n) => `deployment/${n}`), '--ignore-not-found'])];
      const done = await Promise.all(removals);
      cleaned = done.every((r) => r.status === 0);
      for (const r of done) (r.status === 0 ? io.log(r.stdout.replace(/\s+$/, '').split('\n').map((l) => `    ${l}`).join('\n')) : io.error(`deploy: cleanup failed: ${why(r)}`));
      notes.push(cleaned ? `removed what the failed release created (--cleanup-on-fail)` : 'the cleanup failed (see above)');
      if (!cleaned) io.error(`deploy: remove it by hand:\n${removal.map((c) => `  ${c}`).join('\n')}`);
    } else {
      io.error(`deploy: ${whatIsLeft}; left for inspection. Remove it with:\n${removal.map((c) => `  ${c}`).join('\n')}\n`
        + 'or deploy with --cleanup-on-fail to have this removed automatically.');
      notes.push(`${leftovers.join(', ')} left as applied (no earlier release)`);
    }
  }
  const what = `rollout of ${failed.map((f) => `deployment/${f.name}`).join(', ')} failed`;
  const applyNote = membersApply.status !== 0 ? `; the apply had failed for some objects too: ${firstLine(why(membersApply))}` : '';
  if (!(cleaned && good === undefined && !namespaceExisted)) await record('failed', `${what}; ${notes.join('; ')}${applyNote}`);
  if (restoreFailed || (leftovers.length > 0 && !cleaned)) {
    steps.fail(`${what}; ${notes.join('; ')}. Nothing was pruned; look at the cluster (context ${kubectl.context}) now${applyNote}`);
    return EXIT.rollbackFailed;
  }
  steps.fail(`${what}; ${notes.join('; ')}. The other objects keep the new version; nothing was pruned${applyNote}`);
  return EXIT.rolledBack;
}

/** Writes the ApplySet parent with the set's kinds (a superset), as kubectl's BeforeApply does; returns a problem or undefined. */
async function writeParent(run: Run, plan: DeployPlan, server: ServerFacts, existing: object | undefined): Promise<string | undefined> {
  const { kubectl, applySet, io } = run;
  let parent: object;
  try {
    const grs = [...plan.clusterMembers, ...plan.namespacedMembers].map((o) => groupResource(o, server.served));
    parent = parentWithSuperset(applySet, existing, grs, `kubectl/${server.clientVersion}`);
  } catch (e) {
    return (e as Error).message;
  }
  const file = path.join(run.work, 'applyset-parent.json');
  fs.writeFileSync(file, `${JSON.stringify(parent, null, 2)}\n`);
  // As kubectl: without force first; a conflict (someone else took a field) is retried forced.
  let r = await kubectl.apply([file], { fieldManager: 'kubectl-applyset', force: false });
  if (r.status !== 0 && /conflict/i.test(why(r))) r = await kubectl.apply([file], { fieldManager: 'kubectl-applyset' });
  if (r.status !== 0) return `writing the ApplySet parent ${applySet.parent} failed (exit ${r.status}):\n${why(r)}`;
  io.log(`    ${r.stdout.trim()}: ${(parent as { metadata: { annotations: Record<string, string> } }).metadata.annotations['applyset.kubernetes.io/contains-group-resources']}`);
  return undefined;
}

/** `deployment.kubernetes.io/revision` of each Deployment now. */
async function readRevisions(run: Run): Promise<Record<string, string>> {
  const r = await run.kubectl.getJson(['deployments'], { namespace: run.namespace });
  if (r.status !== 0) return {};
  return Object.fromEntries([...deploymentsByName(r.stdout)].map(([n, d]) => [n, d.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '?']));
}

/**
 * Records a release (the next number: `kubectl create` fails if another deploy took it at the
 * same time) and deletes the oldest beyond the target's limit. Resolves with its number, or a
 * message when it could not be recorded.
 */
async function recordRelease(run: Run, releases: readonly Release[], objects: readonly K8sObject[], status: ReleaseStatus,
  description: string, revisions: Record<string, string>): Promise<number | string> {
  const { target, kubectl, namespace } = run;
  const number = Math.max(0, ...releases.map((r) => r.release)) + 1;
  const release: Release = {
    format: RELEASE_FORMAT, target: target.name, release: number, status, time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    context: kubectl.context, ...whoDeploys(), description, images: imagesOf(objects), revisions, applySet: run.applySet.id, objects,
  };
  const file = path.join(run.work, `release-${number}.json`);
  fs.writeFileSync(file, JSON.stringify(releaseSecret(release, namespace)));
  const r = await kubectl.create(file);
  if (r.status !== 0) {
    return /AlreadyExists/.test(why(r))
      ? `release ${number} of target ${target.name} was recorded by another deploy at the same time; this one was not recorded`
      : `recording release ${number} failed (exit ${r.status}): ${why(r)}`;
  }
  const old = releasesBeyond([...releases, release], target.releasesKept);
  if (old.length > 0) {
    const d = await kubectl.delete(['secret', '-n', namespace, ...old.map((x) => releaseName(target.name, x.release)), '--ignore-not-found']);
    if (d.status !== 0) run.io.error(`deploy: warning: could not delete old releases: ${why(d)}`);
  }
  return number;
}

/** Who deploys: the git commit of the project (with -dirty for uncommitted changes) and the user. */
function whoDeploys(): { commit: string; user: string } {
  const root = path.join(__dirname, '..', '..');
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['-C', root, 'rev-parse', 'HEAD'], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf-8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (dirty) commit += '-dirty';
  } catch { /* not a git checkout */ }
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch { /* no passwd entry */ }
  return { commit, user };
}

/**
 * Each Deployment's progress deadline must be below the rollout timeout (or a stuck rollout ends
 * on the timeout, one after another), and, for a synthesized target, the one the target expects.
 */
function checkDeadlines(run: Run, objects: readonly K8sObject[], synthesized: boolean): void {
  const { target, timeout } = run;
  for (const d of objects.filter((o) => o.kind === 'Deployment')) {
    const pds = (d.spec as { progressDeadlineSeconds?: number }).progressDeadlineSeconds ?? 600;
    if (pds >= timeout) {
      throw new UsageError(`Deployment ${d.metadata.name} of target ${target.name} has progressDeadlineSeconds ${pds}, not below the rollout timeout ${timeout}s `
        + `(${run.opts.timeoutSeconds !== undefined ? '--timeout' : 'rollout.timeout in config/targets.ts'}): a stuck rollout would only end on the timeout. `
        + 'Give a longer timeout, or the WebService a shorter progressDeadline');
    }
    if (synthesized && pds !== target.rolloutSeconds.progressDeadline) {
      throw new UsageError(`Deployment ${d.metadata.name} of target ${target.name} has progressDeadlineSeconds ${pds}, but the target's rollout.progressDeadline `
        + `(config/targets.ts) is ${target.rolloutSeconds.progressDeadline}s: pass the target's progressDeadline to the WebService (main.ts), or change rollout.progressDeadline`);
    }
  }
}

function fail(steps: StepRunner, code: number, message: string): number {
  steps.fail(message);
  return code;
}

const firstLine = (s: string): string => s.split('\n').find((l) => l.trim())?.trim() ?? '';
