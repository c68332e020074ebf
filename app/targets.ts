import { App } from 'cdk8s';
import { deploymentConfig } from '../config/targets';
import { DeploymentConfig, ResolvedTarget, resolveTargets } from '../config/deployment-config';
import { ResolvedGitOps, resolveGitOps } from '../config/gitops-config';
import { apiImage, siteImage } from '../config/image-config';
import { NamespaceChart } from '../lib/namespace-chart';
import { PropValidationError } from '../lib/validation/prop-errors';
import { buildTarget, Images } from './build-target';

/** config/targets.ts, checked as a whole: its targets and, when it has one, its GitOps delivery. */
export interface ResolvedConfig {
  /** Every target, checked; the first one is the default. */
  readonly targets: readonly ResolvedTarget[];
  /** `gitops:`, checked against the targets. @default - the config has no GitOps delivery */
  readonly gitops?: ResolvedGitOps;
}

/**
 * Checks the whole configuration, the GitOps delivery included, so that a mistake in `gitops:`
 * stops the synth that reads it rather than the first `npm run gitops` after it.
 */
export function resolveConfig(config: DeploymentConfig): ResolvedConfig {
  const targets = resolveTargets(config);
  return { targets, ...(config.gitops ? { gitops: resolveGitOps(config, targets) } : {}) };
}

const resolved = loadConfig();

/** config/targets.ts, resolved; a mistake's message says which file it is in. */
function loadConfig(): ResolvedConfig {
  try {
    return resolveConfig(deploymentConfig);
  } catch (err) {
    if (err instanceof PropValidationError) err.message = `config/targets.ts: ${err.message}`;
    throw err;
  }
}

/** Every target of config/targets.ts, checked; the first one is the default. */
export const targets: readonly ResolvedTarget[] = resolved.targets;

/** The GitOps delivery of config/targets.ts, checked against its targets. @default - none configured */
export const gitops: ResolvedGitOps | undefined = resolved.gitops;

/** The images the environment names: docker/image.env and services/api/image.env, or $SITE_IMAGE and $API_IMAGE. */
export function imagesFromEnv(env: NodeJS.ProcessEnv = process.env): Images {
  return { site: siteImage(env), api: apiImage(env) };
}

/** Builds `target` with the images named by the environment (docker/image.env, $SITE_IMAGE, ...). */
export function buildTargetFromEnv(app: App, target: ResolvedTarget, env: NodeJS.ProcessEnv = process.env): NamespaceChart {
  return buildTarget(app, target, imagesFromEnv(env));
}
