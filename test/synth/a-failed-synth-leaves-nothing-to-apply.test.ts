import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { hashTree } from '../support/hash-tree';
import { copyProject, ProjectCopy } from '../support/project-copy';
import { synthScriptWith, writePrivilegedApp } from '../support/privileged-app';
import { lastGoodOutput } from '../support/last-good-output';

// The synth's promise, case by case, with the real commands: a failed synth never leaves a
// manifest in dist/ that `kubectl apply -f dist` could apply, and never deletes anything it did
// not write. `npx cdk8s synth` is the real cdk8s CLI with the project's cdk8s.yaml; `npm run
// synth` is the package.json script. Cases that change the project (cdk8s.yaml, imports/) or
// that are about the default dist/ run in a copy of it; the others write to temporary folders.
const ROOT = path.resolve(__dirname, '..', '..');
jest.setTimeout(240_000);

let work: string;
let project: ProjectCopy;
/** No CDK8S_* or TARGET from the environment the tests run in: the commands as a user types them. */
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CDK8S_') && !['TARGET', 'TARGET_CLUSTER', 'SITE_IMAGE', 'API_IMAGE'].includes(k))),
  CDK8S_CHECK_UPGRADE: 'false',
  // The apps these tests write into the temporary folder import cdk8s like main.ts does.
  NODE_PATH: path.join(ROOT, 'node_modules'),
};

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'failed-synth-'));
  project = copyProject(path.join(work, 'project'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

function run(command: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf-8', timeout: 180_000, ...options });
  return { status: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}
const cdk8sSynth = (args: string[], cwd = ROOT) => run('npx', ['cdk8s', 'synth', ...args], { cwd });
const npmRunSynth = (args: string[], cwd = ROOT, options: SpawnSyncOptions = {}) => run('npm', ['run', '--silent', 'synth', '--', ...args], { cwd, ...options });

/** The last good output of `npx cdk8s synth` in the project copy, put into a folder. */
const putGoodOutput = lastGoodOutput(() => path.join(work, 'good-output'), (made) => expect(cdk8sSynth(['--output', made], project.root).status).toBe(0));

/** The files `kubectl apply -f dir` reads: .yaml, .yml and .json directly in the folder. */
function applyable(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
}

describe('npx cdk8s synth', () => {
  test('a policy failure: exit 2, no manifest left in dist/, and the message says how to get the last good output', () => {
    const dist = path.join(work, 'policy', 'dist');
    expect(cdk8sSynth(['--output', dist]).status).toBe(0);
    expect(applyable(dist)).toEqual(['dev.k8s.yaml']);
    const r = cdk8sSynth(['--output', dist, '--app', synthScriptWith(writePrivilegedApp(work))]);
    expect(r.status).toBe(2);
    expect(r.stdout).toContain('pod-security/privileged [error]');
    expect(r.stderr).toContain(`synth: the manifests in ${dist}/ did not pass; the synth removed what it wrote there (dev.k8s.yaml), so nothing unchecked is left to apply.`);
    expect(r.stderr).toContain(`git stash; npm run synth -- --outdir ${dist}; git stash pop`);
    expect(applyable(dist)).toEqual([]);
    expect(fs.readdirSync(path.dirname(dist))).toEqual([]);
  });

  /** Each class under validations: in cdk8s.yaml, and the same with its last letter dropped. */
  const classes = (YAML.parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf-8')).validations as Array<{ class: string }>)
    .map((e) => [e.class, e.class.slice(0, -1)]);

  test.each(classes)('a misspelled plugin class in cdk8s.yaml (%s as %s): named with the class meant, and nothing written, not even construct-metadata.json', (meant, misspelled) => {
    const dist = path.join(project.root, 'dist');
    putGoodOutput(dist);
    expect(applyable(dist)).toEqual(['dev.k8s.yaml']);
    const config = path.join(project.root, 'cdk8s.yaml');
    const good = fs.readFileSync(config, 'utf-8');
    try {
      fs.writeFileSync(config, good.replace(`class: ${meant}\n`, `class: ${misspelled}\n`));
      const r = cdk8sSynth([], project.root);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain(`exports no class "${misspelled}"; did you mean "${meant}"?`);
      expect(r.stderr).toContain('cdk8s synth removed dist/ before the app ran, so it holds no manifests now.');
      expect(r.stderr).toContain('(git stash; npm run synth; git stash pop)');
      expect(applyable(dist)).toEqual([]);
    } finally {
      fs.writeFileSync(config, good);
    }
  });

  test('dist is a file: the cdk8s CLI deletes it before the app runs (its own behaviour, documented in docs/synthesizing.md)', () => {
    const dist = path.join(work, 'cli-file', 'dist');
    fs.mkdirSync(path.dirname(dist));
    fs.writeFileSync(dist, 'my notes');
    const r = cdk8sSynth(['--output', dist]);
    expect(r.status).toBe(0);
    expect(fs.statSync(dist).isDirectory()).toBe(true);
    expect(applyable(dist)).toEqual(['dev.k8s.yaml']);
    expect(fs.readFileSync(path.join(ROOT, 'docs', 'synthesizing.md'), 'utf-8')).toContain('deletes whatever is at the output path');
  });

  test('--stdout: the manifests on standard output, and dist/ left as it was', () => {
    const dist = path.join(project.root, 'dist');
    putGoodOutput(dist);
    const before = hashTree(dist);
    const r = cdk8sSynth(['--stdout'], project.root);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('kind: Deployment');
    expect(hashTree(dist)).toBe(before);
  });
});

describe('npm run synth', () => {
  test('a policy failure: exit 2, dist/ byte for byte as it was, and no staging folder left', () => {
    const dist = path.join(work, 'npm-policy', 'dist');
    expect(npmRunSynth(['--outdir', dist]).status).toBe(0);
    const before = hashTree(dist);
    const r = run('sh', ['-c', `${synthScriptWith(writePrivilegedApp(work))} --outdir ${dist}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('pod-security/privileged [error]');
    expect(r.stderr).toContain(`synth: the manifests failed validation; ${dist}/ was left unchanged.`);
    expect(hashTree(dist)).toBe(before);
    expect(fs.readdirSync(path.dirname(dist))).toEqual(['dist']);
  });

  test('dist is a file: refused, and the file left as it was', () => {
    const dist = path.join(work, 'npm-file', 'dist');
    fs.mkdirSync(path.dirname(dist));
    fs.writeFileSync(dist, 'my notes');
    const r = npmRunSynth(['--outdir', dist]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${dist} is a file, not a folder of manifests, and replacing it would delete it; move it elsewhere, or write to another folder with --outdir`);
    expect(fs.readFileSync(dist, 'utf-8')).toBe('my notes');
    expect(fs.readdirSync(path.dirname(dist))).toEqual(['dist']);
  });

  test('a read-only dist/, for a user who is not root: refused, dist/ as it was, and nothing left beside it', () => {
    // Root may write anywhere. As root, the synth runs in a user namespace of its own (`unshare
    // --user`): the same files, owned by the same user, without root's power to write where a
    // folder's mode forbids it, which is what a user without privileges has on their checkout.
    const asUser = (args: string[]) => (process.getuid?.() === 0
      ? run('unshare', ['--user', 'npm', 'run', '--silent', 'synth', '--', ...args])
      : npmRunSynth(args));
    const parent = path.join(work, 'read-only');
    fs.mkdirSync(parent);
    const dist = path.join(parent, 'dist');
    expect(asUser(['--outdir', dist]).status).toBe(0);
    const before = hashTree(dist);
    fs.chmodSync(dist, 0o555);
    try {
      const r = asUser(['--outdir', dist]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`${dist} is read-only (mode 0555), and replacing it would change it; make it writable (chmod u+w ${dist}), or write to another folder with --outdir`);
      expect(r.stderr).toContain(`${dist}/ was left unchanged.`);
      expect(hashTree(dist)).toBe(before);
      expect(fs.readdirSync(parent)).toEqual(['dist']);
    } finally {
      fs.chmodSync(dist, 0o755);
    }
  });

  test('a missing imports/ file: the module, who imports it, and the command that writes it; dist/ as it was', () => {
    const dist = path.join(project.root, 'dist');
    expect(npmRunSynth([], project.root).status).toBe(0);
    const before = hashTree(dist);
    const k8s = path.join(project.root, 'imports', 'k8s.ts');
    const generated = fs.readFileSync(k8s);
    fs.rmSync(k8s);
    try {
      const r = npmRunSynth([], project.root);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/synth failed: Cannot find module '[./]*imports\/k8s' \(imported by \S+\): imports\/ holds the classes cdk8s generates; "npm run import" writes imports\/k8s.ts/);
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(hashTree(dist)).toBe(before);
    } finally {
      fs.writeFileSync(k8s, generated);
    }
  });
});
