/** Where the rate of 5xx responses of a service can be read from. */
export class ErrorRateSource {
  /** ingress-nginx's request counter (`nginx_ingress_controller_requests`). */
  public static ingressNginx(): ErrorRateSource {
    return new ErrorRateSource((ns, svc, codes) =>
      `nginx_ingress_controller_requests{exported_namespace="${ns}",exported_service="${svc}"${codes ? ',status=~"5.."' : ''}}`);
  }

  /** Traefik's service counter (`traefik_service_requests_total`, service `<ns>-<svc>-<port>@kubernetes`). */
  public static traefik(): ErrorRateSource {
    return new ErrorRateSource((ns, svc, codes) =>
      `traefik_service_requests_total{service=~"${ns}-${svc}-.*"${codes ? ',code=~"5.."' : ''}}`);
  }

  private constructor(
    /** @internal */
    public readonly _selector: (namespace: string, service: string, only5xx: boolean) => string,
  ) {}
}
