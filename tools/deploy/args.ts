/** Options of `npm run deploy`. */
export interface DeployOptions {
  /** Target name from config/targets.ts. */
  readonly env: string;
  /** Site image reference passed to synth as SITE_IMAGE. */
  readonly image?: string;
  readonly dryRun: boolean;
  /** Go duration kubectl accepts for `rollout status --timeout`. */
  readonly timeout: string;
  /** kubeconfig context; default: the target's cluster context. */
  readonly context?: string;
  /** kubectl binary; '' means "find kubectl 1.27" (see cli.ts). */
  readonly kubectl: string;
  /** Where the target is synthesized: `<outdir>/<env>/`. */
  readonly outdir: string;
}

/** A mistake in the command line or in the target's configuration: exit code 1. */
export class UsageError extends Error {}

/** Default synth folder. Not dist/: synthesizing one target replaces the whole output folder. */
export const DEFAULT_OUTDIR = 'build/deploy';

export const HELP = `Usage: npm run deploy -- --env <target> [options]

Deploys one target without downtime: synthesizes and validates it, shows what would change on
the cluster, applies it with server-side apply (pruning objects an earlier deploy created and
the code no longer defines, never touching anything else), waits for every Deployment to roll
out, and rolls back the ones that do not.

Options:
  --env <target>      target from config/targets.ts (required): dev, staging, prod, ...
  --image <ref>       site image to deploy (repo:tag, repo@sha256:..., repo:tag@sha256:...),
                      e.g. the digest docker/push.sh recorded, so the bytes tested are the bytes
                      deployed in every environment; default: docker/image.env
  --dry-run           stop after the diff: nothing is changed on the cluster
  --timeout <dur>     how long each Deployment may take to roll out (default 300s; 5m, 1m30s)
  --context <ctx>     kubeconfig context (default: the target's cluster context)
  --kubectl <path>    kubectl binary (default: kubectl 1.27 from tools/k8s-binaries.sh)
  --outdir <dir>      where to synthesize the target (default ${DEFAULT_OUTDIR}; dist/ is left alone)
  -h, --help          this text

Steps:
  1  synth the target (npm run synth): Kubernetes 1.27 schema and policy validation
  2  kubectl diff --server-side against the cluster (a namespace that does not exist yet is
     reported as new, with everything in it); --dry-run stops here
  3  kubectl apply --server-side the cluster-scoped objects (Namespace, PriorityClass): no prune
  4  KUBECTL_APPLYSET=true kubectl apply --server-side --applyset=secrets/mincloud-<target>
     --prune -n <namespace>: the namespace's objects; deletes what an earlier deploy applied and
     the code no longer defines
  5  kubectl rollout status for every Deployment; kubectl rollout undo for each that fails

Exit codes:
  0  deployed (with --dry-run: diffed)
  1  usage or configuration error (unknown option, unknown target): nothing ran
  2  synth or validation failed: nothing was sent to the cluster
  3  the cluster step failed (namespace check, diff or apply): no rollout was waited for
  4  a rollout failed and was rolled back (kubectl rollout undo)
  5  a rollout failed and the rollback failed too: look at the cluster now
`;

const DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

export function parseArgs(argv: readonly string[]): DeployOptions | 'help' {
  const out: { env?: string; image?: string; dryRun: boolean; timeout: string; context?: string; kubectl?: string; outdir: string } = {
    dryRun: false, timeout: '300s', outdir: DEFAULT_OUTDIR,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith('--') ? argv[i].split(/=(.*)/s, 2) : [argv[i], undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '' || (inline === undefined && v.startsWith('-'))) {
        throw new UsageError(`${flag} needs a value (see --help)`);
      }
      return v;
    };
    switch (flag) {
      case '-h': case '--help': return 'help';
      case '--env': out.env = value(); break;
      case '--image': out.image = value(); break;
      case '--dry-run':
        if (inline !== undefined) throw new UsageError('--dry-run takes no value');
        out.dryRun = true;
        break;
      case '--timeout': out.timeout = value(); break;
      case '--context': out.context = value(); break;
      case '--kubectl': out.kubectl = value(); break;
      case '--outdir': out.outdir = value(); break;
      default: throw new UsageError(`unknown option "${argv[i]}" (see --help)`);
    }
  }
  if (!out.env) throw new UsageError('--env <target> is required (see --help)');
  if (!DURATION.test(out.timeout)) throw new UsageError(`--timeout "${out.timeout}" is not a duration; use e.g. 300s, 5m or 1m30s`);
  return { ...out, env: out.env, kubectl: out.kubectl ?? '' };
}
