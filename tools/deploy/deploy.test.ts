import { durationSeconds } from './args';
import { applySetId, parentWithSuperset } from './applyset';
import { summarizeDiff } from './manifests';
import { availability, templateChanged } from './rollouts';

// The deploy's pure parts: ApplySet ids and parents, the diff summary, durations, and how a
// Deployment's state is read. Everything that talks to kubectl is tested with the real kubectl
// against the fake API server (deploy-*.test.ts).

test('the ApplySet ID is the one the ApplySet specification defines', () => {
  // base64url(sha256("mincloud-dev.mincloud-dev.Secret.")), as kubectl computes it; kubectl 1.27
  // writes the same on the parent in deploy-real-kubectl-fake-apiserver.test.ts.
  expect(applySetId('mincloud-dev', 'mincloud-dev', 'Secret', '')).toBe('applyset-6GVWy37l_zTy7RfJshrGoHLy_5OlaOAyift-ldZB05I-v1');
  expect(applySetId('mincloud-dev', 'mincloud-dev', 'Secret', '')).not.toBe(applySetId('mincloud-prod', 'mincloud', 'Secret', ''));
});

test('the ApplySet parent: the recorded kinds plus the new ones, kubectl\'s checks on an existing parent', () => {
  const set = { parent: 'secrets/mincloud-dev', name: 'mincloud-dev', namespace: 'mincloud-dev', id: 'applyset-x-v1' };
  const existing = { metadata: { labels: { 'applyset.kubernetes.io/id': 'applyset-x-v1' },
    annotations: { 'applyset.kubernetes.io/tooling': 'kubectl/v1.27.1', 'applyset.kubernetes.io/contains-group-resources': 'configmaps,services' } } };
  expect(parentWithSuperset(set, existing, ['services', 'deployments.apps'], 'kubectl/v1.27.1')).toEqual({
    apiVersion: 'v1', kind: 'Secret',
    metadata: { name: 'mincloud-dev', namespace: 'mincloud-dev', labels: { 'applyset.kubernetes.io/id': 'applyset-x-v1' }, annotations: {
      'applyset.kubernetes.io/tooling': 'kubectl/v1.27.1',
      'applyset.kubernetes.io/contains-group-resources': 'configmaps,deployments.apps,services',
      'applyset.kubernetes.io/additional-namespaces': '',
    } },
  });
  expect(() => parentWithSuperset(set, { metadata: { ...existing.metadata, labels: { 'applyset.kubernetes.io/id': 'applyset-y-v1' } } }, [], 'kubectl/v1.27.1'))
    .toThrow('has applyset.kubernetes.io/id=applyset-y-v1, not applyset-x-v1');
  expect(() => parentWithSuperset(set, { metadata: {} }, [], 'kubectl/v1.27.1')).toThrow('exists without the applyset.kubernetes.io/tooling annotation');
});

test('kubectl diff output is summarized per object, core group and dotted groups alike', () => {
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

test('durations as kubectl --timeout reads them', () => {
  expect(durationSeconds('1m30s')).toBe(90);
  expect(durationSeconds('15m')).toBe(900);
  expect(durationSeconds('1h')).toBe(3600);
  expect(durationSeconds('1500ms')).toBe(1.5);
});

test('a Deployment is read as kubectl rollout status reads it; only a new or different pod template counts as changed', () => {
  const d = (status: object, generation = 2) => ({ metadata: { name: 'web', generation }, spec: { replicas: 2, template: { a: 1 } }, status: { observedGeneration: 2, ...status } });
  expect(availability(d({ replicas: 2, updatedReplicas: 2, availableReplicas: 2 }))).toEqual({ ok: true, message: 'deployment "web" is available (2 of 2)' });
  expect(availability(d({ replicas: 2, updatedReplicas: 2, availableReplicas: 1 })).message).toBe('deployment "web": 1 of 2 replicas available');
  expect(availability(d({ replicas: 3, updatedReplicas: 1 })).message).toBe('deployment "web": 1 of 2 replicas updated');
  expect(availability(d({ conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }] })).message).toBe('deployment "web" exceeded its progress deadline');
  expect(availability(d({}, 3)).ok).toBe(false);
  const t = (template: object) => ({ metadata: { name: 'web' }, spec: { template } });
  expect(templateChanged(undefined, t({ a: 1 }))).toBe(true);
  expect(templateChanged(t({ a: 1, b: { c: 2, d: 3 } }), t({ b: { d: 3, c: 2 }, a: 1 }))).toBe(false);
  expect(templateChanged(t({ a: 1 }), t({ a: 2 }))).toBe(true);
  expect(templateChanged(t({ a: 1 }), undefined)).toBe(false);
});
