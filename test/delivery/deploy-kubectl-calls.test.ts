import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseArgs } from '../../tools/deploy/args';
import { applySetId } from '../../tools/deploy/applyset';
import { deploy, EXIT } from '../../tools/deploy/deploy';
import { summarizeDiff } from '../../tools/deploy/manifests';

// The deploy command against a RECORDING STAND-IN for kubectl (support/recording-kubectl): no
// cluster runs here, so these tests pin the exact sequence and arguments of the kubectl calls
// and the exit code of every scenario. (deploy-fake-apiserver.test.ts runs the real kubectl.)
const RECORDER = path.join(__dirname, 'support', 'recording-kubectl');
const IMAGE = 'docker.io/mincloud1501/nginx:1.0.0';
const DEV = ['--context', 'kubernetes-admin@kubernetes'];
const SSA = ['--server-side', '--field-manager=mincloud', '--force-conflicts'];

interface Call { argv: string[]; env: { KUBECTL_APPLYSET: string | null; KUBECTL_EXTERNAL_DIFF: string | null }; files: Record<string, string[]> }

jest.setTimeout(120000);

let work: string;
let record: string;
const lines: string[] = [];
const io = { log: (l: string) => lines.push(l), error: (l: string) => lines.push(`ERR ${l}`) };
const output = () => lines.join('\n');

beforeEach(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'deploy-test-'));
  record = path.join(work, 'calls.jsonl');
  fs.writeFileSync(record, '');
  lines.length = 0;
  process.env.KUBECTL_RECORD = record;
  process.env.SITE_IMAGE = IMAGE;
});
afterEach(() => {
  fs.rmSync(work, { recursive: true, force: true });
  delete process.env.KUBECTL_SCENARIO;
  delete process.env.KUBECTL_RECORD;
  delete process.env.SITE_IMAGE;
});

