import { ErrorRateSource } from './error-rate-source';
import { IngressController } from './ingress-controller';

describe('IngressController carries what differs between controllers', () => {
  test.each([
    ['ingress-nginx', IngressController.nginx(), ErrorRateSource.ingressNginx()],
    ['Traefik', IngressController.traefik(), ErrorRateSource.traefik()],
  ])('%s: the 5xx rate comes from its own request counter', (_name, controller, expected) => {
    expect(controller.errorRate()._selector('shop', 'web', true)).toBe(expected._selector('shop', 'web', true));
  });

  test('ingress-nginx redirects by annotation and leaves HSTS to the service behind it', () => {
    const nginx = IngressController.nginx();
    expect([nginx.sendsHsts, nginx.redirectsWithMiddleware, nginx.hasIngressRoutes]).toEqual([false, false, false]);
    expect(nginx.annotations({ name: 'web', namespace: 'shop', redirect: true, tls: true, hsts: false })).toEqual({
      'nginx.ingress.kubernetes.io/ssl-redirect': 'true',
      'nginx.ingress.kubernetes.io/force-ssl-redirect': 'true',
    });
  });

  test('Traefik names its redirect and HSTS Middlewares on the HTTPS router', () => {
    const traefik = IngressController.traefik();
    expect([traefik.sendsHsts, traefik.redirectsWithMiddleware, traefik.hasIngressRoutes]).toEqual([true, true, true]);
    expect(traefik.annotations({ name: 'web', namespace: 'shop', redirect: true, tls: true, hsts: true })).toEqual({
      'traefik.ingress.kubernetes.io/router.entrypoints': 'web,websecure',
      'traefik.ingress.kubernetes.io/router.tls': 'true',
      'traefik.ingress.kubernetes.io/router.middlewares': 'shop-web-redirect-https@kubernetescrd,shop-web-hsts@kubernetescrd',
    });
  });
});
