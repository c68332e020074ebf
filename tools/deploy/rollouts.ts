import { Kubectl, why } from './kubectl';

/** The parts of a live Deployment the rollout step reads. */
export interface LiveDeployment {
  readonly metadata: { readonly name: string; readonly generation?: number; readonly annotations?: Record<string, string> };
  readonly spec: { readonly replicas?: number; readonly template?: unknown };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly replicas?: number;
    readonly updatedReplicas?: number;
    readonly availableReplicas?: number;
    readonly conditions?: ReadonlyArray<{ readonly type: string; readonly status: string; readonly reason?: string; readonly message?: string }>;
  };
}

/** `kubectl get deployments -o json` as name -> object. */
export function deploymentsByName(listJson: string): Map<string, LiveDeployment> {
  const items = (JSON.parse(listJson || '{"items":[]}').items ?? []) as LiveDeployment[];
  return new Map(items.map((d) => [d.metadata.name, d]));
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/**
 * Whether an apply started a rollout of this Deployment: it is new, or its pod template (as the
 * server stores it, defaults included on both sides) is not the one it had before. A Deployment
 * whose template did not change has nothing of this deploy to roll back: if it is unhealthy, it
 * was before (or the cluster lacks capacity), and going back a revision would only make it older.
 */
export function templateChanged(before: LiveDeployment | undefined, after: LiveDeployment | undefined): boolean {
  if (!after) return false;
  return !before || canonical(before.spec.template) !== canonical(after.spec.template);
}

/**
 * How a Deployment stands, read the way `kubectl rollout status` reads it
 * (polymorphichelpers DeploymentStatusViewer): ok when all its replicas are updated and available.
 */
export function availability(d: LiveDeployment): { readonly ok: boolean; readonly message: string } {
  const s = d.status ?? {};
  const name = d.metadata.name;
  if ((d.metadata.generation ?? 0) > (s.observedGeneration ?? 0)) return { ok: false, message: `deployment "${name}": the controller has not seen the last change yet` };
  const progressing = (s.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') return { ok: false, message: `deployment "${name}" exceeded its progress deadline` };
  const replicas = d.spec.replicas ?? 1;
  if ((s.updatedReplicas ?? 0) < replicas) return { ok: false, message: `deployment "${name}": ${s.updatedReplicas ?? 0} of ${replicas} replicas updated` };
  if ((s.replicas ?? 0) > (s.updatedReplicas ?? 0)) return { ok: false, message: `deployment "${name}": ${(s.replicas ?? 0) - (s.updatedReplicas ?? 0)} old replicas pending termination` };
  if ((s.availableReplicas ?? 0) < (s.updatedReplicas ?? 0)) {
    return { ok: false, message: `deployment "${name}": ${s.availableReplicas ?? 0} of ${s.updatedReplicas ?? 0} replicas available` };
  }
  return { ok: true, message: `deployment "${name}" is available (${s.availableReplicas ?? 0} of ${replicas})` };
}

export interface RolloutResult {
  readonly name: string;
  readonly ok: boolean;
  /** kubectl's last words: "successfully rolled out", "exceeded its progress deadline", "timed out waiting...". */
  readonly message: string;
}

/**
 * `kubectl rollout status` for each Deployment, all at once: the deploy waits as long as the
 * slowest one, not the sum. Each ends on success, on the Deployment's progress deadline
 * (ProgressDeadlineExceeded) or on `timeoutSeconds`.
 */
export async function awaitRollouts(kubectl: Kubectl, namespace: string, names: readonly string[], timeoutSeconds: number): Promise<RolloutResult[]> {
  return Promise.all(names.map(async (name) => {
    const r = await kubectl.rolloutStatus(namespace, name, timeoutSeconds);
    const lines = (r.status === 0 ? r.stdout : why(r)).trim().split('\n');
    return { name, ok: r.status === 0, message: lines[lines.length - 1] };
  }));
}
