import { parseArgs as parseCommandLine } from 'node:util';

/**
 * Options of `npm run deploy` (see HELP). `timeoutSeconds`: Helm's --timeout, default the target's
 * rollout.timeout; `context`: default the cluster's in config/targets.ts; `helm`, `kubectl`: ''
 * for tools/k8s-binaries.sh's (cli.ts); `to`: the revision of `--rollback --to N`.
 */
export interface DeployOptions {
  readonly target: string;
  readonly mode: 'deploy' | 'rollback' | 'history';
  readonly image?: string;
  readonly dryRun: boolean;
  readonly timeoutSeconds?: number;
  readonly context?: string;
  readonly cluster?: string;
  readonly kubectl: string;
  readonly helm: string;
  readonly outdir: string;
  readonly to?: number;
}

/** A mistake in the command line or in the configuration: exit code 1, nothing sent to a cluster. */
export class UsageError extends Error {}

export const DEFAULT_OUTDIR = 'build/deploy';

export const HELP = `Usage: npm run deploy -- --target <target> [--cluster NAME] [--image REF] [--dry-run] [--timeout DUR]
       npm run deploy -- --target <target> [--cluster NAME] --history
       npm run deploy -- --target <target> [--cluster NAME] --rollback [--to N]

Deploys one target with Helm 4, cluster by cluster in the order of config/targets.ts (the
first is the canary): 1. synthesize and validate each cluster's chart (a release too big for
Helm's storage stops here); 2. preflight every cluster (its context answers, it is not another
cluster's server, every CRD needed is Established); 3. per cluster, stopping at the first that
fails: helm upgrade --install mincloud-<target> --server-side=true --rollback-on-failure
--wait=watcher: Helm waits for every resource and, on failure, restores the whole release.
Releases are Helm's, in namespace mincloud-releases of each cluster (helm list, history and
rollback see them); Helm refuses a deploy while another is pending, and the deploy then says
how to recover one an interrupted deploy left pending.

Options:
  --target <name>     target from config/targets.ts (required; --env is an alias)
  --image <ref>       site image (repo:tag, repo@sha256:...); default: docker/image.env
  --dry-run           steps 1-2, then what would change against each cluster's release
  --timeout <dur>     Helm's --timeout (15m, 900s), above the progress deadline; default: the
                      target's rollout.timeout
  --cluster <name>    a target on several clusters: only this cluster
  --context <ctx>     kubeconfig context (with several clusters, only with --cluster)
  --history           helm history of the release on each cluster
  --rollback          helm rollback to the last good revision before the newest one (failed
                      and interrupted revisions are skipped), or --to N; one cluster at a time
  --to <N>            with --rollback: the revision (see --history)
  --outdir <dir>      where the target is synthesized: <dir>/<target>/ (default ${DEFAULT_OUTDIR})
  --helm, --kubectl <path>  the binaries (default: helm 4.1.4 and kubectl 1.27 of tools/k8s-binaries.sh)
  -h, --help          this text

Exit codes:
  0  done (--dry-run: shown; --history: listed)
  1  usage or configuration error: nothing was sent to a cluster
  2  synth, validation or release size failed: nothing was sent to a cluster
  3  preflight failed: nothing was applied to any cluster
  4  helm failed on the (first) cluster; Helm restored its previous release (or removed a
     first install); the output says which revision runs and how to roll back
  5  refused: another deploy or rollback is in progress, or an interrupted one left the
     release pending; nothing was changed; the output says how to recover
  6  several clusters: a cluster after the first failed (as 4 or 5); the clusters before it
     run the new release; the output prints the commands to roll them back
`;

const DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds of a Go duration (`1m30s`). */
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
  const str = { type: 'string' } as const;
  const bool = { type: 'boolean' } as const;
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseCommandLine({
      args: [...argv], strict: true, allowPositionals: false,
      options: {
        target: str, env: str, image: str, 'dry-run': bool, timeout: str, context: str, cluster: str, kubectl: str, helm: str,
        outdir: str, history: bool, rollback: bool, to: str, help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError(commandLineError(e as Error & { code?: string }));
  }
  if (values.help) return 'help';
  for (const [name, v] of Object.entries(values)) {
    if (v === '') throw new UsageError(`--${name} needs a value (see --help)`);
  }
  if (values.target !== undefined && values.env !== undefined) throw new UsageError('--env is another name for --target: give one of them');
  const target = (values.target ?? values.env) as string | undefined;
  if (!target) throw new UsageError('--target <target> is required (see --help)');
  const history = values.history === true;
  const rollback = values.rollback === true;
  if (history && rollback) throw new UsageError('--history and --rollback do not go together: list first, then roll back');
  const only = (flag: string, allowed: boolean, why: string) => {
    if (values[flag] !== undefined && !allowed) throw new UsageError(`--${flag} ${why}`);
  };
  only('image', !history && !rollback, 'does not go with --history or --rollback: a revision deploys the images it recorded');
  only('dry-run', !history, 'does not go with --history, which changes nothing anyway');
  only('timeout', !history, 'does not go with --history');
  only('to', rollback, 'needs --rollback: npm run deploy -- --target <target> --rollback --to <N>');
  if (values.to !== undefined && !/^[1-9]\d{0,5}$/.test(String(values.to))) {
    throw new UsageError(`--to "${values.to}" is not a revision number; use one --history lists, e.g. --to 3`);
  }
  let timeoutSeconds: number | undefined;
  if (values.timeout !== undefined) {
    const t = values.timeout as string;
    if (!DURATION.test(t)) throw new UsageError(`--timeout "${t}" is not a duration; use e.g. 900s, 15m or 1m30s`);
    timeoutSeconds = Math.ceil(durationSeconds(t));
  }
  return {
    target,
    mode: history ? 'history' : rollback ? 'rollback' : 'deploy',
    image: values.image as string | undefined,
    dryRun: values['dry-run'] === true,
    timeoutSeconds,
    context: values.context as string | undefined,
    cluster: values.cluster as string | undefined,
    kubectl: (values.kubectl as string | undefined) ?? '',
    helm: (values.helm as string | undefined) ?? '',
    outdir: (values.outdir as string | undefined) ?? DEFAULT_OUTDIR,
    to: values.to !== undefined ? Number(values.to) : undefined,
  };
}
