import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { SchemaValidator } from 'k8s-checks';
import { only, synthObjects } from '../test/support/synth';
import { ArgoCdApplication, ArgoCdApplicationProps } from './argocd-application';
import { ArgoCdCluster } from './argocd-cluster';
import { ArgoCdProject } from './argocd-project';
import { ArgoCdSyncPolicy } from './argocd-sync-policy';

const ARGO_CD_CRDS = path.join(__dirname, '..', 'crds', 'argo-cd');
const repo = 'https://git.example.com/app/rendered.git';

function setup(props: Partial<ArgoCdApplicationProps> = {}, projectNamespace = 'argocd') {
  const app = Testing.app();
  const chart = new Chart(app, 'argocd', { namespace: 'argocd' });
  const projectChart = projectNamespace === 'argocd' ? chart : new Chart(app, 'other', { namespace: projectNamespace });
  const project = new ArgoCdProject(projectChart, 'project', {
    name: 'shop-dev', sourceRepos: [repo], destinations: [{ cluster: ArgoCdCluster.inCluster(), namespace: 'shop-dev' }],
  });
  new ArgoCdApplication(chart, 'app', {
    name: 'shop-dev', project, repository: repo, revision: 'env/dev', cluster: ArgoCdCluster.inCluster(), namespace: 'shop-dev', ...props,
  });
  return chart;
}

describe('ArgoCdApplication', () => {
  test('follows a branch of plain manifests (*.yaml at its root) into one namespace, automated with prune and self-heal; valid against the Argo CD CRD', () => {
    const objects = synthObjects(setup());
    const a = only(objects, 'Application');
    expect(a.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(a.metadata).toEqual({ name: 'shop-dev', namespace: 'argocd' });
    expect(a.spec).toEqual({
      project: 'shop-dev',
      source: { repoURL: repo, targetRevision: 'env/dev', path: '.', directory: { recurse: false, include: '*.yaml' } },
      destination: { server: 'https://kubernetes.default.svc', namespace: 'shop-dev' },
      syncPolicy: {
        automated: { prune: true, selfHeal: true, allowEmpty: false },
        syncOptions: ['ServerSideApply=true', 'PruneLast=true', 'PrunePropagationPolicy=foreground', 'FailOnSharedResource=true'],
        retry: { limit: 5, refresh: true, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
      },
      revisionHistoryLimit: 10,
    });
    expect(SchemaValidator.forKubernetes127({ crds: [ARGO_CD_CRDS] }).validate(objects)).toEqual([]);
  });

  test('a folder of a shared branch, manual sync', () => {
    const a = only(synthObjects(setup({ revision: 'rendered', path: 'envs/dev', syncPolicy: ArgoCdSyncPolicy.manual(), revisionHistoryLimit: 3 })), 'Application');
    expect(a.spec.source).toMatchObject({ targetRevision: 'rendered', path: 'envs/dev' });
    expect(a.spec.syncPolicy.automated).toBeUndefined();
    expect(a.spec.revisionHistoryLimit).toBe(3);
  });

  test('the CRD schema check catches a value of the wrong type', () => {
    const objects = synthObjects(setup());
    only(objects, 'Application').spec.syncPolicy.retry.limit = 'five';
    expect(SchemaValidator.forKubernetes127({ crds: [ARGO_CD_CRDS] }).validate(objects).map((v) => [v.rule, v.path]))
      .toEqual([['type', '/spec/syncPolicy/retry/limit']]);
  });

  test('a destination its project does not allow fails the synth, naming both', () => {
    expect(() => Testing.synth(setup({ namespace: 'shop-prod' })))
      .toThrow(/ArgoCdApplication at "argocd\/app": AppProject "shop-dev" does not allow repository https:\/\/git.example.com\/app\/rendered.git with server https:\/\/kubernetes.default.svc namespace "shop-prod" \(it allows .* server https:\/\/kubernetes.default.svc namespace "shop-dev"\)/);
    expect(() => Testing.synth(setup({ cluster: ArgoCdCluster.named('production') }))).toThrow(/does not allow repository .* with cluster "production" namespace "shop-dev"/);
    expect(() => Testing.synth(setup({ repository: 'https://git.example.com/other.git' }))).toThrow(/does not allow repository https:\/\/git.example.com\/other.git/);
  });

  test('a project in another namespace fails the synth', () => {
    expect(() => Testing.synth(setup({}, 'team'))).toThrow(/project ArgoCdProject at "other\/project" is in namespace "team", this Application in "argocd"/);
  });

  test.each<[string, Partial<ArgoCdApplicationProps>, RegExp]>([
    ['a path outside the repository', { path: '../secrets' }, /ArgoCdApplication at "argocd\/app": invalid path "..\/secrets": use "." or a relative folder/],
    ['an absolute path', { path: '/dev' }, /invalid path "\/dev"/],
    ['no revision', { revision: '' }, /invalid revision "": give the branch Argo CD follows/],
    ['a project that is no ArgoCdProject', { project: 'shop-dev' as never }, /invalid project "shop-dev": give the ArgoCdProject construct/],
    ['a cluster given as a context name', { cluster: 'kind-local' as never }, /invalid cluster "kind-local": use ArgoCdCluster.inCluster\(\)/],
    ['a sync policy that is no ArgoCdSyncPolicy', { syncPolicy: 'auto' as never }, /invalid syncPolicy "auto"/],
    ['no history', { revisionHistoryLimit: 0 }, /invalid revisionHistoryLimit 0: use a whole number from 1 to 1000/],
    ['a misspelt prop', { targetRevision: 'env/dev' } as never, /unknown prop "targetRevision"/],
  ])('%s is refused', (_name, props, message) => {
    expect(() => setup(props)).toThrow(message);
  });
});
