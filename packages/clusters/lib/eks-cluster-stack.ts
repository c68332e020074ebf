import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as eks from 'aws-cdk-lib/aws-eks-v2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Chart } from 'cdk8s';
import type { Construct } from 'constructs';
import { EKS_CONTROL_PLANE_LOGS, EksClusterConfig } from '../../../config/eks-cluster-config';
import { crdsFor } from '../../../app/project-crds';
import { kubectlLayer } from './kubectl-layer';
import { suppressReviewedFindings } from './nag-suppressions';

/** A chart of the app, synthesized for this cluster, to deploy on it. */
export interface ClusterChart {
  /** The target the chart is, e.g. `prod`: its construct id in the stack. */
  readonly target: string;
  /** The target's chart for this cluster, as main.ts builds it. */
  readonly chart: Chart;
}

export interface EksClusterStackProps extends StackProps {
  /** The cluster's key in config/targets.ts, e.g. `prod-eu`. */
  readonly clusterName: string;
  /** Its kubeconfig context there: the alias the kubeconfig command below gives it. */
  readonly context: string;
  /** Its `eks` settings, checked (resolveTargets). */
  readonly eks: EksClusterConfig;
  /** The charts to deploy on it, in order. @default - none: the cluster alone */
  readonly charts?: readonly ClusterChart[];
  /**
   * Acknowledge the reviewed findings of cdk-nag and CloudFormation's validation
   * (lib/nag-suppressions.ts), each with its reason; false shows them all, to review them again.
   * @default true
   */
  readonly acknowledgeReviewedFindings?: boolean;
}

/**
 * One EKS cluster in its own VPC, and the app's charts on it: `cdk deploy` creates the network,
 * the cluster and its nodes, then applies each chart with kubectl from a Lambda function (the
 * kubectl layer). The region is fixed, the account is the deployer's, so `cdk synth` needs none.
 */
export class EksClusterStack extends Stack {
  public readonly vpc: ec2.Vpc;
  public readonly cluster: eks.Cluster;
  /** Encrypts the cluster's Secrets in etcd (envelope encryption). */
  public readonly secretsKey: kms.Key;
  /** One manifest resource per chart, by target name. */
  public readonly charts: Readonly<Record<string, eks.KubernetesManifest>>;
  /** One manifest resource per CRD the charts' custom resources need, by CRD name; each chart depends on its own. */
  public readonly crds: Readonly<Record<string, eks.KubernetesManifest>>;

  public constructor(scope: Construct, id: string, props: EksClusterStackProps) {
    super(scope, id, { ...props, env: { region: props.eks.region, account: props.env?.account } });
    const settings = props.eks;
    const prefix = Number(settings.vpcCidr.split('/')[1]);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(settings.vpcCidr),
      availabilityZones: [...settings.zones],
      natGateways: settings.natGateways ?? settings.zones.length,
      // Nodes and pods live in the private subnets (each pod takes a VPC address): they get most
      // of the range; the public ones hold only the NAT gateways and internet-facing load balancers.
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: prefix + 8 },
        { name: 'private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: prefix + 3 },
      ],
      flowLogs: {
        all: {
          trafficType: ec2.FlowLogTrafficType.ALL,
          destination: ec2.FlowLogDestination.toCloudWatchLogs(new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.THREE_MONTHS })),
        },
      },
    });

    this.secretsKey = new kms.Key(this, 'SecretsKey', {
      description: `Encrypts the Kubernetes Secrets of EKS cluster ${props.clusterName}`,
      enableKeyRotation: true,
    });

    const endpoint = settings.endpoint;
    const auto = settings.nodes.kind === 'auto';
    this.cluster = new eks.Cluster(this, 'Cluster', {
      version: eks.KubernetesVersion.of(settings.kubernetesVersion),
      vpc: this.vpc,
      vpcSubnets: [{ subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }],
      endpointAccess: endpoint === 'private' ? eks.EndpointAccess.PRIVATE : eks.EndpointAccess.PUBLIC_AND_PRIVATE.onlyFrom(...endpoint.publicCidrs),
      secretsEncryptionKey: this.secretsKey,
      clusterLogging: [...(settings.controlPlaneLogs ?? EKS_CONTROL_PLANE_LOGS)].map((log) => log as eks.ClusterLoggingTypes),
      kubectlProviderOptions: {
        // aws-cdk-lib runs the kubectl function in the private subnets: it reaches the API server
        // through the private endpoint, which every cluster here has.
        kubectlLayer: kubectlLayer(this, 'KubectlLayer', props.clusterName, settings.kubernetesVersion),
      },
      defaultCapacityType: auto ? eks.DefaultCapacityType.AUTOMODE : eks.DefaultCapacityType.NODEGROUP,
      defaultCapacity: auto ? undefined : 0,
      compute: auto ? { nodePools: ['system', 'general-purpose'] } : undefined,
      outputConfigCommand: false,
    });

    if (settings.nodes.kind === 'managed') {
      this.cluster.addNodegroupCapacity('Nodes', {
        instanceTypes: settings.nodes.instanceTypes.map((t) => new ec2.InstanceType(t)),
        // EKS has no Amazon Linux 2 nodes for Kubernetes 1.33 and later (aws-cdk-lib's default).
        amiType: eks.NodegroupAmiType.AL2023_X86_64_STANDARD,
        minSize: settings.nodes.minSize,
        maxSize: settings.nodes.maxSize,
        desiredSize: settings.nodes.minSize,
        subnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      });
      // Pod Identity: a workload gets AWS permissions through an association of its service
      // account with an IAM role, without an OIDC provider. Auto Mode has the agent built in.
      void this.cluster.eksPodIdentityAgent;
    }

    // People and CI reach the cluster through access entries (the cluster's only authentication mode).
    const admin = eks.AccessPolicy.fromAccessPolicyName('AmazonEKSClusterAdminPolicy', { accessScopeType: eks.AccessScopeType.CLUSTER });
    for (const [i, role] of (settings.adminRoles ?? []).entries()) this.cluster.grantAccess(`Admin${i + 1}`, role, [admin]);

    // A new cluster has no CRDs: the charts' custom resources (a Certificate, a ServiceMonitor,
    // ...) are applied after the CRDs of crds/, the versions the synth validates them against,
    // so that the first deploy succeeds before their controllers are installed. One resource
    // per CRD keeps each request to the kubectl function small.
    const manifests: Record<string, eks.KubernetesManifest> = {};
    const crds: Record<string, eks.KubernetesManifest> = {};
    for (const { target, chart } of props.charts ?? []) {
      const manifest = this.cluster.addCdk8sChart(`chart-${target}`, chart);
      for (const crd of crdsFor(chart.toJson(), `target "${target}" on cluster "${props.clusterName}"`)) {
        crds[crd.name] ??= this.cluster.addManifest(`crd-${crd.name}`, structuredClone(crd.object));
        manifest.node.addDependency(crds[crd.name]);
      }
      manifests[target] = manifest;
    }
    this.charts = manifests;
    this.crds = crds;

    // The kubeconfig context named as config/targets.ts names it, for npm run deploy and kubectl.
    new CfnOutput(this, 'KubeconfigCommand', {
      description: `Adds the cluster to the kubeconfig as context "${props.context}"`,
      value: `aws eks update-kubeconfig --region ${settings.region} --name ${this.cluster.clusterName} --alias ${props.context}`,
    });

    // Reviewed findings of cdk-nag and CloudFormation's validation, in what aws-cdk-lib
    // generates, each with its reason: the rest of a report is this stack's to fix.
    if (props.acknowledgeReviewedFindings ?? true) suppressReviewedFindings(this);
  }
}
