import * as path from 'path';
import { Duration, Testing } from 'cdk8s';
import { SchemaValidator } from 'k8s-checks';
import { only, synthObjects } from '../test/support/synth';
import { ImageReference } from './image-reference';
import { IngressController } from './ingress-controller';
import { IngressTls } from './ingress-tls';
import { WebIngress, WebIngressProps } from './web-ingress';
import { WebService } from './web-service';

/** The app's CRDs, for the custom resources among the objects. */
const CRDS = path.join(__dirname, '..', 'crds');

const image = ImageReference.fromTag('docker.io/mincloud1501/nginx', '1.0.0');

function setup(props: Partial<WebIngressProps> = {}) {
  const chart = Testing.chart();
  const site = new WebService(chart, 'site', { image });
  const api = new WebService(chart, 'api', { image, component: 'api' });
  const ingress = new WebIngress(chart, 'web', {
    controller: IngressController.nginx(),
    hosts: ['mincloud.example.com'],
    routes: [{ path: '/', service: site }, { path: '/api', service: api }],
    ...props,
  });
  const objects = synthObjects(chart);
  return { chart, site, api, ingress, objects, ing: only(objects, 'Ingress') };
}

describe('WebIngress', () => {
  test('routes hosts and paths to the services by their named port', () => {
    const { ing, objects } = setup();
    expect(ing.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{
        host: 'mincloud.example.com',
        http: {
          paths: [
            { path: '/', pathType: 'Prefix', backend: { service: { name: 'site', port: { name: 'http' } } } },
            { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } },
          ],
        },
      }],
    });
    expect(ing.metadata.annotations).toEqual({ 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' });
    expect(ing.metadata.labels!['app.kubernetes.io/component']).toBe('ingress');
    expect(SchemaValidator.forKubernetes127({ crds: [CRDS] }).validate(objects)).toEqual([]);
  });

  test('routed services default to ClusterIP and admit only the controller namespace', () => {
    const { objects } = setup();
    for (const np of objects.filter((o) => o.kind === 'NetworkPolicy')) {
      expect(np.spec.ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    }
    for (const svc of objects.filter((o) => o.kind === 'Service')) expect(svc.spec.type).toBe('ClusterIP');
  });

  test('TLS from a Secret, with redirect to HTTPS on nginx', () => {
    const { ing } = setup({ tls: IngressTls.fromSecret('mincloud-tls') });
    expect(ing.spec.tls).toEqual([{ hosts: ['mincloud.example.com'], secretName: 'mincloud-tls' }]);
    expect(ing.metadata.annotations).toEqual({
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
    });
  });

  test('ingress-nginx: nothing that needs a controller setting; no response headers from the Ingress, so HSTS is the site\'s', () => {
    const { ing, objects, ingress } = setup({ tls: IngressTls.fromSecret('mincloud-tls') });
    expect(ingress.hstsSeconds).toBeUndefined();
    // custom-headers works only with the header listed in the controller's
    // global-allowed-response-headers; without it the controller refuses the location.
    expect(Object.keys(ing.metadata.annotations!).filter((a) => /custom-headers|configuration-snippet|server-snippet/.test(a))).toEqual([]);
    expect(objects.filter((o) => o.kind === 'ConfigMap')).toEqual([]);
    expect(() => setup({ tls: IngressTls.fromSecret('t'), hstsMaxAge: Duration.days(1) })).toThrow(
      'invalid hstsMaxAge "86400s": an Ingress for ingress-nginx cannot add response headers without a controller setting; the site\'s nginx sends HSTS over HTTPS itself: drop hstsMaxAge');
  });

  test('HSTS with Traefik: a year by default, whole seconds, and only over TLS', () => {
    const traefik = IngressController.traefik();
    expect(setup({ controller: traefik, tls: IngressTls.fromSecret('t') }).ingress.hstsSeconds).toBe(31536000);
    const shorter = setup({ controller: traefik, tls: IngressTls.fromSecret('t'), hstsMaxAge: Duration.days(1) });
    expect(shorter.objects.find((o) => o.kind === 'Middleware' && o.metadata.name === 'web-hsts')!.spec).toEqual({ headers: { stsSeconds: 86400 } });
    // Without TLS there is no HSTS, and asking for it is an error.
    expect(setup({ controller: traefik }).ingress.hstsSeconds).toBeUndefined();
    expect(() => setup({ controller: traefik, hstsMaxAge: Duration.days(1) })).toThrow('invalid hstsMaxAge "86400s": HSTS is sent over HTTPS only: set tls');
    expect(() => setup({ controller: traefik, tls: IngressTls.fromSecret('t'), hstsMaxAge: Duration.millis(1500) })).toThrow('invalid hstsMaxAge "1.5s": use whole seconds');
  });

  test('HSTS with Traefik: a headers Middleware on the Ingress and on the HTTPS IngressRoute', () => {
    const { objects, ing } = setup({ controller: IngressController.traefik(), tls: IngressTls.fromSecret('t') });
    const hsts = objects.find((o) => o.kind === 'Middleware' && o.metadata.name === 'web-hsts')!;
    expect(hsts.spec).toEqual({ headers: { stsSeconds: 31536000 } });
    expect(ing.metadata.annotations!['traefik.ingress.kubernetes.io/router.middlewares'])
      .toBe('default-web-redirect-https@kubernetescrd,default-web-hsts@kubernetescrd');
    const chart = Testing.chart();
    const site = new WebService(chart, 'site', { image });
    new WebIngress(chart, 'web', { controller: IngressController.traefik(), hosts: ['a.example.com'], tls: IngressTls.fromSecret('t'), traefikCrds: true, routes: [{ path: '/', service: site }] });
    const crdObjects = synthObjects(chart);
    const [https, http] = crdObjects.filter((o) => o.kind === 'IngressRoute');
    expect(https.spec.routes[0].middlewares).toEqual([{ name: 'web-hsts' }]);
    expect(http.spec.routes[0].middlewares).toEqual([{ name: 'web-redirect-https' }]);
    expect(SchemaValidator.forKubernetes127({ crds: [CRDS] }).validate(crdObjects)).toEqual([]);
  });

  test('TLS from cert-manager through the ingress-shim annotation', () => {
    const { ing } = setup({ tls: IngressTls.certManager({ issuer: 'letsencrypt' }) });
    expect(ing.metadata.annotations!['cert-manager.io/cluster-issuer']).toBe('letsencrypt');
    expect(ing.spec.tls).toEqual([{ hosts: ['mincloud.example.com'], secretName: 'web-tls' }]);
  });

  test('traefik: class, entrypoints and TLS router, and its namespace in the policies', () => {
    const { ing, objects } = setup({ controller: IngressController.traefik(), tls: IngressTls.fromSecret('t') });
    expect(ing.spec.ingressClassName).toBe('traefik');
    expect(ing.metadata.annotations).toMatchObject({
      'traefik.ingress.kubernetes.io/router.entrypoints': 'web,websecure',
      'traefik.ingress.kubernetes.io/router.tls': 'true',
    });
    const np = objects.find((o) => o.kind === 'NetworkPolicy')!;
    expect(np.spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('traefik');
  });

  test('traefik redirect: a RedirectScheme Middleware referenced from the Ingress', () => {
    const { objects, ing } = setup({ controller: IngressController.traefik(), tls: IngressTls.fromSecret('t') });
    const mw = objects.find((o) => o.kind === 'Middleware')!;
    expect(mw).toMatchObject({ apiVersion: 'traefik.io/v1alpha1', metadata: { name: 'web-redirect-https' }, spec: { redirectScheme: { scheme: 'https', permanent: true } } });
    expect(ing.metadata.annotations!['traefik.ingress.kubernetes.io/router.middlewares']).toBe('default-web-redirect-https@kubernetescrd,default-web-hsts@kubernetescrd');
    expect(SchemaValidator.forKubernetes127({ crds: [CRDS] }).validate(objects)).toEqual([]);
  });

  test('traefikCrds: IngressRoutes instead of an Ingress, longest path first, HTTP route redirects', () => {
    const chart = Testing.chart();
    const site = new WebService(chart, 'site', { image });
    const api = new WebService(chart, 'api', { image });
    const ingress = new WebIngress(chart, 'web', {
      controller: IngressController.traefik(), hosts: ['a.example.com'], tls: IngressTls.fromSecret('t'), traefikCrds: true,
      routes: [{ path: '/', service: site }, { path: '/api', service: api }],
    });
    const objects = synthObjects(chart);
    expect(ingress.ingress).toBeUndefined();
    expect(objects.filter((o) => o.kind === 'Ingress')).toEqual([]);
    const [https, http] = objects.filter((o) => o.kind === 'IngressRoute');
    expect(https.spec.entryPoints).toEqual(['websecure']);
    expect(https.spec.tls).toEqual({ secretName: 't' });
    expect(https.spec.routes.map((r: any) => r.match)).toEqual([
      '(Host(`a.example.com`)) && PathPrefix(`/api`)', '(Host(`a.example.com`)) && PathPrefix(`/`)']);
    expect(https.spec.routes[0].services).toEqual([{ kind: 'Service', name: 'api', port: 'http' }]);
    expect(http.spec).toMatchObject({ entryPoints: ['web'], routes: [{ middlewares: [{ name: 'web-redirect-https' }] }] });
    expect(SchemaValidator.forKubernetes127({ crds: [CRDS] }).validate(objects)).toEqual([]);
  });

  test('cert-manager Certificate resource instead of the annotation', () => {
    const { objects, ing } = setup({ tls: IngressTls.certManager({ issuer: 'letsencrypt', certificateResource: true }) });
    expect(ing.metadata.annotations!['cert-manager.io/cluster-issuer']).toBeUndefined();
    const cert = objects.find((o) => o.kind === 'Certificate')!;
    expect(cert).toMatchObject({
      apiVersion: 'cert-manager.io/v1',
      metadata: { name: 'web-tls' },
      spec: { secretName: 'web-tls', dnsNames: ['mincloud.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' } },
    });
    expect(SchemaValidator.forKubernetes127({ crds: [CRDS] }).validate(objects)).toEqual([]);
  });

  test.each<[string, Partial<WebIngressProps>, RegExp]>([
    ['traefikCrds with nginx', { traefikCrds: true }, /invalid traefikCrds true: IngressRoutes are Traefik's/],
    ['no hosts', { hosts: [] }, /WebIngress at "test\/web": invalid hosts \[\]: name at least one host/],
    ['bad host', { hosts: ['localhost'] }, /invalid hosts "localhost": use a fully qualified lower-case DNS name/],
    ['a host listed twice', { hosts: ['mincloud.example.com', 'mincloud.example.com'] },
      /^WebIngress at "test\/web": invalid hosts "mincloud.example.com": listed twice \(hosts\[0\] and hosts\[1\]\): each host becomes one Ingress rule and one name on the certificate, so the second copy would duplicate both; list it once$/],
    ['redirect without TLS', { redirectToHttps: true }, /invalid redirectToHttps true: a redirect to HTTPS needs tls/],
    ['bad path', { routes: [] as any }, /./],
  ])('rejects %s', (name, props, message) => {
    if (name === 'bad path') {
      const chart = Testing.chart();
      const site = new WebService(chart, 'site', { image });
      expect(() => new WebIngress(chart, 'web', { controller: IngressController.nginx(), hosts: ['a.example.com'], routes: [{ path: 'api', service: site }] }))
        .toThrow('WebIngress at "test/web": invalid routes.path "api": use an absolute URL path such as "/" or "/api"');
      return;
    }
    expect(() => setup(props)).toThrow(message);
  });

  test('an Ingress without routes fails at synth with the fix', () => {
    const chart = Testing.chart();
    new WebIngress(chart, 'web', { controller: IngressController.nginx(), hosts: ['a.example.com'] });
    expect(() => synthObjects(chart)).toThrow('invalid routes []: add at least one route (props.routes or addRoute)');
  });

  test('IngressTls and IngressController validate their inputs', () => {
    expect(() => IngressTls.fromSecret('Bad_Secret')).toThrow('IngressTls.fromSecret: invalid secretName "Bad_Secret"');
    expect(() => IngressController.nginx({ namespace: 'Ingress' })).toThrow('IngressController(nginx): invalid namespace "Ingress"');
  });
});
