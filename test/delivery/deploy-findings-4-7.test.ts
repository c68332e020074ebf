import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { HELP } from '../../tools/deploy/args';
import { applySetId, GROUP_RESOURCES_ANNOTATION, PART_OF_LABEL } from '../../tools/deploy/applyset';
import { EXIT } from '../../tools/deploy/deploy';
import { API, API_BROKEN, BROKEN, BROKEN_MARK, configMap, editedSynth, SITE, SITE_NEXT, TIME_SCALE } from './support/deploy-helpers';
import { FakeCluster, ROOT, writes } from './support/fake-cluster';
import { appObjects } from '../support/synth';

// Findings 4-7 of the review of `npm run deploy` against kubectl 1.27's source (issue 13;
// 1-3 in deploy-findings-1-3.test.ts), one test each, named after the finding: the real
// kubectl 1.27.1 drives the fake API server (support/fake-apiserver.js: managedFields per
// manager, conflicts, served kinds, the deployment controller with progress deadlines;
// tools/deploy/README.md says what it imitates). Each starts from an empty cluster.
jest.setTimeout(180000);

const DEV_SET = applySetId('mincloud-dev', 'mincloud-dev', 'Secret', '');
let cluster: FakeCluster;

beforeAll(async () => {
  cluster = await FakeCluster.start();
  process.env.SITE_IMAGE = SITE;
  process.env.API_IMAGE = API;
});
afterAll(async () => {
  await cluster?.stop();
  delete process.env.SITE_IMAGE;
  delete process.env.API_IMAGE;
});
beforeEach(() => cluster.reset({ timeScale: TIME_SCALE, failImages: [BROKEN_MARK] }));

const image = (d: any) => d.spec.template.spec.containers[0].image as string;

test('finding 4: after a partly failed apply every changed Deployment is still watched and rolled back; unserved kinds are refused before anything is applied', async () => {
  // Staging on a cluster without the Traefik and Prometheus CRDs: preflight names them, nothing is applied.
  const noCrds = await cluster.deploy(['--env', 'staging']);
  expect(noCrds.code).toBe(EXIT.preflight);
  expect(writes(noCrds.reqs)).toEqual([]);
  expect(noCrds.out).toContain('IngressRoute (traefik.io/v1alpha1) is not served, needed for IngressRoute mincloud-staging/web, IngressRoute mincloud-staging/web-http: '
    + 'CRD ingressroutes.traefik.io is not installed. Install traefik (it brings the CRD), or the CRD alone: kubectl apply --server-side -f crds/traefik/traefik.io_ingressroutes.yaml');
  expect(noCrds.out).toContain('CRD servicemonitors.monitoring.coreos.com is not installed. Install prometheus-operator');
  expect(noCrds.out).toContain('CRD prometheusrules.monitoring.coreos.com is not installed');

  cluster.installCrds('traefik', 'prometheus-operator');
  expect((await cluster.deploy(['--env', 'staging'])).code).toBe(EXIT.ok);
  // An admission webhook that times out on the real write of one IngressRoute: kubectl applies
  // the rest (the Deployment with its new, broken image) and exits 1.
  await cluster.control({ rules: [{ verb: 'patch', resource: 'ingressroutes', name: 'web', dryRun: false, code: 500,
    message: 'Internal error occurred: failed calling webhook "validate.traefik.io": context deadline exceeded' }] });
  const partial = await cluster.deploy(['--env', 'staging', '--image', BROKEN]);
  expect(partial.out).toContain('ERR deploy: kubectl apply failed for some objects (exit 1); the Deployments it changed are still watched');
  expect(partial.out).toContain('failed calling webhook "validate.traefik.io"');
  expect(partial.out).toContain('deployment/nginx1 did not roll out: error: deployment "nginx1" exceeded its progress deadline');
  expect(partial.code).toBe(EXIT.rolledBack);
  expect(image(await cluster.find('Deployment', 'nginx1'))).toBe(SITE);
  expect(partial.reqs.some((r) => r.query.fieldManager === 'kubectl-applyset' && r.method === 'DELETE')).toBe(false);

  // The same apply error with a healthy image: the Deployment rolls out and stays, nothing is
  // pruned, no release is recorded as deployed, exit 6 (not 0, and not "nothing was waited for").
  const healthy = await cluster.deploy(['--env', 'staging', '--image', SITE_NEXT]);
  expect(healthy.code).toBe(EXIT.partial);
  expect(healthy.out).toContain('deployment "nginx1" successfully rolled out');
  expect(image(await cluster.find('Deployment', 'nginx1'))).toBe(SITE_NEXT);
  expect(healthy.reqs.some((r) => r.query.watch === 'true')).toBe(true);
  expect(healthy.reqs.filter((r) => r.method === 'DELETE')).toEqual([]);
  const history = await cluster.deploy(['--env', 'staging', '--history']);
  expect(history.out).toMatch(/\n3 .* failed .* apply failed for some objects: .*failed calling webhook/);
});

