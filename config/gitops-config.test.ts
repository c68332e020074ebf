import { deploymentConfig } from './targets';
import { ArgoCdCluster } from '../lib/argocd-cluster';
import { ArgoCdSyncPolicy } from '../lib/argocd-sync-policy';
import { DeploymentConfig, resolveTargets, TargetConfig } from './deployment-config';
import { GitOpsConfig, gitOpsTarget, resolveGitOps } from './gitops-config';
import { GitOpsLayout } from '../lib/gitops-layout';

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
  test('config/targets.ts: a branch env/<target> per target, an Application per cluster of each, Argo CD in namespace argocd', () => {
    const resolved = resolveTargets(deploymentConfig);
    const g = resolveGitOps(deploymentConfig, resolved);
    expect(g.targets.map((t) => t.target)).toEqual(deploymentConfig.targets.map((t) => t.name));
    // The config has a target on several clusters, so the per-cluster layout below is exercised.
    expect(resolved.some((t) => t.clusters.length > 1)).toBe(true);
    for (const t of g.targets) {
      const target = resolved.find((r) => r.name === t.target)!;
      const several = target.clusters.length > 1;
      expect([t.branch, t.path, t.namespace, t.project]).toEqual([`env/${t.target}`, '.', target.namespace, `mincloud-${t.target}`]);
      expect(t.clusters.map((c) => [c.name, c.cluster, c.path, c.application])).toEqual(target.clusters.map((c) => [
        c.name,
        deploymentConfig.gitops!.clusters[c.name],
        several ? c.name : '.',
        several ? `mincloud-${t.target}-${c.name}` : `mincloud-${t.target}`,
      ]));
    }
    expect(g.argoCdNamespace).toBe('argocd');
    expect(g.promotion).toEqual(deploymentConfig.gitops!.promotion);
    expect(String(g.syncPolicy)).toBe('automated (prune, self-heal)');
  });

  test('defaults: branch per target, automated sync, promotion in the order of targets', () => {
    const g = resolve({});
    expect(g.targets.map((t) => t.branch)).toEqual(['env/dev', 'env/prod']);
    expect(g.promotion).toEqual(['dev', 'prod']);
    expect(g.syncPolicy.automated && g.syncPolicy.prune && g.syncPolicy.selfHeal).toBe(true);
    expect(gitOpsTarget(g, 'prod').clusters.map((c) => [c.name, c.cluster.name, c.path, c.application])).toEqual([['production', 'production', '.', 'mincloud-prod']]);
    expect(() => gitOpsTarget(g, 'qa')).toThrow('target selection: invalid target "qa": use one of "dev", "prod" (config/targets.ts)');
  });

  test('a folder per target on one branch', () => {
    const g = resolve({ layout: GitOpsLayout.folderPerTarget({ branch: 'main', prefix: 'envs/' }) });
    expect(g.targets.map((t) => [t.branch, t.path])).toEqual([['main', 'envs/dev'], ['main', 'envs/prod']]);
    expect(String(g.layout)).toBe('folder envs/<target>/ of branch main');
  });

  describe('a target on several clusters', () => {
    const regions = { ...clusters, eu: { context: 'prod-eu' }, us: { context: 'prod-us' } };
    const global: TargetConfig = { name: 'prod', clusters: ['eu', 'us'], namespace: 'app' };
    const argo = { local: ArgoCdCluster.inCluster(), eu: ArgoCdCluster.named('eu'), us: ArgoCdCluster.server('https://10.4.0.1:6443') };
    const resolveSeveral = (g: Partial<GitOpsConfig> = {}) => {
      const config: DeploymentConfig = { clusters: regions, targets: [dev, global], gitops: { ...gitops, clusters: argo, ...g } as GitOpsConfig };
      return resolveGitOps(config, resolveTargets(config));
    };

    test('a folder and an Application per cluster, in the order of its clusters; a target on one cluster as before', () => {
      const g = resolveSeveral();
      const prodOf = gitOpsTarget(g, 'prod');
      expect([prodOf.branch, prodOf.path, prodOf.project]).toEqual(['env/prod', '.', 'mincloud-prod']);
      expect(prodOf.clusters.map((c) => [c.name, String(c.cluster), c.path, c.application])).toEqual([
        ['eu', 'cluster "eu"', 'eu', 'mincloud-prod-eu'],
        ['us', 'server https://10.4.0.1:6443', 'us', 'mincloud-prod-us'],
      ]);
      expect(gitOpsTarget(g, 'dev').clusters.map((c) => [c.name, c.path, c.application])).toEqual([['local', '.', 'mincloud-dev']]);
    });

    test('with a folder per target: a folder per cluster inside the target\'s', () => {
      const g = resolveSeveral({ layout: GitOpsLayout.folderPerTarget({ prefix: 'envs/' }) });
      expect(gitOpsTarget(g, 'prod').clusters.map((c) => c.path)).toEqual(['envs/prod/eu', 'envs/prod/us']);
      expect(gitOpsTarget(g, 'dev').clusters.map((c) => c.path)).toEqual(['envs/dev']);
    });

    test('a second cluster Argo CD does not know is refused, naming the target, the cluster and the entry to add', () => {
      expect(() => resolveSeveral({ clusters: { local: argo.local, eu: argo.eu } })).toThrow(
        'target "prod": invalid gitops.clusters "us": say how Argo CD knows cluster "us" (the target runs on "eu", "us"; each gets its own Application): '
        + 'add gitops.clusters.us = ArgoCdCluster.server(\'https://<its API server>\') or ArgoCdCluster.named(\'<its name in argocd cluster list>\')');
    });

    test('a cluster name that is no identifier is shown as gitops.clusters[\'...\']', () => {
      const config: DeploymentConfig = {
        clusters: { 'prod-eu': { context: 'a' }, 'prod-us': { context: 'b' } },
        targets: [{ name: 'prod', clusters: ['prod-eu', 'prod-us'], namespace: 'app' }],
        gitops: { ...gitops, clusters: { 'prod-eu': ArgoCdCluster.named('prod-eu') } },
      };
      expect(() => resolveGitOps(config, resolveTargets(config))).toThrow(/invalid gitops.clusters "prod-us": .*add gitops.clusters\['prod-us'\] = ArgoCdCluster.server/);
    });

    test('two clusters of the target that Argo CD would take for the same one are refused', () => {
      expect(() => resolveSeveral({ clusters: { ...argo, us: ArgoCdCluster.named('eu') } })).toThrow(
        'target "prod": invalid gitops.clusters "us": clusters "eu" and "us" of the target would both be cluster "eu" to Argo CD, so two Applications would manage namespace "app" there');
    });
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
