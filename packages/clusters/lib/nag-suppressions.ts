import { CfnElement, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EksClusterStack } from './eks-cluster-stack';

/** One reviewed cdk-nag finding: where, which rule (and finding), and why it stays. */
export interface ReviewedFinding {
  readonly on: IConstruct;
  readonly id: string;
  readonly reason: string;
}

const managedPolicy = (name: string): string => `Policy::arn:<AWS::Partition>:iam::aws:policy/${name}`;

/**
 * The AwsSolutions findings an EksClusterStack keeps, each with its reason. All of them are in
 * what aws-cdk-lib's EKS constructs generate (roles EKS requires, the kubectl provider's
 * Lambda functions), not in settings of ours.
 */
export function reviewedFindings(stack: EksClusterStack): ReviewedFinding[] {
  const cluster = stack.cluster;
  const kubectl = cluster.node.findChild('KubectlProvider');
  const kubectlHandlerRole = kubectl.node.findChild('Handler').node.findChild('ServiceRole');
  const providerFunction = kubectl.node.findChild('Provider').node.findChild('framework-onEvent');
  const ecrPublicCondition = stack.getLogicalId(kubectl.node.findChild('Handler').node.findChild('HasEcrPublic') as CfnElement);
  const findings: ReviewedFinding[] = [
    {
      on: cluster.role,
      id: `AwsSolutions-IAM4[${managedPolicy('AmazonEKSClusterPolicy')}]`,
      reason: 'The EKS service role needs AmazonEKSClusterPolicy; AWS maintains it as EKS changes, a copy would fall behind.',
    },
    ...['service-role/AWSLambdaBasicExecutionRole', 'service-role/AWSLambdaVPCAccessExecutionRole'].flatMap((policy) => [kubectlHandlerRole, providerFunction.node.findChild('ServiceRole')].map((role) => ({
      on: role,
      id: `AwsSolutions-IAM4[${managedPolicy(policy)}]`,
      reason: `The kubectl provider's Lambda functions (aws-cdk-lib) write their logs and, in a VPC, attach network interfaces with ${policy.split('/')[1]}, scoped by AWS to exactly that.`,
    }))),
    {
      on: kubectlHandlerRole,
      id: `AwsSolutions-IAM4[${managedPolicy('AmazonEC2ContainerRegistryReadOnly')}]`,
      reason: 'The kubectl handler (aws-cdk-lib) reads Helm charts from ECR: read-only access to registries, no write.',
    },
    {
      on: kubectlHandlerRole,
      id: `AwsSolutions-IAM4[Policy::{"Fn::If":["${ecrPublicCondition}",{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::aws:policy/AmazonElasticContainerRegistryPublicReadOnly"]]},{"Ref":"AWS::NoValue"}]}]`,
      reason: 'The kubectl handler (aws-cdk-lib) reads public Helm charts from ECR Public where the region has it: read-only.',
    },
    ...[kubectl.node.findChild('Handler'), providerFunction].map((fn) => ({
      on: fn,
      id: 'AwsSolutions-L1',
      reason: 'aws-cdk-lib picks the runtime of the kubectl provider\'s functions and moves it with its releases; the stack pins aws-cdk-lib, not the runtime.',
    })),
    {
      on: providerFunction.node.findChild('ServiceRole'),
      id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(kubectl.node.findChild('Handler').node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: 'The custom resource framework invokes the kubectl handler and its versions (`<handler ARN>:*`): one function, not a wildcard over functions.',
    },
  ];
  findings.push({
    on: cluster,
    id: 'CloudFormation-Validate::W9009',
    reason: "aws-cdk-lib writes the cluster's Secrets encryption as EncryptionConfig Resources ['secrets'], which EKS requires; the CloudFormation schema only marks the property deprecated.",
  });
  const nodes = cluster.node.tryFindChild('NodegroupNodes');
  if (nodes) {
    const role = nodes.node.findChild('NodeGroupRole');
    for (const policy of ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryReadOnly']) {
      findings.push({
        on: role,
        id: `AwsSolutions-IAM4[${managedPolicy(policy)}]`,
        reason: `EKS managed nodes need ${policy} (join the cluster, give pods VPC addresses, pull images); AWS maintains it as EKS changes.`,
      });
    }
  }
  const autoModeNodes = cluster.node.tryFindChild('ClusternodePoolRole');
  if (autoModeNodes) {
    for (const policy of ['AmazonEKSComputePolicy', 'AmazonEKSBlockStoragePolicy', 'AmazonEKSLoadBalancingPolicy', 'AmazonEKSNetworkingPolicy']) {
      findings.push({
        on: cluster.role,
        id: `AwsSolutions-IAM4[${managedPolicy(policy)}]`,
        reason: `EKS Auto Mode runs the cluster's nodes, volumes, load balancers and networking with ${policy} on the cluster role, as AWS requires and maintains it.`,
      });
    }
    for (const policy of ['AmazonEKSWorkerNodePolicy', 'AmazonEC2ContainerRegistryReadOnly']) {
      findings.push({
        on: autoModeNodes,
        id: `AwsSolutions-IAM4[${managedPolicy(policy)}]`,
        reason: `EKS Auto Mode nodes need ${policy} (join the cluster, pull images); AWS maintains it as EKS changes.`,
      });
    }
  }
  return findings;
}

/** Acknowledges the reviewed findings of an EksClusterStack, each with its reason. */
export function suppressReviewedFindings(stack: EksClusterStack): void {
  for (const { on, id, reason } of reviewedFindings(stack)) Validations.of(on).acknowledge({ id, reason });
}