test('finding 5: cluster-scoped objects of the target (the PriorityClass) are ApplySet members and pruned; the Namespace never is', async () => {
  expect((await cluster.deploy(['--env', 'dev'])).code).toBe(EXIT.ok);
  expect((await cluster.find('PriorityClass', 'mincloud-dev-services'))!.metadata.labels?.[PART_OF_LABEL]).toBe(DEV_SET);
  expect((await cluster.find('Namespace', 'mincloud-dev'))!.metadata.labels?.[PART_OF_LABEL]).toBeUndefined();
  const kinds = (await cluster.find('Secret', 'mincloud-dev'))!.metadata.annotations![GROUP_RESOURCES_ANNOTATION].split(',');
  expect(kinds).toContain('priorityclasses.scheduling.k8s.io');
  expect(kinds).not.toContain('namespaces');

  // The PriorityClass is renamed: the old one is pruned, cluster-wide, by its member label.
  const renamed = await cluster.deploy(['--env', 'dev'], editedSynth((docs) => docs.map((d) => {
    if (d.kind === 'PriorityClass') return { ...d, metadata: { ...d.metadata, name: 'mincloud-dev-web' } };
    if (d.kind === 'Deployment') d.spec.template.spec.priorityClassName = 'mincloud-dev-web';
    return d;
  })));
  expect(renamed.code).toBe(EXIT.ok);
  expect(writes(renamed.reqs).filter((w) => w.startsWith('DELETE'))).toEqual(['DELETE /apis/scheduling.k8s.io/v1/priorityclasses/mincloud-dev-services']);
  expect((await cluster.objects()).filter((o) => o.kind === 'PriorityClass').map((o) => o.metadata.name)).toEqual(['mincloud-dev-web']);
  expect(await cluster.find('Namespace', 'mincloud-dev')).toBeDefined();
  const lists = renamed.reqs.filter((r) => r.method === 'GET' && r.query.labelSelector === `${PART_OF_LABEL}=${DEV_SET}`).map((r) => r.path);
  expect(lists).toContain('/apis/scheduling.k8s.io/v1/priorityclasses');
  expect(lists.some((p) => p.includes('/namespaces') && !p.includes('/namespaces/mincloud-dev/'))).toBe(false);
});

test('finding 6: rollouts end on the progress deadline, below the rollout timeout, all awaited at once; a slow rollout that progresses is not cut off', async () => {
  cluster.installCrds('traefik', 'prometheus-operator');
  expect((await cluster.deploy(['--env', 'staging'])).code).toBe(EXIT.ok);
  const deployments = (await cluster.objects()).filter((o) => o.kind === 'Deployment');
  expect(deployments.map((d) => d.spec.progressDeadlineSeconds)).toEqual(appObjects('staging').filter((o) => o.kind === 'Deployment').map(() => 180));

  // Both Deployments broken: each ends on its deadline ("exceeded its progress deadline", not a
  // timeout), and the two waits overlap. The deadline lasts 9 s here, not 0.9: longer than a
  // kubectl process can take to start on a busy machine, so the overlap is the deploy's doing.
  process.env.API_IMAGE = API_BROKEN;
  await cluster.control({ timeScale: 0.05 });
  try {
    const both = await cluster.deploy(['--env', 'staging', '--image', BROKEN]);
    expect(both.code).toBe(EXIT.rolledBack);
    expect(both.out).toContain('deployment/nginx1 did not roll out: error: deployment "nginx1" exceeded its progress deadline');
    expect(both.out).toContain('deployment/api did not roll out: error: deployment "api" exceeded its progress deadline');
    expect(both.out).not.toContain('timed out waiting');
    const statusCalls = both.out.split('\n').filter((l) => l.includes('kubectl --context kubernetes-admin@kubernetes rollout status'));
    expect(statusCalls.slice(0, 2).every((l) => l.endsWith('--timeout=900s'))).toBe(true);
    const watches = both.reqs.filter((r) => r.query.watch === 'true');
    const [a, b] = ['metadata.name=nginx1', 'metadata.name=api'].map((f) => watches.find((w) => w.query.fieldSelector === f)!);
    expect(a.seq).toBeLessThan(b.endSeq!);
    expect(b.seq).toBeLessThan(a.endSeq!);
  } finally {
    process.env.API_IMAGE = API;
    await cluster.control({ timeScale: TIME_SCALE });
  }

  // A rollout that needs 1.2 progress deadlines in all, but progresses every 0.6: it completes.
  await cluster.control({ slowImages: ['1.0.2-slow'] });
  const slow = await cluster.deploy(['--env', 'staging', '--image', 'docker.io/mincloud1501/nginx:1.0.2-slow']);
  expect(slow.code).toBe(EXIT.ok);
  expect(slow.out).toContain('deployment "nginx1" successfully rolled out');

  // The timeout is the target's (prod: 30 minutes); one not above the deadline is refused.
  await expect(cluster.deploy(['--env', 'dev', '--timeout', '2m'])).rejects.toThrow(
    '--timeout 120s is not above the progress deadline of target dev (180s): a stuck rollout must end on its deadline; give a longer --timeout');
  cluster.installCrds('cert-manager');
  // prod's first cluster (all its contexts reach this one fake: test/delivery/multi-cluster/ deploys both).
  const prod = await cluster.deploy(['--env', 'prod', '--cluster', 'prod-eu']);
  expect(prod.code).toBe(EXIT.ok);
  expect(prod.out).toContain('rollout status deployment/nginx1 -n mincloud --timeout=1800s');
});

