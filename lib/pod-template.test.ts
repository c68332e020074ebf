import { Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { ImageReference } from './image-reference';
import { NamespaceChart } from './namespace-chart';
import { PodTemplateProps } from './pod-template';
import { PolicyException } from './policy-exception';
import { ResourceProfile } from './resource-profile';
import { ServerlessService } from './serverless-service';
import { WebService } from './web-service';

const image = ImageReference.fromDigest('registry.example.com/api', `sha256:${'a'.repeat(64)}`, '1.2.0');
const shared: PodTemplateProps = {
  image,
  component: 'api',
  containerPort: 9000,
  env: { B: '2', A: '1' },
  resources: ResourceProfile.MICRO,
  healthCheckPath: '/live',
  readinessPath: '/ready',
  healthChecks: { startup: false, liveness: { failureThreshold: 5 } },
  runAs: { user: 20000, group: 20000 },
  writablePaths: ['/tmp', '/var/cache/api'],
};
const SERVICES = [['WebService', WebService], ['ServerlessService', ServerlessService]] as const;

function synth(build: (chart: Construct) => void): any[] {
  const app = Testing.app();
  build(new NamespaceChart(app, 'test', { namespace: 'ns', version: '1.0.0' }));
  return Testing.synth(app.node.findChild('test') as NamespaceChart);
}
const containerOf = (objects: any[]) =>
  objects.find((o) => o.kind === 'Deployment' || (o.kind === 'Service' && o.apiVersion === 'serving.knative.dev/v1')).spec.template.spec.containers[0];

describe('PodTemplate: what WebService and ServerlessService share', () => {
  test('the same props give both the same container, but for the port each runtime names and probes', () => {
    const web = containerOf(synth((chart) => new WebService(chart, 'api', shared)));
    const serverless = containerOf(synth((chart) => new ServerlessService(chart, 'api', shared)));
    // A WebService probes its port by name; Knative only by number.
    const portless = (c: any) => {
      const { ports, readinessProbe, livenessProbe, lifecycle, ...rest } = c;
      const strip = ({ httpGet: { port, ...get }, ...p }: any) => ({ httpGet: get, ...p });
      return { ...rest, containerPort: ports[0].containerPort, readinessProbe: strip(readinessProbe), livenessProbe: strip(livenessProbe) };
    };
    expect(portless(serverless)).toEqual(portless(web));
    expect(web.env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
    expect(web.startupProbe).toBeUndefined();
    expect([web.ports[0].name, serverless.ports[0].name]).toEqual(['http', 'http1']);
  });

  test.each(SERVICES)('%s checks the shared props with the same message', (kind, Service) => {
    const app = Testing.app();
    const chart = new NamespaceChart(app, 'test', { namespace: 'ns', version: '1.0.0' });
    expect(() => new Service(chart, 'api', { ...shared, env: { 'MY-VAR': '1' } }))
      .toThrow(`${kind} at "test/api": invalid env name "MY-VAR"`);
    expect(() => new Service(chart, 'api2', { ...shared, readinessPath: '/live' }))
      .toThrow(`${kind} at "test/api2": invalid readinessPath "/live": use a path other than healthCheckPath`);
  });

  test.each(SERVICES)('%s refuses a policy exception on an object it does not render, naming the ones it does', (kind, Service) => {
    const app = Testing.app();
    const chart = new NamespaceChart(app, 'test', { namespace: 'ns', version: '1.0.0' });
    const onHpa = PolicyException.polaris('someRule', 'PodDisruptionBudget', 'a reason long enough to count');
    const onKnative = PolicyException.polaris('someRule', 'KnativeService', 'a reason long enough to count');
    const wrong = kind === 'WebService' ? onKnative : onHpa;
    expect(() => new Service(chart, 'api', { ...shared, policyExceptions: [wrong] }))
      .toThrow(new RegExp(`^${kind} at "test/api": invalid policyExceptions "polaris someRule on ${wrong.on}": a (web|serverless) service has the objects .*; attach the exception to one of them$`));
  });
});
