import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { PolicyValidation, runValidations, SchemaValidation } from 'k8s-checks';
import { byKind, synthObjects } from '../test/support/synth';
import { ArgoCdCluster } from './argocd-cluster';
import { ArgoCdSyncPolicy } from './argocd-sync-policy';
import { GitOpsTarget } from './gitops-config';
import { GitOpsDelivery } from './gitops-delivery';

const ARGO_CD_CRDS = path.join(__dirname, '..', 'crds', 'argo-cd');

const target: GitOpsTarget = {
  target: 'prod',
  namespace: 'shop',
  clusterName: 'production',
  cluster: ArgoCdCluster.named('production'),
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
    const objects = setup({ ...target, path: 'prod', branch: 'rendered', syncPolicy: ArgoCdSyncPolicy.manual() });
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

  test('outside Argo CD\'s namespace it is refused', () => {
    expect(() => setup(target, 'shop')).toThrow(/GitOpsDelivery at "argocd\/prod": invalid target.argoCdNamespace "argocd": Argo CD reads Applications and AppProjects from its own namespace: put GitOpsDelivery in a chart with namespace "argocd" \(this one is "shop"\)/);
  });
});
