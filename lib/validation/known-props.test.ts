import { Testing } from 'cdk8s';
import { ImageReference } from '../image-reference';
import { WebService } from '../web-service';
import { checkKnownProps, PropKeys } from './known-props';

interface Example {
  readonly replicas?: number;
  readonly image: string;
}
const KEYS: PropKeys<Example> = { replicas: true, image: true };

describe('checkKnownProps', () => {
  test('known keys pass; undefined and non-objects are left to the other checks', () => {
    expect(() => checkKnownProps('X', 'props', { image: 'a', replicas: 2 }, KEYS)).not.toThrow();
    expect(() => checkKnownProps('X', 'props', undefined, KEYS)).not.toThrow();
    expect(() => checkKnownProps('X', 'props', 'text' as unknown as Example, KEYS)).not.toThrow();
  });

  test('a misspelled key names the closest valid one and lists them all', () => {
    expect(() => checkKnownProps('X', 'props', { image: 'a', replica: 3 } as Example, KEYS))
      .toThrow('X: unknown prop "replica": did you mean "replicas"? the valid ones are "image", "replicas"');
    expect(() => checkKnownProps('X', 'props', { image: 'a', Image: 'b' } as Example, KEYS)).toThrow('did you mean "image"?');
  });

  test('a key far from every valid one gets no guess', () => {
    expect(() => checkKnownProps('X', 'props.autoscaling', { image: 'a', colour: 'red' } as Example, KEYS))
      .toThrow('X: unknown key in props.autoscaling "colour": the valid ones are "image", "replicas"');
  });

  test('inherited keys (toString, constructor) are not taken for props', () => {
    expect(() => checkKnownProps('X', 'props', JSON.parse('{"image":"a","constructor":1}'), KEYS)).toThrow('unknown prop "constructor"');
  });

  test('in a construct the message names its path', () => {
    const chart = Testing.chart();
    const image = ImageReference.fromTag('registry.example.com/site', '1.0.0');
    expect(() => new WebService(chart, 'site', { image, replica: 3 } as never))
      .toThrow(/^WebService at "test\/site": unknown prop "replica": did you mean "replicas"\?/);
    expect(() => new WebService(chart, 'other', { image, autoscaling: { maxReplicas: 4, minReplica: 2 } } as never))
      .toThrow('WebService at "test/other": unknown key in props.autoscaling "minReplica": did you mean "minReplicas"?');
    expect(() => new WebService(chart, 'third', { image, healthChecks: { liveness: { perod: 1 } } } as never))
      .toThrow('unknown key in props.healthChecks.liveness "perod": did you mean "period"?');
  });
});
