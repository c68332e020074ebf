import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EnvironmentCheckout, NOTES_REF } from '../../tools/gitops/environment-checkout';
import { GitError } from '../../tools/gitops/git';
import { PublishRecord, publishMessage, readPublishRecord } from '../../tools/gitops/publish-record';

// The environment branch of the GitOps repository with the real git command line against a
// bare repository in a temporary folder: no synth here (the end-to-end tests in
// gitops-publish-promote.test.ts beside it run the whole command), only what git must do. In the
// system project: some 40 git processes, seconds on a busy machine.
jest.setTimeout(60000);

const identity = { name: 'Test Publisher', email: 'publisher@example.invalid' };
const SHA_A = 'a'.repeat(40);
const SHA_B = 'b'.repeat(40);
const DIGEST = `sha256:${'c'.repeat(64)}`;

let work: string;
let bare: string;
let n = 0;
beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-checkout-test-'));
  bare = path.join(work, 'rendered.git');
  git(work, 'init', '-q', '--bare', bare);
});
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf-8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A folder of files, as a synth would leave it. */
function output(files: Record<string, string>): { dir: string; files: string[] } {
  const dir = path.join(work, `out-${++n}`);
  for (const [f, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    fs.writeFileSync(path.join(dir, f), text);
  }
  return { dir, files: Object.keys(files).sort() };
}

const open = (branch = 'env/dev', p = '.') => EnvironmentCheckout.open({ remote: bare, branch, path: p, workdir: path.join(work, `clone-${++n}`), identity });

const record = (sourceCommit = SHA_A): PublishRecord => ({
  target: 'dev',
  sourceCommit,
  siteImage: `registry.example/site:1.0.0@${DIGEST}`,
  images: [`nginx1/nginx1=registry.example/site:1.0.0@${DIGEST}`, 'nginx1/metrics=registry.example/exporter:1.1.0'],
  validation: ['SchemaValidation, PolicyValidation: 7 objects, 0 findings, 1 declared exemptions'],
});
const details = { namespace: 'app-dev', clusters: [{ name: 'local', folder: '.', files: ['.synth-output', 'dev.k8s.yaml'], objects: 7 }], place: 'env/dev', files: ['.synth-output', 'dev.k8s.yaml'], objects: 7, images: [] };

describe('EnvironmentCheckout (real git, a local bare repository)', () => {
  test('the first publish starts the branch without history: exactly the files given, one commit, pushed', () => {
    const c = open();
    expect(c.existed).toBe(false);
    expect(c.lastPublish()).toBeUndefined();
    const out = output({ '.synth-output': '{}\n', 'dev.k8s.yaml': 'kind: Namespace\n' });
    expect(c.stage(out.dir, out.files)).toEqual(['A  .synth-output', 'A  dev.k8s.yaml']);
    const commit = c.commit(publishMessage(record(), details));
    c.push();
    expect(git(bare, 'rev-parse', 'env/dev').trim()).toBe(commit);
    expect(git(bare, 'rev-list', '--count', 'env/dev').trim()).toBe('1');
    expect(git(bare, 'ls-tree', '-r', '--name-only', 'env/dev').split('\n').filter(Boolean)).toEqual(['.synth-output', 'dev.k8s.yaml']);
    expect(git(bare, 'log', '-1', '--format=%an <%ae>', 'env/dev').trim()).toBe('Test Publisher <publisher@example.invalid>');
  });

  test('the record in the message\'s trailers reads back as git parses trailers', () => {
    const c = open();
    const out = output({ 'dev.k8s.yaml': 'kind: Namespace\n' });
    c.stage(out.dir, out.files);
    c.commit(publishMessage({ ...record(), promotedFrom: `staging ${SHA_B}`, apiImage: 'registry.example/api:2' }, details));
    c.push();
    // What git itself takes for trailers (not this project's parser).
    expect(git(bare, 'log', '-1', '--format=%(trailers:key=Source-Commit,valueonly)', 'env/dev').trim()).toBe(SHA_A);
    expect(git(bare, 'log', '-1', '--format=%(trailers:key=Image,valueonly)', 'env/dev').trim().split('\n'))
      .toEqual([`nginx1/nginx1=registry.example/site:1.0.0@${DIGEST}`, 'nginx1/metrics=registry.example/exporter:1.1.0']);
    const last = open().lastPublish()!;
    expect(last.record).toEqual({ ...record(), promotedFrom: `staging ${SHA_B}`, apiImage: 'registry.example/api:2' });
    expect(last.sourceCommits).toEqual([SHA_A]);
    expect(last.subject).toBe(`promote staging to dev: 7 objects from ${SHA_A.slice(0, 12)}`);
  });

  test('the same files again stage nothing; a changed file is one more commit on top', () => {
    const first = open();
    const out = output({ '.synth-output': '{}\n', 'dev.k8s.yaml': 'replicas: 2\n' });
    first.stage(out.dir, out.files);
    const one = first.commit(publishMessage(record(), details));
    first.push();
    const again = open();
    expect(again.existed).toBe(true);
    expect(again.stage(out.dir, out.files)).toEqual([]);
    const changed = output({ '.synth-output': '{}\n', 'dev.k8s.yaml': 'replicas: 3\n' });
    expect(again.stage(changed.dir, changed.files)).toEqual(['M  dev.k8s.yaml']);
    const two = again.commit(publishMessage(record(SHA_B), details));
    again.push();
    expect(git(bare, 'rev-list', 'env/dev').split('\n').filter(Boolean)).toEqual([two, one]);
    expect(open().lastPublish()!.record!.sourceCommit).toBe(SHA_B);
  });

  test('files the output no longer has are removed from the branch', () => {
    const c = open();
    const out = output({ '.synth-output': '{}\n', 'dev.k8s.yaml': 'a\n', 'old.k8s.yaml': 'b\n' });
    c.stage(out.dir, out.files);
    c.commit(publishMessage(record(), details));
    c.push();
    const d = open();
    const fewer = output({ '.synth-output': '{}\n', 'dev.k8s.yaml': 'a\n' });
    expect(d.stage(fewer.dir, fewer.files)).toEqual(['D  old.k8s.yaml']);
  });

  test('a note records another source commit of the same output, pushed with the branch', () => {
    const c = open();
    const out = output({ 'dev.k8s.yaml': 'a\n' });
    c.stage(out.dir, out.files);
    const commit = c.commit(publishMessage(record(), details));
    c.push();
    const d = open();
    d.note(commit, `Source-Commit: ${SHA_B}`);
    d.push();
    expect(git(bare, 'notes', `--ref=${NOTES_REF}`, 'show', commit).trim()).toBe(`Source-Commit: ${SHA_B}`);
    expect(open().lastPublish()!.sourceCommits).toEqual([SHA_A, SHA_B]);
    expect(git(bare, 'rev-list', '--count', 'env/dev').trim()).toBe('1');
  });

  test('a push never overwrites: when the branch moved meanwhile, it fails and the remote keeps the other publish', () => {
    const seed = open();
    const out = output({ 'dev.k8s.yaml': 'a\n' });
    seed.stage(out.dir, out.files);
    seed.commit(publishMessage(record(), details));
    seed.push();
    const mine = open();
    const theirs = open();
    const x = output({ 'dev.k8s.yaml': 'x\n' });
    const y = output({ 'dev.k8s.yaml': 'y\n' });
    theirs.stage(y.dir, y.files);
    const theirCommit = theirs.commit(publishMessage(record(SHA_B), details));
    theirs.push();
    mine.stage(x.dir, x.files);
    mine.commit(publishMessage(record(), details));
    let error: unknown;
    try {
      mine.push();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(GitError);
    expect((error as GitError).stderr).toMatch(/rejected/);
    expect(git(bare, 'rev-parse', 'env/dev').trim()).toBe(theirCommit);
  });

  test('a folder per target on one branch: each target only touches its folder, and its last publish is the last commit that changed it', () => {
    const dev = open('rendered', 'dev');
    const d = output({ 'dev.k8s.yaml': 'dev\n' });
    dev.stage(d.dir, d.files);
    const devCommit = dev.commit(publishMessage(record(), details));
    dev.push();
    const prod = open('rendered', 'prod');
    expect(prod.lastPublish()).toBeUndefined();
    const p = output({ 'prod.k8s.yaml': 'prod\n' });
    expect(prod.stage(p.dir, p.files)).toEqual(['A  prod/prod.k8s.yaml']);
    prod.commit(publishMessage({ ...record(), target: 'prod' }, details));
    prod.push();
    expect(git(bare, 'ls-tree', '-r', '--name-only', 'rendered').split('\n').filter(Boolean)).toEqual(['dev/dev.k8s.yaml', 'prod/prod.k8s.yaml']);
    expect(open('rendered', 'dev').lastPublish()!.commit).toBe(devCommit);
    expect(open('rendered', 'dev').stage(d.dir, d.files)).toEqual([]);
  });

  test('a repository that does not exist is a GitError naming it', () => {
    expect(() => EnvironmentCheckout.open({ remote: path.join(work, 'missing.git'), branch: 'env/dev', path: '.', workdir: path.join(work, 'c'), identity }))
      .toThrow(/git ls-remote origin refs\/heads\/env\/dev refs\/notes\/mincloud-gitops failed \(exit 128\): fatal: '.*missing.git' does not appear to be a git repository/);
  });

  test('a commit made by hand has no record', () => {
    expect(readPublishRecord('Signed-off-by: Somebody <s@example.invalid>\n')).toBeUndefined();
    expect(readPublishRecord('Target: dev\nSource-Commit: abc\n')).toMatchObject({ target: 'dev', sourceCommit: 'abc', images: [], validation: [] });
  });
});