test('finding 7: --help, the exit codes and provision.sh describe what the deploy does, in its order', async () => {
  // The steps, numbered in the order they run: the prune last, after the rollout and the record.
  const steps = HELP.slice(HELP.indexOf('Steps:'), HELP.indexOf('Exit codes:')).split('\n').filter((l) => /^ {2}\d /.test(l)).map((l) => l.trim());
  expect(steps.map((l) => l.replace(/^(\d) +(\S+ \S+).*$/, '$1 $2'))).toEqual([
    '1 synth the', '2 preflight: the', '3 kubectl diff', '4 apply the', '5 apply the', '6 wait for', '7 record the', '8 prune: delete']);
  expect(steps[3]).toContain('apply the Namespace');
  expect(steps[4]).toContain('apply the members');
  expect(HELP).not.toContain('rollout undo');
  const codes = HELP.slice(HELP.indexOf('Exit codes:')).split('\n').filter((l) => /^ {2}\d /.test(l)).map((l) => Number(l.trim()[0]));
  expect(codes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  expect(HELP).toMatch(/ 3 {2}preflight or diff failed[^\n]*\n[^\n]*nothing of the target was applied/);
  expect(HELP).toMatch(/ 7 {2}deployed and rolled out, but recording the release or the prune after it failed/);

  // A prune that fails after a good rollout is exit 7 (the new release runs), not 3.
  expect((await cluster.deploy(['--env', 'dev'], editedSynth((docs) => [...docs, configMap('mincloud-dev', 'old-settings')]))).code).toBe(EXIT.ok);
  await cluster.control({ rules: [{ verb: 'delete', resource: 'configmaps', code: 403, message: 'configmaps "old-settings" is forbidden: User "deployer" cannot delete resource "configmaps"' }] });
  const pruneFails = await cluster.deploy(['--env', 'dev', '--image', SITE_NEXT]);
  expect(pruneFails.code).toBe(EXIT.finishFailed);
  expect(pruneFails.out).toContain('step 8/8 failed: the new release runs, but the pruning apply failed');
  expect(image(await cluster.find('Deployment', 'nginx1'))).toBe(SITE_NEXT);

  // provision.sh: its header and --help say what it runs now.
  const script = fs.readFileSync(path.join(ROOT, 'kubernetes', 'provision.sh'), 'utf-8');
  const header = script.split('\n').filter((l) => l.startsWith('#')).join('\n');
  for (const s of ['shows the diff', '--yes', 'records the release', 'prunes last']) expect(header).toContain(s);
  expect(header).not.toMatch(/undo/);
  const help = spawnSync('bash', [path.join(ROOT, 'kubernetes', 'provision.sh'), '--help'], { encoding: 'utf-8' });
  expect(help.status).toBe(0);
  expect(help.stdout).toContain('--yes');
});
