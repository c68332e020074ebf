import { PropValidationError } from './validation/prop-errors';

/**
 * A cluster as Argo CD knows it. An Application's `destination` and an AppProject's
 * `destinations` name a cluster either by its API server URL or by the name it was registered
 * under (`argocd cluster add <context> --name <name>`), never by a kubeconfig context: Argo CD
 * keeps its own list of clusters (`argocd cluster list`).
 */
export class ArgoCdCluster {
  /** The cluster Argo CD itself runs in: `https://kubernetes.default.svc`, registered by Argo CD. */
  public static inCluster(): ArgoCdCluster {
    return ArgoCdCluster.server('https://kubernetes.default.svc');
  }

  /** By the URL of its API server, exactly as `argocd cluster list` shows it, e.g. `https://10.0.0.1:6443`. */
  public static server(url: string): ArgoCdCluster {
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (typeof url !== 'string' || !parsed || parsed.protocol !== 'https:' || parsed.username || parsed.password || parsed.search || parsed.hash) {
      throw new PropValidationError('ArgoCdCluster.server', 'url', url,
        'use the https:// URL of the cluster\'s API server as "argocd cluster list" shows it, without credentials, e.g. "https://kubernetes.default.svc"');
    }
    return new ArgoCdCluster(url, undefined);
  }

  /** By the name it was registered under (`argocd cluster add <context> --name <name>`). */
  public static named(name: string): ArgoCdCluster {
    if (typeof name !== 'string' || name.trim() === '' || /\s/.test(name) || name.length > 253) {
      throw new PropValidationError('ArgoCdCluster.named', 'name', name,
        'use the cluster\'s name as "argocd cluster list" shows it (no spaces), e.g. "production"');
    }
    return new ArgoCdCluster(undefined, name);
  }

  private constructor(
    /** The API server URL, when the cluster is named by it. */
    public readonly server: string | undefined,
    /** The registered name, when the cluster is named by it. */
    public readonly name: string | undefined,
  ) {}

  /** `server https://...` or `cluster "production"`, for messages. */
  public toString(): string {
    return this.server !== undefined ? `server ${this.server}` : `cluster "${this.name}"`;
  }

  /** True when both name the same cluster the same way. */
  public equals(other: ArgoCdCluster): boolean {
    return this.server === other.server && this.name === other.name;
  }

  /** The `server` or `name` field of a destination (Application and AppProject alike). */
  public destination(namespace: string): { server?: string; name?: string; namespace: string } {
    return this.server !== undefined ? { server: this.server, namespace } : { name: this.name, namespace };
  }
}
