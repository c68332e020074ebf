import { deploymentConfig } from '../config/targets';
import { ArgoCdCluster } from './argocd-cluster';
import { ArgoCdSyncPolicy } from './argocd-sync-policy';
import { DeploymentConfig, resolveTargets, TargetConfig } from './deployment-config';
import { GitOpsConfig, gitOpsTarget, resolveGitOps } from './gitops-config';
import { GitOpsLayout } from './gitops-layout';

const clusters = { local: { context: 'kind-local' }, production: { context: 'prod-admin' } };
const dev: TargetConfig = { name: 'dev', cluster: 'local', namespace: 'app-dev' };
const prod: TargetConfig = { name: 'prod', cluster: 'production', namespace: 'app' };
const gitops: GitOpsConfig = {
  repository: 'https://git.example.com/app/rendered.git',
  clusters: { local: ArgoCdCluster.inCluster(), production: ArgoCdCluster.named('production') },
};

function resolve(g: Partial<GitOpsConfig> | undefined, targets: TargetConfig[] = [dev, prod]) {
  const config: DeploymentConfig = { clusters, targets, gitops: g === undefined ? undefined : { ...gitops, ...g } as GitOpsConfig };
  return resolveGitOps(config, resolveTargets(config));
}

describe('resolveGitOps', () => {
  test('config/targets.ts: a branch env/<target> per target, Argo CD in namespace argocd, promotion dev -> staging -> prod', () => {
    const g = resolveGitOps(deploymentConfig, resolveTargets(deploymentConfig));
    expect(g.targets.map((t) => [t.target, t.branch, t.path, t.namespace, String(t.cluster)])).toEqual([
      ['dev', 'env/dev', '.', 'mincloud-dev', 'server https://kubernetes.default.svc'],
      ['staging', 'env/staging', '.', 'mincloud-staging', 'server https://kubernetes.default.svc'],
      ['prod', 'env/prod', '.', 'mincloud', 'cluster "production"'],
    ]);
    expect(g.argoCdNamespace).toBe('argocd');
    expect(g.promotion).toEqual(['dev', 'staging', 'prod']);
    expect(String(g.syncPolicy)).toBe('automated (prune, self-heal)');
  });

  test('defaults: branch per target, automated sync, promotion in the order of targets', () => {
    const g = resolve({});
    expect(g.targets.map((t) => t.branch)).toEqual(['env/dev', 'env/prod']);
    expect(g.promotion).toEqual(['dev', 'prod']);
    expect(g.syncPolicy.automated && g.syncPolicy.prune && g.syncPolicy.selfHeal).toBe(true);
    expect(gitOpsTarget(g, 'prod').cluster.name).toBe('production');
    expect(() => gitOpsTarget(g, 'qa')).toThrow('target selection: invalid target "qa": use one of "dev", "prod" (config/targets.ts)');
  });

  test('a folder per target on one branch', () => {
    const g = resolve({ layout: GitOpsLayout.folderPerTarget({ branch: 'main', prefix: 'envs/' }) });
    expect(g.targets.map((t) => [t.branch, t.path])).toEqual([['main', 'envs/dev'], ['main', 'envs/prod']]);
    expect(String(g.layout)).toBe('folder envs/<target>/ of branch main');
  });

  test.each<[string, Partial<GitOpsConfig> | undefined, RegExp]>([
    ['no gitops section', undefined, /deployment config: invalid gitops undefined: add gitops: \{ repository/],
    ['a misspelt key', { repositry: 'x' } as never, /deployment config: unknown key in gitops "repositry": did you mean "repository"\?/],
    ['a repository that is no git URL', { repository: 'rendered manifests' }, /invalid gitops.repository "rendered manifests": use the repository URL as Argo CD has it registered/],
    ['a cluster Argo CD does not know', { clusters: { local: ArgoCdCluster.inCluster() } },
      /target "prod": invalid gitops.clusters "production": say how Argo CD knows cluster "production": add gitops.clusters.production = ArgoCdCluster.server/],
    ['an entry for a cluster that does not exist', { clusters: { ...gitops.clusters, staging: ArgoCdCluster.inCluster() } },
      /invalid gitops.clusters "staging": name a cluster of clusters \("local", "production"\)/],
    ['a plain string for a cluster', { clusters: { local: 'https://kubernetes.default.svc' as never, production: ArgoCdCluster.named('p') } },
      /invalid gitops.clusters.local "https:\/\/kubernetes.default.svc": use ArgoCdCluster.inCluster\(\)/],
    ['a promotion naming no target', { promotion: ['dev', 'qa'] }, /invalid gitops.promotion "qa": use target names: "dev", "prod"/],
    ['a target twice in the promotion', { promotion: ['dev', 'prod', 'dev'] }, /invalid gitops.promotion "dev": name each target at most once/],
    ['a bad Argo CD namespace', { argoCdNamespace: 'Argo_CD' }, /invalid gitops.argoCdNamespace "Argo_CD": use 1-63 lower-case letters/],
    ['a layout that is no GitOpsLayout', { layout: 'branch' as never }, /invalid gitops.layout "branch": use GitOpsLayout.branchPerTarget\(\)/],
    ['a sync policy that is no ArgoCdSyncPolicy', { syncPolicy: { automated: true } as never }, /invalid gitops.syncPolicy \{"automated":true\}: use ArgoCdSyncPolicy.automated\(\)/],
  ])('%s is refused, naming the field', (_name, g, message) => {
    expect(() => resolve(g)).toThrow(message);
  });
});

describe('the value classes of the GitOps config', () => {
  test('ArgoCdCluster: an https API server URL or a registered name, refused otherwise', () => {
    expect(ArgoCdCluster.server('https://10.0.0.1:6443').destination('ns')).toEqual({ server: 'https://10.0.0.1:6443', namespace: 'ns' });
    expect(ArgoCdCluster.named('production').destination('ns')).toEqual({ name: 'production', namespace: 'ns' });
    expect(ArgoCdCluster.inCluster().equals(ArgoCdCluster.server('https://kubernetes.default.svc'))).toBe(true);
    expect(ArgoCdCluster.named('a').equals(ArgoCdCluster.named('b'))).toBe(false);
    expect(() => ArgoCdCluster.server('http://10.0.0.1:6443')).toThrow('ArgoCdCluster.server: invalid url "http://10.0.0.1:6443": use the https:// URL');
    expect(() => ArgoCdCluster.server('https://admin:secret@10.0.0.1')).toThrow('without credentials');
    expect(() => ArgoCdCluster.server('production')).toThrow('ArgoCdCluster.server: invalid url "production"');
    expect(() => ArgoCdCluster.named('my cluster')).toThrow('ArgoCdCluster.named: invalid name "my cluster": use the cluster\'s name as "argocd cluster list" shows it');
  });

  test('GitOpsLayout: branch and folder names git accepts', () => {
    expect(GitOpsLayout.branchPerTarget({ prefix: 'deploy-' }).branch('dev')).toBe('deploy-dev');
    expect(GitOpsLayout.branchPerTarget().path('dev')).toBe('.');
    expect(() => GitOpsLayout.branchPerTarget({ prefix: 'env..x/' })).toThrow('GitOpsLayout.branchPerTarget: invalid prefix "env..x/"');
    expect(() => GitOpsLayout.branchPerTarget({ prefix: 'env /' })).toThrow('a git branch name');
    expect(() => GitOpsLayout.folderPerTarget({ branch: '.hidden' })).toThrow('GitOpsLayout.folderPerTarget: invalid branch ".hidden"');
    expect(() => GitOpsLayout.folderPerTarget({ branch: 'rendered.lock' })).toThrow('invalid branch "rendered.lock"');
    expect(() => GitOpsLayout.folderPerTarget({ folder: 'x' } as never)).toThrow('GitOpsLayout.folderPerTarget: unknown option "folder"');
  });

  test('ArgoCdSyncPolicy: automated with prune and self-heal by default, or manual; the same sync options either way', () => {
    const auto = ArgoCdSyncPolicy.automated().render();
    expect(auto.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
    expect(auto.syncOptions).toEqual(['ServerSideApply=true', 'PruneLast=true', 'PrunePropagationPolicy=foreground', 'FailOnSharedResource=true']);
    expect(ArgoCdSyncPolicy.automated({ prune: false }).render().automated).toEqual({ prune: false, selfHeal: true, allowEmpty: false });
    expect(String(ArgoCdSyncPolicy.automated({ prune: false, selfHeal: false }))).toBe('automated');
    const manual = ArgoCdSyncPolicy.manual().render();
    expect(manual.automated).toBeUndefined();
    expect(manual.syncOptions).toEqual(auto.syncOptions);
    expect(() => ArgoCdSyncPolicy.automated({ prune: 'yes' as never })).toThrow('ArgoCdSyncPolicy.automated: invalid prune "yes": use true or false');
    expect(() => ArgoCdSyncPolicy.automated({ selfheal: true } as never)).toThrow('did you mean "selfHeal"?');
  });
});
