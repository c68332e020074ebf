import * as kplus from 'cdk8s-plus-27';
import { ImagePullPolicy, ServiceType } from './plus-enums';

describe('the cdk8s-plus-27 enums the constructs use without loading cdk8s-plus-27', () => {
  test('ServiceType has the same members and values', () => {
    expect({ ...ServiceType }).toEqual({ ...kplus.ServiceType });
  });

  test('ImagePullPolicy has the same members and values', () => {
    expect({ ...ImagePullPolicy }).toEqual({ ...kplus.ImagePullPolicy });
  });

  test('cdk8s-plus-27 values are accepted where these are', () => {
    const fromPlus: ServiceType = kplus.ServiceType.NODE_PORT;
    expect(fromPlus).toBe(ServiceType.NODE_PORT);
  });
});
