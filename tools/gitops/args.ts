import { parseArgs as parseCommandLine } from 'node:util';

/** What `npm run gitops` is asked to do. */
export type GitOpsCommand =
  | { readonly command: 'render'; readonly outdir: string }
  | {
    readonly command: 'publish';
    readonly env: string;
    readonly repo: string;
    readonly siteImage?: string;
    readonly apiImage?: string;
    readonly allowDirty: boolean;
  }
  | { readonly command: 'promote'; readonly from: string; readonly to: string; readonly repo: string };

/** A mistake on the command line: exit code 1, nothing done. */
export class UsageError extends Error {}

/** Where `render` writes the Argo CD objects by default. Not dist/: that is a target's. */
export const DEFAULT_RENDER_OUTDIR = 'build/argocd';

export const EXIT = { ok: 0, usage: 1, synth: 2, refused: 3, git: 4 } as const;

export const HELP = `Usage: npm run gitops -- render [--outdir DIR]
       npm run gitops -- publish --env <target> --repo <git url or path> [--site-image REF] [--api-image REF] [--allow-dirty]
       npm run gitops -- promote --from <target> --to <target> --repo <git url or path>

GitOps delivery with Argo CD, the "rendered manifests" way: each target's manifests, exactly as
npm run synth writes them, are committed to the target's branch (env/<target>; gitops.layout in
config/targets.ts) of a git repository, and Argo CD applies what that branch holds.

Commands:
  render    write the Argo CD objects of every target (an AppProject each, and an
            Application for each of its clusters, from config/targets.ts) to DIR, validated
            against the Argo CD CRDs (crds/argo-cd/) and the policy checks; apply them once
            to the cluster Argo CD runs in
  publish   synthesize and validate <target> from the checked-out commit (for each of its
            clusters, a folder each, when it runs on several), commit exactly those files to
            its branch in one commit, with the source commit, the images and the validation
            summary in the message, and push. The same output again makes no commit: it says
            so (and notes the new source commit on the publish that holds that output)
  promote   publish <to> with the images of <from>'s last publish, unchanged (digests
            included); refused unless <from>'s last publish is this very code: its source
            commit is HEAD and a fresh synth of <from> with those images gives its files
            byte for byte. <to> must follow <from> in gitops.promotion (dev, staging, prod)

Options:
  --env <target>        publish: the target (dev, staging, prod, ...)
  --from <target>       promote: the environment whose images are carried
  --to <target>         promote: the next environment
  --repo <url|path>     publish, promote: the git repository to push to (required: usually
                        the gitops.repository Argo CD reads; a local path for a bare repository)
  --site-image <ref>    publish: the site image (repo:tag, repo@sha256:..., repo:tag@sha256:...),
                        e.g. the digest docker/push.sh recorded; default $SITE_IMAGE, then
                        docker/image.env
  --api-image <ref>     publish: the API image; default $API_IMAGE, then services/api/image.env
  --allow-dirty         publish: publish from a work tree with uncommitted or untracked files;
                        the commit then records <sha>-dirty, and such a publish is never promoted
  --outdir <dir>        render: where to write (default ${DEFAULT_RENDER_OUTDIR}; a folder holding files
                        render did not write is refused)
  -h, --help            this text

Exit codes:
  0  done: rendered, published, promoted, or nothing to publish (the branch already holds it)
  1  usage or configuration error: nothing synthesized, nothing pushed
  2  the synth or its validation failed: nothing pushed
  3  refused: uncommitted changes (publish without --allow-dirty, promote), the source
     environment never published, published from other code, or its files differ from a
     fresh synth: nothing pushed
  4  git failed: the repository cannot be read, or the push was refused (the branch moved
     meanwhile: run again): nothing pushed
`;

/** node:util parseArgs' errors, in this command's words. */
function commandLineError(e: Error & { code?: string }): string {
  const quoted = /'([^']*)'/.exec(e.message)?.[1] ?? '';
  const flag = quoted.split(' ')[0];
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION': return `unknown option "${flag}" (see --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(e.message) ? `${flag} takes no value (see --help)` : `${flag} needs a value (see --help)`;
    default: return `${e.message} (see --help)`;
  }
}

const OPTIONS_OF: Record<GitOpsCommand['command'], readonly string[]> = {
  render: ['outdir'],
  publish: ['env', 'repo', 'site-image', 'api-image', 'allow-dirty'],
  promote: ['from', 'to', 'repo'],
};

export function parseArgs(argv: readonly string[]): GitOpsCommand | 'help' {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseCommandLine({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        'env': { type: 'string' },
        'from': { type: 'string' },
        'to': { type: 'string' },
        'repo': { type: 'string' },
        'site-image': { type: 'string' },
        'api-image': { type: 'string' },
        'allow-dirty': { type: 'boolean' },
        'outdir': { type: 'string' },
        'help': { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    throw new UsageError(commandLineError(e as Error & { code?: string }));
  }
  if (values.help) return 'help';
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('say what to do: render, publish or promote (see --help)');
  if (!(command in OPTIONS_OF)) throw new UsageError(`unknown command "${command}": use render, publish or promote (see --help)`);
  if (rest.length) throw new UsageError(`unexpected argument "${rest[0]}": every option starts with -- (see --help)`);
  const cmd = command as GitOpsCommand['command'];
  for (const [name, v] of Object.entries(values)) {
    if (v === undefined) continue;
    if (!OPTIONS_OF[cmd].includes(name)) {
      const why = name === 'allow-dirty' && cmd === 'promote'
        ? ': a promotion is only made from committed code (its source environment\'s publish must be HEAD)'
        : /image$/.test(name) && cmd === 'promote' ? ': a promotion carries the images of the source environment\'s last publish' : '';
      throw new UsageError(`--${name} does not go with ${cmd}${why} (see --help)`);
    }
    if (v === '') throw new UsageError(`--${name} needs a value (see --help)`);
  }
  const need = (name: string): string => {
    const v = values[name];
    if (typeof v !== 'string') throw new UsageError(`${cmd} needs --${name} ${name === 'repo' ? '<git url or path>' : '<target>'} (see --help)`);
    return v;
  };
  switch (cmd) {
    case 'render':
      return { command: 'render', outdir: (values.outdir as string | undefined) ?? DEFAULT_RENDER_OUTDIR };
    case 'publish':
      return {
        command: 'publish',
        env: need('env'),
        repo: need('repo'),
        siteImage: values['site-image'] as string | undefined,
        apiImage: values['api-image'] as string | undefined,
        allowDirty: values['allow-dirty'] === true,
      };
    case 'promote': {
      const from = need('from');
      const to = need('to');
      if (from === to) throw new UsageError(`--from and --to are both "${from}": a promotion goes from one target to the next (see --help)`);
      return { command: 'promote', from, to, repo: need('repo') };
    }
  }
}
