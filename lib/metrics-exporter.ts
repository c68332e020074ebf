import { ImageReference } from './image-reference';
import { checkDnsLabel, checkPort, PropValidationError } from './validation/prop-errors';
import { checkKnownProps, PropKeys } from './validation/known-props';

export interface NginxExporterOptions {
  /**
   * The exporter's image. Pin it by digest with the tag kept for humans,
   * `ImageReference.fromDigest('docker.io/nginx/nginx-prometheus-exporter', 'sha256:...', '1.5.1')`
   * (`repository:1.5.1@sha256:...`, pulled IfNotPresent).
   * @default DEFAULT_NGINX_EXPORTER: nginx/nginx-prometheus-exporter 1.5.1, pinned by digest
   */
  readonly image?: ImageReference;
  /** Port of nginx's `stub_status` inside the pod (the site image serves it on 8081). @default 8081 */
  readonly stubStatusPort?: number;
  /** @default '/stub_status' */
  readonly stubStatusPath?: string;
  /** Port the exporter serves `/metrics` on. @default 9113 */
  readonly port?: number;
  /** Namespace of the Prometheus that scrapes it; the only source admitted to the port. @default 'monitoring' */
  readonly scrapedFrom?: string;
}

const NGINX_EXPORTER_KEYS: PropKeys<NginxExporterOptions> = { image: true, stubStatusPort: true, stubStatusPath: true, port: true, scrapedFrom: true };

/**
 * The official exporter, by the digest of its 1.5.1 multi-platform index (tag kept for humans):
 * the same bytes on every node. Update tag and digest together.
 */
export const DEFAULT_NGINX_EXPORTER = ImageReference.fromDigest('docker.io/nginx/nginx-prometheus-exporter',
  'sha256:9f6d963bb2b19d706d401cc3e2c3ea8de2f1c471b96a2156ca45e76f650b1625', '1.5.1');

/**
 * A Prometheus exporter running beside the service's container as a sidecar, reading what the
 * service exposes on a pod-local port and publishing it as metrics on a port named `metrics`.
 */
export class MetricsExporter {
  /** nginx's `stub_status` through the official nginx-prometheus-exporter. */
  public static nginx(options: NginxExporterOptions = {}): MetricsExporter {
    checkKnownProps('MetricsExporter.nginx', 'options', options, NGINX_EXPORTER_KEYS);
    const stubPort = options.stubStatusPort ?? 8081;
    const port = options.port ?? 9113;
    const path = options.stubStatusPath ?? '/stub_status';
    checkPort('MetricsExporter.nginx', 'stubStatusPort', stubPort);
    checkPort('MetricsExporter.nginx', 'port', port);
    if (!/^\/[A-Za-z0-9._~\-/]*$/.test(path)) {
      throw new PropValidationError('MetricsExporter.nginx', 'stubStatusPath', path, 'use an absolute URL path such as "/stub_status"');
    }
    const scrapedFrom = options.scrapedFrom ?? 'monitoring';
    checkDnsLabel('MetricsExporter.nginx', 'scrapedFrom', scrapedFrom);
    return new MetricsExporter(
      options.image ?? DEFAULT_NGINX_EXPORTER,
      [`--nginx.scrape-uri=http://127.0.0.1:${stubPort}${path}`, `--web.listen-address=:${port}`, '--web.telemetry-path=/metrics'],
      port,
      scrapedFrom,
    );
  }

  private constructor(
    public readonly image: ImageReference,
    public readonly args: string[],
    public readonly port: number,
    public readonly scrapedFrom: string,
  ) {}
}
