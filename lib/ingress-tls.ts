import { checkDnsLabel, checkOneOf } from './validation/prop-errors';
import { checkKnownProps, PropKeys } from './validation/known-props';

/** How cert-manager issues the certificate of an Ingress. */
export interface CertManagerOptions {
  /** Name of the issuer. */
  readonly issuer: string;
  /** @default 'ClusterIssuer' */
  readonly issuerKind?: 'Issuer' | 'ClusterIssuer';
  /**
   * Emit a typed cert-manager `Certificate` object instead of the ingress-shim annotation.
   * @default false (the annotation, which needs no CRD at synth or apply time)
   */
  readonly certificateResource?: boolean;
}

const CERT_MANAGER_KEYS: PropKeys<CertManagerOptions> = { issuer: true, issuerKind: true, certificateResource: true };

/** Where the TLS certificate of an Ingress comes from. */
export class IngressTls {
  /** An existing `kubernetes.io/tls` Secret in the namespace. */
  public static fromSecret(secretName: string): IngressTls {
    checkDnsLabel('IngressTls.fromSecret', 'secretName', secretName, 253);
    return new IngressTls(secretName, undefined);
  }

  /** cert-manager issues and renews it into a Secret named after the Ingress. */
  public static certManager(options: CertManagerOptions): IngressTls {
    checkKnownProps('IngressTls.certManager', 'options', options, CERT_MANAGER_KEYS);
    checkDnsLabel('IngressTls.certManager', 'issuer', options.issuer, 253);
    checkOneOf('IngressTls.certManager', 'issuerKind', options.issuerKind ?? 'ClusterIssuer', ['Issuer', 'ClusterIssuer'] as const);
    return new IngressTls(undefined, options);
  }

  private constructor(
    /** The Secret named by `fromSecret`. */
    public readonly secretName: string | undefined,
    public readonly certManagerOptions: CertManagerOptions | undefined,
  ) {}
}
