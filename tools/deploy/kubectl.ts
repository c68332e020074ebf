import { spawn } from 'child_process';
import { Io } from './steps';

export interface KubectlResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** The field manager of every apply of the project's objects (`kubectl get --show-managed-fields`). */
export const FIELD_MANAGER = 'mincloud';

/** kubectl's own field manager for an ApplySet parent; the parent is written under it so kubectl's prune finds it its own. */
export const APPLYSET_FIELD_MANAGER = 'kubectl-applyset';

/** `kubectl diff` runs this to compare; fixed so the summary can read its output. */
export const EXTERNAL_DIFF = 'diff -u -N';

/** Shell-quotes one word for the command lines the deploy log prints. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The first useful line of a failed call, for messages. */
export const why = (r: KubectlResult): string => (r.stderr || r.stdout).trim();

/**
 * The kubectl calls of a deploy. Every call that reaches a cluster gets `--context` first, so
 * none can reach whatever cluster the kubeconfig's current context happens to point at. Calls
 * run as child processes without blocking: rollouts are awaited side by side.
 */
export class Kubectl {
  public constructor(private readonly binary: string, public readonly context: string, private readonly io: Io) {}

  public run(args: readonly string[], options: { env?: Record<string, string>; quiet?: boolean; noContext?: boolean } = {}): Promise<KubectlResult> {
    const full = [...(options.noContext ? [] : ['--context', this.context]), ...args];
    const env = Object.entries(options.env ?? {}).map(([k, v]) => `${k}=${shellWord(v)} `).join('');
    if (!options.quiet) this.io.log(`    $ ${env}kubectl ${full.map(shellWord).join(' ')}`);
    return new Promise((resolve) => {
      const child = spawn(this.binary, full, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (d: Buffer) => out.push(d));
      child.stderr.on('data', (d: Buffer) => err.push(d));
      child.on('error', (e) => resolve({ status: 127, stdout: '', stderr: `cannot run ${this.binary}: ${e.message}` }));
      child.on('close', (code, signal) => resolve({
        status: code ?? (signal ? 128 : 1),
        stdout: Buffer.concat(out).toString('utf-8'),
        stderr: Buffer.concat(err).toString('utf-8'),
      }));
    });
  }

  /** The context names of the kubeconfig (`$KUBECONFIG` or ~/.kube/config); no cluster is contacted. */
  public contexts(quiet = false): Promise<KubectlResult> {
    return this.run(['config', 'get-contexts', '-o', 'name'], { noContext: true, quiet });
  }

  /** Client and server version, as JSON. */
  public version(): Promise<KubectlResult> {
    return this.run(['version', '-o', 'json']);
  }

  /**
   * Every kind the cluster serves, by discovery (not kubectl's cache): one table row per
   * resource of each group's preferred version, with its API version, scope and kind.
   */
  public apiResources(): Promise<KubectlResult> {
    return this.run(['api-resources', '--cached=false', '-o', 'wide']);
  }

  /** A raw GET, e.g. a discovery document `/apis/apps/v1`. */
  public raw(path: string): Promise<KubectlResult> {
    return this.run(['get', '--raw', path]);
  }

  /** `kubectl get <what> -o json`; `--ignore-not-found` prints nothing for a missing object. */
  public getJson(what: readonly string[], options: { namespace?: string; selector?: string; ignoreNotFound?: boolean } = {}): Promise<KubectlResult> {
    return this.run(['get', ...what, ...(options.namespace ? ['-n', options.namespace] : []),
      ...(options.selector ? ['-l', options.selector] : []), ...(options.ignoreNotFound ? ['--ignore-not-found'] : []), '-o', 'json']);
  }

  /**
   * Server-side diff: the API server merges each object as the apply would (dry run), and
   * kubectl shows the live object against the result. Exit 0 no change, 1 changes, >1 error.
   */
  public diff(paths: readonly string[]): Promise<KubectlResult> {
    return this.run(['diff', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts',
      ...paths.flatMap((p) => ['-f', p])], { env: { KUBECTL_EXTERNAL_DIFF: EXTERNAL_DIFF } });
  }

  /**
   * Server-side apply without pruning. `force`: the manager takes over fields another manager
   * set (the project's code is the source of truth for what it sets); without it a field owned
   * by someone else is a conflict.
   */
  public apply(paths: readonly string[], options: { namespace?: string; fieldManager?: string; force?: boolean } = {}): Promise<KubectlResult> {
    return this.run(['apply', '--server-side', `--field-manager=${options.fieldManager ?? FIELD_MANAGER}`,
      ...(options.force === false ? [] : ['--force-conflicts']), ...(options.namespace ? ['-n', options.namespace] : []),
      ...paths.flatMap((p) => ['-f', p])]);
  }

  /** Creates an object; fails with AlreadyExists when it exists (how a release number is claimed). */
  public create(path: string): Promise<KubectlResult> {
    return this.run(['create', `--field-manager=${FIELD_MANAGER}`, '-f', path]);
  }

  public delete(args: readonly string[]): Promise<KubectlResult> {
    return this.run(['delete', ...args]);
  }

  /**
   * Server-side apply of the target's members as an ApplySet (kubectl 1.27, alpha: needs
   * KUBECTL_APPLYSET=true). kubectl labels every object `applyset.kubernetes.io/part-of=<id>`,
   * records the set's kinds in the parent Secret and `--prune` deletes the objects that carry
   * the label, are of a recorded kind and were not in this apply.
   */
  public applySetPrune(namespace: string, parent: string, paths: readonly string[]): Promise<KubectlResult> {
    return this.run(['apply', '--server-side', `--field-manager=${FIELD_MANAGER}`, '--force-conflicts',
      '-n', namespace, `--applyset=${parent}`, '--prune', ...paths.flatMap((p) => ['-f', p])], { env: { KUBECTL_APPLYSET: 'true' } });
  }

  public rolloutStatus(namespace: string, deployment: string, timeoutSeconds: number): Promise<KubectlResult> {
    return this.run(['rollout', 'status', `deployment/${deployment}`, '-n', namespace, `--timeout=${timeoutSeconds}s`]);
  }
}
