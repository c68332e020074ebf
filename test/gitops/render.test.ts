import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ForeignOutputError, parseManifestText } from 'k8s-checks';
import { deploymentConfig } from '../../config/targets';
import { resolveGitOps } from '../../lib/gitops-config';
import { targets } from '../../main';
import { clusterResourcesOf, renderArgoCd } from '../../tools/gitops/render';
import { Obj } from '../support/synth';

// npm run gitops -- render: the Argo CD objects of config/targets.ts, synthesized and checked
// by the validation plugins of cdk8s.yaml (the Argo CD CRDs are among crds/) into a folder of
// their own, never a target's.
jest.setTimeout(120000);

const gitops = resolveGitOps(deploymentConfig, targets);
const env = { PATH: process.env.PATH };
let work: string;
beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-render-test-')); });
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const read = (dir: string) => [...parseManifestText(fs.readFileSync(path.join(dir, 'argocd.k8s.yaml'), 'utf-8'), 'argocd.k8s.yaml')] as Obj[];

describe('npm run gitops -- render', () => {
  test('an AppProject and an Application per target, in Argo CD\'s namespace, validated against the Argo CD CRDs and the policies', async () => {
    const out = path.join(work, 'argocd');
    const result = await renderArgoCd(out, gitops, targets, env);
    expect(fs.readdirSync(out).sort()).toEqual(['.synth-output', 'argocd.k8s.yaml']);
    expect(result.validation?.passed).toBe(true);
    expect(result.validation?.summary).toEqual(['SchemaValidation, PolicyValidation: 6 objects, 0 findings, 0 declared exemptions']);
    const objects = read(out);
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual([
      'AppProject argocd/mincloud-dev', 'Application argocd/mincloud-dev',
      'AppProject argocd/mincloud-staging', 'Application argocd/mincloud-staging',
      'AppProject argocd/mincloud-prod', 'Application argocd/mincloud-prod',
    ]);
    const app = (t: string) => objects.find((o) => o.kind === 'Application' && o.metadata.name === `mincloud-${t}`)!;
    expect(app('prod').spec.destination).toEqual({ name: 'production', namespace: 'mincloud' });
    expect(app('dev').spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'mincloud-dev' });
    for (const t of ['dev', 'staging', 'prod']) {
      expect(app(t).spec.source).toEqual({ repoURL: gitops.repository, targetRevision: `env/${t}`, path: '.', directory: { recurse: false, include: '*.yaml' } });
      expect(app(t).spec.project).toBe(`mincloud-${t}`);
    }
  });

  test('each project allows exactly the cluster-scoped objects its target synthesizes, by name', async () => {
    const out = path.join(work, 'argocd');
    await renderArgoCd(out, gitops, targets, env);
    const projects = read(out).filter((o) => o.kind === 'AppProject');
    for (const target of targets) {
      const project = projects.find((p) => p.metadata.name === `mincloud-${target.name}`)!;
      expect(project.spec.clusterResourceWhitelist).toEqual([
        { group: '', kind: 'Namespace', name: target.namespace },
        { group: 'scheduling.k8s.io', kind: 'PriorityClass', name: `${target.namespace}-services` },
      ]);
      expect(project.spec.clusterResourceWhitelist).toEqual(clusterResourcesOf(target, env));
      expect(project.spec.destinations).toHaveLength(1);
    }
  });

  test('the same config renders byte-identical output; a folder holding other files is refused and left as it was', async () => {
    const a = path.join(work, 'a');
    const b = path.join(work, 'b');
    await renderArgoCd(a, gitops, targets, env);
    await renderArgoCd(b, gitops, targets, env);
    expect(fs.readFileSync(path.join(a, 'argocd.k8s.yaml'), 'utf-8')).toBe(fs.readFileSync(path.join(b, 'argocd.k8s.yaml'), 'utf-8'));
    const foreign = path.join(work, 'notes');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'todo.txt'), 'mine\n');
    await expect(renderArgoCd(foreign, gitops, targets, env)).rejects.toBeInstanceOf(ForeignOutputError);
    expect(fs.readdirSync(foreign)).toEqual(['todo.txt']);
  });
});
