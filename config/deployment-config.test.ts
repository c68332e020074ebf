import { Duration } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { IngressController } from '../lib/ingress-controller';
import { KnativeNetworking } from '../lib/knative-networking';
import { ServiceMesh } from '../lib/service-mesh';
import { DeploymentConfig, onCluster, resolveTargets, selectTargets, TargetConfig } from './deployment-config';

const clusters = { local: { context: 'kind-local' }, prod: { context: 'prod-admin' } };
const dev: TargetConfig = { name: 'dev', cluster: 'local', namespace: 'app-dev' };

function config(...targets: TargetConfig[]): DeploymentConfig {
  return { clusters, targets };
}

describe('resolveTargets', () => {
  test('resolves the cluster and the size preset', () => {
    const [t] = resolveTargets(config({ ...dev, size: 'large' }));
    expect(t.clusters).toEqual([{ name: 'local', context: 'kind-local' }]);
    expect(t.placement).toBe(t.clusters[0]);
    expect(t).not.toHaveProperty('cluster');
    expect(t.resources.name).toBe('large');
  });

  test('defaults to the small preset', () => {
    expect(resolveTargets(config(dev))[0].resources.name).toBe('small');
  });

  test('rollout: 15 minutes to roll out, a 3 minute progress deadline, 10 releases kept, unless set', () => {
    const [t] = resolveTargets(config(dev));
    expect(t.rolloutSeconds).toEqual({ timeout: 900, progressDeadline: 180 });
    expect(t.releasesKept).toBe(10);
    const [u] = resolveTargets(config({ ...dev, rollout: { timeout: Duration.minutes(30), progressDeadline: Duration.minutes(5) }, releaseHistory: 3 }));
    expect(u.rolloutSeconds).toEqual({ timeout: 1800, progressDeadline: 300 });
    expect(u.releasesKept).toBe(3);
  });

  test('serverless: the API as a Knative Service, with its networking and scaling', () => {
    const [t] = resolveTargets(config({ ...dev, api: true, serverless: { networking: KnativeNetworking.istio(), scaleToZero: true, maxScale: 4 } }));
    expect(t.serverless).toEqual({ networking: KnativeNetworking.istio(), scaleToZero: true, maxScale: 4 });
    expect(resolveTargets(config({ ...dev, api: true }))[0].serverless).toBeUndefined();
  });

  test.each<[string, DeploymentConfig, RegExp]>([
    ['no targets', config(), /deployment config: invalid targets \[\]: define at least one target/],
    ['missing cluster', config({ ...dev, cluster: 'staging' }), /target "dev": invalid cluster "staging": use a cluster defined in clusters: "local", "prod"/],
    ['duplicate target name', config(dev, { ...dev, namespace: 'other' }), /target "dev": invalid name "dev": another target \(#1\) has this name/],
    ['same namespace on the same cluster', config(dev, { ...dev, name: 'dev2' }),
      /target "dev2": invalid namespace "app-dev": target "dev" already deploys to namespace "app-dev" on cluster "local"/],
    ['bad target name', config({ ...dev, name: 'Dev' }), /target "Dev": invalid name "Dev": use 1-63 lower-case/],
    ['bad namespace', config({ ...dev, namespace: 'app_dev' }), /target "dev": invalid namespace "app_dev"/],
    ['unknown size', config({ ...dev, size: 'huge' }), /target "dev": invalid size "huge": use one of "nano", "micro", "small", "medium", "large"/],
    ['negative replicas', config({ ...dev, replicas: -2 }), /target "dev": invalid replicas -2/],
    ['bad service type', config({ ...dev, serviceType: kplus.ServiceType.EXTERNAL_NAME }), /target "dev": invalid serviceType "ExternalName"/],
    ['bad host', config({ ...dev, hosts: ['Example.COM/'], ingress: { controller: IngressController.nginx() } }), /target "dev": invalid hosts "Example.COM\/": use a lower-case DNS name/],
    ['hosts without an ingress', config({ ...dev, hosts: ['a.example.com'] }), /target "dev": invalid ingress undefined: hosts are served through an Ingress/],
    ['an ingress without hosts', config({ ...dev, ingress: { controller: IngressController.nginx() } }), /target "dev": invalid hosts \[\]: an ingress needs at least one host name/],
    ['maxReplicas not above replicas', config({ ...dev, replicas: 3, maxReplicas: 2 }),
      /^target "dev": invalid maxReplicas 2: use a whole number from 4 to 1000 \(above replicas, 3, which is the autoscaler's minimum: it scales the site between the two; for a fixed count remove maxReplicas\)$/],
    ['maxReplicas not above the default replicas', config({ ...dev, maxReplicas: 2 }), /^target "dev": invalid maxReplicas 2: use a whole number from 3 to 1000 \(above replicas, 2 by default, /],
    ['no replicas', config({ ...dev, replicas: 0 }), /^target "dev": invalid replicas 0: a web service with 0 pods serves nothing: .*serverless: \{ scaleToZero: true \} in config\/targets.ts/],
    ['a host listed twice', config({ ...dev, hosts: ['a.example.com', 'www.example.com', 'a.example.com'], ingress: { controller: IngressController.nginx() } }),
      /^target "dev": invalid hosts "a.example.com": listed twice \(hosts\[0\] and hosts\[2\]\): each host becomes one Ingress rule and one name on the certificate, so the second copy would duplicate both; list it once$/],
    ['a rollout timeout not above the progress deadline', config({ ...dev, rollout: { timeout: Duration.minutes(3) } }),
      /target "dev": invalid rollout.timeout "180s": use a timeout above rollout.progressDeadline \(180s\): a stuck rollout must end on its deadline/],
    ['a progress deadline in fractions of a second', config({ ...dev, rollout: { progressDeadline: Duration.millis(90500) } }),
      /target "dev": invalid rollout.progressDeadline "90.5s": use whole seconds from 60 to 3600/],
    ['a rollout timeout that is no Duration', config({ ...dev, rollout: { timeout: 600 as unknown as Duration } }),
      /target "dev": invalid rollout.timeout 600: use whole seconds from 60 to 86400/],
    ['one release kept', config({ ...dev, releaseHistory: 1 }), /target "dev": invalid releaseHistory 1: use a whole number from 2 to 100/],
    ['cluster without context', { clusters: { local: { context: '' } }, targets: [dev] }, /cluster "local": invalid context ""/],
    ['serverless without the API', config({ ...dev, serverless: {} }), /target "dev": invalid serverless \{\}: serverless says how the API runs: set api: true as well, or remove serverless/],
    ['serverless with a mesh', config({ ...dev, api: true, serverless: {}, mesh: ServiceMesh.linkerd() }),
      /target "dev": invalid mesh "linkerd": the serverless API joins no service mesh: remove mesh, or serverless to run the API as a Deployment/],
    ['an unknown serverless key', config({ ...dev, api: true, serverless: { minScale: 1 } as never }), /target "dev": unknown key in target.serverless "minScale": did you mean "maxScale"\?/],
    ['serverless networking that is no KnativeNetworking', config({ ...dev, api: true, serverless: { networking: 'kourier' as never } }),
      /target "dev": invalid serverless.networking "kourier": use KnativeNetworking.kourier\(\), .istio\(\) or .custom/],
    ['scaleToZero that is no boolean', config({ ...dev, api: true, serverless: { scaleToZero: 'yes' as never } }), /target "dev": invalid serverless.scaleToZero "yes": use true or false/],
    ['maxScale of zero', config({ ...dev, api: true, serverless: { maxScale: 0 } }), /target "dev": invalid serverless.maxScale 0: use a whole number from 1 to 1000/],
    ['neither cluster nor clusters', config({ name: 'dev', namespace: 'app-dev' }),
      /target "dev": invalid cluster undefined: name the target's cluster \(cluster: 'local'\), or its clusters in rollout order \(clusters: \['local', 'prod'\]\)/],
    ['both cluster and clusters', config({ ...dev, clusters: ['prod'] }),
      /target "dev": invalid clusters \["prod"\]: give either cluster \(one cluster\) or clusters \(several, in rollout order\), not both: e.g. clusters: \['local', 'prod'\]/],
    ['an empty clusters list', config({ name: 'dev', namespace: 'app-dev', clusters: [] }), /target "dev": invalid clusters \[\]: list the target's clusters in rollout order, the canary first/],
    ['an unknown cluster in clusters', config({ name: 'dev', namespace: 'app-dev', clusters: ['local', 'prod-us'] }),
      /target "dev": invalid clusters\[1\] "prod-us": use a cluster defined in clusters: "local", "prod"/],
    ['a cluster named twice', config({ name: 'dev', namespace: 'app-dev', clusters: ['prod', 'local', 'prod'] }),
      /target "dev": invalid clusters\[2\] "prod": clusters\[0\] is "prod" already; name each cluster once/],
    ['a cluster name that is no DNS label', { clusters: { 'Prod EU': { context: 'p' } }, targets: [dev] }, /deployment config: invalid clusters key "Prod EU": use 1-63 lower-case/],
    ['the same namespace on one of several clusters', config(dev, { name: 'prod', namespace: 'app-dev', clusters: ['prod', 'local'] }),
      /target "prod": invalid namespace "app-dev": target "dev" already deploys to namespace "app-dev" on cluster "local"/],
    ['an ingress on one cluster of several without its pod network', {
      clusters: { eu: { context: 'eu', podNetwork: ['10.0.0.0/16'] }, us: { context: 'us' } },
      targets: [{ name: 'prod', namespace: 'app', clusters: ['eu', 'us'], hosts: ['a.example.com'], ingress: { controller: IngressController.nginx() } }],
    }, /target "prod": invalid ingress "nginx": .*set podNetwork .* on cluster "us"/],
  ])('%s', (_name, cfg, message) => {
    expect(() => resolveTargets(cfg)).toThrow(message);
  });
});

describe('a target on several clusters', () => {
  const fleet: DeploymentConfig = {
    clusters: { eu: { context: 'ctx-eu', podNetwork: ['10.0.0.0/16'] }, us: { context: 'ctx-us', podNetwork: ['10.1.0.0/16'] } },
    targets: [{ name: 'prod', namespace: 'app', clusters: ['us', 'eu'] }],
  };

  test('its clusters in the declared order, placed on the first', () => {
    const [t] = resolveTargets(fleet);
    expect(t.clusters.map((c) => [c.name, c.context, c.podNetwork])).toEqual([['us', 'ctx-us', ['10.1.0.0/16']], ['eu', 'ctx-eu', ['10.0.0.0/16']]]);
    expect(t.placement.name).toBe('us');
    expect(t).not.toHaveProperty('clusters.0.name', 'eu');
  });

  test('onCluster places it on another of its clusters, and names them when it has no such cluster', () => {
    const [t] = resolveTargets(fleet);
    const eu = onCluster(t, 'eu');
    expect(eu.placement).toEqual({ name: 'eu', context: 'ctx-eu', podNetwork: ['10.0.0.0/16'] });
    expect(eu.clusters).toBe(t.clusters);
    expect(onCluster(t, undefined)).toBe(t);
    expect(onCluster(t, 'us')).toBe(t);
    expect(() => onCluster(t, 'ap')).toThrow('target "prod": invalid cluster "ap": the target runs on clusters "us", "eu" (config/targets.ts); name one of them');
  });
});

describe('selectTargets', () => {
  const all = resolveTargets(config(dev, { name: 'prod', cluster: 'prod', namespace: 'app' }));
  test('all when nothing is selected', () => {
    expect(selectTargets(all, undefined).map((t) => t.name)).toEqual(['dev', 'prod']);
    expect(selectTargets(all, '').map((t) => t.name)).toEqual(['dev', 'prod']);
  });
  test('the named ones, in the order given', () => {
    expect(selectTargets(all, 'prod, dev').map((t) => t.name)).toEqual(['prod', 'dev']);
  });
  test('unknown target names the allowed ones', () => {
    expect(() => selectTargets(all, 'qa')).toThrow('target selection: invalid target "qa": use one of "dev", "prod"');
  });
});
