import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { deploymentConfig } from '../../config/targets';
import { ResolvedTarget } from '../../config/deployment-config';
import { gitOpsTarget, GitOpsTarget, resolveGitOps, ResolvedGitOps } from '../../config/gitops-config';
import { ImageReference } from '../../lib/image-reference';
import { OutputValidationError } from '../../synth/synth-target';
import { describeError } from '../../synth/describe-error';
import { targets } from '../../app';
import { EXIT, GitOpsCommand, UsageError } from './args';
import { EnvironmentCheckout, Identity } from './environment-checkout';
import { Git, GitError } from './git';
import { imageEntry, PublishRecord, publishMessage } from './publish-record';
import { NoSourceCommitError, recordedCommit, SourceState, sourceState } from './source-state';
import { ImageInputs, synthesizeTarget, TargetOutput } from './target-output';

/** Where the command's lines go: results to `out`, problems to `err`. */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** What publish and promote run against. */
export interface GitOpsContext {
  /** The project checkout whose commit is the source (its root folder). */
  readonly root: string;
  /** The environment of the synth ($SITE_IMAGE, $API_IMAGE). */
  readonly env: NodeJS.ProcessEnv;
  readonly io: Io;
}

/** A refusal: exit 3, nothing pushed. */
class Refusal extends Error {}

/** The synth or its validation failed; what to fix is printed already: exit 2. */
class SynthFailed extends Error {}

/** The targets and their GitOps settings; configuration problems are usage errors. */
export function loadGitOps(): { readonly targets: readonly ResolvedTarget[]; readonly gitops: ResolvedGitOps } {
  try {
    return { targets, gitops: resolveGitOps(deploymentConfig, targets) };
  } catch (e) {
    throw new UsageError(`config/targets.ts: ${(e as Error).message}`);
  }
}

function resolveTarget(all: readonly ResolvedTarget[], gitops: ResolvedGitOps, flag: string, name: string): { target: ResolvedTarget; gitops: GitOpsTarget } {
  const target = all.find((t) => t.name === name);
  if (!target) throw new UsageError(`${flag} ${name}: there is no target "${name}"; use one of ${all.map((t) => `"${t.name}"`).join(', ')} (config/targets.ts)`);
  return { target, gitops: gitOpsTarget(gitops, name) };
}

function imageFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return ImageReference.parse(value, flag).toString();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** `npm run gitops -- publish`: resolves with the exit code. */
export async function publish(opts: Extract<GitOpsCommand, { command: 'publish' }>, ctx: GitOpsContext): Promise<number> {
  const { targets: all, gitops } = loadGitOps();
  const { target, gitops: place } = resolveTarget(all, gitops, '--env', opts.env);
  const images: ImageInputs = { site: imageFlag('--site-image', opts.siteImage), api: imageFlag('--api-image', opts.apiImage) };
  return withWorkdir(ctx, async (work) => {
    const source = currentSource(ctx.root);
    if (source.changes.length && !opts.allowDirty) {
      throw new Refusal(`the project has uncommitted changes (${listChanges(source)}): a publish records the commit it was made from, and these `
        + 'would not be in it. Commit them (or stash them) and publish again, or pass --allow-dirty to publish anyway (the commit then records '
        + `${source.commit.slice(0, 12)}-dirty and is never promoted)`);
    }
    const output = await synthesize(target, images, path.join(work, 'synth'), ctx);
    const checkout = openCheckout(ctx, opts.repo, place, path.join(work, 'repo'));
    return commitOutput(ctx, checkout, place, output, {
      target: target.name,
      sourceCommit: recordedCommit(source),
      siteImage: output.siteImage,
      apiImage: output.apiImage,
      images: output.images.map(imageEntry),
      validation: output.validation,
    }, target);
  });
}

