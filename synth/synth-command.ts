import { parseArgs } from 'util';
import { App } from 'cdk8s';
import { KubeObject } from 'k8s-checks';
import { describeError, displayPath } from './describe-error';
import { failedUnderCli } from './last-good-hint';
import { OutputValidation, OutputValidationError, synthTarget } from './synth-target';
import { describePlacement, Place, placeTarget } from './placement';
import { watchSynth, WatchOptions } from './watch';
import type { ValidationOptions } from './validations';

export interface SynthCommandOptions<T extends { readonly name: string }> {
  /** Every target the app can synthesize; the first one is the default. */
  readonly targets: readonly T[];
  /** Defines a target's charts in the app. */
  readonly build: (app: App, target: T) => void;
  /** The checks the output must pass (the same plugins `cdk8s synth` runs), reporting every field with `verbose`. */
  readonly validate: (options: ValidationOptions) => OutputValidation;
  /** How to apply the output, e.g. `kubectl --context x apply -f dist`, for the last line. */
  readonly applyHint?: (target: T, outdir: string) => string;
  /**
   * What a cluster needs before the output applies, given its objects (e.g. the command that
   * installs the CRDs its custom resources need), said before the apply hint. @default - nothing
   */
  readonly beforeApply?: (target: T, objects: readonly KubeObject[]) => string | undefined;
  /** How `--watch` reloads the app: its entry module, what to watch, and these options from the fresh module. @default - no --watch */
  readonly watch?: Pick<WatchOptions<T>, 'entry' | 'paths' | 'options'>;
  /**
   * Places a target on one of its clusters (`--cluster NAME`, `$TARGET_CLUSTER`; none: its
   * first), for targets whose manifests differ per cluster. Returns the placed target, and for a
   * target on several clusters the cluster's name (recorded in the output's marker) and all of
   * them; throws when the target has no such cluster. @default - targets have no clusters to choose
   */
  readonly place?: Place<T>;
  /** Lines to say after a successful synth of `target` (each printed as `note: ...`). @default - none */
  readonly notes?: (target: T) => readonly string[];
}

/** Where the command's lines go: results to `out`, problems to `err`. */
export interface CommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

const HELP = `Usage: npm run synth -- [--target NAME] [--cluster NAME] [--outdir DIR] [--no-validate]
       TARGET=NAME [TARGET_CLUSTER=NAME] npx cdk8s synth

Synthesizes one target (default: the first of config/targets.ts) into DIR (default dist/, or
$CDK8S_OUTDIR), as manifest files directly in DIR, so that "kubectl apply -f DIR" applies
exactly that target. The manifests are checked first (Kubernetes 1.27 schema, Pod Security
restricted, kube-score, kube-linter, Polaris: the validation plugins of cdk8s.yaml), and DIR
is replaced only when they pass; on any error DIR is left as it was. A DIR that holds files
this command did not write, a file in its place and a read-only DIR are refused, untouched.
Under npx cdk8s synth (which empties DIR before the app runs) a failed run leaves no
manifest in DIR: what the checks refused is removed.

Options:
  -t, --target NAME  the target to synthesize (also $TARGET)
  -c, --cluster NAME for a target on several clusters: the cluster to synthesize it for (its
                     manifests can differ per cluster, e.g. the pod network the site trusts);
                     default its first cluster (also $TARGET_CLUSTER)
  -o, --outdir DIR   where to write it (default dist)
      --no-validate  skip the checks (as cdk8s synth --no-validate)
  -v, --verbose      every field of every finding (rule, recommendation, fix, construct path,
                     manifest, each location) instead of one line per object
  -w, --watch        stay up: synthesize and validate again on every save of main.ts, app/,
                     lib/, config/ or an image.env, and say what changed in DIR
  -h, --help         this text

Exit codes: 0 written, 1 the app or the options are wrong, 2 the manifests failed validation.`;

/**
 * `npm run synth` and the app command of `cdk8s synth`. Returns the exit code.
 *
 * Run directly, it validates the output itself, with the plugins of cdk8s.yaml, before it
 * replaces anything. Run by the cdk8s CLI (it sets CDK8S_OUTDIR and
 * CDK8S_RECORD_CONSTRUCT_METADATA), it leaves validation to the CLI's plugins, and removing the
 * output they refuse to the first of them (remove-refused-output.ts).
 */
