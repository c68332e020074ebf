import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { copyProject, gitEnv, ProjectCopy } from '../support/project-copy';
import { appObjects } from '../support/synth';

// npm run gitops as a user runs it (node --import tsx tools/gitops/cli.ts, what the npm script
// runs), in a copy of this project that is a git repository of its own, publishing to a bare
// repository in a temporary folder with the real git: first publish, history, an idempotent
// re-publish, promotion and its refusals, a target on two clusters (a folder per cluster, one
// commit), a dirty tree, bad arguments, git failures, and the folder-per-target layout. Each command synthesizes and validates with the project's own synth.
jest.setTimeout(600000);

const SITE = `docker.io/mincloud1501/nginx:1.1.0@sha256:${'1'.repeat(64)}`;
const SITE_2 = `docker.io/mincloud1501/nginx:1.1.1@sha256:${'2'.repeat(64)}`;
const API = `docker.io/mincloud1501/api:1.1.0@sha256:${'3'.repeat(64)}`;

let work: string;
let src: ProjectCopy;
let bare: string;
let n = 0;
// The environment a user's shell would have, without image or target overrides of the one the tests run in.
const env = Object.fromEntries(Object.entries(gitEnv()).filter(([k]) => !k.startsWith('CDK8S_') && !['TARGET', 'SITE_IMAGE', 'API_IMAGE'].includes(k)));

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-e2e-'));
  src = copyProject(path.join(work, 'src'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
beforeEach(() => {
  src.git('reset', '-q', '--hard', src.base);
  src.git('clean', '-qfd');
  bare = path.join(work, `rendered-${++n}.git`);
  git(work, 'init', '-q', '--bare', bare);
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'], env: gitEnv() });
}

function gitops(args: string[], extraEnv: NodeJS.ProcessEnv = {}): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/gitops/cli.ts', ...args], { cwd: src.root, env: { ...env, ...extraEnv }, encoding: 'utf-8', timeout: 300000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

/** Runs `args` and expects exit 0, showing what the command said when it did not. */
function ok(args: string[], extraEnv: NodeJS.ProcessEnv = {}): string {
  const r = gitops(args, extraEnv);
  if (r.status !== 0) throw new Error(`npm run gitops -- ${args.join(' ')} exited ${r.status}:\n${r.out}\n${r.err}`);
  return r.out;
}

const heads = () => git(bare, 'for-each-ref', '--format=%(refname)', 'refs/heads').split('\n').filter(Boolean);
const count = (branch: string) => Number(git(bare, 'rev-list', '--count', branch).trim());
const trailer = (branch: string, key: string) => git(bare, 'log', '-1', `--format=%(trailers:key=${key},valueonly)`, branch).split('\n').filter(Boolean);
const head = () => src.git('rev-parse', 'HEAD').trim();
const commitInSource = (file: string, text: string, message: string) => {
  fs.appendFileSync(path.join(src.root, file), text);
  src.git('commit', '-qam', message);
};

// dev's object count, from the app (the seed's target; a service added to it changes the count).
const DEV_OBJECTS = appObjects('dev').length;

describe('npm run gitops publish and promote against a local bare repository', () => {
  test('first publish: exactly the files npm run synth writes, on branch env/dev, one commit with the source commit, images and validation summary', () => {
    const out = ok(['publish', '--env', 'dev', '--repo', bare, '--site-image', SITE]);
    expect(out).toMatch(new RegExp(`^dev: synthesized and validated, ${DEV_OBJECTS} objects \\(SchemaValidation, PolicyValidation: ${DEV_OBJECTS} objects, 0 findings, \\d declared exemptions\\)$`, 'm'));
    expect(out).toMatch(/^published dev: commit [0-9a-f]{12} on branch env\/dev of .*rendered-\d+\.git \(added \.synth-output, added dev\.k8s\.yaml\)$/m);
    expect(out).toContain(`  nginx1/nginx1: ${SITE}\n`);
    expect(heads()).toEqual(['refs/heads/env/dev']);
    expect(count('env/dev')).toBe(1);

    // Byte for byte what npm run synth writes for the same target and image.
    const synthDir = path.join(work, `synth-${n}`);
    execFileSync(process.execPath, ['synth/compiled-entry.js', '--import', './synth/app-guard.ts', 'main.ts', '--target', 'dev', '--outdir', synthDir],
      { cwd: src.root, env: { ...env, SITE_IMAGE: SITE }, stdio: 'pipe' });
    const files = git(bare, 'ls-tree', '-r', '--name-only', 'env/dev').split('\n').filter(Boolean);
    expect(files).toEqual(fs.readdirSync(synthDir).sort());
    for (const f of files) expect(git(bare, 'show', `env/dev:${f}`)).toBe(fs.readFileSync(path.join(synthDir, f), 'utf-8'));

    expect(git(bare, 'log', '-1', '--format=%s', 'env/dev').trim()).toBe(`publish dev: ${DEV_OBJECTS} objects from ${src.base.slice(0, 12)}`);
    expect(trailer('env/dev', 'Target')).toEqual(['dev']);
    expect(trailer('env/dev', 'Source-Commit')).toEqual([src.base]);
    expect(trailer('env/dev', 'Site-Image')).toEqual([SITE]);
    expect(trailer('env/dev', 'Api-Image')).toEqual([]); // dev does not run the API
    // One Image trailer per container of the target (the site's, and any other service's dev runs).
    const containers = appObjects('dev').filter((o) => o.kind === 'Deployment').flatMap((d) => d.spec.template.spec.containers.map((c: { name: string }) => `${d.metadata.name}/${c.name}`));
    expect(trailer('env/dev', 'Image').map((t) => t.split('=')[0]).sort()).toEqual(containers.sort());
    expect(trailer('env/dev', 'Image')).toContain(`nginx1/nginx1=${SITE}`);
    expect(trailer('env/dev', 'Validation')).toEqual([expect.stringMatching(new RegExp(`^SchemaValidation, PolicyValidation: ${DEV_OBJECTS} objects, 0 findings, \\d declared exemptions$`))]);
    expect(git(bare, 'log', '-1', '--format=%b', 'env/dev')).toContain(`nginx1/nginx1 ${SITE} (digest sha256:${'1'.repeat(64)})`);
  });

  test('history: one commit per publish that changes the output; the same output again makes no commit and says so, and notes a new source commit', () => {
    ok(['publish', '--env', 'dev', '--repo', bare, '--site-image', SITE]);
    const first = git(bare, 'rev-parse', 'env/dev').trim();

    const again = ok(['publish', '--env', 'dev', '--repo', bare, '--site-image', SITE]);
    expect(again).toContain(`nothing to publish: branch env/dev already holds exactly this output (commit ${first.slice(0, 12)} "publish dev: ${DEV_OBJECTS} objects from ${src.base.slice(0, 12)}"); no commit made.`);
    expect(count('env/dev')).toBe(1);

    commitInSource('README.md', '\nA line that changes no manifest.\n', 'README only');
    const noted = ok(['publish', '--env', 'dev', '--repo', bare, '--site-image', SITE]);
    expect(noted).toContain(`no commit made. Noted on it that ${head().slice(0, 12)} gives the same output.`);
    expect(count('env/dev')).toBe(1);
    expect(git(bare, 'notes', '--ref=refs/notes/mincloud-gitops', 'show', first).trim()).toBe(`Source-Commit: ${head()}`);

    const changed = ok(['publish', '--env', 'dev', '--repo', bare, '--site-image', SITE_2]);
    expect(changed).toMatch(/published dev: commit [0-9a-f]{12} on branch env\/dev .*\(changed \.synth-output, changed dev\.k8s\.yaml\)|\(changed dev\.k8s\.yaml\)/);
    expect(count('env/dev')).toBe(2);
    expect(git(bare, 'rev-parse', 'env/dev^').trim()).toBe(first);
    expect(trailer('env/dev', 'Source-Commit')).toEqual([head()]);
    expect(trailer('env/dev', 'Site-Image')).toEqual([SITE_2]);
    expect(git(bare, 'show', 'env/dev:dev.k8s.yaml')).toContain(`image: ${SITE_2}`);
  });

  test('promotion carries the image references and digests of staging\'s last publish to prod, to each of its clusters in one commit, and records where they came from', () => {
    ok(['publish', '--env', 'staging', '--repo', bare, '--site-image', SITE, '--api-image', API]);
    const staging = git(bare, 'rev-parse', 'env/staging').trim();
    // A SITE_IMAGE in the environment does not leak into a promotion.
    const out = ok(['promote', '--from', 'staging', '--to', 'prod', '--repo', bare], { SITE_IMAGE: 'docker.io/mincloud1501/nginx:9.9.9' });
    expect(out).toContain(`staging: last published in commit ${staging.slice(0, 12)} of branch env/staging, from ${src.base.slice(0, 12)} (HEAD)`);
    expect(out).toContain('staging: its files equal a fresh synth of HEAD with its images, byte for byte');
    expect(out).toMatch(/^prod on prod-eu: synthesized and validated, \d+ objects /m);
    expect(out).toMatch(/^prod on prod-us: synthesized and validated, \d+ objects /m);
    expect(out).toMatch(/^promoted prod: commit [0-9a-f]{12} on branch env\/prod /m);
    expect(count('env/prod')).toBe(1);
    expect(trailer('env/prod', 'Site-Image')).toEqual([SITE]);
    expect(trailer('env/prod', 'Api-Image')).toEqual([API]);
    expect(trailer('env/prod', 'Promoted-From')).toEqual([`staging ${staging}`]);
    expect(trailer('env/prod', 'Source-Commit')).toEqual([src.base]);
    expect(trailer('env/prod', 'Image')).toEqual(expect.arrayContaining([`nginx1/nginx1=${SITE}`, `api/api=${API}`]));
    expect(git(bare, 'log', '-1', '--format=%s', 'env/prod').trim()).toMatch(new RegExp(`^promote staging to prod \\(prod-eu, prod-us\\): \\d+ objects from ${src.base.slice(0, 12)}$`));
    // A folder per cluster, each with its own pod network trusted for the client address.
    expect(git(bare, 'ls-tree', '-r', '--name-only', 'env/prod').split('\n').filter(Boolean))
      .toEqual(['prod-eu/.synth-output', 'prod-eu/prod.k8s.yaml', 'prod-us/.synth-output', 'prod-us/prod.k8s.yaml']);
    const eu = git(bare, 'show', 'env/prod:prod-eu/prod.k8s.yaml');
    const us = git(bare, 'show', 'env/prod:prod-us/prod.k8s.yaml');
    expect(eu).toContain('set_real_ip_from 10.0.0.0/14;');
    expect(eu).not.toContain('set_real_ip_from 10.4.0.0/14;');
    expect(us).toContain('set_real_ip_from 10.4.0.0/14;');
    expect(us).not.toContain('set_real_ip_from 10.0.0.0/14;');
    for (const manifests of [eu, us]) {
      expect(manifests).toContain(`image: ${SITE}`);
      expect(manifests).toContain(`image: ${API}`);
      expect(manifests).not.toContain('9.9.9');
    }

    const again = ok(['promote', '--from', 'staging', '--to', 'prod', '--repo', bare]);
    expect(again).toContain('nothing to promote: branch env/prod already holds exactly this output');
    expect(count('env/prod')).toBe(1);
  });

  test('publish of prod, on two clusters: every cluster synthesized and validated, byte for byte what npm run synth --cluster writes, in one commit; the same output again makes none', () => {
    const out = ok(['publish', '--env', 'prod', '--repo', bare, '--site-image', SITE, '--api-image', API]);
    expect(out).toMatch(/^published prod: commit [0-9a-f]{12} on branch env\/prod of .*\(added prod-eu\/\.synth-output, added prod-eu\/prod\.k8s\.yaml, added prod-us\/\.synth-output, added prod-us\/prod\.k8s\.yaml\)$/m);
    expect(out).toContain('Argo CD\'s Applications mincloud-prod-prod-eu (cluster prod-eu, folder prod-eu/), mincloud-prod-prod-us (cluster prod-us, folder prod-us/) (namespace argocd) follow branch env/prod');
    expect(heads()).toEqual(['refs/heads/env/prod']);
    expect(count('env/prod')).toBe(1);

    // Each folder byte for byte what npm run synth -- --target prod --cluster <cluster> writes.
    for (const cluster of ['prod-eu', 'prod-us']) {
      const synthDir = path.join(work, `synth-${n}-${cluster}`);
      execFileSync(process.execPath, ['synth/compiled-entry.js', '--import', './synth/app-guard.ts', 'main.ts', '--target', 'prod', '--cluster', cluster, '--outdir', synthDir],
        { cwd: src.root, env: { ...env, SITE_IMAGE: SITE, API_IMAGE: API }, stdio: 'pipe' });
      const files = git(bare, 'ls-tree', '-r', '--name-only', `env/prod:${cluster}`).split('\n').filter(Boolean);
      expect(files).toEqual(fs.readdirSync(synthDir).sort());
      for (const f of files) expect(git(bare, 'show', `env/prod:${cluster}/${f}`)).toBe(fs.readFileSync(path.join(synthDir, f), 'utf-8'));
    }

    // One message: each cluster's folder, files and objects, the images once, each cluster's validation.
    const body = git(bare, 'log', '-1', '--format=%B', 'env/prod');
    const objects = (cluster: string) => Number(new RegExp(`^  ${cluster}/ \\(\\.synth-output, prod\\.k8s\\.yaml\\): (\\d+) objects$`, 'm').exec(body)?.[1]);
    expect(objects('prod-eu')).toBeGreaterThan(0);
    expect(objects('prod-us')).toBeGreaterThan(0);
    expect(body.split('\n')[0]).toBe(`publish prod (prod-eu, prod-us): ${objects('prod-eu') + objects('prod-us')} objects from ${src.base.slice(0, 12)}`);
    expect(body).toContain('npm run synth -- --target prod --cluster <cluster> writes them, a folder per cluster, into env/prod:');
    expect(body.split('\n').filter((l) => l.startsWith(`  nginx1/nginx1 ${SITE} `))).toHaveLength(1);
    expect(trailer('env/prod', 'Image').filter((i) => i === `nginx1/nginx1=${SITE}`)).toHaveLength(1);
    expect(trailer('env/prod', 'Validation')).toEqual([
      expect.stringMatching(new RegExp(`^prod-eu: SchemaValidation, PolicyValidation: ${objects('prod-eu')} objects, 0 findings, \\d+ declared exemptions$`)),
      expect.stringMatching(new RegExp(`^prod-us: SchemaValidation, PolicyValidation: ${objects('prod-us')} objects, 0 findings, \\d+ declared exemptions$`)),
    ]);

    const again = ok(['publish', '--env', 'prod', '--repo', bare, '--site-image', SITE, '--api-image', API]);
    expect(again).toContain('nothing to publish: branch env/prod already holds exactly this output');
    expect(count('env/prod')).toBe(1);
  });

  test('promotion is refused when staging\'s last publish is not the current code: a newer commit, or files changed on the branch by hand', () => {
    ok(['publish', '--env', 'staging', '--repo', bare, '--site-image', SITE]);
    commitInSource('config/targets.ts', '\n// a change after the publish\n', 'a change after staging was published');
    const stale = gitops(['promote', '--from', 'staging', '--to', 'prod', '--repo', bare]);
    expect(stale.status).toBe(3);
    expect(stale.err).toContain(`gitops: refused: staging's last publish (commit ${git(bare, 'rev-parse', 'env/staging').trim().slice(0, 12)} of branch env/staging) is the output of commit ${src.base.slice(0, 12)}, `
      + `not of the code checked out here (${head().slice(0, 12)}): what staging runs is not what would go to prod. Publish staging from this commit (npm run gitops -- publish --env staging --repo ${bare}), check it, then promote. Nothing was pushed.`);
    expect(heads()).toEqual(['refs/heads/env/staging']);

    // Back on the published commit, but somebody edited the branch and kept the message.
    src.git('reset', '-q', '--hard', src.base);
    const clone = path.join(work, `edit-${n}`);
    git(work, 'clone', '-q', '--branch', 'env/staging', bare, clone);
    const file = path.join(clone, 'staging.k8s.yaml');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf-8').replace('replicas: 2', 'replicas: 5'));
    git(clone, '-c', 'user.name=Hand', '-c', 'user.email=hand@example.invalid', 'commit', '-qa', '--amend', '-C', 'HEAD');
    git(clone, 'push', '-qf', 'origin', 'env/staging');
    const edited = gitops(['promote', '--from', 'staging', '--to', 'prod', '--repo', bare]);
    expect(edited.status).toBe(3);
    expect(edited.err).toContain('gitops: refused: branch env/staging differs from a fresh synth of staging at HEAD with the images it records (changed staging.k8s.yaml): '
      + 'the branch was changed by hand, or the output is not reproducible. Publish staging again');
    expect(heads()).toEqual(['refs/heads/env/staging']);
  });

  test('a dirty tree is refused; --allow-dirty publishes <sha>-dirty, which is never promoted', () => {
    fs.appendFileSync(path.join(src.root, 'README.md'), '\nuncommitted\n');
    fs.writeFileSync(path.join(src.root, 'scratch.txt'), 'untracked\n');
    const refused = gitops(['publish', '--env', 'staging', '--repo', bare]);
    expect(refused.status).toBe(3);
    expect(refused.err).toContain('gitops: refused: the project has uncommitted changes (M README.md, ?? scratch.txt): a publish records the commit it was made from');
    expect(refused.err).toContain('or pass --allow-dirty to publish anyway');
    expect(heads()).toEqual([]);

    ok(['publish', '--env', 'staging', '--repo', bare, '--allow-dirty']);
    expect(trailer('env/staging', 'Source-Commit')).toEqual([`${src.base}-dirty`]);

    const dirtyPromote = gitops(['promote', '--from', 'staging', '--to', 'prod', '--repo', bare]);
    expect(dirtyPromote.status).toBe(3);
    expect(dirtyPromote.err).toContain('gitops: refused: the project has uncommitted changes (M README.md, ?? scratch.txt): a promotion is only made from committed code, the very commit staging was published from');

    src.git('checkout', '-q', '--', 'README.md');
    fs.rmSync(path.join(src.root, 'scratch.txt'));
    const fromDirty = gitops(['promote', '--from', 'staging', '--to', 'prod', '--repo', bare]);
    expect(fromDirty.status).toBe(3);
    expect(fromDirty.err).toContain(`is the output of uncommitted changes on ${src.base.slice(0, 12)} (${src.base.slice(0, 12)}-dirty)`);
    expect(heads()).toEqual(['refs/heads/env/staging']);
  });

  test('bad arguments and configuration: exit 1 with what to do, nothing synthesized or pushed', () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /^gitops: say what to do: render, publish or promote \(see --help\)$/m],
      [['publish', '--env', 'qa', '--repo', bare], /gitops: --env qa: there is no target "qa"; use one of "dev", "staging", "prod", "preview"/],
      [['publish', '--env', 'dev', '--repo', bare, '--site-image', 'nginx'], /gitops: --site-image: invalid image "nginx": the image has no tag or digest/],
      [['promote', '--from', 'dev', '--to', 'prod', '--repo', bare], /gitops: --to prod: the environment after dev is staging \(gitops.promotion: dev -> staging -> prod\); promote --from dev --to staging/],
      [['promote', '--from', 'prod', '--to', 'dev', '--repo', bare], /gitops: --from prod: prod is the last environment of gitops.promotion/],
    ];
    for (const [args, message] of cases) {
      const r = gitops(args);
      expect({ args, status: r.status }).toEqual({ args, status: 1 });
      expect(r.err).toMatch(message);
    }
    expect(gitops(['--help']).out).toContain('Usage: npm run gitops -- render [--outdir DIR]');

    // A cluster of a target that Argo CD does not know (prod's second): the configuration names the target, the cluster and the entry to add.
    const config = path.join(src.root, 'config', 'targets.ts');
    const text = fs.readFileSync(config, 'utf-8');
    expect(text).toContain(", 'prod-us': ArgoCdCluster.named('prod-us')");
    fs.writeFileSync(config, text.replace(", 'prod-us': ArgoCdCluster.named('prod-us')", ''));
    const r = gitops(['publish', '--env', 'dev', '--repo', bare]);
    expect(r.status).toBe(1);
    expect(r.err).toContain('gitops: config/targets.ts: target "prod": invalid gitops.clusters "prod-us": say how Argo CD knows cluster "prod-us" '
      + '(the target runs on "prod-eu", "prod-us"; each gets its own Application): add gitops.clusters[\'prod-us\'] = ArgoCdCluster.server(');
    expect(heads()).toEqual([]);
  });

  test('git failures: a repository that does not exist, a push the repository refuses: exit 4, nothing pushed', () => {
    const missing = gitops(['publish', '--env', 'dev', '--repo', path.join(work, 'missing.git')]);
    expect(missing.status).toBe(4);
    expect(missing.err).toMatch(/does not appear to be a git repository/);
    expect(missing.err).toContain('gitops: nothing was pushed. Check --repo');

    const hook = path.join(bare, 'hooks', 'pre-receive');
    fs.writeFileSync(hook, '#!/bin/sh\necho "env branches are protected" >&2\nexit 1\n', { mode: 0o755 });
    const refused = gitops(['publish', '--env', 'dev', '--repo', bare]);
    expect(refused.status).toBe(4);
    expect(refused.err).toContain('env branches are protected');
    expect(refused.err).toContain('gitops: the repository refused the push (a hook or a branch protection; its reason is above). Nothing was pushed.');
    expect(heads()).toEqual([]);
  });

  test('a folder per target on one branch (GitOpsLayout.folderPerTarget): publish and promote write only their folders', () => {
    const config = path.join(src.root, 'config', 'targets.ts');
    fs.writeFileSync(config, fs.readFileSync(config, 'utf-8')
      .replace("import { ArgoCdCluster } from '../lib/argocd-cluster';", "import { ArgoCdCluster } from '../lib/argocd-cluster';\nimport { GitOpsLayout } from '../lib/gitops-layout';")
      .replace('    promotion: [', '    layout: GitOpsLayout.folderPerTarget(),\n    promotion: ['));
    src.git('commit', '-qam', 'rendered manifests in folders');
    ok(['publish', '--env', 'staging', '--repo', bare, '--site-image', SITE]);
    const out = ok(['promote', '--from', 'staging', '--to', 'prod', '--repo', bare]);
    expect(out).toMatch(/^promoted prod: commit [0-9a-f]{12} on folder prod\/ of branch rendered /m);
    expect(heads()).toEqual(['refs/heads/rendered']);
    expect(count('rendered')).toBe(2);
    expect(git(bare, 'ls-tree', '-r', '--name-only', 'rendered').split('\n').filter(Boolean))
      .toEqual(['prod/prod-eu/.synth-output', 'prod/prod-eu/prod.k8s.yaml', 'prod/prod-us/.synth-output', 'prod/prod-us/prod.k8s.yaml', 'staging/.synth-output', 'staging/staging.k8s.yaml']);
    expect(git(bare, 'show', 'rendered:prod/prod-us/prod.k8s.yaml')).toContain('set_real_ip_from 10.4.0.0/14;');
    expect(out).toContain('Argo CD\'s Applications mincloud-prod-prod-eu (cluster prod-eu, folder prod/prod-eu/), mincloud-prod-prod-us (cluster prod-us, folder prod/prod-us/)');
    expect(trailer('rendered', 'Site-Image')).toEqual([SITE]);
  });
});
