import { ClusterConfig, DeploymentConfig, resolveTargets } from './deployment-config';
import { EksClusterConfig } from './eks-cluster-config';

const eks: EksClusterConfig = {
  region: 'eu-central-1',
  zones: ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'],
  kubernetesVersion: '1.36',
  vpcCidr: '10.0.0.0/16',
  nodes: { kind: 'managed', instanceTypes: ['m7i.large'], minSize: 3, maxSize: 6 },
  endpoint: { publicCidrs: ['203.0.113.0/24'] },
};

function withCluster(cluster: ClusterConfig): DeploymentConfig {
  return { clusters: { eu: cluster }, targets: [{ name: 'prod', cluster: 'eu', namespace: 'app' }] };
}
const resolve = (settings: unknown, podNetwork = ['10.0.0.0/14']) =>
  () => resolveTargets(withCluster({ context: 'eu', podNetwork, eks: settings as EksClusterConfig }));

describe('eks settings of a cluster (config/targets.ts)', () => {
  test('are kept on the resolved cluster as they are', () => {
    expect(resolve(eks)()[0].placement.eks).toEqual(eks);
    expect(resolve({ ...eks, nodes: { kind: 'auto' }, endpoint: 'private' })()[0].placement.eks?.endpoint).toBe('private');
  });

  test("the VPC must lie within the cluster's podNetwork: pods get VPC addresses, and the site trusts only the pod network", () => {
    expect(resolve({ ...eks, vpcCidr: '10.8.0.0/16' })).toThrow(
      'cluster "eu": invalid eks.vpcCidr "10.8.0.0/16": pods get VPC addresses, and the site trusts only the cluster\'s podNetwork (["10.0.0.0/14"])');
    expect(resolve({ ...eks, vpcCidr: '10.0.0.0/16' }, ['10.0.0.0/17'])).toThrow('invalid eks.vpcCidr "10.0.0.0/16"');
    expect(resolve({ ...eks, vpcCidr: '10.3.0.0/16' })).not.toThrow();
    expect(resolve(eks, [])).toThrow('invalid eks.vpcCidr');
  });

  test('a VPC range EKS can hold: /16 to /20', () => {
    expect(resolve({ ...eks, vpcCidr: '10.0.0.0/14' })).toThrow('invalid eks.vpcCidr "10.0.0.0/14": use an IPv4 range from /16 to /20');
    expect(resolve({ ...eks, vpcCidr: '10.0.0/16' })).toThrow('invalid eks.vpcCidr "10.0.0/16"');
  });

  test('names the field, the value and the fix for each mistake', () => {
    expect(resolve({ ...eks, region: 'Frankfurt' })).toThrow('cluster "eu": invalid eks.region "Frankfurt": use an AWS region name such as "eu-central-1"');
    expect(resolve({ ...eks, zones: ['eu-central-1a'] })).toThrow('invalid eks.zones ["eu-central-1a"]: name two or three different zones of eu-central-1');
    expect(resolve({ ...eks, zones: ['eu-central-1a', 'us-east-1b'] })).toThrow('invalid eks.zones "us-east-1b": name a zone of the cluster\'s region eu-central-1');
    expect(resolve({ ...eks, kubernetesVersion: 'v1.36' })).toThrow('invalid eks.kubernetesVersion "v1.36": use a Kubernetes minor version such as "1.36"');
    expect(resolve({ ...eks, nodes: { kind: 'fargate' } })).toThrow('invalid eks.nodes.kind "fargate": use one of "managed", "auto"');
    expect(resolve({ ...eks, nodes: { ...eks.nodes, minSize: 2 } })).toThrow('invalid eks.nodes.minSize 2: use a whole number from 3 to 450');
    expect(resolve({ ...eks, nodes: { ...eks.nodes, maxSize: 2 } })).toThrow('invalid eks.nodes.maxSize 2: use a whole number from 3 to 450');
    expect(resolve({ ...eks, nodes: { ...eks.nodes, instanceTypes: ['m7g.large'] } })).toThrow('invalid eks.nodes.instanceTypes "m7g.large": use an x86_64 instance type');
    expect(resolve({ ...eks, endpoint: 'public' })).toThrow("invalid eks.endpoint \"public\": use 'private', or { publicCidrs: ['203.0.113.0/24'] }");
    expect(resolve({ ...eks, endpoint: { publicCidrs: ['0.0.0.0/0'] } })).toThrow('invalid eks.endpoint.publicCidrs "0.0.0.0/0": use IPv4 ranges narrower than the whole internet');
    expect(resolve({ ...eks, controlPlaneLogs: ['api', 'kubelet'] })).toThrow('invalid eks.controlPlaneLogs "kubelet"');
    expect(resolve({ ...eks, natGateways: 4 })).toThrow('invalid eks.natGateways 4: use a whole number from 1 to 3');
    expect(resolve({ ...eks, adminRoles: ['arn:aws:iam::123456789012:user/alice'] })).toThrow(
      'invalid eks.adminRoles "arn:aws:iam::123456789012:user/alice": use an IAM role ARN such as "arn:aws:iam::123456789012:role/operators"');
    expect(resolve({ ...eks, adminRoles: ['arn:aws:iam::123456789012:role/team/operators'] })).not.toThrow();
  });

  test('an unknown setting is named, with the one meant', () => {
    expect(resolve({ ...eks, kubernetesVerison: '1.36' })).toThrow(/kubernetesVerison.*kubernetesVersion/);
  });
});
