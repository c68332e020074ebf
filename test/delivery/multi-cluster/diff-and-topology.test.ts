import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthTargets } from '../../../app';
import { mergeClusters } from '../../../tools/topology/clusters';
import type { KubeObject } from 'k8s-checks';

// `npm run diff` and `npm run topology` for prod, which runs on prod-eu and prod-us: every
// cluster shown, each synthesized for itself (the site trusts its own cluster's pod network).
const ROOT = path.join(__dirname, '..', '..', '..');
const V1 = 'docker.io/mincloud1501/nginx:1.0.0';
const V2 = 'docker.io/mincloud1501/nginx:1.0.1';
jest.setTimeout(180000);

let work: string;
let eu: string;
let us: string;
beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'multi-cluster-tools-'));
  [{ dir: eu }] = await synthTargets(path.join(work, 'base'), { names: ['prod'], cluster: 'prod-eu', env: { ...process.env, SITE_IMAGE: V1 } });
  [{ dir: us }] = await synthTargets(path.join(work, 'base'), { names: ['prod'], cluster: 'prod-us', env: { ...process.env, SITE_IMAGE: V1 } });
});
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const tool = (name: string, args: string[], image = V1) => spawnSync('node', ['--import', 'tsx', `tools/${name}/cli.ts`, ...args], {
  cwd: ROOT, encoding: 'utf-8', env: { ...process.env, SITE_IMAGE: image, NO_COLOR: '1' },
});
/** SVG text as a person reads it: Graphviz writes '-' and '>' as entities. */
const text = (svg: string) => svg.replace(/&#45;/g, '-').replace(/&gt;/g, '>').replace(/&#160;/g, ' ');

test('synthTargets with a cluster: each cluster into its own folder, its marker naming it, its own pod network', () => {
  expect(eu).toBe(path.join(work, 'base', 'prod', 'prod-eu'));
  expect(us).toBe(path.join(work, 'base', 'prod', 'prod-us'));
  expect(JSON.parse(fs.readFileSync(path.join(us, '.synth-output'), 'utf-8'))).toMatchObject({ target: 'prod', cluster: 'prod-us' });
  expect(fs.readFileSync(path.join(eu, 'prod.k8s.yaml'), 'utf-8')).toContain('set_real_ip_from 10.0.0.0/14;');
  expect(fs.readFileSync(path.join(us, 'prod.k8s.yaml'), 'utf-8')).toContain('set_real_ip_from 10.4.0.0/14;');
});

describe('npm run diff', () => {
  test('every cluster: the one the base holds compared, the other with what the code gives it that differs, and how to compare it', () => {
    const same = tool('diff', ['--target', 'prod', '--base', eu]);
    expect(same.stderr).toBe('');
    expect(same.status).toBe(0);
    const lines = same.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('prod on prod-eu: 0 added, 0 removed, 0 changed');
    expect(lines[1]).toBe(`prod on prod-us: not compared: ${eu} holds prod on prod-eu; to compare it, synthesize its last output with `
      + '"npm run synth -- --target prod --cluster prod-us --outdir DIR" and run "npm run diff -- --target prod --cluster prod-us --base DIR"');
    expect(lines[2]).toBe('  what the code gives it that differs from prod-eu:');
    expect(lines[3]).toBe('  prod on prod-us, against prod on prod-eu: 1 added, 1 removed, 1 changed');
    expect(lines[4]).toMatch(/^ {4}\+ ConfigMap\/mincloud\/nginx1-real-ip-[0-9a-f]{10} \(v1\)$/);
    expect(lines[5]).toMatch(/^ {4}- ConfigMap\/mincloud\/nginx1-real-ip-[0-9a-f]{10} \(v1\)$/);
    expect(lines[6]).toBe('    ~ Deployment/mincloud/nginx1 (apps/v1)');
    expect(lines[7]).toMatch(/^ {8}spec\.template\.spec\.volumes\[name=config-real-ip\]\.configMap\.name: "nginx1-real-ip-\w+" -> "nginx1-real-ip-\w+"$/);

    // A code change: the compared cluster shows it, exit 1.
    const changed = tool('diff', ['--target', 'prod', '--base', eu], V2);
    expect(changed.status).toBe(1);
    expect(changed.stdout).toContain(`      spec.template.spec.containers[name=nginx1].image: "${V1}" -> "${V2}"`);
    const md = tool('diff', ['--target', 'prod', '--base', eu, '--markdown'], V2);
    expect(md.status).toBe(1);
    expect(md.stdout).toMatch(/^## Manifest changes\n\n\| target \| added \| removed \| changed \|\n\|---\|---:\|---:\|---:\|\n\| prod on prod-eu \| 0 \| 0 \| \d+ \|\n/);
    expect(md.stdout).toContain('### prod on prod-us: not compared');
    expect(md.stdout).toContain('### prod on prod-us, against prod on prod-eu: 1 added, 1 removed, 1 changed');
  });

  test('--cluster: that cluster against a base of that cluster; a base of another cluster is refused (exit 2)', () => {
    const exact = tool('diff', ['--target', 'prod', '--cluster', 'prod-us', '--base', us], V2);
    expect(exact.status).toBe(1);
    expect(exact.stdout).toMatch(/^prod on prod-us: 0 added, 0 removed, \d+ changed\n/);
    expect(exact.stdout).not.toContain('prod-eu');
    const wrong = tool('diff', ['--target', 'prod', '--cluster', 'prod-us', '--base', eu]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain(`diff: ${eu} holds target prod on cluster prod-eu, not on prod-us: run "npm run synth -- --target prod --cluster prod-us" first, or pass --base`);
    const nope = tool('diff', ['--target', 'prod', '--cluster', 'local', '--base', eu]);
    expect(nope.status).toBe(2);
    expect(nope.stderr).toContain('diff: target "prod": invalid cluster "local": the target runs on clusters "prod-eu", "prod-us"');
  });

  test('a missing base: every cluster compared, everything added', () => {
    const r = tool('diff', ['--target', 'prod', '--base', path.join(work, 'none')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^prod on prod-eu: \d+ added, 0 removed, 0 changed \(not in the base: everything counts as added\)$/m);
    expect(r.stdout).toMatch(/^prod on prod-us: \d+ added, 0 removed, 0 changed \(not in the base: everything counts as added\)$/m);
  });
});

describe('npm run topology', () => {
  test('one picture of prod naming both clusters in rollout order, each cluster\'s own ConfigMap noted with it', () => {
    const out = path.join(work, 'pictures');
    const r = tool('topology', ['--target', 'prod', '--out', out]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/topology: .*prod\.svg \(\d+ objects; clusters prod-eu, prod-us\)/);
    const svg = text(fs.readFileSync(path.join(out, 'prod.svg'), 'utf-8'));
    expect(svg).toContain('>target prod on 2 clusters, in rollout order: prod-eu (canary) → prod-us</text>');
    const configMaps = (dir: string) => fs.readFileSync(path.join(dir, 'prod.k8s.yaml'), 'utf-8').match(/nginx1-real-ip-[0-9a-f]{10}/)![0];
    for (const [dir, cluster] of [[eu, 'prod-eu'], [us, 'prod-us']]) {
      const name = configMaps(dir);
      expect(svg).toContain(`>${name}</text>`);
      expect(fs.readFileSync(path.join(out, 'prod.dot'), 'utf-8')).toContain(`"Pods/nginx1" -> "ConfigMap/${name}" [style=dotted, arrowhead=none, label="mounts"];`);
      const node = new RegExp(`"ConfigMap/${name}" \\[[^\\n]*<I>only on cluster ${cluster}</I>`);
      expect(fs.readFileSync(path.join(out, 'prod.dot'), 'utf-8')).toMatch(node);
    }
    expect(svg).toContain('>differs per cluster (prod-eu, prod-us)</text>');

    // One cluster's synthesized output: titled with its cluster.
    const one = tool('topology', ['--dist', us, '--out', path.join(work, 'one')]);
    expect(one.status).toBe(0);
    expect(text(fs.readFileSync(path.join(work, 'one', 'prod.svg'), 'utf-8'))).toContain('>target prod on cluster prod-us</text>');
  });

  test('mergeClusters: the same object once, what only some clusters have noted, a Deployment mounting every cluster\'s ConfigMaps', () => {
    const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'n' } });
    const deployment = (config: string): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'n' },
      spec: { template: { spec: { volumes: [{ name: 'c', configMap: { name: config } }, { name: 'tmp', emptyDir: {} }] } } } });
    const shared = cm('shared');
    const { objects, notes } = mergeClusters([
      { cluster: 'a', objects: [shared, cm('only-a'), deployment('only-a')] },
      { cluster: 'b', objects: [{ ...shared }, cm('only-b'), deployment('only-b')] },
    ]);
    expect(objects.map((o) => o.metadata.name)).toEqual(['shared', 'only-a', 'd', 'only-b']);
    expect(objects[0]).toBe(shared);
    expect(notes.get(objects[0])).toBeUndefined();
    expect(notes.get(objects[1])).toEqual(['only on cluster a']);
    expect(notes.get(objects[3])).toEqual(['only on cluster b']);
    expect(notes.get(objects[2])).toEqual(['differs per cluster (a, b)']);
    expect(objects[2].spec.template.spec.volumes).toEqual([
      { name: 'c', configMap: { name: 'only-a' } }, { name: 'tmp', emptyDir: {} }, { name: 'c', configMap: { name: 'only-b' } }]);
  });
});