function calls(): Call[] {
  return fs.readFileSync(record, 'utf-8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Call);
}
/** argv with the deploy's temporary folder written as <tmp>. */
function argvs(): string[][] {
  return calls().map((c) => c.argv.map((a) => a.replace(/^.*\/deploy-[a-z]+-[^/]+\//, '<tmp>/')));
}
function run(scenario: string, extra: string[] = [], env = 'dev'): Promise<number> {
  process.env.KUBECTL_SCENARIO = scenario;
  const opts = parseArgs(['--env', env, '--kubectl', RECORDER, '--outdir', path.join(work, 'out'), ...extra]);
  if (opts === 'help') throw new Error('unexpected help');
  return deploy(opts, io);
}

describe('npm run deploy, kubectl calls', () => {
  test('success: namespace check, diff, apply cluster-scoped, apply namespace, rollout status, then the ApplySet prune', async () => {
    expect(await run('changes')).toBe(EXIT.ok);
    expect(argvs()).toEqual([
      [...DEV, 'get', 'namespace', 'mincloud-dev', '--ignore-not-found', '-o', 'name'],
      [...DEV, 'diff', ...SSA, '-f', '<tmp>/cluster-scoped', '-f', '<tmp>/namespaced'],
      [...DEV, 'apply', ...SSA, '-f', '<tmp>/cluster-scoped'],
      [...DEV, 'apply', ...SSA, '-n', 'mincloud-dev', '-f', '<tmp>/namespaced'],
      [...DEV, 'rollout', 'status', 'deployment/nginx1', '-n', 'mincloud-dev', '--timeout=300s'],
      [...DEV, 'apply', ...SSA, '-n', 'mincloud-dev', '--applyset=secrets/mincloud-dev', '--prune', '-f', '<tmp>/prune'],
    ]);
    const c = calls();
    expect(c.map((x) => x.env.KUBECTL_APPLYSET)).toEqual([null, null, null, null, null, 'true']);
    expect(c[1].env.KUBECTL_EXTERNAL_DIFF).toBe('diff -u -N');
    // What each apply got: cluster-scoped objects first; the namespace's objects labelled as
    // members of the ApplySet before the rollout, and unlabelled (kubectl labels them) for the prune.
    expect(Object.values(c[2].files)).toEqual([['Namespace/mincloud-dev', 'PriorityClass/mincloud-dev-services']]);
    const members = ['ServiceAccount/nginx1', 'Deployment/nginx1', 'Service/nginx1', 'PodDisruptionBudget/nginx1', 'NetworkPolicy/nginx1'];
    expect(Object.values(c[3].files)).toEqual([members.map((m) => `${m} [member]`)]);
    expect(Object.values(c[5].files)).toEqual([members]);
    expect(Object.values(c[1].files)).toEqual([...Object.values(c[2].files), ...Object.values(c[3].files)]);

    const out = output();
    for (const [i, title] of ['synth and validate target dev', 'diff against cluster local (context kubernetes-admin@kubernetes)',
      'apply cluster-scoped objects (Namespace, PriorityClass), without prune', 'apply namespace mincloud-dev (5 objects, members of ApplySet secrets/mincloud-dev), without prune',
      'wait for 1 deployment(s) to roll out (timeout 300s each)', 'prune: apply namespace mincloud-dev as ApplySet secrets/mincloud-dev with --prune'].entries()) {
      expect(out).toContain(`[${i + 1}/6] ${title}`);
    }
    expect(out).toContain('2 object(s) would change:\n      ~ Deployment mincloud-dev/nginx1: +1 -1 lines\n      + ServiceAccount mincloud-dev/extra: new');
    expect(out).toContain('$ KUBECTL_APPLYSET=true kubectl --context kubernetes-admin@kubernetes apply --server-side');
    expect(out).toContain('configmap/old pruned');
    expect(out).toMatch(/deployed dev to kubernetes-admin@kubernetes: 7 objects, 1 deployment\(s\) rolled out$/);
  });

  test('--dry-run stops after the diff: nothing applied', async () => {
    expect(await run('', ['--dry-run'])).toBe(EXIT.ok);
    expect(argvs().map((a) => a[2])).toEqual(['get', 'diff']);
    expect(output()).toContain('[2/2] diff against cluster local');
    expect(output()).toContain('    no changes');
    expect(output()).toMatch(/dry run: stopped before apply; nothing was changed$/);
  });

  test('a namespace that does not exist yet: only the cluster-scoped objects are diffed, the rest is reported as new', async () => {
    expect(await run('new-namespace', ['--dry-run'])).toBe(EXIT.ok);
    expect(argvs()[1]).toEqual([...DEV, 'diff', ...SSA, '-f', '<tmp>/cluster-scoped']);
    expect(output()).toContain('5 object(s) would change:\n      + ServiceAccount mincloud-dev/nginx1: new (namespace mincloud-dev does not exist yet)');
    expect(output()).toContain('+ NetworkPolicy mincloud-dev/nginx1: new (namespace mincloud-dev does not exist yet)');
  });

  test('validation failure: exit 2 and not a single kubectl call', async () => {
    expect(await run('changes', ['--image', 'nginx:latest'])).toBe(EXIT.synth);
    expect(calls()).toEqual([]);
    expect(output()).toMatch(/ERR deploy: step 1\/6 failed: synth failed, nothing was sent to the cluster:\n.*"latest"/);
    expect(fs.existsSync(path.join(work, 'out', 'dev'))).toBe(false);
  });

  test('a cluster that cannot be reached: exit 3 after the namespace check', async () => {
    expect(await run('unreachable')).toBe(EXIT.cluster);
    expect(argvs().map((a) => a[2])).toEqual(['get']);
    expect(output()).toContain('cannot read namespace mincloud-dev (exit 1); nothing was applied');
  });

  test('diff failure (exit 2 from kubectl diff): exit 3, nothing applied', async () => {
    expect(await run('diff-error')).toBe(EXIT.cluster);
    expect(argvs().map((a) => a[2])).toEqual(['get', 'diff']);
    expect(output()).toContain('kubectl diff failed (exit 2); nothing was applied');
  });

  test('apply failure: exit 3, no rollout waited for, nothing pruned', async () => {
    expect(await run('apply-fails')).toBe(EXIT.cluster);
    expect(argvs().map((a) => a.slice(2, 3).concat(a.includes('-n') ? ['-n'] : []))).toEqual([['get'], ['diff'], ['apply'], ['apply', '-n']]);
    expect(output()).toContain('ERR deploy: step 4/6 failed: kubectl apply failed (exit 1); no rollout was waited for:\nError from server (Invalid)');
  });

  test('rollout failure of one of two deployments: rollout status for both, undo for the failed one only, no prune, exit 4', async () => {
    expect(await run('rollout-fails=nginx1', [], 'staging')).toBe(EXIT.rolledBack);
    const ctx = ['--context', 'kubernetes-admin@kubernetes'];
    expect(argvs().slice(4)).toEqual([
      [...ctx, 'rollout', 'status', 'deployment/nginx1', '-n', 'mincloud-staging', '--timeout=300s'],
      [...ctx, 'rollout', 'status', 'deployment/api', '-n', 'mincloud-staging', '--timeout=300s'],
      [...ctx, 'rollout', 'undo', 'deployment/nginx1', '-n', 'mincloud-staging'],
    ]);
    expect(output()).toContain('ERR deploy: deployment/nginx1 did not roll out: error: deployment "nginx1" exceeded its progress deadline');
    expect(output()).toContain('ERR deploy: deployment/nginx1 rolled back to its previous revision');
    expect(output()).toContain('step 5/6 failed: rollout of deployment/nginx1 failed; rolled back to the previous revision');
  });

  test('rollback failure: exit 5', async () => {
    expect(await run('rollout-fails=nginx1,undo-fails')).toBe(EXIT.rollbackFailed);
    expect(argvs().map((a) => a.slice(2, 4).join(' ')).slice(-2)).toEqual(['rollout status', 'rollout undo']);
    expect(output()).toContain('rollout of deployment/nginx1 failed, and the rollback of deployment/nginx1 failed too');
  });

  test('prune failure after a good rollout: exit 3 and says the new version runs', async () => {
    expect(await run('prune-fails')).toBe(EXIT.cluster);
    expect(output()).toContain('step 6/6 failed: the new version is rolled out, but the pruning apply failed (exit 1)');
  });

  test('--image is what gets deployed; --context and --timeout reach every call', async () => {
    const digest = `docker.io/mincloud1501/nginx:1.0.0@sha256:${'a1'.repeat(32)}`;
    expect(await run('', ['--image', digest, '--timeout', '2m30s', '--context', 'other'])).toBe(EXIT.ok);
    expect(fs.readFileSync(path.join(work, 'out', 'dev', 'dev.k8s.yaml'), 'utf-8')).toContain(`image: ${digest}`);
    expect(calls().every((c) => c.argv[0] === '--context' && c.argv[1] === 'other')).toBe(true);
    expect(argvs()[4]).toContain('--timeout=2m30s');
    expect(output()).toContain(`site image: ${digest}`);
  });
});

describe('npm run deploy, helpers', () => {
  test('the ApplySet ID is the one the ApplySet specification defines', async () => {
    // base64url(sha256("mincloud-dev.mincloud-dev.Secret.")), as kubectl computes it.
    // The value kubectl 1.27 wrote on the parent in deploy-real-kubectl-fake-apiserver.test.ts.
    expect(applySetId('mincloud-dev', 'mincloud-dev', 'Secret', '')).toBe('applyset-6GVWy37l_zTy7RfJshrGoHLy_5OlaOAyift-ldZB05I-v1');
    expect(applySetId('mincloud-dev', 'mincloud-dev', 'Secret', '')).not.toBe(applySetId('mincloud-prod', 'mincloud', 'Secret', ''));
  });

  test('kubectl diff output is summarized per object, core group and dotted groups alike', async () => {
    expect(summarizeDiff([
      'diff -u -N /tmp/LIVE-9/traefik.io.v1alpha1.IngressRoute.mincloud-staging.web /tmp/MERGED-9/traefik.io.v1alpha1.IngressRoute.mincloud-staging.web',
      '--- a', '+++ b', '@@ -1 +1 @@', '-a', '+b', '+c',
      'diff -u -N /tmp/LIVE-9/v1.Namespace..mincloud /tmp/MERGED-9/v1.Namespace..mincloud', '--- a', '+++ b', '@@ -0,0 +1 @@', '+x',
      'diff -u -N /tmp/LIVE-9/cert-manager.io.v1.Certificate.mincloud.web.tls /tmp/MERGED-9/x', '--- a', '+++ b', '@@ -1 +0,0 @@', '-y',
    ].join('\n'))).toEqual([
      { object: 'IngressRoute mincloud-staging/web', added: 2, removed: 1, isNew: false },
      { object: 'Namespace mincloud', added: 1, removed: 0, isNew: true },
      { object: 'Certificate mincloud/web.tls', added: 0, removed: 1, isNew: false },
    ]);
  });
});
