import { ApiObject, Chart, Duration, Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import * as cm from '../imports/cert-manager-certificate-cert-manager.io';
import * as k8s from '../imports/k8s';
import * as traefik from '../imports/traefik-ingressroute-traefik.io';
import * as traefikMw from '../imports/traefik-middleware-traefik.io';
import { IngressController } from './ingress-controller';
import { IngressSource } from './ingress-source';
import { IngressTls } from './ingress-tls';
import { recommendedLabels } from './labels';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { checkDnsLabel, PropValidationError } from './validation/prop-errors';
import { WebService } from './web-service';
import { checkSameNamespace, UniqueClaims } from './validation/cross-object';
import { checkHostListedOnce } from './validation/host-list';

/** One path of the Ingress and the service it goes to. */
export interface IngressRoute {
  /** URL path prefix, e.g. `/` or `/api`. */
  readonly path: string;
  readonly service: WebService;
  /** @default 'Prefix' */
  readonly pathType?: 'Prefix' | 'Exact';
}

export interface WebIngressProps {
  /** Which controller serves it. */
  readonly controller: IngressController;
  /** Host names it answers for; every route is served on each. */
  readonly hosts: string[];
  /** Paths and their services; more with `addRoute`. @default - none */
  readonly routes?: IngressRoute[];
  /** TLS certificate. @default - plain HTTP only */
  readonly tls?: IngressTls;
  /** Redirect HTTP to HTTPS. @default true when `tls` is set */
  readonly redirectToHttps?: boolean;
  /**
   * HTTP Strict Transport Security on the HTTPS answers, sent by the ingress itself: browsers
   * then use HTTPS only for this long (`Strict-Transport-Security: max-age=<seconds>`, without
   * includeSubDomains: other subdomains are not this app's to commit). Needs `tls`.
   * `Duration.seconds(0)` tells browsers to forget an earlier max-age.
   *
   * Who sends HSTS:
   * - Traefik: a `headers` Middleware (stsSeconds) on the HTTPS routes, set by this prop.
   * - ingress-nginx: not this Ingress. An Ingress can add response headers there only through
   *   a controller setting (`custom-headers` needs the header listed in the controller's
   *   `global-allowed-response-headers`, and without it the controller refuses the whole
   *   location), so nothing here depends on one: the site's nginx sends HSTS itself on answers
   *   to requests that reached the ingress over HTTPS (`X-Forwarded-Proto: https` from a
   *   trusted proxy), and the controller's own `hsts` setting (on by default) may add its own.
   *   Setting this prop with ingress-nginx is refused.
   * @default Duration.days(365) with Traefik whenever `tls` is set; none with ingress-nginx
   */
  readonly hstsMaxAge?: Duration;
  /** Name of the Ingress. @default - the construct id */
  readonly name?: string;
  /** `app.kubernetes.io/part-of`. @default 'mincloud' */
  readonly partOf?: string;
  /** `app.kubernetes.io/version`. @default - the first routed service's version */
  readonly version?: string;
  /**
   * With Traefik: route with its IngressRoute custom resources instead of an Ingress (needs
   * Traefik's CRDs in the cluster). @default false
   */
  readonly traefikCrds?: boolean;
}

const WEB_INGRESS_PROPS: PropKeys<WebIngressProps> = {
  controller: true,
  hosts: true,
  routes: true,
  tls: true,
  redirectToHttps: true,
  name: true,
  partOf: true,
  version: true,
  traefikCrds: true,
  hstsMaxAge: true,
};
const ROUTE_KEYS: PropKeys<IngressRoute> = { path: true, service: true, pathType: true };

/** A host and path is served by one route per app (one cluster, one ingress controller). */
const HOST_PATHS = new UniqueClaims('host and path');

/** One year: the max-age HSTS preload lists ask for, and long enough to matter between visits. */
const DEFAULT_HSTS_MAX_AGE = Duration.days(365);

const HOST = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const PATH = /^\/[A-Za-z0-9._~\-/]*$/;

/**
 * An Ingress in front of web services: host and path routing, TLS from a Secret or from
 * cert-manager, and HTTP→HTTPS redirect, spelled for ingress-nginx or Traefik. Each routed
 * service then admits traffic only from the controller's namespace.
 */
export class WebIngress extends Construct {
  public readonly name: string;
  public readonly controller: IngressController;
  /** The Ingress; undefined when Traefik's IngressRoutes are used instead. */
  public readonly ingress?: k8s.KubeIngress;
  /** Traefik IngressRoutes (HTTPS, and the HTTP one that redirects), with `traefikCrds`. */
  public readonly ingressRoutes: traefik.IngressRoute[] = [];
  /** Extra objects a controller or TLS option needs (cert-manager Certificate, Traefik Middleware). */
  public readonly extras: ApiObject[] = [];

  /**
   * The HSTS max-age in seconds this ingress sends; undefined when it sends none (no TLS, or
   * ingress-nginx, where the service behind it sends HSTS: see `hstsMaxAge`).
   */
  public readonly hstsSeconds?: number;

  private readonly routes: IngressRoute[] = [];
  private readonly props: WebIngressProps;

  public constructor(scope: Construct, id: string, props: WebIngressProps) {
    super(scope, id);
    checkKnownProps(this, 'props', props, WEB_INGRESS_PROPS);
    (props.routes ?? []).forEach((r, i) => checkKnownProps(this, `props.routes[${i}]`, r, ROUTE_KEYS));
    this.props = props;
    this.name = props.name ?? id;
    this.controller = props.controller;
    checkDnsLabel(this, 'name', this.name);
    if (!props.hosts || props.hosts.length === 0) {
      throw new PropValidationError(this, 'hosts', props.hosts, 'name at least one host, e.g. ["www.example.com"]');
    }
    props.hosts.forEach((host, i) => {
      if (!HOST.test(host) || host.length > 253) {
        throw new PropValidationError(this, 'hosts', host, 'use a fully qualified lower-case DNS name such as "www.example.com"');
      }
      checkHostListedOnce(this, 'hosts', props.hosts, i);
    });
    if (props.redirectToHttps && !props.tls) {
      throw new PropValidationError(this, 'redirectToHttps', true, 'a redirect to HTTPS needs tls (IngressTls.fromSecret or IngressTls.certManager)');
    }

    if (props.traefikCrds && !this.controller.hasIngressRoutes) {
      throw new PropValidationError(this, 'traefikCrds', true, 'IngressRoutes are Traefik\'s; use IngressController.traefik() or drop traefikCrds');
    }
    if (props.hstsMaxAge !== undefined && !props.tls) {
      throw new PropValidationError(this, 'hstsMaxAge', `${props.hstsMaxAge.toSeconds({ integral: false })}s`, 'HSTS is sent over HTTPS only: set tls (IngressTls.fromSecret or IngressTls.certManager), or drop hstsMaxAge');
    }
    if (props.hstsMaxAge !== undefined && !this.controller.sendsHsts) {
      throw new PropValidationError(this, 'hstsMaxAge', `${props.hstsMaxAge.toSeconds({ integral: false })}s`,
        'an Ingress for ingress-nginx cannot add response headers without a controller setting; the site\'s nginx sends HSTS over HTTPS itself: drop hstsMaxAge');
    }
    this.hstsSeconds = props.tls && this.controller.sendsHsts ? (props.hstsMaxAge ?? DEFAULT_HSTS_MAX_AGE).toSeconds({ integral: false }) : undefined;
    if (this.hstsSeconds !== undefined && (!Number.isInteger(this.hstsSeconds) || this.hstsSeconds < 0)) {
      throw new PropValidationError(this, 'hstsMaxAge', `${this.hstsSeconds}s`, 'use whole seconds, 0 or more, e.g. Duration.days(365)');
    }
    const redirect = props.redirectToHttps ?? props.tls !== undefined;
    const namespace = Chart.of(this).namespace ?? 'default';
    const labels = this.labels();
    if (redirect && this.controller.redirectsWithMiddleware) {
      this.extras.push(new traefikMw.Middleware(this, 'RedirectHttps', {
        metadata: { name: `${this.name}-redirect-https`, labels },
        spec: { redirectScheme: { scheme: 'https', permanent: true } },
      }));
    }
    if (this.hstsSeconds !== undefined) {
      this.extras.push(new traefikMw.Middleware(this, 'Hsts', {
        metadata: { name: `${this.name}-hsts`, labels },
        spec: { headers: { stsSeconds: this.hstsSeconds } },
      }));
    }
    const cmOptions = props.tls?.certManagerOptions;
    if (cmOptions?.certificateResource) {
      this.extras.push(new cm.Certificate(this, 'Certificate', {
        metadata: { name: this.tlsSecretName!, labels },
        spec: {
          secretName: this.tlsSecretName!,
          dnsNames: [...props.hosts],
          issuerRef: { name: cmOptions.issuer, kind: cmOptions.issuerKind ?? 'ClusterIssuer', group: 'cert-manager.io' },
        },
      }));
    }
    if (props.traefikCrds) {
      this.ingressRoutes.push(new traefik.IngressRoute(this, 'Resource', {
        metadata: { name: this.name, labels },
        spec: Lazy.any({ produce: () => this.renderIngressRoute(props.tls ? ['websecure'] : ['web'], undefined, this.hstsSeconds !== undefined ? `${this.name}-hsts` : undefined) }),
      }));
      if (redirect) {
        this.ingressRoutes.push(new traefik.IngressRoute(this, 'HttpRedirect', {
          metadata: { name: `${this.name}-http`, labels },
          spec: this.renderIngressRoute(['web'], `${this.name}-redirect-https`, undefined),
        }));
      }
    } else {
      const annotations = this.annotations(redirect, namespace);
      this.ingress = new k8s.KubeIngress(this, 'Resource', {
        // Metadata is fixed at construction (cdk8s copies labels and annotations eagerly).
        metadata: { name: this.name, labels, ...(annotations ? { annotations } : {}) },
        spec: Lazy.any({ produce: () => this.renderSpec() }),
      });
    }
    for (const route of props.routes ?? []) this.addRoute(route);
  }

  /** Routes a path to a service, and admits the controller's traffic to that service. */
  public addRoute(route: IngressRoute): void {
    if (!PATH.test(route.path)) {
      throw new PropValidationError(this, 'routes.path', route.path, 'use an absolute URL path such as "/" or "/api"');
    }
    if (this.routes.some((r) => r.path === route.path)) {
      throw new PropValidationError(this, 'routes.path', route.path, 'each path can be routed once');
    }
    checkSameNamespace(this, 'routes.service', route.service, 'an Ingress only routes to Services of its own namespace: create the WebIngress in the service\'s chart');
    for (const host of this.props.hosts) {
      HOST_PATHS.claim(this, 'routes.path', `${host}${route.path}`, `${host}${route.path}`, 'the ingress controller would send the requests to one of them; route each host and path once');
    }
    this.routes.push(route);
    route.service.allowFrom(IngressSource.namespace(this.controller.namespace));
  }

  /** The Secret holding the certificate, when TLS is on. */
  public get tlsSecretName(): string | undefined {
    const tls = this.props.tls;
    if (!tls) return undefined;
    return tls.secretName ?? `${this.name}-tls`;
  }

  private labels(): Record<string, string> {
    const first = this.props.routes?.[0]?.service;
    return recommendedLabels({
      name: this.name,
      instance: this.name,
      version: this.props.version ?? first?.image.version ?? 'unversioned',
      component: 'ingress',
      partOf: this.props.partOf ?? 'mincloud',
    });
  }

  private annotations(redirect: boolean, namespace: string): Record<string, string> | undefined {
    const out: Record<string, string> = {};
    const tls = this.props.tls;
    const shim = tls?.certManagerOptions;
    if (shim && !shim.certificateResource) {
      // cert-manager's ingress-shim creates the Certificate from these.
      out[shim.issuerKind === 'Issuer' ? 'cert-manager.io/issuer' : 'cert-manager.io/cluster-issuer'] = shim.issuer;
    }
    Object.assign(out, this.controller.annotations({ name: this.name, namespace, redirect, tls: tls !== undefined, hsts: this.hstsSeconds !== undefined }));
    return Object.keys(out).length > 0 ? out : undefined;
  }

  private renderIngressRoute(entryPoints: string[], redirectMiddleware: string | undefined, hstsMiddleware: string | undefined): traefik.IngressRouteSpec {
    const hosts = this.props.hosts.map((h) => `Host(\`${h}\`)`).join(' || ');
    const routes: traefik.IngressRouteSpecRoutes[] = redirectMiddleware
      ? [{
        kind: traefik.IngressRouteSpecRoutesKind.RULE,
        match: hosts,
        middlewares: [{ name: redirectMiddleware }],
        // The redirect answers before any service is called.
        services: [{ kind: traefik.IngressRouteSpecRoutesServicesKind.TRAEFIK_SERVICE, name: 'noop@internal' }],
      }]
      : this.sortedRoutes().map((r) => ({
        kind: traefik.IngressRouteSpecRoutesKind.RULE,
        match: `(${hosts}) && ${r.pathType === 'Exact' ? 'Path' : 'PathPrefix'}(\`${r.path}\`)`,
        ...(hstsMiddleware ? { middlewares: [{ name: hstsMiddleware }] } : {}),
        services: [{ kind: traefik.IngressRouteSpecRoutesServicesKind.SERVICE, name: r.service.name, port: traefik.IngressRouteSpecRoutesServicesPort.fromString('http') }],
      }));
    if (!redirectMiddleware && routes.length === 0) {
      throw new PropValidationError(this, 'routes', [], 'add at least one route (props.routes or addRoute)');
    }
    return {
      entryPoints,
      routes,
      ...(this.tlsSecretName && !redirectMiddleware ? { tls: { secretName: this.tlsSecretName } } : {}),
    };
  }

  /** Longest path first, as Traefik and most controllers match it. */
  private sortedRoutes(): IngressRoute[] {
    return [...this.routes].sort((a, b) => b.path.length - a.path.length || a.path.localeCompare(b.path));
  }

  private renderSpec(): k8s.IngressSpec {
    if (this.routes.length === 0) {
      throw new PropValidationError(this, 'routes', [], 'add at least one route (props.routes or addRoute)');
    }
    const paths = this.routes.map((r): k8s.HttpIngressPath => ({
      path: r.path,
      pathType: r.pathType ?? 'Prefix',
      backend: { service: { name: r.service.name, port: { name: 'http' } } },
    }));
    return {
      ingressClassName: this.controller.className,
      ...(this.tlsSecretName ? { tls: [{ hosts: [...this.props.hosts], secretName: this.tlsSecretName }] } : {}),
      rules: this.props.hosts.map((host) => ({ host, http: { paths } })),
    };
  }
}
