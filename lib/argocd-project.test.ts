import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { SchemaValidator } from 'k8s-checks';
import { only, synthObjects } from '../test/support/synth';
import { ArgoCdCluster } from './argocd-cluster';
import { ArgoCdProject, ArgoCdProjectProps } from './argocd-project';

const ARGO_CD_CRDS = path.join(__dirname, '..', 'crds', 'argo-cd');
const repo = 'https://git.example.com/app/rendered.git';

function setup(props: Partial<ArgoCdProjectProps> = {}) {
  const chart = new Chart(Testing.app(), 'argocd', { namespace: 'argocd' });
  new ArgoCdProject(chart, 'project', {
    name: 'shop-dev',
    sourceRepos: [repo],
    destinations: [{ cluster: ArgoCdCluster.inCluster(), namespace: 'shop-dev' }],
    clusterResources: [{ group: '', kind: 'Namespace', name: 'shop-dev' }, { group: 'scheduling.k8s.io', kind: 'PriorityClass', name: 'shop-dev-services' }],
    ...props,
  });
  return synthObjects(chart);
}

describe('ArgoCdProject', () => {
  test('an AppProject fenced to one repository, one cluster and namespace and the named cluster-scoped objects; valid against the Argo CD CRD', () => {
    const objects = setup({ description: 'shop in dev' });
    const p = only(objects, 'AppProject');
    expect(p.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(p.metadata).toEqual({ name: 'shop-dev', namespace: 'argocd' });
    expect(p.spec).toEqual({
      description: 'shop in dev',
      sourceRepos: [repo],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'shop-dev' }],
      clusterResourceWhitelist: [
        { group: '', kind: 'Namespace', name: 'shop-dev' },
        { group: 'scheduling.k8s.io', kind: 'PriorityClass', name: 'shop-dev-services' },
      ],
      orphanedResources: { warn: true },
    });
    expect(SchemaValidator.forKubernetes127({ crds: [ARGO_CD_CRDS] }).validate(objects)).toEqual([]);
  });

  test('a cluster named as Argo CD registered it; no cluster-scoped object unless given', () => {
    const p = only(setup({ destinations: [{ cluster: ArgoCdCluster.named('production'), namespace: 'shop' }], clusterResources: undefined }), 'AppProject');
    expect(p.spec.destinations).toEqual([{ name: 'production', namespace: 'shop' }]);
    expect(p.spec.clusterResourceWhitelist).toEqual([]);
  });

  test('the CRD schema check catches what the generated class lets through (an unknown field)', () => {
    const objects = setup();
    only(objects, 'AppProject').spec.clusterResourceWhitelist[0].namespace = 'shop-dev';
    expect(SchemaValidator.forKubernetes127({ crds: [ARGO_CD_CRDS] }).validate(objects).map((v) => [v.rule, v.path]))
      .toEqual([['unknown-field', '/spec/clusterResourceWhitelist/0/namespace']]);
  });

  test.each<[string, Partial<ArgoCdProjectProps>, RegExp]>([
    ['no repository', { sourceRepos: [] }, /ArgoCdProject at "argocd\/project": invalid sourceRepos \[\]: name at least one repository URL/],
    ['no destination', { destinations: [] }, /invalid destinations \[\]: name at least one \{ cluster, namespace \}/],
    ['a destination cluster given as a string', { destinations: [{ cluster: 'in-cluster' as never, namespace: 'x' }] }, /invalid destinations.cluster "in-cluster": use ArgoCdCluster.inCluster\(\)/],
    ['a bad namespace', { destinations: [{ cluster: ArgoCdCluster.inCluster(), namespace: 'Shop' }] }, /invalid destinations.namespace "Shop"/],
    ['a lower-case kind', { clusterResources: [{ group: '', kind: 'namespace' }] }, /invalid clusterResources.kind "namespace": use the kind as the API spells it/],
    ['a bad group', { clusterResources: [{ group: 'Scheduling', kind: 'PriorityClass' }] }, /invalid clusterResources.group "Scheduling"/],
    ['an empty object name', { clusterResources: [{ group: '', kind: 'Namespace', name: '' }] }, /invalid clusterResources.name "": give the object's name/],
    ['a misspelt prop', { sourceRepo: [repo] } as never, /unknown prop "sourceRepo": did you mean "sourceRepos"\?/],
    ['a bad name', { name: 'Shop Dev' }, /invalid name "Shop Dev"/],
  ])('%s is refused', (_name, props, message) => {
    expect(() => setup(props)).toThrow(message);
  });
});
