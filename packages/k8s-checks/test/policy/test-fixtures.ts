// The reference "production-grade" manifests of one web service: the smallest set of
// objects and fields that passes all four rule sets with zero findings. Construct authors
// follow this (see the checklist at the top of ./README.md); the policy tests mutate it.

import { KubeObject } from '../../src/policy/types';

export interface FixtureOptions {
  /** Name of the service (Deployment, Service, ...). Default 'web'. */
  readonly name?: string;
  /** Namespace of the target. Default 'mincloud'. */
  readonly namespace?: string;
  /** Image reference. Default 'registry.example.com/mincloud/web:1.0.0'. */
  readonly image?: string;
  /** Pin the image by digest ('repo@sha256:...') instead of a tag. */
  readonly digest?: boolean;
  /** Scale with an HPA (autoscaling/v2) instead of a fixed replica count. */
  readonly hpa?: boolean;
  /** Add an Ingress (networking.k8s.io/v1, with TLS) in front of the Service. */
  readonly ingress?: boolean;
  /** Add a ConfigMap with non-sensitive settings. */
  readonly configMap?: boolean;
  /** Add a namespace-wide default-deny NetworkPolicy next to the service's own one. */
  readonly defaultDeny?: boolean;
}

export const FIXTURE_DIGEST = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
export const FIXTURE_UID = 10101;

/** Returns fresh, fully hardened manifests (safe to mutate). */
export function compliantManifests(options: FixtureOptions = {}): KubeObject[] {
  const name = options.name ?? 'web';
  const namespace = options.namespace ?? 'mincloud';
  const image = options.digest
    ? `${(options.image ?? 'registry.example.com/mincloud/web:1.0.0').replace(/[:@].*$/, '')}@${FIXTURE_DIGEST}`
    : options.image ?? 'registry.example.com/mincloud/web:1.0.0';
  const selector = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': name };
  const labels = {
    ...selector,
    'app.kubernetes.io/version': '1.0.0',
    'app.kubernetes.io/component': 'server',
    'app.kubernetes.io/part-of': 'mincloud',
    'app.kubernetes.io/managed-by': 'cdk8s',
  };
  const meta = (objectName: string, extra: Record<string, unknown> = {}) => ({ name: objectName, namespace, labels: { ...labels }, ...extra });

  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta(name, options.hpa ? {
      annotations: {
        // Polaris requires spec.replicas >= 2, kube-score requires it unset under an HPA: the HPA wins.
        'polaris.fairwinds.com/deploymentMissingReplicas-exempt': 'true',
        'policy.mincloud.dev/reason': 'polaris deploymentMissingReplicas: replicas are managed by the HorizontalPodAutoscaler (minReplicas 2)',
      },
    } : {}),
    spec: {
      ...(options.hpa ? {} : { replicas: 2 }),
      revisionHistoryLimit: 5,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      selector: { matchLabels: { ...selector } },
      template: {
        metadata: { labels: { ...labels } },
        spec: {
          serviceAccountName: name,
          automountServiceAccountToken: false,
          priorityClassName: 'mincloud-service',
          securityContext: {
            runAsNonRoot: true,
            runAsUser: FIXTURE_UID,
            runAsGroup: FIXTURE_UID,
            fsGroup: FIXTURE_UID,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [{
            name,
            image,
            imagePullPolicy: 'Always',
            ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
            env: [{ name: 'PORT', value: '8080' }],
            resources: {
              requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
              limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '128Mi' },
            },
            securityContext: {
              allowPrivilegeEscalation: false,
              readOnlyRootFilesystem: true,
              runAsNonRoot: true,
              runAsUser: FIXTURE_UID,
              runAsGroup: FIXTURE_UID,
              privileged: false,
              capabilities: { drop: ['ALL'] },
              seccompProfile: { type: 'RuntimeDefault' },
            },
            startupProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 2, failureThreshold: 30 },
            livenessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 10, failureThreshold: 3 },
            readinessProbe: { httpGet: { path: '/readyz', port: 'http' }, periodSeconds: 5, failureThreshold: 2 },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
          topologySpreadConstraints: ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'].map((topologyKey) => ({
            maxSkew: 1,
            topologyKey,
            whenUnsatisfiable: 'ScheduleAnyway',
            labelSelector: { matchLabels: { ...selector } },
          })),
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [{
                weight: 100,
                podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { ...selector } } },
              }],
            },
          },
        },
      },
    },
  };

  const out: KubeObject[] = [
    {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: namespace,
        labels: {
          'app.kubernetes.io/part-of': 'mincloud',
          'app.kubernetes.io/managed-by': 'cdk8s',
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'v1.27',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(name), automountServiceAccountToken: false },
    deployment,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(name),
      spec: {
        type: 'ClusterIP',
        selector: { ...selector },
        ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }],
      },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: meta(name),
      spec: {
        maxUnavailable: 1,
        unhealthyPodEvictionPolicy: 'AlwaysAllow',
        selector: { matchLabels: { ...selector } },
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(name),
      spec: {
        // Exactly one pod label: Polaris' missingNetworkPolicy matches the labels with oneOf.
        podSelector: { matchLabels: { 'app.kubernetes.io/instance': name } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: [{
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }],
          ports: [{ protocol: 'TCP', port: 8080 }],
        }],
        egress: [{
          to: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
            podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
          }],
          ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
        }],
      },
    },
  ];

  if (options.defaultDeny) {
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('default-deny'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  }

  if (options.hpa) {
    out.push({
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: meta(name),
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name },
        minReplicas: 2,
        maxReplicas: 6,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
          { type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } } },
        ],
      },
    });
  }

  if (options.ingress) {
    out.push({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: meta(name),
      spec: {
        ingressClassName: 'nginx',
        tls: [{ hosts: ['web.example.com'], secretName: `${name}-tls` }],
        rules: [{
          host: 'web.example.com',
          http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name, port: { name: 'http' } } } }] },
        }],
      },
    });
  }

  if (options.configMap) {
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(`${name}-config`), data: { LOG_LEVEL: 'info', FEATURE_FLAGS: 'search,preview' } });
  }
  return out;
}

