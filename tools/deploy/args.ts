import { parseArgs as parseCommandLine } from 'node:util';

/** What `npm run deploy` is asked to do. */
export type DeployMode = 'deploy' | 'rollback' | 'history';

/** Options of `npm run deploy`. */
export interface DeployOptions {
  /** Target name from config/targets.ts. */
  readonly env: string;
  readonly mode: DeployMode;
  /** Site image reference passed to synth as SITE_IMAGE. */
  readonly image?: string;
  readonly dryRun: boolean;
  /** Rollout timeout in seconds; default: the target's `rollout.timeout`. */
  readonly timeoutSeconds?: number;
  /** kubeconfig context; default: the target's cluster context. */
  readonly context?: string;
  /** For a target on several clusters: the one cluster to deploy (or list, or roll back); default: every cluster, in order. */
  readonly cluster?: string;
  /** kubectl binary; '' means "find kubectl 1.27" (see cli.ts). */
  readonly kubectl: string;
  /** Where the target is synthesized: `<outdir>/<env>/`. */
  readonly outdir: string;
  /** `--rollback --to N`: the release to go back to; default: the one before the current release. */
  readonly to?: number;
  /** Remove what a failed deploy created when there is no earlier release to go back to. */
  readonly cleanupOnFail: boolean;
}

/** A mistake in the command line or in the target's configuration: exit code 1. */
export class UsageError extends Error {}

/** Default synth folder. Not dist/: `npm run diff` compares against dist/. */
export const DEFAULT_OUTDIR = 'build/deploy';

export const HELP = `Usage: npm run deploy -- --env <target> [--cluster NAME] [options]
       npm run deploy -- --env <target> [--cluster NAME] --history
       npm run deploy -- --env <target> [--cluster NAME] --rollback [--to N]

Deploys one target without downtime: synthesizes and validates it, checks the cluster can take
it, shows what would change, applies it with server-side apply, waits for the Deployments it
changed to roll out, rolls those that do not back to the last good release, records the release
in the cluster and only then prunes what an earlier release applied and the code no longer
defines (never anything else).

Options:
  --env <target>      target from config/targets.ts (required): dev, staging, prod, ...
  --image <ref>       site image to deploy (repo:tag, repo@sha256:..., repo:tag@sha256:...),
                      e.g. the digest docker/push.sh recorded, so the bytes tested are the bytes
                      deployed in every environment; default: docker/image.env
  --dry-run           stop after the diff: nothing is changed on the cluster
  --timeout <dur>     how long the changed Deployments may take to roll out, all at once
                      (5m, 1m30s, 900s); default: the target's rollout.timeout (15m; prod 30m).
                      Must exceed the Deployments' progressDeadlineSeconds (3m)
  --cluster <name>    for a target on several clusters (prod: prod-eu, prod-us): only this one.
                      Without it, every cluster in the order of config/targets.ts, the first as
                      the canary: all are synthesized and preflighted before any is changed,
                      then steps 3-8 run cluster by cluster, stopping at the first that fails
  --context <ctx>     kubeconfig context (default: the target's cluster context); with several
                      clusters, only together with --cluster
  --kubectl <path>    kubectl binary (default: kubectl 1.27 from tools/k8s-binaries.sh)
  --outdir <dir>      where to synthesize the target: <dir>/<target>/ (default ${DEFAULT_OUTDIR};
                      dist/ is left alone; a <dir>/<target>/ this command did not write is refused)
  --history           list the releases recorded in the cluster: when, status, git commit,
                      images (digests), what happened; changes nothing
  --rollback          apply a recorded release again, exactly: the one before the current
                      release, or --to N; the same checks, rollout and prune as a deploy
  --to <N>            with --rollback: the release number (see --history); release numbers are
                      per cluster, so with several clusters only together with --cluster
  --cleanup-on-fail   when a deploy fails and there is no earlier release to go back to (a
                      first deploy, a new Deployment), delete what it created instead of leaving
                      it for inspection
  -h, --help          this text

Steps:
  1  synth the target (npm run synth): Kubernetes 1.27 schema and policy validation
     (--rollback: read the release from the cluster instead)
  2  preflight: the kube context exists, the server's version is supported (1.27-1.28),
     every kind of the target is served (custom kinds: their CRD is Established)
  3  kubectl diff --server-side (a namespace that does not exist yet: everything in it is new);
     --dry-run stops here
  4  apply the Namespace; record the ApplySet's kinds on its parent (secrets/mincloud-<target>)
     before any member is applied
  5  apply the members (PriorityClass and the namespace's objects), server-side, no prune
  6  wait for every Deployment this deploy changed, all at once; roll the ones that fail back
     to the last good release (server-side apply of that release's Deployment)
  7  record the release in the namespace (Secret mincloud-release-<target>.v<N>)
  8  prune: delete the members an earlier release applied and this one does not define

Exit codes:
  0  deployed (--dry-run: diffed; --history: listed; --rollback: rolled back as asked)
  1  usage or configuration error (unknown option, unknown target, --outdir not ours, a timeout
     not above the progress deadline): nothing was sent to a cluster
  2  synth or validation failed: nothing was sent to the cluster
  3  preflight or diff failed (no such context, unreachable, unsupported version, a kind not
     served): nothing of the target was applied
  4  a Deployment did not roll out and was rolled back to the last good release; nothing pruned
  5  a Deployment did not roll out and could not be rolled back (no earlier release: a first
     deploy; or the rollback failed): what is left and how to remove it is printed
  6  the apply failed for some objects, but every Deployment it changed rolled out; no release
     was recorded, nothing pruned: fix the error and deploy again
  7  deployed and rolled out, but recording the release or the prune after it failed
  8  several clusters: a cluster after the first failed; the clusters before it run the new
     release, the failed one is as 3-7 describe (rolled back when a rollout failed), the ones
     after it were not touched; the output lists each, with the commands to roll back
With several clusters, 2-7 describe the first cluster (or the preflight of any), and mean that
no other cluster was changed.
`;

const DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds of a Go duration (`1m30s`), as `kubectl --timeout` reads it. */
export function durationSeconds(text: string): number {
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) total += Number(n) * UNIT_SECONDS[unit];
  return total;
}

/** node:util parseArgs' errors, in this command's words. */
function commandLineError(e: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? '';
  const flag = quoted.split(' ')[0];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option "${flag}" (see --help)`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL': return `unexpected argument "${quoted}": every option starts with -- (see --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(e.message) ? `${flag} takes no value (see --help)` : `${flag} needs a value (see --help)`;
    default: return `${e.message} (see --help)`;
  }
}

export function parseArgs(argv: readonly string[]): DeployOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseCommandLine({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        'env': { type: 'string' },
        'image': { type: 'string' },
        'dry-run': { type: 'boolean' },
        'timeout': { type: 'string' },
        'context': { type: 'string' },
        'cluster': { type: 'string' },
        'kubectl': { type: 'string' },
        'outdir': { type: 'string' },
        'history': { type: 'boolean' },
        'rollback': { type: 'boolean' },
        'to': { type: 'string' },
        'cleanup-on-fail': { type: 'boolean' },
        'help': { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError(commandLineError(e as Error & { code?: string }));
  }
  if (values.help) return 'help';
  for (const [name, v] of Object.entries(values)) {
    if (v === '') throw new UsageError(`--${name} needs a value (see --help)`);
  }
  const env = values.env as string | undefined;
  if (!env) throw new UsageError('--env <target> is required (see --help)');
  const history = values.history === true;
  const rollback = values.rollback === true;
  if (history && rollback) throw new UsageError('--history and --rollback do not go together: list first, then roll back');
  const only = (flag: string, allowed: boolean, why: string) => {
    if (values[flag] !== undefined && !allowed) throw new UsageError(`--${flag} ${why}`);
  };
  only('image', !history && !rollback, 'does not go with --history or --rollback: a release deploys the images it recorded');
  only('dry-run', !history, 'does not go with --history, which changes nothing anyway');
  only('timeout', !history, 'does not go with --history');
  only('cleanup-on-fail', !history && values['dry-run'] !== true, 'takes effect only when a deploy applies something');
  only('to', rollback, 'needs --rollback: npm run deploy -- --env <target> --rollback --to <N>');
  let to: number | undefined;
  if (values.to !== undefined) {
    to = Number(values.to);
    if (!/^[1-9]\d{0,5}$/.test(String(values.to))) throw new UsageError(`--to "${values.to}" is not a release number; use one --history lists, e.g. --to 3`);
  }
  let timeoutSeconds: number | undefined;
  if (values.timeout !== undefined) {
    const t = values.timeout as string;
    if (!DURATION.test(t)) throw new UsageError(`--timeout "${t}" is not a duration; use e.g. 900s, 15m or 1m30s`);
    timeoutSeconds = Math.ceil(durationSeconds(t));
  }
  return {
    env,
    mode: history ? 'history' : rollback ? 'rollback' : 'deploy',
    image: values.image as string | undefined,
    dryRun: values['dry-run'] === true,
    timeoutSeconds,
    context: values.context as string | undefined,
    cluster: values.cluster as string | undefined,
    kubectl: (values.kubectl as string | undefined) ?? '',
    outdir: (values.outdir as string | undefined) ?? DEFAULT_OUTDIR,
    to,
    cleanupOnFail: values['cleanup-on-fail'] === true,
  };
}
