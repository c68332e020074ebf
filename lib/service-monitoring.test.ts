import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import { SchemaValidator } from 'k8s-checks';
import { only, synthObjects } from '../test/support/synth';
import { ImageReference } from './image-reference';
import { MetricsExporter } from './metrics-exporter';
import { ErrorRateSource, ServiceMonitoring } from './service-monitoring';
import { WebService } from './web-service';

/** The app's CRDs, for the custom resources among the objects. */
const CRDS = path.join(__dirname, '..', 'crds');

const image = ImageReference.fromTag('docker.io/mincloud1501/nginx', '1.0.0');

function setup(props: Partial<ConstructorParameters<typeof ServiceMonitoring>[2]> = {}) {
  const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop' });
  const service = new WebService(chart, 'web', { image, metrics: MetricsExporter.nginx() });
  new ServiceMonitoring(chart, 'monitoring', { service, ...props });
  return synthObjects(chart);
}

describe('ServiceMonitoring', () => {
  test('a ServiceMonitor on the metrics port, selecting the service', () => {
    const objects = setup({ prometheusLabels: { release: 'prometheus' } });
    const sm = only(objects, 'ServiceMonitor');
    expect(sm.apiVersion).toBe('monitoring.coreos.com/v1');
    expect(sm.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'web', 'app.kubernetes.io/instance': 'web' } },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s', scheme: 'http' }],
    });
    expect(sm.metadata.labels!.release).toBe('prometheus');
    expect(only(objects, 'Service').spec.ports.map((p: any) => p.name)).toContain('metrics');
    expect(SchemaValidator.forKubernetes127({ crds: [CRDS] }).validate(objects)).toEqual([]);
  });

  test('alerts: pods not ready and service down, no error-rate alert without a source', () => {
    const rules = only(setup(), 'PrometheusRule').spec.groups[0].rules;
    expect(rules.map((r: any) => [r.alert, r.for, r.labels.severity])).toEqual([
      ['WebPodsNotReady', '300s', 'warning'], ['WebDown', '2m', 'critical']]);
    expect(rules[0].expr).toBe('kube_deployment_status_replicas_available{namespace="shop",deployment="web"} < kube_deployment_spec_replicas{namespace="shop",deployment="web"}');
  });

  test.each([
    ['ingress-nginx', ErrorRateSource.ingressNginx(), 'nginx_ingress_controller_requests{exported_namespace="shop",exported_service="web",status=~"5.."}'],
    ['traefik', ErrorRateSource.traefik(), 'traefik_service_requests_total{service=~"shop-web-.*",code=~"5.."}'],
  ])('high 5xx rate from %s', (_n, source, selector) => {
    const rules = only(setup({ errorRate: source, errorRateThreshold: 0.02 }), 'PrometheusRule').spec.groups[0].rules;
    const alert = rules.find((r: any) => r.alert === 'WebHigh5xxRate');
    expect(alert.expr).toContain(`sum(rate(${selector}[5m]))`);
    expect(alert.expr).toMatch(/> 0.02$/);
  });

  test('refuses a service without metrics, and a bad threshold', () => {
    const chart = Testing.chart();
    const service = new WebService(chart, 'web', { image });
    expect(() => new ServiceMonitoring(chart, 'm', { service })).toThrow(
      'ServiceMonitoring at "test/m": invalid service "web": give the service a metrics exporter first');
    const withMetrics = new WebService(chart, 'web2', { image, metrics: MetricsExporter.nginx() });
    expect(() => new ServiceMonitoring(chart, 'm2', { service: withMetrics, errorRateThreshold: 5 })).toThrow('invalid errorRateThreshold 5');
  });
});
