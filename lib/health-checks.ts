import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import * as k8s from '../imports/k8s';
import { checkKnownProps, PropKeys } from './validation/known-props';
import { PropValidationError } from './validation/prop-errors';

/** How often and how patiently one probe runs. */
export interface ProbeTiming {
  /** @default - the probe's own default, see `HealthChecks` */
  readonly period?: Duration;
  /** @default - the probe's own default, see `HealthChecks` */
  readonly timeout?: Duration;
  /** Consecutive failures before the probe counts as failed. @default - the probe's own default */
  readonly failureThreshold?: number;
  /** @default Duration.seconds(0) */
  readonly initialDelay?: Duration;
}

/**
 * The three probes of a web service's container, over HTTP on the container port: liveness and
 * startup on the health path, readiness on the readiness path. Different purposes, different
 * timings:
 * readiness takes a pod out of the Service quickly, liveness restarts only a container that
 * stayed unhealthy for long, and startup gives a slow start room without delaying liveness.
 */
export interface HealthChecks {
  /** @default period 5s, timeout 2s, 3 failures (out of the Service after ~15 s) */
  readonly readiness?: ProbeTiming;
  /** @default period 10s, timeout 3s, 3 failures (restart after ~30 s) */
  readonly liveness?: ProbeTiming;
  /** `false` turns the startup probe off. @default period 2s, timeout 2s, 30 failures (up to 60 s to start) */
  readonly startup?: ProbeTiming | false;
}

const HEALTH_CHECKS_KEYS: PropKeys<HealthChecks> = { readiness: true, liveness: true, startup: true };
const PROBE_TIMING_KEYS: PropKeys<ProbeTiming> = { period: true, timeout: true, failureThreshold: true, initialDelay: true };

/** Refuses unknown keys in `healthChecks` and in each probe's timing. */
export function checkHealthCheckKeys(scope: IConstruct, checks: HealthChecks | undefined): void {
  checkKnownProps(scope, 'props.healthChecks', checks, HEALTH_CHECKS_KEYS);
  for (const probe of ['readiness', 'liveness', 'startup'] as const) {
    const timing = checks?.[probe];
    if (timing) checkKnownProps(scope, `props.healthChecks.${probe}`, timing, PROBE_TIMING_KEYS);
  }
}

const DEFAULTS = {
  readiness: { period: Duration.seconds(5), timeout: Duration.seconds(2), failureThreshold: 3 },
  liveness: { period: Duration.seconds(10), timeout: Duration.seconds(3), failureThreshold: 3 },
  startup: { period: Duration.seconds(2), timeout: Duration.seconds(2), failureThreshold: 30 },
};

/** `healthCheckPath` when none is given. */
export const DEFAULT_HEALTH_CHECK_PATH = '/healthz';
/** `readinessPath` when none is given. */
export const DEFAULT_READINESS_PATH = '/readyz';

/**
 * Refuses probe paths that are not absolute URL paths, and a readiness path equal to the health
 * path: identical probes would restart pods that are only busy.
 */
export function checkProbePaths(scope: IConstruct, healthCheckPath: string, readinessPath: string): void {
  for (const [field, path] of [['healthCheckPath', healthCheckPath], ['readinessPath', readinessPath]]) {
    if (!/^\/[A-Za-z0-9._~!$&'()*+,;=:@/%-]*$/.test(path)) {
      throw new PropValidationError(scope, field, path, 'use an absolute URL path such as "/healthz"');
    }
  }
  if (healthCheckPath === readinessPath) {
    throw new PropValidationError(scope, 'readinessPath', readinessPath,
      'use a path other than healthCheckPath: identical liveness and readiness probes restart pods that are only busy');
  }
}

/** What one HTTP probe asks and how often, for whichever object type a construct renders it into. */
export interface ProbeSettings {
  readonly path: string;
  readonly initialDelaySeconds: number;
  readonly periodSeconds: number;
  readonly timeoutSeconds: number;
  readonly failureThreshold: number;
  readonly successThreshold: number;
}

/** The three probes' settings: liveness and startup on the health path, readiness on its own; no startup when turned off. */
export function probeSettings(checks: HealthChecks, livenessPath: string, readinessPath: string):
{ readonly readiness: ProbeSettings; readonly liveness: ProbeSettings; readonly startup?: ProbeSettings } {
  const settings = (timing: ProbeTiming, defaults: Required<Omit<ProbeTiming, 'initialDelay'>>, path = livenessPath): ProbeSettings => ({
    path,
    initialDelaySeconds: (timing.initialDelay ?? Duration.seconds(0)).toSeconds(),
    periodSeconds: (timing.period ?? defaults.period).toSeconds(),
    timeoutSeconds: (timing.timeout ?? defaults.timeout).toSeconds(),
    failureThreshold: timing.failureThreshold ?? defaults.failureThreshold,
    successThreshold: 1,
  });
  return {
    readiness: settings(checks.readiness ?? {}, DEFAULTS.readiness, readinessPath),
    liveness: settings(checks.liveness ?? {}, DEFAULTS.liveness),
    startup: checks.startup === false ? undefined : settings(checks.startup ?? {}, DEFAULTS.startup),
  };
}

export interface RenderedProbes {
  readonly readinessProbe: k8s.Probe;
  readonly livenessProbe: k8s.Probe;
  readonly startupProbe?: k8s.Probe;
}

/** The probes as Kubernetes Probes, over HTTP on the container port `port` (its name, or its number where only that is accepted). */
export function renderProbes(checks: HealthChecks, livenessPath: string, readinessPath: string, port: k8s.IntOrString): RenderedProbes {
  const probe = ({ path, ...timing }: ProbeSettings): k8s.Probe => ({
    httpGet: { path, port, scheme: 'HTTP' },
    ...timing,
  });
  const s = probeSettings(checks, livenessPath, readinessPath);
  return {
    readinessProbe: probe(s.readiness),
    livenessProbe: probe(s.liveness),
    startupProbe: s.startup === undefined ? undefined : probe(s.startup),
  };
}
