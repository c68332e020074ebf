import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EXIT } from '../../tools/deploy/deploy';
import { synthTargets } from '../../app';
import { API, configMap, editedSynth, revisionImages, SITE, SITE_NEXT, TIME_SCALE } from './support/deploy-helpers';
import { ROOT, useFakeCluster, writes } from './support/fake-cluster';
import { appObjects } from '../support/synth';

// `npm run deploy` with Helm 4 as the release engine: the real helm 4.1.4 and kubectl 1.27
// against the test API server (support/fake-apiserver.js) on a port the OS picks. What a deploy
// runs, where Helm keeps the release, --dry-run, --history, what Helm deletes, and a cluster set
// up with `kubectl apply -f dist` taken over.
jest.setTimeout(180000);

const cluster = useFakeCluster(SITE);
beforeEach(() => cluster().reset({ timeScale: TIME_SCALE }));

const image = (d: any) => d.spec.template.spec.containers[0].image as string;
/** The command lines a run printed, its temporary folder as <tmp> and the commit as <commit>. */
const commandLines = (out: string) => out.split('\n').filter((l) => l.startsWith('    $ ')).map((l) => l.slice(6)
  .replace(/\/\S*\/deploy-dev-[^/]+\//g, '<tmp>/').replace(/'commit [0-9a-f]{12}(-dirty)?: /, '\'commit <commit>: '));


test('a first deploy: the command lines of the README; Helm\'s release in namespace mincloud-releases; the Namespace, Pod Security labels included, part of it', async () => {
  const r = await cluster().deploy(['--target', 'dev']);
  expect(r.out.split('\n').filter((l) => l.startsWith('ERR'))).toEqual([]);
  expect(r.code).toBe(EXIT.ok);
  const readme = fs.readFileSync(path.join(ROOT, 'tools', 'deploy', 'README.md'), 'utf-8');
  // The README shows dev's one Deployment; the description names whatever Deployments the app has.
  const documented = /### The command lines of a first deploy of dev\n\n```sh\n([\s\S]*?)```/.exec(readme)![1].trim().split('\n')
    .map((l) => l.replace(/--description 'commit <commit>: [^']*'/, `--description 'commit <commit>: ${revisionImages('dev', SITE)}'`));
  expect(commandLines(r.out)).toEqual(documented);
  expect(r.out).toMatch(/deployed target dev: local runs revision 1 of release mincloud-dev$/);

  // Helm's own record: `helm list` finds it; the Secret is Helm's, in mincloud-releases.
  const list = JSON.parse(cluster().helmRun(['list', '-n', 'mincloud-releases', '-o', 'json']).stdout);
  expect(list).toEqual([expect.objectContaining({ name: 'mincloud-dev', namespace: 'mincloud-releases', revision: '1', status: 'deployed', chart: 'mincloud-dev-1.0.0' })]);
  const secret = (await cluster().objects()).find((o) => o.kind === 'Secret' && o.metadata.name === 'sh.helm.release.v1.mincloud-dev.v1')!;
  expect(secret.metadata.namespace).toBe('mincloud-releases');
  expect(secret.type).toBe('helm.sh/release.v1');
  expect(secret.metadata.labels).toMatchObject({ owner: 'helm', name: 'mincloud-dev', status: 'deployed', version: '1' });
  // Every object of the target is the release's, its Namespace too, with the labels the code sets.
  for (const o of appObjects('dev')) {
    const live = (await cluster().objects()).find((x) => x.kind === o.kind && x.metadata.name === o.metadata.name)!;
    expect(live.metadata.annotations).toMatchObject({ 'meta.helm.sh/release-name': 'mincloud-dev', 'meta.helm.sh/release-namespace': 'mincloud-releases' });
  }
  expect((await cluster().find('Namespace', 'mincloud-dev'))!.metadata.labels).toMatchObject({
    'pod-security.kubernetes.io/enforce': 'restricted', 'app.kubernetes.io/managed-by': 'Helm' });
  // Server-side apply, as field manager "helm".
  const applies = r.reqs.filter((q) => q.method === 'PATCH' && q.path.startsWith('/apis/apps/v1/namespaces/mincloud-dev/deployments/'));
  expect(applies.map((q) => [q.contentType, q.query.fieldManager])).toContainEqual(['application/apply-patch+yaml', 'helm']);
});

test('the same code again: --dry-run finds no change and writes nothing; the deploy makes revision 2 and starts no rollout', async () => {
  expect((await cluster().deploy(['--target', 'dev'])).code).toBe(EXIT.ok);
  const dry = await cluster().deploy(['--target', 'dev', '--dry-run']);
  expect(dry.code).toBe(EXIT.ok);
  expect(dry.out).toContain('dev on cluster local (context kubernetes-admin@kubernetes), against release mincloud-dev\'s current revision: 0 added, 0 removed, 0 changed');
  expect(writes(dry.reqs)).toEqual([]);
  const again = await cluster().deploy(['--target', 'dev']);
  expect(again.code).toBe(EXIT.ok);
  expect((await cluster().find('Deployment', 'nginx1'))!.metadata.generation).toBe(1);
  expect(cluster().helmHistory().map((v) => [v.revision, v.status])).toEqual([[1, 'superseded'], [2, 'deployed']]);

  // A change: --dry-run names it, field by field.
  const change = await cluster().deploy(['--target', 'dev', '--image', SITE_NEXT, '--dry-run']);
  expect(change.out).toContain(`spec.template.spec.containers[name=nginx1].image: "${SITE}" -> "${SITE_NEXT}"`);
  expect(writes(change.reqs)).toEqual([]);
});

test('Helm deletes what the code no longer defines, and nothing it did not create', async () => {
  expect((await cluster().deploy(['--target', 'dev'], editedSynth((docs) => [...docs, configMap('mincloud-dev', 'old-settings')]))).code).toBe(EXIT.ok);
  // Someone else's objects in the same namespace, one with the very labels this project uses.
  const foreign = path.join(cluster().work, 'foreign.json');
  fs.writeFileSync(foreign, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [configMap('mincloud-dev', 'someone-elses', { b: '2' })] }));
  cluster().kubectlRun(['apply', '--server-side', '--field-manager=someone', '-f', foreign]);
  const r = await cluster().deploy(['--target', 'dev']);
  expect(r.code).toBe(EXIT.ok);
  expect(writes(r.reqs).filter((w) => w.startsWith('DELETE'))).toEqual(['DELETE /api/v1/namespaces/mincloud-dev/configmaps/old-settings']);
  expect((await cluster().objects()).filter((o) => o.kind === 'ConfigMap').map((o) => o.metadata.name)).toEqual(['someone-elses']);
});

test('--history is Helm\'s history; --rollback --dry-run shows what would change and writes nothing', async () => {
  const none = await cluster().deploy(['--target', 'dev', '--history']);
  expect(none.code).toBe(EXIT.ok);
  expect(none.out).toContain('target dev has no release on cluster local (context kubernetes-admin@kubernetes)');
  expect((await cluster().deploy(['--target', 'dev'])).code).toBe(EXIT.ok);
  expect((await cluster().deploy(['--target', 'dev', '--image', SITE_NEXT])).code).toBe(EXIT.ok);
  const h = await cluster().deploy(['--target', 'dev', '--history']);
  expect(h.code).toBe(EXIT.ok);
  expect(writes(h.reqs)).toEqual([]);
  const rows = h.out.split('\n').filter((l) => !l.startsWith('    $ '));
  expect(rows[0]).toMatch(/^REVISION\s+UPDATED\s+STATUS\s+CHART\s+APP VERSION\s+DESCRIPTION/);
  expect(rows[1]).toMatch(new RegExp(`^1\\s.*\\ssuperseded\\s+mincloud-dev-1.0.0\\s+1.0.0\\s+commit [0-9a-f]{12}(-dirty)?: nginx1=${SITE}`));
  expect(rows[2]).toMatch(new RegExp(`^2\\s.*\\sdeployed\\s+mincloud-dev-1.0.0\\s+1.0.0\\s+commit [0-9a-f]{12}(-dirty)?: nginx1=${SITE_NEXT}`));

  const dry = await cluster().deploy(['--target', 'dev', '--rollback', '--dry-run']);
  expect(dry.code).toBe(EXIT.ok);
  expect(dry.out).toContain('roll back release mincloud-dev on cluster local (context kubernetes-admin@kubernetes) from revision 2 (deployed) to revision 1');
  expect(dry.out).toContain(`spec.template.spec.containers[name=nginx1].image: "${SITE_NEXT}" -> "${SITE}"`);
  expect(writes(dry.reqs)).toEqual([]);
});

test('a cluster set up with `kubectl apply -f dist` is taken over without an outage: the same objects, no delete, no new rollout', async () => {
  // The card's flow: the synth into dist/, then `kubectl apply -f dist` (kubectl 1.27, client-side).
  const [{ dir }] = await synthTargets(path.join(cluster().work, 'card'), { names: ['dev'], env: { ...process.env, SITE_IMAGE: SITE } });
  cluster().kubectlRun(['apply', '-f', dir]);
  const before = (await cluster().find('Deployment', 'nginx1'))!;
  const r = await cluster().deploy(['--target', 'dev']);
  expect(r.code).toBe(EXIT.ok);
  expect(r.out).toContain(' --take-ownership');
  expect(writes(r.reqs).filter((w) => w.startsWith('DELETE') || w.startsWith('POST /apis/apps'))).toEqual([]);
  const after = (await cluster().find('Deployment', 'nginx1'))!;
  expect(after.metadata.uid).toBe(before.metadata.uid);
  expect(after.metadata.generation).toBe(before.metadata.generation);
  expect(after.metadata.annotations).toMatchObject({ 'meta.helm.sh/release-name': 'mincloud-dev' });
  // Fields kubectl set are Helm's now: the next release changes them without a conflict.
  const next = await cluster().deploy(['--target', 'dev', '--image', SITE_NEXT]);
  expect(next.code).toBe(EXIT.ok);
  expect(next.out).not.toContain(' --take-ownership');
  expect(image(await cluster().find('Deployment', 'nginx1'))).toBe(SITE_NEXT);
});

test('preview: the Knative Service is part of the release, and Helm waits until Knative reports it Ready (the test plays Knative\'s controller)', async () => {
  cluster().installCrds('knative-serving');
  const ksvcs = '/apis/serving.knative.dev/v1/namespaces/mincloud-preview/services';
  const ksvc = async () => (await cluster().objects()).find((o) => o.kind === 'Service' && o.apiVersion.startsWith('serving.knative.dev'))!;
  process.env.API_IMAGE = API;
  try {
    // No controller has written a status yet: Helm takes it as ready.
    expect((await cluster().deploy(['--target', 'preview'])).code).toBe(EXIT.ok);
    expect((await ksvc()).metadata.annotations).toMatchObject({ 'meta.helm.sh/release-name': 'mincloud-preview' });
    const ready = (generation: number) => cluster().kubectlRun(['patch', 'services.serving.knative.dev', 'api', '-n', 'mincloud-preview', '--subresource=status',
      '--type=merge', '-p', JSON.stringify({ status: { observedGeneration: generation, conditions: [{ type: 'Ready', status: 'True' }] } })]);
    ready((await ksvc()).metadata.generation!);

    // A new API image: a new generation, which Helm awaits until Knative observed it and reports it Ready.
    process.env.API_IMAGE = 'docker.io/mincloud1501/api:1.0.1';
    const before = (await cluster().requests()).length;
    let settled = false;
    const deploying = cluster().deploy(['--target', 'preview']).finally(() => { settled = true; });
    await cluster().until('Helm watches the Knative Service of the new image', async () =>
      image(await ksvc()) === process.env.API_IMAGE && (await cluster().requests()).slice(before).some((q) => q.path === ksvcs && q.query.watch === 'true'));
    expect(settled).toBe(false);
    ready((await ksvc()).metadata.generation!);
    expect((await deploying).code).toBe(EXIT.ok);
  } finally {
    delete process.env.API_IMAGE;
  }
});

test('--help names the options and the exit codes', () => {
  const r = spawnSync('npm', ['run', '--silent', 'deploy', '--', '--help'], { cwd: ROOT, encoding: 'utf-8' });
  expect(r.status).toBe(0);
  for (const s of ['--target <name>', '--image <ref>', '--dry-run', '--timeout <dur>', '--cluster <name>', '--context <ctx>', '--history', '--rollback', '--to <N>',
    '--outdir <dir>', 'Exit codes:', 'helm upgrade --install']) expect(r.stdout).toContain(s);
});
