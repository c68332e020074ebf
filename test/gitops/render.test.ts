import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseManifestText, SchemaValidator } from 'k8s-checks';
import { ForeignOutputError } from '../../synth/output-folder';
import { deploymentConfig } from '../../config/targets';
import { resolveGitOps } from '../../config/gitops-config';
import { targets } from '../../app';
import { clusterResourcesOf, renderArgoCd } from '../../tools/gitops/render';
import { Obj } from '../support/synth';

// npm run gitops -- render: the Argo CD objects of config/targets.ts, synthesized and checked
// by the validation plugins of cdk8s.yaml (the Argo CD CRDs are among crds/) into a folder of
// their own, never a target's.
jest.setTimeout(120000);

const ARGO_CD_CRDS = path.join(__dirname, '..', '..', 'crds', 'argo-cd');

const gitops = resolveGitOps(deploymentConfig, targets);
const env = { PATH: process.env.PATH };
let work: string;
beforeEach(() => { work = fs.mkdtempSync(path.join(os.tmpdir(), 'gitops-render-test-')); });
afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

const read = (dir: string) => [...parseManifestText(fs.readFileSync(path.join(dir, 'argocd.k8s.yaml'), 'utf-8'), 'argocd.k8s.yaml')] as Obj[];

describe('npm run gitops -- render', () => {
  test('an AppProject per target and an Application per cluster of it, in Argo CD\'s namespace, validated against the Argo CD CRDs and the policies', async () => {
    const out = path.join(work, 'argocd');
    const result = await renderArgoCd(out, gitops, targets, env);
    expect(fs.readdirSync(out).sort()).toEqual(['.synth-output', 'argocd.k8s.yaml']);
    expect(result.validation?.passed).toBe(true);
    const objects = read(out);
    const expected = targets.flatMap((t) => [
      `AppProject argocd/mincloud-${t.name}`,
      ...t.clusters.map((c) => `Application argocd/mincloud-${t.name}${t.clusters.length > 1 ? `-${c.name}` : ''}`),
    ]);
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`)).toEqual(expected);
    expect(result.validation?.summary).toEqual([`SchemaValidation, PolicyValidation: ${expected.length} objects, 0 findings, 0 declared exemptions`]);
    const app = (name: string) => objects.find((o) => o.kind === 'Application' && o.metadata.name === name)!;
    for (const t of targets.filter((x) => x.clusters.length === 1)) {
      // A target on one cluster: its branch's root, as before clusters came in several.
      expect(app(`mincloud-${t.name}`).spec.source).toEqual({ repoURL: gitops.repository, targetRevision: `env/${t.name}`, path: '.', directory: { recurse: false, include: '*.yaml' } });
      expect(app(`mincloud-${t.name}`).spec.destination).toEqual({ ...deploymentConfig.gitops!.clusters[t.clusters[0].name].destination(t.namespace) });
      expect(app(`mincloud-${t.name}`).spec.project).toBe(`mincloud-${t.name}`);
    }
  });

  test('prod, on two clusters: an Application per cluster, each following its folder of env/prod to its cluster; the project allows both; valid against the Argo CD CRDs', async () => {
    const out = path.join(work, 'argocd');
    await renderArgoCd(out, gitops, targets, env);
    const objects = read(out);
    const prod = targets.find((t) => t.name === 'prod')!;
    expect(prod.clusters.map((c) => c.name)).toEqual(['prod-eu', 'prod-us']);
    const apps = objects.filter((o) => o.kind === 'Application' && o.metadata.labels?.['mincloud.dev/target'] === 'prod');
    expect(apps.map((a) => [a.metadata.name, a.spec.project, a.spec.source.targetRevision, a.spec.source.path, a.spec.destination])).toEqual([
      ['mincloud-prod-prod-eu', 'mincloud-prod', 'env/prod', 'prod-eu', { name: 'prod-eu', namespace: 'mincloud' }],
      ['mincloud-prod-prod-us', 'mincloud-prod', 'env/prod', 'prod-us', { name: 'prod-us', namespace: 'mincloud' }],
    ]);
    const project = objects.find((o) => o.kind === 'AppProject' && o.metadata.name === 'mincloud-prod')!;
    expect(project.spec.destinations).toEqual([{ name: 'prod-eu', namespace: 'mincloud' }, { name: 'prod-us', namespace: 'mincloud' }]);
    expect(SchemaValidator.forKubernetes127({ crds: [ARGO_CD_CRDS] }).validate([project, ...apps])).toEqual([]);
    // The schema check does look at them: a misspelt field of one Application is caught.
    const broken = JSON.parse(JSON.stringify(apps[1]));
    broken.spec.source.targetRevison = broken.spec.source.targetRevision;
    expect(SchemaValidator.forKubernetes127({ crds: [ARGO_CD_CRDS] }).validate([broken]).map((v) => [v.rule, v.path])).toEqual([['unknown-field', '/spec/source/targetRevison']]);
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
      expect(project.spec.destinations).toEqual(target.clusters.map((c) => deploymentConfig.gitops!.clusters[c.name].destination(target.namespace)));
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