/** Every optional object at once: Ingress, ConfigMap, default-deny NetworkPolicy. */
export function fullCompliantManifests(options: FixtureOptions = {}): KubeObject[] {
  return compliantManifests({ ingress: true, configMap: true, defaultDeny: true, ...options });
}

/** The compliant fixture with the Deployment turned into a StatefulSet behind a headless Service. */
export function statefulSetManifests(options: FixtureOptions = {}): any[] {
  const m: any[] = compliantManifests(options);
  const d = find(m, 'Deployment');
  d.kind = 'StatefulSet';
  delete d.spec.strategy;
  d.spec.updateStrategy = { type: 'RollingUpdate' };
  d.spec.serviceName = `${d.metadata.name}-headless`;
  const svc = JSON.parse(JSON.stringify(find(m, 'Service')));
  svc.metadata.name = d.spec.serviceName;
  svc.spec.clusterIP = 'None';
  m.push(svc);
  return m;
}

/** The object of the given kind (and name) in a fixture list. */
export function find(manifests: readonly KubeObject[], kind: string, name?: string): any {
  const m = manifests.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  if (!m) throw new Error(`no ${kind}${name ? `/${name}` : ''} in the fixture`);
  return m;
}

/** The pod spec of the fixture's Deployment. */
export function podSpec(manifests: readonly KubeObject[]): any {
  return find(manifests, 'Deployment').spec.template.spec;
}

/** The first container of the fixture's Deployment. */
export function container(manifests: readonly KubeObject[]): any {
  return podSpec(manifests).containers[0];
}

/**
 * The same service as a Knative Service (serving.knative.dev/v1): the workload's metadata and
 * pod template moved into `spec.template`, beside the ServiceAccount, NetworkPolicies and
 * whatever else does not belong to a Deployment. The objects only a Deployment uses are left
 * out: the Service and the HorizontalPodAutoscaler (Knative routes to and scales the pods
 * itself), the PodDisruptionBudget and an Ingress to the Service.
 */
export function toKnative(manifests: readonly KubeObject[]): any[] {
  const workload: any = manifests.find((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');
  if (!workload) throw new Error('no Deployment or StatefulSet in the fixture');
  const service = {
    apiVersion: 'serving.knative.dev/v1',
    kind: 'Service',
    metadata: workload.metadata,
    spec: { template: workload.spec.template },
  };
  const dropped = new Set(['Deployment', 'StatefulSet', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'Ingress']);
  const rest = manifests.filter((m) => !(dropped.has(m.kind) && !m.apiVersion.startsWith('serving.knative.dev/')));
  return [...rest, service];
}

/** The compliant fixture as a Knative Service (see `toKnative`). */
export function knativeManifests(options: FixtureOptions = {}): any[] {
  return toKnative(compliantManifests(options));
}

/** The fixture's Knative Service. */
export function knativeService(manifests: readonly KubeObject[]): any {
  const m = manifests.find((x) => x.kind === 'Service' && x.apiVersion === 'serving.knative.dev/v1');
  if (!m) throw new Error('no Knative Service in the fixture');
  return m;
}
