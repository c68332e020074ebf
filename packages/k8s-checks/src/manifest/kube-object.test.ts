import { describeObject, objectKey } from './kube-object';

describe('objectKey: an object\'s identity, as kubectl writes a resource', () => {
  test('Kubernetes\' own groups by the bare kind; other groups qualify it, so no custom kind is taken for a built-in one', () => {
    expect(objectKey({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } })).toBe('Deployment/shop/web');
    expect(objectKey({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } })).toBe('Service/shop/web');
    expect(objectKey({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'web', namespace: 'shop' } })).toBe('Ingress/shop/web');
    expect(objectKey({ apiVersion: 'serving.knative.dev/v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop' } })).toBe('Service.serving.knative.dev/shop/web');
    expect(objectKey({ apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web', namespace: 'shop' } })).toBe('ServiceMonitor.monitoring.coreos.com/shop/web');
  });

  test('the version is no part of it: a new apiVersion of one object is the same object', () => {
    const v1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'shop' } };
    expect(objectKey({ ...v1, apiVersion: 'autoscaling/v2' })).toBe(objectKey(v1));
  });

  test('the namespace only when the manifest sets one', () => {
    expect(objectKey({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } })).toBe('Namespace/shop');
    expect(objectKey({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: '' } })).toBe('ConfigMap/c');
  });

  test('what a manifest leaves out, or gets wrong, is said', () => {
    expect(objectKey({ apiVersion: 'apps/v1', kind: 'Deployment' })).toBe('Deployment/<no name>');
    expect(objectKey({ metadata: { name: 3 } })).toBe('<no kind>/<no name>');
  });
});

describe('describeObject: how a report names a document', () => {
  test('by its objectKey; by its place in the file when it has no kind or name', () => {
    expect(describeObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } }, 0)).toBe('Deployment/web');
    expect(describeObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {} }, 2)).toBe('document #3 (Deployment)');
    expect(describeObject(null, 0)).toBe('document #1');
  });
});
