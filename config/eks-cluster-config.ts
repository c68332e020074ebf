import { BlockList, isIPv4 } from 'net';
import { checkKnownProps, PropKeys } from '../lib/validation/known-props';
import { checkInteger, checkOneOf, PropValidationError } from '../lib/validation/prop-errors';

/** EKS control plane log types (CloudWatch Logs), as the EKS API names them. */
export type EksControlPlaneLog = 'api' | 'audit' | 'authenticator' | 'controllerManager' | 'scheduler';
export const EKS_CONTROL_PLANE_LOGS: readonly EksControlPlaneLog[] = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

/** A managed node group: EC2 instances EKS keeps patched, spread over the cluster's zones. */
export interface EksManagedNodes {
  readonly kind: 'managed';
  /** EC2 instance types, the first preferred, e.g. ['m7i.large']; x86_64, as the site image is built. */
  readonly instanceTypes: readonly string[];
  /** Fewest nodes. At least the number of zones, so every zone has one. */
  readonly minSize: number;
  /** Most nodes (the node group's autoscaling bound). */
  readonly maxSize: number;
}

/** EKS Auto Mode: EKS picks, runs and patches the nodes (and its own load balancer and storage controllers). */
export interface EksAutoModeNodes {
  readonly kind: 'auto';
}

/**
 * Where the cluster's Kubernetes API server answers: only inside its VPC, or also from the
 * internet but only from these CIDR ranges (the operators' and CI's egress addresses), which
 * `npm run deploy` and Argo CD need when they run outside the VPC.
 */
export type EksEndpointAccess = 'private' | { readonly publicCidrs: readonly string[] };

/**
 * An EKS cluster that `npm run clusters` (packages/clusters, the AWS CDK) defines for a cluster
 * of the clusters map: its own VPC, a KMS key for Secrets, control plane logs, the EKS Pod
 * Identity agent, node capacity, and the chart of every target placed on it.
 */
export interface EksClusterConfig {
  /** AWS region, e.g. 'eu-central-1'. */
  readonly region: string;
  /** Availability zones of the region the cluster spans (two or three), e.g. ['eu-central-1a', 'eu-central-1b', 'eu-central-1c']. */
  readonly zones: readonly string[];
  /** Kubernetes minor version, e.g. '1.36': one EKS supports, with a kubectl layer in packages/clusters. */
  readonly kubernetesVersion: string;
  /**
   * The VPC's IPv4 range. Pods get VPC addresses (Amazon VPC CNI), so it must lie within the
   * cluster's podNetwork, which the site trusts for the client address.
   */
  readonly vpcCidr: string;
  /** Node capacity: a managed node group or EKS Auto Mode. */
  readonly nodes: EksManagedNodes | EksAutoModeNodes;
  /** Where the API server answers. */
  readonly endpoint: EksEndpointAccess;
  /** Control plane logs sent to CloudWatch Logs. @default - all five */
  readonly controlPlaneLogs?: readonly EksControlPlaneLog[];
  /** NAT gateways for the private subnets' egress: one per zone survives a zone's loss. @default - one per zone */
  readonly natGateways?: number;
  /**
   * IAM roles (ARNs) given cluster admin (AmazonEKSClusterAdminPolicy) by an access entry: the
   * operators' and CI's, for `npm run deploy`, Argo CD and kubectl.
   * @default - none: only the kubectl function and the role CloudFormation deploys with
   */
  readonly adminRoles?: readonly string[];
}

const EKS_KEYS: PropKeys<EksClusterConfig> = {
  region: true, zones: true, kubernetesVersion: true, vpcCidr: true, nodes: true, endpoint: true, controlPlaneLogs: true, natGateways: true, adminRoles: true,
};
const MANAGED_KEYS: PropKeys<EksManagedNodes> = { kind: true, instanceTypes: true, minSize: true, maxSize: true };

const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;

/** An IPv4 CIDR range as [address, prefix], or undefined when it is not one. */
function parseIpv4Cidr(cidr: unknown): [string, number] | undefined {
  if (typeof cidr !== 'string') return undefined;
  const [address, prefix, ...rest] = cidr.split('/');
  if (rest.length > 0 || !isIPv4(address) || !/^\d{1,2}$/.test(prefix ?? '') || Number(prefix) > 32) return undefined;
  return [address, Number(prefix)];
}

/** Whether every address of `inner` lies in `outer` (IPv4 ranges; an IPv6 `outer` holds none). */
function within(inner: [string, number], outer: string): boolean {
  const range = parseIpv4Cidr(outer);
  if (!range || inner[1] < range[1]) return false;
  const list = new BlockList();
  list.addSubnet(range[0], range[1], 'ipv4');
  return list.check(inner[0], 'ipv4');
}

/**
 * Checks a cluster's `eks` settings; throws naming the cluster, the field, the value and the
 * fix. `podNetwork` is the cluster's, which the VPC must lie within.
 */
