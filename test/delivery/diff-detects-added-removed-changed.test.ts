import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareTarget, fieldChanges, hasChanges, renderMarkdown, renderText, show } from '../../synth/manifest-diff';
import { synthTargets } from '../../app';
import { appObjects, Obj } from '../support/synth';

// `npm run diff` without a cluster: two synthesized outputs compared object by object.
const ROOT = path.join(__dirname, '..', '..');
const V1 = 'docker.io/mincloud1501/nginx:1.0.0';
const V2 = 'docker.io/mincloud1501/nginx:1.0.1';
jest.setTimeout(120000);

let work: string;
beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-test-'));
  await synthTargets(path.join(work, 'a'), { env: { ...process.env, SITE_IMAGE: V1 } });
  await synthTargets(path.join(work, 'b'), { env: { ...process.env, SITE_IMAGE: V2 } });
  // c: b with dev's PodDisruptionBudget removed and a ConfigMap added.
  fs.cpSync(path.join(work, 'b'), path.join(work, 'c'), { recursive: true });
  const file = path.join(work, 'c', 'dev', 'dev.k8s.yaml');
  const docs = fs.readFileSync(file, 'utf-8').split(/^---\n/m).filter((d) => !/kind: PodDisruptionBudget\n(?:.*\n)*?\s+name: nginx1\n/.test(d));
  docs.push('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: mincloud-dev\ndata:\n  a: "1"\n');
  fs.writeFileSync(file, docs.join('---\n'));
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

describe('comparing two synthesized outputs', () => {
  test('the same input: no changes', () => {
    const diffs = ['dev', 'staging', 'prod'].map((t) => compareTarget(t, path.join(work, 'a', t), path.join(work, 'a', t)));
    expect(hasChanges(diffs)).toBe(false);
    expect(renderText(diffs)).toBe('dev: 0 added, 0 removed, 0 changed\nstaging: 0 added, 0 removed, 0 changed\nprod: 0 added, 0 removed, 0 changed');
  });

  test('a new image tag: the image and the version labels change, nothing is added or removed', () => {
    const dev = compareTarget('dev', path.join(work, 'a', 'dev'), path.join(work, 'b', 'dev'));
    expect(dev.added).toEqual([]);
    expect(dev.removed).toEqual([]);
    expect(dev.changed.map((c) => c.object)).toContain('Deployment/mincloud-dev/nginx1 (apps/v1)');
    const deployment = dev.changed.find((c) => c.object === 'Deployment/mincloud-dev/nginx1 (apps/v1)')!;
    expect(deployment.fields).toContainEqual({ path: 'spec.template.spec.containers[name=nginx1].image', before: V1, after: V2 });
    expect(deployment.fields).toContainEqual({ path: 'metadata.labels["app.kubernetes.io/version"]', before: '1.0.0', after: '1.0.1' });
    expect(deployment.fields.every((f) => /image|version/.test(f.path))).toBe(true);
    expect(renderText([dev])).toContain(`      spec.template.spec.containers[name=nginx1].image: "${V1}" -> "${V2}"`);
  });

  test('added and removed objects', () => {
    const dev = compareTarget('dev', path.join(work, 'b', 'dev'), path.join(work, 'c', 'dev'));
    expect(dev.added).toEqual(['ConfigMap/mincloud-dev/extra (v1)']);
    expect(dev.removed).toEqual(['PodDisruptionBudget/mincloud-dev/nginx1 (policy/v1)']);
    expect(dev.changed).toEqual([]);
    const text = renderText([dev]);
    expect(text).toContain('  + ConfigMap/mincloud-dev/extra (v1)');
    expect(text).toContain('  - PodDisruptionBudget/mincloud-dev/nginx1 (policy/v1)');
    expect(renderText([dev], true)).toContain('\x1b[32m  + ConfigMap/mincloud-dev/extra (v1)\x1b[0m');
  });

  test('a missing base counts everything as added', () => {
    const dev = compareTarget('dev', path.join(work, 'nothing'), path.join(work, 'a', 'dev'));
    expect(dev.baseMissing).toBe(true);
    const count = appObjects('dev', { ...process.env, SITE_IMAGE: V1 }).length;
    expect(dev.added).toHaveLength(count);
    expect(dev.removed).toEqual([]);
    expect(renderText([dev])).toMatch(new RegExp(`^dev: ${count} added, 0 removed, 0 changed \\(not in the base: everything counts as added\\)`));
  });

  test('markdown for a pull request: a summary table, then one row per change', () => {
    const md = renderMarkdown(['dev', 'prod'].map((t) => compareTarget(t, path.join(work, 'a', t), path.join(work, 'c', t))));
    // Changed: every object of dev that the new tag changes, less the PodDisruptionBudget c removed.
    const key = (o: Obj) => `${o.kind}/${o.metadata.name}`;
    const after = new Map(appObjects('dev', { ...process.env, SITE_IMAGE: V2 }).map((o) => [key(o), JSON.stringify(o)]));
    const changed = appObjects('dev', { ...process.env, SITE_IMAGE: V1 })
      .filter((o) => key(o) !== 'PodDisruptionBudget/nginx1' && after.get(key(o)) !== JSON.stringify(o)).length;
    expect(md).toMatch(new RegExp(`^## Manifest changes\n\n\\| target \\| added \\| removed \\| changed \\|\n\\|---\\|---:\\|---:\\|---:\\|\n\\| dev \\| 1 \\| 1 \\| ${changed} \\|\n\\| prod \\| 0 \\| 0 \\| \\d+ \\|`));
    expect(md).toContain(`### dev: 1 added, 1 removed, ${changed} changed`);
    expect(md).toContain('| added | `ConfigMap/mincloud-dev/extra (v1)` | | | |');
    expect(md).toContain('| removed | `PodDisruptionBudget/mincloud-dev/nginx1 (policy/v1)` | | | |');
    expect(md).toContain(`| changed | \`Deployment/mincloud-dev/nginx1 (apps/v1)\` | \`spec.template.spec.containers[name=nginx1].image\` | \`"${V1}"\` | \`"${V2}"\` |`);
  });

  test('field paths: positions, named items, missing values, long values cut', () => {
    expect(fieldChanges({ a: [1, 2], b: 'x' }, { a: [1, 3], c: true })).toEqual([
      { path: 'a[1]', before: 2, after: 3 },
      { path: 'b', before: 'x', after: undefined },
      { path: 'c', before: undefined, after: true },
    ]);
    // An env variable inserted first is one added item, not every later one changed.
    expect(fieldChanges({ env: [{ name: 'A', value: '1' }] }, { env: [{ name: 'Z', value: '0' }, { name: 'A', value: '2' }] })).toEqual([
      { path: 'env[name=A].value', before: '1', after: '2' },
      { path: 'env[name=Z]', before: undefined, after: { name: 'Z', value: '0' } },
    ]);
    expect(show('x'.repeat(200))).toHaveLength(80);
    expect(show(undefined)).toBe('(none)');
  });
});

