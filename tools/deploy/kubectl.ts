import { spawnSync } from 'child_process';
import { Io } from './steps';

export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The field manager of every apply: `kubectl get -o yaml --show-managed-fields` shows it. */
export const FIELD_MANAGER = 'mincloud';

/** `kubectl diff` runs this to compare; fixed so the summary can read its output. */
export const EXTERNAL_DIFF = 'diff -u -N';

/** Shell-quotes one word for the command lines the deploy log prints. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * The kubectl calls of a deploy. Every call gets `--context` first, so no call can reach
 * whatever cluster the kubeconfig's current context happens to point at.
 */
export class Kubectl {
  public constructor(private readonly binary: string, public readonly context: string, private readonly io: Io) {}

  private run(args: string[], extraEnv: Record<string, string> = {}): KubectlResult {
    const full = ['--context', this.context, ...args];
    const env = Object.entries(extraEnv).map(([k, v]) => `${k}=${shellWord(v)} `).join('');
    this.io.log(`    $ ${env}kubectl ${full.map(shellWord).join(' ')}`);
    const r = spawnSync(this.binary, full, { encoding: 'utf-8', env: { ...process.env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024 });
    if (r.error) return { status: 127, stdout: '', stderr: `cannot run ${this.binary}: ${r.error.message}` };
    return { status: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  }

  /** Exit 0 and `namespace/<ns>` when it exists, exit 0 and nothing when it does not. */
  public getNamespace(namespace: string): KubectlResult {
    return this.run(['get', 'namespace', namespace, '--ignore-not-found', '-o', 'name']);
  }

  /**
   * Server-side diff: the API server merges each object as the apply would (dry run), and
   * kubectl shows the live object against the result. Exit 0 no change, 1 changes, >1 error.
   */
  public diff(paths: readonly string[]): KubectlResult {
    return this.run(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts',
      ...paths.flatMap((p) => ['-f', p])], { KUBECTL_EXTERNAL_DIFF: EXTERNAL_DIFF });
  }

  /**
   * Server-side apply without any pruning: the cluster-scoped objects (step 3), and the
   * namespace's objects before their rollout (step 4, with `-n`).
   */
  public apply(path: string, namespace?: string): KubectlResult {
    return this.run(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts',
      ...(namespace ? ['-n', namespace] : []), '-f', path]);
  }

  /**
   * Server-side apply of one namespace's objects as an ApplySet (kubectl 1.27, alpha: needs
   * KUBECTL_APPLYSET=true). kubectl labels every object `applyset.kubernetes.io/part-of=<id>`
   * and records the set's kinds in the parent Secret; `--prune` then deletes only objects that
   * carry that label and were not in this apply.
   */
  public applySetPrune(namespace: string, parent: string, path: string): KubectlResult {
    return this.run(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts',
      '-n', namespace, `--applyset=${parent}`, '--prune', '-f', path], { KUBECTL_APPLYSET: 'true' });
  }

  public rolloutStatus(namespace: string, deployment: string, timeout: string): KubectlResult {
    return this.run(['rollout', 'status', `deployment/${deployment}`, '-n', namespace, `--timeout=${timeout}`]);
  }

  public rolloutUndo(namespace: string, deployment: string): KubectlResult {
    return this.run(['rollout', 'undo', `deployment/${deployment}`, '-n', namespace]);
  }
}