export function checkEksCluster(cluster: string, eks: EksClusterConfig, podNetwork: readonly string[] | undefined): void {
  const where = `cluster "${cluster}"`;
  checkKnownProps(where, 'eks', eks, EKS_KEYS);
  if (typeof eks.region !== 'string' || !REGION.test(eks.region)) {
    throw new PropValidationError(where, 'eks.region', eks.region, 'use an AWS region name such as "eu-central-1"');
  }
  if (!Array.isArray(eks.zones) || eks.zones.length < 2 || eks.zones.length > 3 || new Set(eks.zones).size !== eks.zones.length) {
    throw new PropValidationError(where, 'eks.zones', eks.zones, `name two or three different zones of ${eks.region}, e.g. ["${eks.region}a", "${eks.region}b", "${eks.region}c"]`);
  }
  for (const zone of eks.zones) {
    if (typeof zone !== 'string' || !new RegExp(`^${eks.region}[a-z]$`).test(zone)) {
      throw new PropValidationError(where, 'eks.zones', zone, `name a zone of the cluster's region ${eks.region}, e.g. "${eks.region}a"`);
    }
  }
  if (typeof eks.kubernetesVersion !== 'string' || !/^1\.\d+$/.test(eks.kubernetesVersion)) {
    throw new PropValidationError(where, 'eks.kubernetesVersion', eks.kubernetesVersion, 'use a Kubernetes minor version such as "1.36"');
  }
  const vpc = parseIpv4Cidr(eks.vpcCidr);
  if (!vpc || vpc[1] < 16 || vpc[1] > 20) {
    throw new PropValidationError(where, 'eks.vpcCidr', eks.vpcCidr, 'use an IPv4 range from /16 to /20 (a VPC holds at most a /16; pods take an address each), e.g. "10.0.0.0/16"');
  }
  if (!(podNetwork ?? []).some((range) => within(vpc, range))) {
    throw new PropValidationError(where, 'eks.vpcCidr', eks.vpcCidr,
      `pods get VPC addresses, and the site trusts only the cluster's podNetwork (${JSON.stringify(podNetwork ?? [])}) for client addresses: `
      + 'use a VPC range within it, or set podNetwork to the VPC range');
  }
  checkNodes(where, eks);
  checkEndpoint(where, eks.endpoint);
  for (const log of eks.controlPlaneLogs ?? []) checkOneOf(where, 'eks.controlPlaneLogs', log, EKS_CONTROL_PLANE_LOGS);
  if (eks.natGateways !== undefined) checkInteger(where, 'eks.natGateways', eks.natGateways, 1, eks.zones.length);
  for (const role of eks.adminRoles ?? []) {
    if (typeof role !== 'string' || !/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/.test(role)) {
      throw new PropValidationError(where, 'eks.adminRoles', role, 'use an IAM role ARN such as "arn:aws:iam::123456789012:role/operators"');
    }
  }
}

function checkNodes(where: string, eks: EksClusterConfig): void {
  const nodes = eks.nodes;
  checkOneOf(where, 'eks.nodes.kind', nodes?.kind, ['managed', 'auto']);
  if (nodes.kind !== 'managed') return;
  checkKnownProps(where, 'eks.nodes', nodes, MANAGED_KEYS);
  if (!Array.isArray(nodes.instanceTypes) || nodes.instanceTypes.length === 0 || nodes.instanceTypes.some((t) => typeof t !== 'string' || !/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(t))) {
    throw new PropValidationError(where, 'eks.nodes.instanceTypes', nodes.instanceTypes, 'list EC2 instance types such as ["m7i.large"]');
  }
  // The nodes run Amazon Linux 2023 for x86_64: a Graviton type (m7g, c7gn, ...) would need arm64 nodes and images.
  const arm = nodes.instanceTypes.find((t) => /^[a-z]+\d+[a-z]*g[a-z]*\./.test(t));
  if (arm) {
    throw new PropValidationError(where, 'eks.nodes.instanceTypes', arm, 'use an x86_64 instance type such as "m7i.large": the nodes and the site image are x86_64, this one is Graviton (arm64)');
  }
  checkInteger(where, 'eks.nodes.minSize', nodes.minSize, eks.zones.length, 450);
  checkInteger(where, 'eks.nodes.maxSize', nodes.maxSize, nodes.minSize, 450);
}

function checkEndpoint(where: string, endpoint: EksEndpointAccess): void {
  if (endpoint === 'private') return;
  const cidrs = typeof endpoint === 'object' && endpoint !== null ? endpoint.publicCidrs : undefined;
  if (!Array.isArray(cidrs) || cidrs.length === 0) {
    throw new PropValidationError(where, 'eks.endpoint', endpoint, "use 'private', or { publicCidrs: ['203.0.113.0/24'] } with the ranges allowed to reach the API server");
  }
  for (const cidr of cidrs) {
    const range = parseIpv4Cidr(cidr);
    if (!range || range[1] === 0) {
      throw new PropValidationError(where, 'eks.endpoint.publicCidrs', cidr, 'use IPv4 ranges narrower than the whole internet, e.g. "203.0.113.0/24"');
    }
  }
}
