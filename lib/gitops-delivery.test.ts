import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { PolicyValidation, runValidations, SchemaValidation, SchemaValidator } from 'k8s-checks';
import { byKind, synthObjects } from '../test/support/synth';
import { ArgoCdCluster } from './argocd-cluster';
import { ArgoCdSyncPolicy } from './argocd-sync-policy';
import { GitOpsTarget } from './gitops-target';
import { GitOpsDelivery } from './gitops-delivery';

const ARGO_CD_CRDS = path.join(__dirname, '..', 'crds', 'argo-cd');

const target: GitOpsTarget = {
  target: 'prod',
  namespace: 'shop',
  clusters: [{ name: 'production', cluster: ArgoCdCluster.named('production'), path: '.', application: 'mincloud-prod' }],
  project: 'mincloud-prod',
  repository: 'https://git.example.com/app/rendered.git',
  branch: 'env/prod',
  path: '.',
  argoCdNamespace: 'argocd',
  syncPolicy: ArgoCdSyncPolicy.automated(),
};
const clusterResources = [{ group: '', kind: 'Namespace', name: 'shop' }, { group: 'scheduling.k8s.io', kind: 'PriorityClass', name: 'shop-services' }];

function setup(t: GitOpsTarget = target, namespace = 'argocd') {
  const chart = new Chart(Testing.app(), 'argocd', { namespace });
  new GitOpsDelivery(chart, t.target, { target: t, clusterResources, version: '1.2.3' });
  return synthObjects(chart);
}

describe('GitOpsDelivery', () => {
  test('an AppProject and an Application named mincloud-<target>, the Application in the project, both labelled with the target', () => {
    const objects = setup();
    expect(objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['AppProject/argocd/mincloud-prod', 'Application/argocd/mincloud-prod']);
    const [project, application] = objects;
    expect(application.spec.project).toBe('mincloud-prod');
    expect(application.spec.destination).toEqual({ name: 'production', namespace: 'shop' });
    expect(application.spec.source).toMatchObject({ repoURL: target.repository, targetRevision: 'env/prod', path: '.' });
    expect(project.spec.destinations).toEqual([{ name: 'production', namespace: 'shop' }]);
    expect(project.spec.sourceRepos).toEqual([target.repository]);
    expect(project.spec.clusterResourceWhitelist).toEqual(clusterResources);
    expect(project.spec.description).toBe('mincloud target prod: namespace shop on cluster production, from env/prod');
    for (const o of objects) {
      expect(o.metadata.labels).toEqual({
        'app.kubernetes.io/name': 'mincloud', 'app.kubernetes.io/instance': 'mincloud-prod', 'app.kubernetes.io/version': '1.2.3',
        'app.kubernetes.io/component': 'gitops', 'app.kubernetes.io/part-of': 'mincloud', 'app.kubernetes.io/managed-by': 'cdk8s', 'mincloud.dev/target': 'prod',
      });
    }
  });

  test('the validation plugins pass them: SchemaValidation against the Argo CD CRDs, PolicyValidation', async () => {
    const objects = setup({ ...target, path: 'prod', clusters: [{ ...target.clusters[0], path: 'prod' }], branch: 'rendered', syncPolicy: ArgoCdSyncPolicy.manual() });
    const results = await runValidations([{ path: 'argocd.k8s.yaml', objects }], [new SchemaValidation({ crds: [ARGO_CD_CRDS] }), new PolicyValidation()], { log: () => undefined });
    expect(results.map((r) => [r.plugin, r.status, r.metadata.objects, r.metadata.findings])).toEqual([
      ['SchemaValidation', 'success', '2', '0'],
      ['PolicyValidation', 'success', '2', '0'],
    ]);
    // Without the CRDs the kinds are unknown: the schema check does look at them.
    const unchecked = await runValidations([{ path: 'argocd.k8s.yaml', objects }], [new SchemaValidation()], { log: () => undefined });
    expect(unchecked[0].status).toBe('failure');
    expect(byKind(objects, 'Application')[0].spec.source.path).toBe('prod');
  });

  test('a target on two clusters: one project allowing both, an Application per cluster following its folder; valid against the Argo CD CRDs', () => {
    const several: GitOpsTarget = {
      ...target,
      clusters: [
        { name: 'eu', cluster: ArgoCdCluster.named('eu'), path: 'eu', application: 'mincloud-prod-eu' },
        { name: 'us', cluster: ArgoCdCluster.server('https://10.4.0.1:6443'), path: 'us', application: 'mincloud-prod-us' },
      ],
    };
    const objects = setup(several);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['AppProject/mincloud-prod', 'Application/mincloud-prod-eu', 'Application/mincloud-prod-us']);
    const [project, eu, us] = objects;
    expect(project.spec.destinations).toEqual([{ name: 'eu', namespace: 'shop' }, { server: 'https://10.4.0.1:6443', namespace: 'shop' }]);
    expect(project.spec.description).toBe('mincloud target prod: namespace shop on clusters eu, us, from env/prod, a folder per cluster');
    expect(project.metadata.labels?.['app.kubernetes.io/instance']).toBe('mincloud-prod');
    expect([eu.spec.project, eu.spec.destination, eu.spec.source.path, eu.spec.source.targetRevision]).toEqual(['mincloud-prod', { name: 'eu', namespace: 'shop' }, 'eu', 'env/prod']);
    expect([us.spec.project, us.spec.destination, us.spec.source.path]).toEqual(['mincloud-prod', { server: 'https://10.4.0.1:6443', namespace: 'shop' }, 'us']);
    expect([eu, us].map((a) => [a.metadata.labels?.['app.kubernetes.io/instance'], a.metadata.labels?.['mincloud.dev/cluster']])).toEqual([['mincloud-prod-eu', 'eu'], ['mincloud-prod-us', 'us']]);
    expect(SchemaValidator.forKubernetes127({ crds: [ARGO_CD_CRDS] }).validate(objects)).toEqual([]);
  });

  test('a target without clusters is refused', () => {
    expect(() => setup({ ...target, clusters: [] })).toThrow(/GitOpsDelivery at "argocd\/prod": invalid target.clusters \[\]: give at least one cluster/);
  });

  test('outside Argo CD\'s namespace it is refused', () => {
    expect(() => setup(target, 'shop')).toThrow(/GitOpsDelivery at "argocd\/prod": invalid target.argoCdNamespace "argocd": Argo CD reads Applications and AppProjects from its own namespace: put GitOpsDelivery in a chart with namespace "argocd" \(this one is "shop"\)/);
  });
});
