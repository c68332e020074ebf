import { ErrorRateSource } from './error-rate-source';
import { checkDnsLabel } from './validation/prop-errors';
import { checkKnownProps, PropKeys } from './validation/known-props';

/** Options of an ingress controller installation. */
export interface IngressControllerOptions {
  /** The IngressClass name. @default - 'nginx' or 'traefik' */
  readonly className?: string;
  /** Namespace the controller's pods run in; the only source the routed services admit. @default - 'ingress-nginx' or 'traefik' */
  readonly namespace?: string;
}

const CONTROLLER_KEYS: PropKeys<IngressControllerOptions> = { className: true, namespace: true };

/** What a WebIngress asks its controller to spell in the Ingress' annotations. */
export interface IngressAnnotationRequest {
  /** The Ingress' name. */
  readonly name: string;
  /** The Ingress' namespace. */
  readonly namespace: string;
  /** Redirect HTTP to HTTPS. */
  readonly redirect: boolean;
  /** Whether the Ingress has a certificate. */
  readonly tls: boolean;
  /** Whether the Ingress sends HSTS (only with a controller whose `sendsHsts` is true). */
  readonly hsts: boolean;
}

/** How one controller does what a WebIngress needs: the differences between ingress-nginx and Traefik, in one place each. */
interface ControllerDialect {
  readonly kind: 'nginx' | 'traefik';
  readonly className: string;
  readonly namespace: string;
  readonly sendsHsts: boolean;
  readonly redirectsWithMiddleware: boolean;
  readonly hasIngressRoutes: boolean;
  readonly annotations: (o: IngressAnnotationRequest) => Record<string, string>;
  readonly errorRate: () => ErrorRateSource;
}

/**
 * The ingress controller that serves an Ingress: which IngressClass to use, where its pods
 * run (for NetworkPolicies), how it spells redirects and TLS in annotations, what it can send
 * itself, and where its request counts can be read from.
 */
export class IngressController {
  /** ingress-nginx (kubernetes/ingress-nginx). */
  public static nginx(options: IngressControllerOptions = {}): IngressController {
    checkKnownProps('IngressController.nginx', 'options', options, CONTROLLER_KEYS);
    return new IngressController({
      kind: 'nginx',
      className: options.className ?? 'nginx',
      namespace: options.namespace ?? 'ingress-nginx',
      // An Ingress can add response headers only through a controller setting (custom-headers,
      // allowed by global-allowed-response-headers), without which the controller refuses the
      // whole location: the site's nginx sends HSTS itself instead.
      sendsHsts: false,
      redirectsWithMiddleware: false,
      hasIngressRoutes: false,
      annotations: (o) => {
        const out: Record<string, string> = {};
        out['nginx.ingress.kubernetes.io/ssl-redirect'] = String(o.redirect);
        if (o.redirect) out['nginx.ingress.kubernetes.io/force-ssl-redirect'] = 'true';
        return out;
      },
      errorRate: () => ErrorRateSource.ingressNginx(),
    });
  }

  /** Traefik Proxy. */
  public static traefik(options: IngressControllerOptions = {}): IngressController {
    checkKnownProps('IngressController.traefik', 'options', options, CONTROLLER_KEYS);
    return new IngressController({
      kind: 'traefik',
      className: options.className ?? 'traefik',
      namespace: options.namespace ?? 'traefik',
      sendsHsts: true,
      redirectsWithMiddleware: true,
      hasIngressRoutes: true,
      annotations: (o) => {
        const out: Record<string, string> = {};
        out['traefik.ingress.kubernetes.io/router.entrypoints'] = o.tls ? 'web,websecure' : 'web';
        if (o.tls) out['traefik.ingress.kubernetes.io/router.tls'] = 'true';
        // RedirectScheme leaves requests that are already HTTPS alone; browsers ignore HSTS on HTTP.
        const middlewares = [
          ...(o.redirect ? [`${o.namespace}-${o.name}-redirect-https@kubernetescrd`] : []),
          ...(o.hsts ? [`${o.namespace}-${o.name}-hsts@kubernetescrd`] : []),
        ];
        if (middlewares.length > 0) out['traefik.ingress.kubernetes.io/router.middlewares'] = middlewares.join(',');
        return out;
      },
      errorRate: () => ErrorRateSource.traefik(),
    });
  }

  /** Which controller it is, for messages and people; its behaviour is in its methods. */
  public readonly kind: 'nginx' | 'traefik';
  public readonly className: string;
  public readonly namespace: string;
  /** Whether the controller adds HSTS to HTTPS answers when an Ingress asks (`WebIngressProps.hstsMaxAge`). */
  public readonly sendsHsts: boolean;
  /** Whether an HTTP to HTTPS redirect is a Middleware object the Ingress names (Traefik), rather than an annotation. */
  public readonly redirectsWithMiddleware: boolean;
  /** Whether the controller has its own routing resources (Traefik's IngressRoute) besides Ingress. */
  public readonly hasIngressRoutes: boolean;

  private constructor(private readonly dialect: ControllerDialect) {
    this.kind = dialect.kind;
    this.className = dialect.className;
    this.namespace = dialect.namespace;
    this.sendsHsts = dialect.sendsHsts;
    this.redirectsWithMiddleware = dialect.redirectsWithMiddleware;
    this.hasIngressRoutes = dialect.hasIngressRoutes;
    checkDnsLabel(`IngressController(${this.kind})`, 'namespace', this.namespace);
    checkDnsLabel(`IngressController(${this.kind})`, 'className', this.className);
  }

  /** The annotations an Ingress served by this controller needs for redirect, TLS and HSTS. */
  public annotations(request: IngressAnnotationRequest): Record<string, string> {
    return this.dialect.annotations(request);
  }

  /** Where the 5xx rate of the services behind this controller can be read: its own request counter. */
  public errorRate(): ErrorRateSource {
    return this.dialect.errorRate();
  }
}