/** `npm run gitops -- promote`: resolves with the exit code. */
export async function promote(opts: Extract<GitOpsCommand, { command: 'promote' }>, ctx: GitOpsContext): Promise<number> {
  const { targets: all, gitops } = loadGitOps();
  const from = resolveTarget(all, gitops, '--from', opts.from);
  const to = resolveTarget(all, gitops, '--to', opts.to);
  checkOrder(gitops.promotion, opts.from, opts.to);
  const { io } = ctx;
  return withWorkdir(ctx, async (work) => {
    const source = currentSource(ctx.root);
    if (source.changes.length) {
      throw new Refusal(`the project has uncommitted changes (${listChanges(source)}): a promotion is only made from committed code, `
        + `the very commit ${opts.from} was published from. Commit them and publish ${opts.from} again, or stash them, then promote`);
    }
    const fromCheckout = openCheckout(ctx, opts.repo, from.gitops, path.join(work, 'from'));
    const where = placeOf(from.gitops);
    const publishFirst = `npm run gitops -- publish --env ${opts.from} --repo ${opts.repo}`;
    const last = fromCheckout.lastPublish();
    if (!last) throw new Refusal(`${opts.from} has never been published to ${opts.repo} (${where} holds nothing): publish it first (${publishFirst}), check it, then promote`);
    if (!last.record || last.record.target !== opts.from) {
      throw new Refusal(`the last change of ${where} (commit ${last.commit.slice(0, 12)} "${last.subject}") was not made by publish or promote for ${opts.from}: `
        + `its images and source are unknown. Publish ${opts.from} again (${publishFirst}), check it, then promote`);
    }
    if (!last.sourceCommits.includes(source.commit)) {
      const published = last.record.sourceCommit;
      throw new Refusal(`${opts.from}'s last publish (commit ${last.commit.slice(0, 12)} of ${where}) is the output of `
        + `${published.endsWith('-dirty') ? `uncommitted changes on ${published.slice(0, 12)} (${published.slice(0, 12)}-dirty)` : `commit ${published.slice(0, 12)}`}, `
        + `not of the code checked out here (${source.commit.slice(0, 12)}): what ${opts.from} runs is not what would go to ${opts.to}. `
        + `Publish ${opts.from} from this commit (${publishFirst}), check it, then promote`);
    }
    const carried: ImageInputs = { site: last.record.siteImage, api: last.record.apiImage };
    io.out(`${opts.from}: last published in commit ${last.commit.slice(0, 12)} of ${where}, from ${source.commit.slice(0, 12)} (HEAD)`);
    const fresh = await synthesize(from.target, carried, path.join(work, 'synth-from'), ctx);
    const drift = fromCheckout.stage(fresh.dir, fresh.files);
    if (drift.length) {
      throw new Refusal(`${where} differs from a fresh synth of ${opts.from} at HEAD with the images it records (${drift.map(describeChange).join(', ')}): `
        + `the branch was changed by hand, or the output is not reproducible. Publish ${opts.from} again (${publishFirst}), check it, then promote`);
    }
    io.out(`${opts.from}: its files equal a fresh synth of HEAD with its images, byte for byte`);
    const output = await synthesize(to.target, carried, path.join(work, 'synth-to'), ctx);
    for (const role of ['site', 'api'] as const) {
      const carriedRef = carried[role];
      const got = role === 'site' ? output.siteImage : output.apiImage;
      const name = role === 'site' ? 'site' : 'API';
      if (carriedRef !== undefined && got === undefined) {
        io.out(`${opts.to}: does not run the ${name} image ${opts.from} runs (${carriedRef})`);
      } else if (carriedRef === undefined && got !== undefined) {
        io.out(`${opts.to}: ${opts.from} does not run the ${name} image, so ${opts.to} gets ${got} as a publish would `
          + `($${role === 'site' ? 'SITE' : 'API'}_IMAGE, else ${role === 'site' ? 'docker/image.env' : 'services/api/image.env'})`);
      } else if (carriedRef !== undefined && got !== carriedRef) {
        throw new Error(`the ${name} image ${carriedRef} of ${opts.from} did not reach the synth of ${opts.to} (it has ${got})`);
      }
    }
    const toCheckout = openCheckout(ctx, opts.repo, to.gitops, path.join(work, 'to'));
    return commitOutput(ctx, toCheckout, to.gitops, output, {
      target: opts.to,
      sourceCommit: source.commit,
      siteImage: output.siteImage,
      apiImage: output.apiImage,
      images: output.images.map(imageEntry),
      validation: output.validation,
      promotedFrom: `${opts.from} ${last.commit}`,
    }, to.target);
  });
}

