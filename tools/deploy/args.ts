/** Options of `npm run deploy`. */
export interface DeployOptions {
  readonly env: string;
  readonly image?: string;
  readonly dryRun: boolean;
  readonly timeout: string;
  readonly context?: string;
  readonly kubectl: string;
  readonly outdir: string;
}

export class UsageError extends Error {}

export const HELP = `Usage: npm run deploy -- --env <target> [options]

Synthesizes one target, validates it, shows what would change on the cluster, applies it
with server-side apply (pruning objects this project created earlier and no longer defines),
waits for every Deployment to roll out, and rolls back the ones that do not.

Options:
  --env <target>      target from config/targets.ts (required)
  --image <ref>       site image to deploy, e.g. the digest docker/push.sh recorded
                      (repo:tag, repo@sha256:..., repo:tag@sha256:...); default docker/image.env
  --dry-run           stop after the diff: change nothing
  --timeout <dur>     how long each rollout may take (default 300s)
  --context <ctx>     kubeconfig context (default: the target's cluster context)
  --kubectl <path>    kubectl binary (default: kubectl 1.27 from tools/k8s-binaries.sh, else PATH)
  --outdir <dir>      where to synthesize (default dist)
  -h, --help          this text

Steps: 1 synth + schema + policy validation, 2 kubectl diff, 3 apply cluster-scoped objects
(Namespace, PriorityClass), 4 apply the namespace's objects as an ApplySet with --prune,
5 rollout status of every Deployment (rollout undo on failure).

Exit codes:
  0  deployed (or, with --dry-run, diffed)
  1  usage error: unknown option, unknown target
  2  synth or validation failed: nothing was applied
  3  kubectl diff or apply failed
  4  a rollout failed and was rolled back
  5  a rollout failed and the rollback failed too
`;

export function parseArgs(argv: readonly string[]): DeployOptions | 'help' {
  const out: { env?: string; image?: string; dryRun: boolean; timeout: string; context?: string; kubectl?: string; outdir: string } = {
    dryRun: false, timeout: '300s', outdir: 'dist',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith('--')) throw new UsageError(`${flag} needs a value (see --help)`);
      return v;
    };
    switch (flag) {
      case '-h': case '--help': return 'help';
      case '--env': out.env = value(); break;
      case '--image': out.image = value(); break;
      case '--dry-run': out.dryRun = true; break;
      case '--timeout': out.timeout = value(); break;
      case '--context': out.context = value(); break;
      case '--kubectl': out.kubectl = value(); break;
      case '--outdir': out.outdir = value(); break;
      default: throw new UsageError(`unknown option "${argv[i]}" (see --help)`);
    }
  }
  if (!out.env) throw new UsageError('--env <target> is required (see --help)');
  if (!/^\d+(s|m|h)$/.test(out.timeout)) throw new UsageError(`--timeout "${out.timeout}" is not a duration; use e.g. 300s or 5m`);
  return { ...out, env: out.env, kubectl: out.kubectl ?? '' };
}
