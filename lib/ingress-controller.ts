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

/**
 * The ingress controller that serves an Ingress: which IngressClass to use, where its pods
 * run (for NetworkPolicies) and how it spells redirects and TLS in annotations.
 */
export class IngressController {
  /** ingress-nginx (kubernetes/ingress-nginx). */
  public static nginx(options: IngressControllerOptions = {}): IngressController {
    checkKnownProps('IngressController.nginx', 'options', options, CONTROLLER_KEYS);
    return new IngressController('nginx', options.className ?? 'nginx', options.namespace ?? 'ingress-nginx');
  }

  /** Traefik Proxy. */
  public static traefik(options: IngressControllerOptions = {}): IngressController {
    checkKnownProps('IngressController.traefik', 'options', options, CONTROLLER_KEYS);
    return new IngressController('traefik', options.className ?? 'traefik', options.namespace ?? 'traefik');
  }

  private constructor(
    public readonly kind: 'nginx' | 'traefik',
    public readonly className: string,
    public readonly namespace: string,
  ) {
    checkDnsLabel(`IngressController(${kind})`, 'namespace', namespace);
    checkDnsLabel(`IngressController(${kind})`, 'className', className);
  }
}
