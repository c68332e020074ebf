import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { deploymentConfig } from '../../../config/targets';
import { EKS_CONTROL_PLANE_LOGS, EksClusterConfig } from '../../../config/eks-cluster-config';
import { PRIVATE_AUTO_MODE } from '../test/eks-settings';
import { EksClusterStack } from './eks-cluster-stack';
import { kubectlLayer } from './kubectl-layer';
import { useTemporaryHome } from '../test/temporary-home';

useTemporaryHome();

let tmp: string;
beforeAll(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'clusters-stack-')); });
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const configured = Object.entries(deploymentConfig.clusters).filter(([, c]) => c.eks).map(([name, c]) => [name, c.context, c.eks!] as const);

describe.each([...configured, ['private-auto', 'private-auto', PRIVATE_AUTO_MODE] as const])('the stack of cluster %s', (name, context, eks: EksClusterConfig) => {
  let stack: EksClusterStack;
  let template: Template;
  beforeAll(() => {
    stack = new EksClusterStack(new App({ outdir: fs.mkdtempSync(path.join(tmp, 'out-')) }), name, { clusterName: name, context, eks });
    template = Template.fromStack(stack);
  });
  const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as CfnElement);
  const privateSubnets = () => stack.vpc.privateSubnets.map((s) => ({ Ref: id(s) }));
  const publicEndpoint = eks.endpoint !== 'private';

  test('is in the cluster\'s region, the account left to the deployer', () => {
    expect(stack.region).toBe(eks.region);
    expect(stack.resolve(stack.account)).toEqual({ Ref: 'AWS::AccountId' });
  });

  test('a VPC of the given range over the given zones, its private subnets for the cluster, NAT gateways, flow logs', () => {
    template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: eks.vpcCidr });
    const zones = Object.values(template.findResources('AWS::EC2::Subnet')).map((s) => s.Properties.AvailabilityZone);
    expect(zones.sort()).toEqual([...eks.zones, ...eks.zones].sort());
    template.resourceCountIs('AWS::EC2::NatGateway', eks.natGateways ?? eks.zones.length);
    template.hasResourceProperties('AWS::EC2::FlowLog', { ResourceId: { Ref: id(stack.vpc) }, ResourceType: 'VPC', TrafficType: 'ALL' });
  });

  test('the cluster: its version, every control plane log asked for, Secrets encrypted with a rotated key, its endpoint access', () => {
    template.resourceCountIs('AWS::EKS::Cluster', 1);
    template.hasResourceProperties('AWS::EKS::Cluster', {
      Version: eks.kubernetesVersion,
      Logging: { ClusterLogging: { EnabledTypes: (eks.controlPlaneLogs ?? EKS_CONTROL_PLANE_LOGS).map((Type) => ({ Type })) } },
      EncryptionConfig: [{ Provider: { KeyArn: { 'Fn::GetAtt': [id(stack.secretsKey), 'Arn'] } }, Resources: ['secrets'] }],
      ResourcesVpcConfig: {
        EndpointPrivateAccess: true,
        EndpointPublicAccess: publicEndpoint,
        PublicAccessCidrs: eks.endpoint === 'private' ? Match.absent() : [...eks.endpoint.publicCidrs],
        SubnetIds: privateSubnets(),
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  test('node capacity: a managed node group of Amazon Linux 2023 nodes with the Pod Identity agent, or EKS Auto Mode', () => {
    if (eks.nodes.kind === 'managed') {
      template.resourceCountIs('AWS::EKS::Nodegroup', 1);
      template.hasResourceProperties('AWS::EKS::Nodegroup', {
        InstanceTypes: [...eks.nodes.instanceTypes],
        AmiType: 'AL2023_x86_64_STANDARD',
        ScalingConfig: { MinSize: eks.nodes.minSize, MaxSize: eks.nodes.maxSize, DesiredSize: eks.nodes.minSize },
        Subnets: privateSubnets(),
      });
      template.hasResourceProperties('AWS::EKS::Addon', { AddonName: 'eks-pod-identity-agent' });
      template.hasResourceProperties('AWS::EKS::Cluster', { ComputeConfig: { Enabled: false } });
    } else {
      template.resourceCountIs('AWS::EKS::Nodegroup', 0);
      template.hasResourceProperties('AWS::EKS::Cluster', { ComputeConfig: { Enabled: true, NodePools: ['system', 'general-purpose'] } });
    }
  });

  test('kubectl runs from a Lambda function with the kubectl layer of the cluster\'s version, inside the VPC', () => {
    const layers = template.findResources('AWS::Lambda::LayerVersion', { Properties: { Description: Match.stringLikeRegexp(`kubectl ${eks.kubernetesVersion.replace('.', '\\.')}\\.`) } });
    expect(Object.keys(layers)).toHaveLength(1);
    const handlers = template.findResources('AWS::Lambda::Function', { Properties: { Layers: Match.arrayWith([{ Ref: Object.keys(layers)[0] }]) } });
    expect(Object.keys(handlers)).toHaveLength(1);
    const handler = Object.values(handlers)[0];
    // Through the private endpoint: the public one, where there is one, admits only publicCidrs.
    expect(handler.Properties.VpcConfig).toEqual({
      SubnetIds: privateSubnets(),
      SecurityGroupIds: [{ 'Fn::GetAtt': [id(stack.cluster), 'ClusterSecurityGroupId'] }],
    });
  });

  test('admin access for the admin roles, and for the kubectl function', () => {
    const entries = Object.values(template.findResources('AWS::EKS::AccessEntry')).map((e) => e.Properties);
    const admin = [{ AccessScope: { Type: 'cluster' }, PolicyArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy']] } }];
    expect(entries.filter((e) => typeof e.PrincipalArn === 'string')).toEqual((eks.adminRoles ?? []).map((PrincipalArn) => ({ ClusterName: { Ref: id(stack.cluster) }, PrincipalArn, AccessPolicies: admin })));
    expect(entries.filter((e) => typeof e.PrincipalArn !== 'string')).toHaveLength(1);
  });

  test('outputs the command that adds the cluster to the kubeconfig under its context', () => {
    template.hasOutput('KubeconfigCommand', { Value: { 'Fn::Join': ['', [`aws eks update-kubeconfig --region ${eks.region} --name `, { Ref: id(stack.cluster) }, ` --alias ${context}`]] } });
  });
});

test('a Kubernetes version without a kubectl layer is refused with the fix', () => {
  const stack = new EksClusterStack(new App({ outdir: fs.mkdtempSync(path.join(tmp, 'out-')) }), 'layers', { clusterName: 'x', context: 'x', eks: PRIVATE_AUTO_MODE });
  expect(() => kubectlLayer(stack, 'Layer', 'prod-eu', '1.30')).toThrow(
    'cluster "prod-eu": invalid eks.kubernetesVersion "1.30": packages/clusters has kubectl layers for "1.36"; use one of them, '
    + 'or install @aws-cdk/lambda-layer-kubectl-v30 (npm install -w clusters --save-exact) and add it to packages/clusters/lib/kubectl-layer.ts');
});
