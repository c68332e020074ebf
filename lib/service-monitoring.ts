import { Chart, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as rule from '../imports/prometheus-rule-monitoring.coreos.com';
import * as monitor from '../imports/prometheus-servicemonitor-monitoring.coreos.com';
import { ErrorRateSource } from './error-rate-source';
import { recommendedLabels } from './labels';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { checkDnsLabel, PropValidationError } from './validation/prop-errors';
import { WebService } from './web-service';
import { checkSameNamespace } from './validation/cross-object';

export { ErrorRateSource } from './error-rate-source';

export interface ServiceMonitoringProps {
  /** The service to scrape and alert on; it needs a metrics exporter (`metrics` prop). */
  readonly service: WebService;
  /** @default Duration.seconds(30) */
  readonly scrapeInterval?: Duration;
  /** How long pods may be missing before the alert fires. @default Duration.minutes(5) */
  readonly notReadyFor?: Duration;
  /** Share of 5xx responses that fires the error alert, 0-1. @default 0.05 */
  readonly errorRateThreshold?: number;
  /** Where to read the 5xx rate from. @default - no error-rate alert (nothing in front of the service counts responses) */
  readonly errorRate?: ErrorRateSource;
  /** Labels Prometheus selects ServiceMonitors and rules by (its `serviceMonitorSelector`/`ruleSelector`). @default {} */
  readonly prometheusLabels?: Record<string, string>;
}

const SERVICE_MONITORING_PROPS: PropKeys<ServiceMonitoringProps> = {
  service: true,
  scrapeInterval: true,
  notReadyFor: true,
  errorRateThreshold: true,
  errorRate: true,
  prometheusLabels: true,
};

/**
 * Prometheus monitoring of a web service through the prometheus-operator: a ServiceMonitor
 * that scrapes the service's `metrics` port and a PrometheusRule with the alerts an on-call
 * engineer needs first: pods not ready, the service not scraped, and (when a source is
 * given) a high rate of server errors.
 */
export class ServiceMonitoring extends Construct {
  public readonly serviceMonitor: monitor.ServiceMonitor;
  public readonly rules: rule.PrometheusRule;

  public constructor(scope: Construct, id: string, props: ServiceMonitoringProps) {
    super(scope, id);
    checkKnownProps(this, 'props', props, SERVICE_MONITORING_PROPS);
    const svc = props.service;
    checkSameNamespace(this, 'service', svc, 'a ServiceMonitor selects Services of its own namespace: create the ServiceMonitoring in the service\'s chart');
    if (!svc.metrics) {
      throw new PropValidationError(this, 'service', svc.name, 'give the service a metrics exporter first (metrics: MetricsExporter.nginx())');
    }
    const threshold = props.errorRateThreshold ?? 0.05;
    if (!(threshold > 0 && threshold < 1)) {
      throw new PropValidationError(this, 'errorRateThreshold', threshold, 'use a share between 0 and 1, e.g. 0.05 for 5 %');
    }
    for (const k of Object.keys(props.prometheusLabels ?? {})) checkDnsLabel(this, 'prometheusLabels key', k.split('/').pop()!);
    const namespace = Chart.of(this).namespace ?? 'default';
    const labels = {
      ...recommendedLabels({ name: svc.name, instance: `${svc.name}-monitoring`, version: svc.image.version, component: 'monitoring', partOf: svc.labels['app.kubernetes.io/part-of'] }),
      ...props.prometheusLabels,
    };
    const forText = (d: Duration) => `${d.toSeconds()}s`;

    this.serviceMonitor = new monitor.ServiceMonitor(this, 'ServiceMonitor', {
      metadata: { name: svc.name, labels },
      spec: {
        selector: { matchLabels: svc.selector },
        endpoints: [{ port: 'metrics', path: '/metrics', interval: forText(props.scrapeInterval ?? Duration.seconds(30)), scheme: monitor.ServiceMonitorSpecEndpointsScheme.HTTP }],
      },
    });

    const job = `{namespace="${namespace}",service="${svc.name}"}`;
    const Name = svc.name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
    const alerts: rule.PrometheusRuleSpecGroupsRules[] = [
      {
        alert: `${Name}PodsNotReady`,
        expr: rule.PrometheusRuleSpecGroupsRulesExpr.fromString(
          `kube_deployment_status_replicas_available{namespace="${namespace}",deployment="${svc.name}"} < kube_deployment_spec_replicas{namespace="${namespace}",deployment="${svc.name}"}`),
        for: forText(props.notReadyFor ?? Duration.minutes(5)),
        labels: { severity: 'warning' },
        annotations: {
          summary: `${svc.name}: fewer pods ready than desired`,
          description: `Deployment ${namespace}/${svc.name} has had fewer available pods than desired for ${forText(props.notReadyFor ?? Duration.minutes(5))}. Check "kubectl -n ${namespace} describe deployment ${svc.name}" and the pods' events.`,
        },
      },
      {
        alert: `${Name}Down`,
        expr: rule.PrometheusRuleSpecGroupsRulesExpr.fromString(`sum(up${job}) == 0 or absent(up${job})`),
        for: '2m',
        labels: { severity: 'critical' },
        annotations: {
          summary: `${svc.name}: no pod can be scraped`,
          description: `No metrics endpoint of ${namespace}/${svc.name} has answered for 2 minutes: the service is probably down.`,
        },
      },
    ];
    if (props.errorRate) {
      const sel = (codes: boolean) => props.errorRate!._selector(namespace, svc.name, codes);
      alerts.push({
        alert: `${Name}High5xxRate`,
        expr: rule.PrometheusRuleSpecGroupsRulesExpr.fromString(
          `sum(rate(${sel(true)}[5m])) / sum(rate(${sel(false)}[5m])) > ${threshold}`),
        for: '5m',
        labels: { severity: 'critical' },
        annotations: {
          summary: `${svc.name}: more than ${threshold * 100}% of responses are server errors`,
          description: `Over 5 minutes, more than ${threshold * 100}% of requests to ${namespace}/${svc.name} answered 5xx.`,
        },
      });
    }
    this.rules = new rule.PrometheusRule(this, 'Rules', {
      metadata: { name: svc.name, labels },
      spec: { groups: [{ name: `${namespace}.${svc.name}`, rules: alerts }] },
    });
  }
}
