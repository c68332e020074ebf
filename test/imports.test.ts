import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The committed generated code is what the regeneration commands produce, offline.
const ROOT = path.join(__dirname, '..');
jest.setTimeout(120000);

describe('generated imports', () => {
  let work: string;
  beforeAll(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'imports-test-')); });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('npm run import regenerates imports/k8s.ts byte for byte (Kubernetes 1.27, no network)', () => {
    execFileSync('node', [path.join(ROOT, 'tools', 'import-k8s.js'), '--output', path.join(work, 'k8s')], { stdio: 'pipe' });
    expect(fs.readFileSync(path.join(work, 'k8s', 'k8s.ts'), 'utf-8')).toBe(fs.readFileSync(path.join(ROOT, 'imports', 'k8s.ts'), 'utf-8'));
  });

  test('npm run import:crds regenerates every CRD module byte for byte', () => {
    execFileSync('bash', [path.join(ROOT, 'tools', 'import-crds.sh'), '--output', path.join(work, 'crds')], { cwd: ROOT, stdio: 'pipe' });
    const generated = fs.readdirSync(path.join(work, 'crds')).sort();
    expect(generated).toEqual(fs.readdirSync(path.join(ROOT, 'imports')).filter((f) => f !== 'k8s.ts').sort());
    for (const f of generated) {
      expect(fs.readFileSync(path.join(work, 'crds', f), 'utf-8')).toBe(fs.readFileSync(path.join(ROOT, 'imports', f), 'utf-8'));
    }
  });

  test('the Argo CD CRDs (Application, AppProject) are kept with their licence and imported', () => {
    for (const f of ['LICENSE', 'argoproj.io_applications.yaml', 'argoproj.io_appprojects.yaml']) {
      expect(fs.existsSync(path.join(ROOT, 'crds', 'argo-cd', f))).toBe(true);
    }
    expect(fs.readFileSync(path.join(ROOT, 'crds', 'README.md'), 'utf-8')).toContain('`argo-cd/argoproj.io_applications.yaml`');
    expect(fs.readFileSync(path.join(ROOT, 'imports', 'argocd-application-argoproj.io.ts'), 'utf-8')).toContain('export class Application extends ApiObject');
    expect(fs.readFileSync(path.join(ROOT, 'imports', 'argocd-appproject-argoproj.io.ts'), 'utf-8')).toContain('export class AppProject extends ApiObject');
  });

  test('cdk8s.yaml lists exactly these imports', () => {
    const config = fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf-8');
    expect(config).toContain('- k8s@1.27.0');
    for (const f of fs.readdirSync(path.join(ROOT, 'crds'), { recursive: true, encoding: 'utf-8' }).filter((x) => x.endsWith('.yaml'))) {
      expect(config).toContain(`crds/${f}`);
    }
  });
});