export async function runSynthCommand<T extends { readonly name: string }>(
  argv: readonly string[], env: NodeJS.ProcessEnv, options: SynthCommandOptions<T>, io: CommandIo = defaultIo,
): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      options: {
        'target': { type: 'string', short: 't' },
        'cluster': { type: 'string', short: 'c' },
        'outdir': { type: 'string', short: 'o' },
        'no-validate': { type: 'boolean' },
        'watch': { type: 'boolean', short: 'w' },
        'verbose': { type: 'boolean', short: 'v' },
        'help': { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.err(`synth: ${(err as Error).message} (see --help)`);
    return 1;
  }
  if (args.help) {
    io.out(HELP);
    return 0;
  }
  const underCli = env.CDK8S_OUTDIR !== undefined && env.CDK8S_RECORD_CONSTRUCT_METADATA !== undefined;
  const cliValidates = underCli && env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true';
  const outdir = args.outdir ?? env.CDK8S_OUTDIR ?? 'dist';
  const shown = displayPath(outdir);
  if (args.watch) {
    if (!options.watch || underCli) {
      io.err('synth: --watch is for npm run synth (cdk8s synth runs the app once)');
      return 1;
    }
    const watcher = watchSynth({ ...options.watch, outdir, target: args.target ?? env.TARGET, cluster: args.cluster ?? env.TARGET_CLUSTER, io });
    watcher.ready.catch((err) => io.err(`synth: cannot watch: ${(err as Error).message}`));
    return 0;
  }
  try {
    // The CLI loads the same plugins after the app: one that cannot load (a misspelled class, a
    // wrong crds: path) fails here instead, before anything is written.
    if (cliValidates) options.validate({});
    const placed = placeTarget(options, selectTarget(options.targets, args.target ?? env.TARGET), args.cluster ?? env.TARGET_CLUSTER);
    const target = placed.target;
    const result = await synthTarget({
      outdir,
      target,
      cluster: placed.cluster,
      build: options.build,
      validate: underCli || args['no-validate'] ? undefined : options.validate({ verbose: args.verbose }),
      forCdk8sCli: cliValidates,
    });
    const manifests = result.files.filter((f) => f.endsWith('.yaml'));
    // The cdk8s CLI swallows the app's standard output: say it where the user sees it.
    const say = underCli ? io.err : io.out;
    say(`${shown}: target ${target.name}${describePlacement(placed)}, ${result.objects} objects in ${manifests.join(', ')}`);
    for (const line of result.validation?.summary ?? []) say(`  ${line}`);
    if (!result.validation && !cliValidates) say(underCli ? '  not validated (cdk8s synth --no-validate, or no validations in cdk8s.yaml)' : '  not validated (--no-validate)');
    if (cliValidates) say('  the validation plugins of cdk8s.yaml report below');
    for (const note of options.notes?.(target) ?? []) say(`note: ${note}`);
    const before = options.beforeApply?.(target, result.manifests.flatMap((m) => m.objects));
    if (before) say(`before applying it: ${before}`);
    if (options.applyHint) say(`${cliValidates ? 'once the validation below passes, apply' : 'apply'} it with: ${options.applyHint(target, shown.replace(/\/$/, ''))}`);
    return 0;
  } catch (err) {
    if (err instanceof OutputValidationError) {
      io.err(err.outcome.report);
      io.err(`synth: the manifests failed validation; ${shown} was left unchanged.`);
      return 2;
    }
    io.err(`synth failed: ${describeError(err)}`);
    io.err(underCli ? failedUnderCli(outdir) : `${shown} was left unchanged.`);
    return 1;
  }
}

/** The target named `name`, or the first target when no name is given. */
export function selectTarget<T extends { readonly name: string }>(targets: readonly T[], name: string | undefined): T {
  const wanted = name?.trim();
  if (!wanted) return targets[0];
  const found = targets.find((t) => t.name === wanted);
  if (!found) {
    throw new Error(`there is no target "${wanted}"; use one of ${targets.map((t) => `"${t.name}"`).join(', ')} (--target NAME or TARGET=NAME; targets are defined in config/targets.ts)`);
  }
  return found;
}

const defaultIo: CommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) };