/** Runs `body` in a temporary folder, removed afterwards, and turns failures into exit codes. */
async function withWorkdir(ctx: GitOpsContext, body: (work: string) => Promise<number>): Promise<number> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-'));
  try {
    return await body(work);
  } catch (e) {
    if (e instanceof SynthFailed) return EXIT.synth;
    if (e instanceof Refusal) {
      ctx.io.err(`gitops: refused: ${e.message}. Nothing was pushed.`);
      return EXIT.refused;
    }
    if (e instanceof GitError) {
      ctx.io.err(`gitops: ${e.message}`);
      ctx.io.err(/non-fast-forward|fetch first|stale info/.test(e.stderr)
        ? 'gitops: the repository refused the push: the branch moved while this ran (another publish?). Nothing was pushed; run the command again.'
        : /remote rejected/.test(e.stderr)
          ? 'gitops: the repository refused the push (a hook or a branch protection; its reason is above). Nothing was pushed.'
          : 'gitops: nothing was pushed. Check --repo (a git URL or the path of a repository you can read and push to) and your git credentials.');
      return EXIT.git;
    }
    throw e;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function currentSource(root: string): SourceState {
  try {
    return sourceState(root);
  } catch (e) {
    if (e instanceof NoSourceCommitError) throw new Refusal(e.message);
    throw e;
  }
}

function listChanges(s: SourceState): string {
  const shown = s.changes.slice(0, 5).map((l) => l.trim()).join(', ');
  return s.changes.length > 5 ? `${shown} and ${s.changes.length - 5} more` : shown;
}

async function synthesize(target: ResolvedTarget, images: ImageInputs, dir: string, ctx: GitOpsContext): Promise<TargetOutput> {
  try {
    const output = await synthesizeTarget(target, images, dir, ctx.env);
    if (output.clusters.length === 1) {
      ctx.io.out(`${target.name}: synthesized and validated, ${output.objects} objects (${output.validation.join('; ')})`);
    } else {
      for (const c of output.clusters) ctx.io.out(`${target.name} on ${c.cluster}: synthesized and validated, ${c.objects} objects (${c.validation.join('; ')})`);
    }
    return output;
  } catch (e) {
    if (e instanceof OutputValidationError) {
      ctx.io.err(e.outcome.report);
      ctx.io.err(`gitops: the manifests of ${target.name} failed validation: fix what the report says, then run again. Nothing was pushed.`);
    } else {
      ctx.io.err(`gitops: the synth of ${target.name} failed: ${describeError(e)}. Nothing was pushed.`);
    }
    throw new SynthFailed();
  }
}

function openCheckout(ctx: GitOpsContext, repo: string, place: GitOpsTarget, workdir: string): EnvironmentCheckout {
  // A path is the path of a repository on this machine: resolved here, so git reads the one meant.
  const remote = /^[a-z][a-z0-9+.-]*:\/\//i.test(repo) || /^[^/]+@[^/]+:/.test(repo) ? repo : path.resolve(repo);
  return EnvironmentCheckout.open({ remote, branch: place.branch, path: place.path, workdir, identity: identityOf(ctx.root) });
}

/** The project's git identity, so that publishes name who made them. */
function identityOf(root: string): Identity {
  const git = new Git(root);
  const get = (key: string) => (git.try(['config', '--get', key]).stdout ?? '').trim();
  return { name: get('user.name') || 'mincloud gitops', email: get('user.email') || 'gitops@mincloud.invalid' };
}

/** `A  dev.k8s.yaml` (git status --porcelain) as `added dev.k8s.yaml`. */
function describeChange(line: string): string {
  const what = ({ A: 'added', M: 'changed', D: 'removed', R: 'renamed' } as Record<string, string>)[line.slice(0, 2).trim()[0]] ?? line.slice(0, 2).trim();
  return `${what} ${line.slice(3)}`;
}

const placeOf = (p: GitOpsTarget): string => (p.path === '.' ? `branch ${p.branch}` : `folder ${p.path}/ of branch ${p.branch}`);

/** Stages the output in the environment's checkout; commits and pushes it when it changed anything. */
function commitOutput(ctx: GitOpsContext, checkout: EnvironmentCheckout, place: GitOpsTarget, output: TargetOutput, record: PublishRecord, target: ResolvedTarget): number {
  const { io } = ctx;
  const where = placeOf(place);
  const last = checkout.lastPublish();
  const changes = checkout.stage(output.dir, output.files);
  if (changes.length === 0) {
    const also = last?.record && !record.sourceCommit.endsWith('-dirty') && !last.sourceCommits.includes(record.sourceCommit);
    if (also) {
      checkout.note(last!.commit, `Source-Commit: ${record.sourceCommit}`);
      checkout.push();
    }
    io.out(`nothing to ${record.promotedFrom ? 'promote' : 'publish'}: ${where} already holds exactly this output (commit ${last?.commit.slice(0, 12) ?? checkout.head()?.slice(0, 12)}`
      + `${last ? ` "${last.subject}"` : ''}); no commit made.${also ? ` Noted on it that ${record.sourceCommit.slice(0, 12)} gives the same output.` : ''}`);
    return EXIT.ok;
  }
  const commit = checkout.commit(publishMessage(record, {
    namespace: target.namespace,
    clusters: output.clusters.map((c) => ({ name: c.cluster, folder: c.folder, files: c.files, objects: c.objects })),
    place: place.path === '.' ? place.branch : `${place.branch}:${place.path}`,
    files: output.files,
    objects: output.objects,
    images: output.images,
  }));
  checkout.push();
  io.out(`${record.promotedFrom ? 'promoted' : 'published'} ${target.name}: commit ${commit.slice(0, 12)} on ${where} of ${checkout.options.remote} (${changes.map(describeChange).join(', ')})`);
  for (const i of output.images) io.out(`  ${i.deployment}/${i.container}: ${i.image}${i.digest ? '' : ' (a tag, no digest)'}`);
  const apps = place.clusters.map((c) => `${place.argoCdNamespace}/${c.application}`);
  if (place.clusters.length === 1) {
    io.out(`Argo CD's Application ${place.clusters[0].application} (namespace ${place.argoCdNamespace}) follows ${where}: `
      + `${place.syncPolicy.automated ? 'it applies this commit by itself at its next refresh' : `sync it: argocd app sync ${apps[0]}`}.`);
  } else {
    io.out(`Argo CD's Applications ${place.clusters.map((c) => `${c.application} (cluster ${c.name}, folder ${c.path}/)`).join(', ')} (namespace ${place.argoCdNamespace}) `
      + `follow ${where}: ${place.syncPolicy.automated ? 'each applies its cluster\'s folder of this commit by itself at its next refresh' : `sync them, in this order: ${apps.map((a) => `argocd app sync ${a}`).join(' && ')}`}.`);
  }
  return EXIT.ok;
}

/** `to` must come right after `from` in gitops.promotion. */
function checkOrder(promotion: readonly string[], from: string, to: string): void {
  const order = promotion.join(' -> ');
  const i = promotion.indexOf(from);
  if (i < 0) throw new UsageError(`--from ${from}: ${from} is not in gitops.promotion (${order}) of config/targets.ts, so it is never promoted`);
  const next = promotion[i + 1];
  if (next === undefined) throw new UsageError(`--from ${from}: ${from} is the last environment of gitops.promotion (${order}); nothing follows it`);
  if (next !== to) throw new UsageError(`--to ${to}: the environment after ${from} is ${next} (gitops.promotion: ${order}); promote --from ${from} --to ${next}`);
}
