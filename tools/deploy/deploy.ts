import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deploymentConfig } from '../../config/targets';
import { ResolvedTarget, resolveTargets, selectTargets } from '../../lib/deployment-config';
import { synthTargets } from '../../main';
import { DeployOptions, UsageError } from './args';
import { applySetOf, PART_OF_LABEL } from './applyset';
import { Kubectl } from './kubectl';
import { describe, DeployPlan, planDeploy, summarizeDiff } from './manifests';
import { Io, StepRunner } from './steps';

export { Io } from './steps';

export const EXIT = { ok: 0, usage: 1, synth: 2, cluster: 3, rolledBack: 4, rollbackFailed: 5 } as const;

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

/** Runs a deployment; returns the exit code (see `EXIT`). Throws `UsageError` before doing anything. */
export async function deploy(opts: DeployOptions, io: Io): Promise<number> {
  const target = resolveTarget(opts.env);
  const steps = new StepRunner(opts.dryRun ? 2 : 6, io);
  const applySet = applySetOf(target);
  const context = opts.context ?? target.clusterConfig.context;
  const namespace = target.namespace;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `deploy-${target.name}-`));
  try {
    // 1. Synth: the project's own synth, with schema and policy validation. It writes the target
    // into <outdir>/<target>/ only when everything passed.
    steps.step(`synth and validate target ${target.name} into ${path.join(opts.outdir, target.name)}/ (Kubernetes 1.27 schema, policies)`);
    let plan: DeployPlan;
    try {
      const env = { ...process.env, ...(opts.image !== undefined ? { SITE_IMAGE: opts.image } : {}) };
      const [synthesized] = await synthTargets(opts.outdir, { names: [target.name], env });
      steps.detail(`${synthesized.dir}: ${synthesized.objects} objects, schema and policy checks passed`);
      plan = planDeploy(synthesized.dir, namespace, { [PART_OF_LABEL]: applySet.id }, work);
    } catch (e) {
      steps.fail(`synth failed, nothing was sent to the cluster:\n${(e as Error).message}`);
      return EXIT.synth;
    }
    steps.detail(`${plan.clusterScoped.length + plan.namespaced.length} objects: ${plan.clusterScoped.map(describe).join(', ')}; `
      + `${plan.namespaced.length} in namespace ${namespace}; deployments: ${plan.deployments.join(', ') || 'none'}`);
    if (opts.image !== undefined) steps.detail(`site image: ${opts.image}`);

    const kubectl = new Kubectl(opts.kubectl, context, io);

    // 2. Diff. kubectl diff cannot dry-run objects into a namespace that does not exist yet (the
    // API server answers NotFound for each: kubernetes/kubectl#1331), so on a first deploy only
    // the cluster-scoped objects are diffed and everything in the namespace is reported as new.
    steps.step(`diff against cluster ${target.clusterName} (context ${context})`);
    const ns = kubectl.getNamespace(namespace);
    if (ns.status !== 0) {
      steps.fail(`cannot read namespace ${namespace} (exit ${ns.status}); nothing was applied:\n${(ns.stderr || ns.stdout).trim()}`);
      return EXIT.cluster;
    }
    const namespaceExists = ns.stdout.trim() !== '';
    const diff = kubectl.diff(namespaceExists ? [plan.clusterScopedDir, plan.namespacedDir] : [plan.clusterScopedDir]);
    if (diff.status > 1) {
      steps.fail(`kubectl diff failed (exit ${diff.status}); nothing was applied:\n${(diff.stderr || diff.stdout).trim()}`);
      return EXIT.cluster;
    }
    if (diff.stdout.trim()) steps.detail(diff.stdout);
    const changes = summarizeDiff(diff.stdout).map((e) => (e.isNew ? `+ ${e.object}: new` : `~ ${e.object}: +${e.added} -${e.removed} lines`));
    if (!namespaceExists) {
      changes.push(...plan.namespaced.map((o) => `+ ${describe(o)}: new (namespace ${namespace} does not exist yet)`));
    }
    steps.detail(changes.length === 0 ? 'no changes' : [`${changes.length} object(s) would change:`, ...changes.map((c) => `  ${c}`)].join('\n'));
    steps.detail('objects an earlier deploy applied and the code no longer defines are pruned after the rollout (kubectl diff does not show them)');
    if (opts.dryRun) {
      io.log('dry run: stopped before apply; nothing was changed');
      return EXIT.ok;
    }

    // 3. Cluster-scoped objects first, without prune: the Namespace must exist before the ApplySet
    // parent Secret can be created in it, and a cluster-scoped object is never pruned by accident.
    steps.step(`apply cluster-scoped objects (${[...new Set(plan.clusterScoped.map((o) => o.kind))].join(', ')}), without prune`);
    const pre = kubectl.apply(plan.clusterScopedDir);
    if (pre.status !== 0) {
      steps.fail(`kubectl apply failed (exit ${pre.status}):\n${(pre.stderr || pre.stdout).trim()}`);
      return EXIT.cluster;
    }
    steps.detail(pre.stdout);

    // 4. The namespace's objects, without prune yet: what the previous version uses (a ConfigMap
    // whose name changed with its content, say) stays until the new version has rolled out, so
    // a rollback still finds it. Each object already carries the ApplySet's member label, so an
    // object added now is pruned correctly by a later deploy even if this one stops early.
    steps.step(`apply namespace ${namespace} (${plan.namespaced.length} objects, members of ApplySet ${applySet.parent}), without prune`);
    const apply = kubectl.apply(plan.namespacedDir, namespace);
    if (apply.status !== 0) {
      steps.fail(`kubectl apply failed (exit ${apply.status}); no rollout was waited for:\n${(apply.stderr || apply.stdout).trim()}`);
      return EXIT.cluster;
    }
    steps.detail(apply.stdout);

    // 5. Every Deployment must roll out; the ones that do not go back to their previous revision.
    steps.step(`wait for ${plan.deployments.length} deployment(s) to roll out (timeout ${opts.timeout} each)`);
    const failed: string[] = [];
    for (const name of plan.deployments) {
      const r = kubectl.rolloutStatus(namespace, name, opts.timeout);
      if (r.status === 0) {
        steps.detail(`deployment/${name} rolled out`);
      } else {
        io.error(`deploy: deployment/${name} did not roll out: ${(r.stderr || r.stdout).trim()}`);
        failed.push(name);
      }
    }
    if (failed.length === 0) {
      // 6. Prune, now that the new version runs: kubectl records the set in the parent Secret and
      // deletes the members an earlier deploy applied that the code no longer defines.
      steps.step(`prune: apply namespace ${namespace} as ApplySet ${applySet.parent} with --prune`);
      const prune = kubectl.applySetPrune(namespace, applySet.parent, plan.pruneDir);
      if (prune.status !== 0) {
        steps.fail(`the new version is rolled out, but the pruning apply failed (exit ${prune.status}); `
          + `objects the code no longer defines may remain:\n${(prune.stderr || prune.stdout).trim()}`);
        return EXIT.cluster;
      }
      steps.detail(prune.stdout);
      io.log(`deployed ${target.name} to ${context}: ${plan.clusterScoped.length + plan.namespaced.length} objects, `
        + `${plan.deployments.length} deployment(s) rolled out`);
      return EXIT.ok;
    }
    const undoFailed: string[] = [];
    for (const name of failed) {
      const r = kubectl.rolloutUndo(namespace, name);
      if (r.status === 0) io.error(`deploy: deployment/${name} rolled back to its previous revision`);
      else {
        io.error(`deploy: deployment/${name} could not be rolled back: ${(r.stderr || r.stdout).trim()}`);
        undoFailed.push(name);
      }
    }
    const list = failed.map((n) => `deployment/${n}`).join(', ');
    if (undoFailed.length > 0) {
      steps.fail(`rollout of ${list} failed, and the rollback of ${undoFailed.map((n) => `deployment/${n}`).join(', ')} failed too`);
      return EXIT.rollbackFailed;
    }
    steps.fail(`rollout of ${list} failed; rolled back to the previous revision (the other objects keep the new version; nothing was pruned)`);
    return EXIT.rolledBack;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
