import type { EksClusterConfig } from '../../../config/eks-cluster-config';

/** A cluster unlike config/targets.ts's: EKS Auto Mode, the API server reachable only inside its VPC, two zones, admin roles. */
export const PRIVATE_AUTO_MODE: EksClusterConfig = {
  region: 'eu-west-1',
  zones: ['eu-west-1a', 'eu-west-1b'],
  kubernetesVersion: '1.36',
  vpcCidr: '10.20.0.0/18',
  nodes: { kind: 'auto' },
  endpoint: 'private',
  controlPlaneLogs: ['api', 'audit'],
  natGateways: 1,
  adminRoles: ['arn:aws:iam::123456789012:role/operators', 'arn:aws:iam::123456789012:role/ci'],
};
