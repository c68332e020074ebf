import { ApplicationSpecSyncPolicy } from '../imports/argocd-application-argoproj.io';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { PropValidationError } from './validation/prop-errors';

/** Options of `ArgoCdSyncPolicy.automated`. */
export interface AutomatedSyncOptions {
  /**
   * Delete the objects the environment's manifests no longer define, as a Helm upgrade deletes
   * what the new release no longer holds; last, after everything else was applied (`PruneLast`).
   * @default true
   */
  readonly prune?: boolean;
  /**
   * Put back what somebody changed in the cluster by hand (`kubectl edit`, `kubectl scale`):
   * git stays the one description of what runs. @default true
   */
  readonly selfHeal?: boolean;
}

const AUTOMATED_KEYS: PropKeys<AutomatedSyncOptions> = { prune: true, selfHeal: true };

/**
 * When Argo CD applies a new commit of an environment (`spec.syncPolicy` of its Application).
 * Either way it applies with server-side apply, prunes last, refuses objects another
 * Application already manages, and retries a failed sync five times with back-off.
 */
export class ArgoCdSyncPolicy {
  /**
   * Argo CD applies each new commit of the environment by itself: publishing or promoting is
   * the deploy. Never syncs an empty commit (`allowEmpty: false`): an environment whose
   * manifests vanished keeps running.
   */
  public static automated(options: AutomatedSyncOptions = {}): ArgoCdSyncPolicy {
    checkKnownProps('ArgoCdSyncPolicy.automated', 'options', options, AUTOMATED_KEYS);
    for (const key of ['prune', 'selfHeal'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean') {
        throw new PropValidationError('ArgoCdSyncPolicy.automated', key, options[key], 'use true or false');
      }
    }
    return new ArgoCdSyncPolicy(true, options.prune ?? true, options.selfHeal ?? true);
  }

  /** Argo CD shows the environment OutOfSync and waits for somebody to sync it (`argocd app sync`). */
  public static manual(): ArgoCdSyncPolicy {
    return new ArgoCdSyncPolicy(false, false, false);
  }

  private constructor(
    public readonly automated: boolean,
    public readonly prune: boolean,
    public readonly selfHeal: boolean,
  ) {}

  /** `automated (prune, self-heal)` or `manual`, for messages and documents. */
  public toString(): string {
    if (!this.automated) return 'manual';
    const what = [this.prune ? 'prune' : '', this.selfHeal ? 'self-heal' : ''].filter(Boolean);
    return `automated${what.length ? ` (${what.join(', ')})` : ''}`;
  }

  /** The Application's `spec.syncPolicy`. */
  public render(): ApplicationSpecSyncPolicy {
    return {
      automated: this.automated ? { prune: this.prune, selfHeal: this.selfHeal, allowEmpty: false } : undefined,
      syncOptions: [
        // The fields the code sets are owned by Argo CD's field manager, as the deploy's server-side apply does.
        'ServerSideApply=true',
        'PruneLast=true',
        'PrunePropagationPolicy=foreground',
        // Another Application (or target) managing the same object is an error, not a tug of war.
        'FailOnSharedResource=true',
      ],
      retry: { limit: 5, refresh: true, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
    };
  }
}
