import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { compareOutputs, fieldChanges, hasChanges, renderMarkdown, renderText } from '../../tools/diff/compare';
import { main } from '../../main';

// `npm run diff` without a cluster: two synthesized outputs compared object by object.
jest.setTimeout(60000);

describe('diff of two synths', () => {
  let work: string;
  const quiet = () => undefined;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-test-'));
    main(['--outdir', path.join(work, 'a')], { ...process.env, SITE_IMAGE: 'docker.io/mincloud1501/nginx:1.0.0' }, quiet);
    main(['--outdir', path.join(work, 'b')], { ...process.env, SITE_IMAGE: 'docker.io/mincloud1501/nginx:1.0.1' }, quiet);
    // c: b with one object removed from dev and a ConfigMap added.
    fs.cpSync(path.join(work, 'b'), path.join(work, 'c'), { recursive: true });
    const file = path.join(work, 'c', 'dev', 'dev.k8s.yaml');
    const docs = fs.readFileSync(file, 'utf-8').split(/^---\n/m).filter((d) => !/kind: PodDisruptionBudget/.test(d));
    docs.push('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n  namespace: mincloud-dev\ndata:\n  a: "1"\n');
    fs.writeFileSync(file, docs.join('---\n'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('the same input: no changes', () => {
    const diffs = compareOutputs(path.join(work, 'a'), path.join(work, 'a'));
    expect(hasChanges(diffs)).toBe(false);
    expect(renderText(diffs)).toBe('dev: 0 added, 0 removed, 0 changed\nprod: 0 added, 0 removed, 0 changed\nstaging: 0 added, 0 removed, 0 changed');
  });

  test('a new image tag: the image and version label fields change, nothing added or removed', () => {
    const [dev] = compareOutputs(path.join(work, 'a'), path.join(work, 'b'), ['dev']);
    expect(dev.added).toEqual([]);
    expect(dev.removed).toEqual([]);
    const deployment = dev.changed.find((c) => c.object.startsWith('Deployment/mincloud-dev/nginx1'))!;
    expect(deployment.fields).toContainEqual({
      path: 'spec.template.spec.containers[0].image',
      before: 'docker.io/mincloud1501/nginx:1.0.0',
      after: 'docker.io/mincloud1501/nginx:1.0.1',
    });
    expect(deployment.fields.every((f) => /image|version/.test(f.path))).toBe(true);
  });

  test('added and removed objects', () => {
    const [dev] = compareOutputs(path.join(work, 'b'), path.join(work, 'c'), ['dev']);
    expect(dev.added).toEqual(['ConfigMap/mincloud-dev/extra (v1)']);
    expect(dev.removed).toEqual(['PodDisruptionBudget/mincloud-dev/nginx1 (policy/v1)']);
    expect(dev.changed).toEqual([]);
    const text = renderText([dev]);
    expect(text).toContain('  + ConfigMap/mincloud-dev/extra (v1)');
    expect(text).toContain('  - PodDisruptionBudget/mincloud-dev/nginx1 (policy/v1)');
  });

  test('a missing base counts everything as added', () => {
    const [dev] = compareOutputs(path.join(work, 'nothing'), path.join(work, 'a'), ['dev']);
    expect(dev.added.length).toBeGreaterThan(5);
    expect(dev.removed).toEqual([]);
  });

  test('markdown for a pull request', () => {
    const md = renderMarkdown(compareOutputs(path.join(work, 'a'), path.join(work, 'c'), ['dev', 'prod']));
    expect(md).toMatch(/^## Manifest changes/);
    expect(md).toContain('### dev: 1 added, 1 removed, 4 changed');
    expect(md).toContain('| added | `ConfigMap/mincloud-dev/extra (v1)` | | | |');
    expect(md).toContain('| changed | `Deployment/mincloud-dev/nginx1 (apps/v1)` | `spec.template.spec.containers[0].image` | `"docker.io/mincloud1501/nginx:1.0.0"` | `"docker.io/mincloud1501/nginx:1.0.1"` |');
    expect(md).toMatch(/### prod: 0 added, 0 removed, [1-9]\d* changed/);
  });

  test('field changes name array positions and missing values', () => {
    expect(fieldChanges({ a: [1, 2], b: 'x' }, { a: [1, 3], c: true })).toEqual([
      { path: 'a[1]', before: 2, after: 3 },
      { path: 'b', before: 'x', after: undefined },
      { path: 'c', before: undefined, after: true },
    ]);
  });
});