describe('npm run diff', () => {
  const cli = (args: string[], image = V1) => spawnSync('node', ['--import', 'tsx', 'tools/diff/cli.ts', ...args], {
    cwd: ROOT, encoding: 'utf-8', env: { ...process.env, SITE_IMAGE: image, NO_COLOR: '1' },
  });
  const snapshot = (dir: string) => fs.readdirSync(dir, { recursive: true }).map(String).sort()
    .map((f) => (fs.statSync(path.join(dir, f)).isFile() ? `${f}:${fs.readFileSync(path.join(dir, f), 'utf-8')}` : f));

  test('exit 0 when nothing changed; the base folder is only read', () => {
    const base = path.join(work, 'a', 'dev');
    const before = snapshot(base);
    const r = cli(['--base', base]);
    expect(r.stdout.trim()).toBe('dev: 0 added, 0 removed, 0 changed');
    expect(r.status).toBe(0);
    expect(snapshot(base)).toEqual(before);
  });

  test('exit 1 when something changed, as text and as markdown', () => {
    const text = cli(['--base', path.join(work, 'a', 'dev'), '--target', 'dev'], V2);
    expect(text.status).toBe(1);
    expect(text.stdout).toContain('  ~ Deployment/mincloud-dev/nginx1 (apps/v1)');
    expect(text.stdout).not.toContain('\x1b[');
    const md = cli(['--base', path.join(work, 'a', 'dev'), '--target=dev', '--markdown'], V2);
    expect(md.status).toBe(1);
    expect(md.stdout).toContain('| changed | `Deployment/mincloud-dev/nginx1 (apps/v1)` | `spec.template.spec.containers[name=nginx1].image` |');
  });

  test('a missing base: said so, everything added, exit 1', () => {
    const r = cli(['--base', path.join(work, 'none'), '--target', 'dev']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`diff: ${path.join(work, 'none')} does not exist (run "npm run synth" to create it); everything counts as added`);
    expect(r.stdout).toContain(`dev: ${appObjects('dev').length} added, 0 removed, 0 changed`);
  });

  test('exit 2 on errors: an unknown target, another target than the base holds, an unknown option, an image synth refuses', () => {
    const nope = cli(['--base', path.join(work, 'a', 'dev'), '--target', 'nope']);
    expect(nope.status).toBe(2);
    expect(nope.stderr).toContain('diff: there is no target "nope"; use one of "dev", "staging", "prod", "preview"');
    const other = cli(['--base', path.join(work, 'a', 'dev'), '--target', 'prod']);
    expect(other.status).toBe(2);
    expect(other.stderr).toContain(`diff: ${path.join(work, 'a', 'dev')} holds target "dev", not "prod": run "npm run synth -- --target prod" first, or pass --base`);
    const bogus = cli(['--bogus']);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toContain("diff: Unknown option '--bogus'");
    const latest = cli(['--base', path.join(work, 'a', 'dev'), '--target', 'dev'], 'nginx:latest');
    expect(latest.status).toBe(2);
    expect(latest.stdout).toBe('');
  });
});
