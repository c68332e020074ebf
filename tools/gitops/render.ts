import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { apiGroup, KubeObject, objectKey } from 'k8s-checks';
import { ClusterResource } from '../../lib/argocd-project';
import { onCluster, ResolvedTarget } from '../../config/deployment-config';
import { ResolvedGitOps } from '../../config/gitops-config';
import { GitOpsDelivery } from '../../lib/gitops-delivery';
import { OutputValidationError, synthTarget, SynthResult } from '../../synth/synth-target';
import { pluginValidation } from '../../synth/validations';
import { buildTargetFromEnv, validations } from '../../app';
import { version } from '../../package.json';

/** The name of the Argo CD objects' output: its chart, its file `argocd.k8s.yaml`. */
export const ARGOCD_OUTPUT = 'argocd';

/**
 * The cluster-scoped objects `target` synthesizes (its Namespace, its PriorityClass) on any of
 * its clusters, by group, kind and name, as the target's code builds them: what its AppProject
 * allows, and nothing more.
 */
export function clusterResourcesOf(target: ResolvedTarget, env: NodeJS.ProcessEnv): ClusterResource[] {
  const found = new Map<string, ClusterResource>();
  for (const cluster of target.clusters) {
    // Nothing is written: only the charts' objects are read (toJson), not synthesized to files.
    const app = new App({ outdir: path.join(os.tmpdir(), 'unused'), recordConstructMetadata: false });
    buildTargetFromEnv(app, onCluster(target, cluster.name), env);
    for (const o of app.charts.flatMap((c) => c.toJson() as KubeObject[])) {
      if (o.metadata.namespace !== undefined) continue;
      const key = objectKey(o);
      if (!found.has(key)) found.set(key, { group: apiGroup(o.apiVersion), kind: o.kind, name: o.metadata.name });
    }
  }
  return [...found.values()];
}

/** Every target's AppProject and its Applications (one per cluster), in one chart in Argo CD's namespace. */
export function buildArgoCd(app: App, gitops: ResolvedGitOps, targets: readonly ResolvedTarget[], env: NodeJS.ProcessEnv): Chart {
  const chart = new Chart(app, ARGOCD_OUTPUT, { namespace: gitops.argoCdNamespace });
  for (const t of gitops.targets) {
    const target = targets.find((x) => x.name === t.target)!;
    new GitOpsDelivery(chart, t.target, { target: t, clusterResources: clusterResourcesOf(target, env), version });
  }
  return chart;
}

/**
 * Synthesizes the Argo CD objects into `outdir` (replaced whole, only once they passed the
 * validation plugins of cdk8s.yaml: the Argo CD CRDs' schemas among crds/, and the policies).
 * Throws OutputValidationError when a check failed, leaving `outdir` as it was.
 */
export async function renderArgoCd(outdir: string, gitops: ResolvedGitOps, targets: readonly ResolvedTarget[], env: NodeJS.ProcessEnv): Promise<SynthResult> {
  return synthTarget({
    outdir,
    target: { name: ARGOCD_OUTPUT },
    build: (app) => buildArgoCd(app, gitops, targets, env),
    validate: pluginValidation(validations()),
  });
}

export { OutputValidationError };
