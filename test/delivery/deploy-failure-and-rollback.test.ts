import { EXIT } from '../../tools/deploy/deploy';
import { BROKEN, BROKEN_MARK, configMap, editedSynth, SITE, SITE_NEXT, TIME_SCALE } from './support/deploy-helpers';
import { useFakeCluster, writes } from './support/fake-cluster';
import { appObjects } from '../support/synth';

// A release that fails, and going back: Helm restores the whole release, `--rollback` goes to
// the release that ran before, and an API error while Helm waits is not a failed rollout. The
// real helm 4.1.4 and kubectl 1.27 against the test API server; each test starts from an empty
// cluster.
jest.setTimeout(180000);

const cluster = useFakeCluster(SITE);
beforeEach(() => cluster().reset({ timeScale: TIME_SCALE, failImages: [BROKEN_MARK] }));

const image = (d: any) => d.spec.template.spec.containers[0].image as string;
/** Helm's history, each revision as `<revision> <status> <what>` (a deploy's own description as "deploy"). */
const history = () => cluster().helmHistory()
  .map((v) => `${v.revision} ${v.status} ${v.description.startsWith('commit ') ? 'deploy' : v.description.split(':')[0]}`);

test('a failed release is restored whole: the deny-all NetworkPolicy it added is removed and the Service port it changed is put back, not only the Deployment', async () => {
  expect((await cluster().deploy(['--target', 'dev'])).code).toBe(EXIT.ok);
  const port = (await cluster().find('Service', 'nginx1'))!.spec.ports[0].targetPort;
  const denyAll = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny-all', namespace: 'mincloud-dev' },
    spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } };
  const r = await cluster().deploy(['--target', 'dev', '--image', BROKEN], editedSynth((docs) => [...docs.map((d) => (d.kind === 'Service'
    ? { ...d, spec: { ...d.spec, ports: d.spec.ports.map((p: object) => ({ ...p, targetPort: 9999 })) } } : d)), denyAll]));
  expect(r.code).toBe(EXIT.failed);
  // Every object as in release 1: no NetworkPolicy deny-all, the old port, the old image.
  expect(await cluster().find('NetworkPolicy', 'deny-all')).toBeUndefined();
  expect((await cluster().find('Service', 'nginx1'))!.spec.ports[0].targetPort).toBe(port);
  expect(image(await cluster().find('Deployment', 'nginx1'))).toBe(SITE);
  expect(history()).toEqual(['1 superseded deploy', '2 failed Upgrade "mincloud-dev" failed', '3 deployed Rollback to 1']);
  expect(r.out).toContain('Deployment/mincloud-dev/nginx1 not ready. status: Failed, message: Progress deadline exceeded');
  expect(r.out).toContain('local  failed, and Helm restored the whole release: revision 3 is revision 1 again, every object as it was');
});

test('--rollback goes to the release that ran before the failed one, and the failure prints that command with its revision', async () => {
  expect((await cluster().deploy(['--target', 'dev'])).code).toBe(EXIT.ok);
  expect((await cluster().deploy(['--target', 'dev', '--image', SITE_NEXT], editedSynth((docs) => [...docs, configMap('mincloud-dev', 'feature-flags')]))).code).toBe(EXIT.ok);
  const failed = await cluster().deploy(['--target', 'dev', '--image', BROKEN]);
  expect(failed.code).toBe(EXIT.failed);

  // The release before the current one is release 2 (1.0.1 with its ConfigMap), not 1.
  const back = await cluster().deploy(['--target', 'dev', '--rollback']);
  expect(back.code).toBe(EXIT.ok);
  expect(image(await cluster().find('Deployment', 'nginx1'))).toBe(SITE_NEXT);
  expect(await cluster().find('ConfigMap', 'feature-flags')).toBeDefined();
  expect(back.out).toContain('from revision 4 (deployed) to revision 2');
  // The failure said so, with the command.
  expect(failed.out).toContain('ERR deploy: the last good revision of local is 2; to put it back there by hand:\n'
    + '  npm run deploy -- --target dev --rollback --to 2\n'
    + '  (or: helm rollback mincloud-dev 2 --namespace mincloud-releases --kube-context kubernetes-admin@kubernetes --server-side=true --wait=watcher --timeout=900s)');
  // --to goes anywhere good; a failed revision, or one that does not exist, is refused.
  expect((await cluster().deploy(['--target', 'dev', '--rollback', '--to', '1'])).code).toBe(EXIT.ok);
  expect(image(await cluster().find('Deployment', 'nginx1'))).toBe(SITE);
  expect(await cluster().find('ConfigMap', 'feature-flags')).toBeUndefined();
  await expect(cluster().deploy(['--target', 'dev', '--rollback', '--to', '3'])).rejects.toThrow('--to 3: revision 3 is failed, it never ran; pick one that was deployed');
  await expect(cluster().deploy(['--target', 'dev', '--rollback', '--to', '9'])).rejects.toThrow('--to 9: no such revision of release mincloud-dev');
});

test('a transient API error while Helm waits is not a failed rollout: Helm retries, the healthy release is kept', async () => {
  expect((await cluster().deploy(['--target', 'dev'])).code).toBe(EXIT.ok);
  // A slow but healthy rollout (4 s); once every Deployment's template is stored (Helm waits from
  // then on), the server refuses reads and watches of Deployments for 2 s (an API server
  // restarting), then answers again.
  await cluster().control({ timeScale: 0.02, slowImages: ['1.0.2-slow'] });
  const slow = 'docker.io/mincloud1501/nginx:1.0.2-slow';
  const deploymentNames = appObjects('dev').filter((o) => o.kind === 'Deployment').map((d) => d.metadata.name);
  const blip = { resource: 'deployments', code: 503, message: 'the server is currently unable to handle the request', after: { verb: 'patch', resource: 'deployments', name: deploymentNames }, seconds: 2 };
  await cluster().control({ rules: [{ ...blip, verb: 'get' }, { ...blip, verb: 'watch' }] });
  const r = await cluster().deploy(['--target', 'dev', '--image', slow]);
  expect(r.out.split('\n').filter((l) => l.startsWith('ERR deploy'))).toEqual([]);
  expect(r.code).toBe(EXIT.ok);
  expect(r.reqs.filter((q) => q.status === 503).length).toBeGreaterThan(0);
  // The deploy ended once the rollout had: every replica updated and available, release 2 deployed.
  const d = (await cluster().find('Deployment', 'nginx1'))!;
  expect(image(d)).toBe(slow);
  expect(d.status).toMatchObject({ updatedReplicas: 2, availableReplicas: 2 });
  expect(history()).toEqual(['1 superseded deploy', '2 deployed deploy']);
});

test('a first deploy that fails leaves nothing behind: Helm uninstalls it', async () => {
  const r = await cluster().deploy(['--target', 'dev', '--image', BROKEN]);
  expect(r.code).toBe(EXIT.failed);
  expect(r.out).toContain('local  the first install failed, and Helm removed it');
  expect(cluster().helmRun(['history', 'mincloud-dev', '-n', 'mincloud-releases']).stderr).toContain('release: not found');
  expect(await cluster().find('Deployment', 'nginx1')).toBeUndefined();
  expect(writes(r.reqs)).toContain('DELETE /api/v1/namespaces/mincloud-dev');
});
