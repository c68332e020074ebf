import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { deploymentConfig } from '../../config/targets';
import { readManifestFolder } from '../../lib/synth/manifest-files';
import { resolveTargets, selectTargets } from '../../lib/targets';
import { main as synth } from '../../main';
import { DeployOptions, UsageError } from './args';

/** Kinds without a namespace: applied before the namespace's ApplySet, never pruned by it. */
const CLUSTER_SCOPED = new Set(['Namespace', 'PriorityClass', 'ClusterRole', 'ClusterRoleBinding',
  'CustomResourceDefinition', 'IngressClass', 'StorageClass', 'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration']);

export const EXIT = { ok: 0, usage: 1, synth: 2, apply: 3, rolledBack: 4, rollbackFailed: 5 } as const;

export interface Io {
  log(line: string): void;
  error(line: string): void;
}

interface Kubectl {
  (args: string[], extraEnv?: Record<string, string>): { status: number; stdout: string; stderr: string };
}

function kubectlRunner(binary: string, context: string, io: Io): Kubectl {
  return (args, extraEnv = {}) => {
    const full = ['--context', context, ...args];
    io.log(`  $ ${Object.entries(extraEnv).map(([k, v]) => `${k}=${v} `).join('')}kubectl ${full.join(' ')}`);
    const r = spawnSync(binary, full, { encoding: 'utf-8', env: { ...process.env, ...extraEnv } });
    if (r.error) return { status: 127, stdout: '', stderr: `cannot run ${binary}: ${r.error.message}` };
    return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
}

/** Runs a deployment; returns the exit code (see `EXIT`). */
export function deploy(opts: DeployOptions, io: Io): number {
  let step = 0;
  const total = opts.dryRun ? 2 : 5;
  const header = (text: string) => io.log(`[${++step}/${total}] ${text}`);

  const targets = resolveTargets(deploymentConfig);
  let target;
  try {
    [target] = selectTargets(targets, opts.env);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const context = opts.context ?? target.clusterConfig.context;
  const dir = path.join(opts.outdir, target.name);

  header(`synth and validate target ${target.name} (schema, Pod Security, kube-score, kube-linter, Polaris)`);
  try {
    const env = { ...process.env, ...(opts.image ? { SITE_IMAGE: opts.image } : {}) };
    synth(['--target', target.name, '--outdir', opts.outdir], env, (line) => io.log(`  ${line}`));
  } catch (e) {
    io.error(`deploy: synth failed, nothing was applied:\n${(e as Error).message}`);
    return EXIT.synth;
  }

  const objects = readManifestFolder(dir).files.flatMap((f) => f.manifests) as Array<{ kind: string; metadata: { name: string } }>;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-'));
  try {
    const clusterFile = path.join(work, 'cluster-scoped.yaml');
    const namespacedFile = path.join(work, 'namespaced.yaml');
    const toYaml = (list: unknown[]) => list.map((o) => YAML.stringify(o)).join('---\n');
    fs.writeFileSync(clusterFile, toYaml(objects.filter((o) => CLUSTER_SCOPED.has(o.kind))));
    fs.writeFileSync(namespacedFile, toYaml(objects.filter((o) => !CLUSTER_SCOPED.has(o.kind))));
    const kubectl = kubectlRunner(opts.kubectl, context, io);

    header(`diff against cluster ${target.clusterName} (context ${context})`);
    const diff = kubectl(['diff', '--server-side', '--field-manager=mincloud', '-f', dir]);
    if (diff.status > 1) {
      io.error(`deploy: kubectl diff failed (exit ${diff.status}):\n${diff.stderr.trim()}`);
      return EXIT.apply;
    }
    const changed = (diff.stdout.match(/^diff -u -N /gm) ?? []).length;
    io.log(diff.status === 0 ? '  no changes' : `  ${changed} object(s) would change:\n${indent(diff.stdout)}`);
    if (opts.dryRun) {
      io.log('dry run: stopping before apply');
      return EXIT.ok;
    }

    header('apply cluster-scoped objects (Namespace, PriorityClass)');
    const pre = kubectl(['apply', '--server-side', '--field-manager=mincloud', '-f', clusterFile]);
    if (pre.status !== 0) {
      io.error(`deploy: apply failed (exit ${pre.status}):\n${pre.stderr.trim()}`);
      return EXIT.apply;
    }
    io.log(indent(pre.stdout));

    header(`apply namespace ${target.namespace} as ApplySet mincloud-${target.name}, pruning what the code no longer defines`);
    // The ApplySet (a labelled Secret in the namespace) records what this project applied, so
    // --prune deletes only objects that were part of an earlier apply of this set: nothing
    // created by anyone else is ever touched.
    const apply = kubectl(['apply', '--server-side', '--field-manager=mincloud', '-n', target.namespace,
      `--applyset=secrets/mincloud-${target.name}`, '--prune', '-f', namespacedFile], { KUBECTL_APPLYSET: 'true' });
    if (apply.status !== 0) {
      io.error(`deploy: apply failed (exit ${apply.status}):\n${apply.stderr.trim()}`);
      return EXIT.apply;
    }
    io.log(indent(apply.stdout));

    header(`wait for rollouts (timeout ${opts.timeout} each)`);
    const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
    const failed: string[] = [];
    for (const name of deployments) {
      const r = kubectl(['-n', target.namespace, 'rollout', 'status', `deployment/${name}`, `--timeout=${opts.timeout}`]);
      if (r.status === 0) io.log(`  deployment/${name} rolled out`);
      else {
        io.error(`  deployment/${name} did not roll out: ${(r.stderr || r.stdout).trim()}`);
        failed.push(name);
      }
    }
    if (failed.length === 0) {
      io.log(`deployed ${target.name}: ${objects.length} objects, ${deployments.length} deployment(s) rolled out`);
      return EXIT.ok;
    }
    let undoFailed = false;
    for (const name of failed) {
      const r = kubectl(['-n', target.namespace, 'rollout', 'undo', `deployment/${name}`]);
      if (r.status === 0) io.error(`  deployment/${name} rolled back to its previous revision`);
      else {
        io.error(`  deployment/${name} could not be rolled back: ${r.stderr.trim()}`);
        undoFailed = true;
      }
    }
    io.error(`deploy: rollout of ${failed.map((n) => `deployment/${n}`).join(', ')} failed; ${undoFailed ? 'rollback failed too' : 'rolled back'}`);
    return undoFailed ? EXIT.rollbackFailed : EXIT.rolledBack;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function indent(text: string): string {
  return text.trim().split('\n').map((l) => `    ${l}`).join('\n');
}
