import * as fs from 'fs';
import * as path from 'path';
import { ImageReference } from '../lib/image-reference';
import { PropValidationError } from '../lib/validation/prop-errors';

/** The file `docker/build.sh` tags from: the one source of truth for the site image's name and tag. */
export const IMAGE_ENV_FILE = path.join(__dirname, '..', 'docker', 'image.env');
/** The same for the API image, `services/api/build.sh`. */
export const API_IMAGE_ENV_FILE = path.join(__dirname, '..', 'services', 'api', 'image.env');

/**
 * The site image to deploy: `$SITE_IMAGE` when set, else what `docker/image.env` names: the
 * digest `docker/push.sh` recorded there for `IMAGE_REPOSITORY:IMAGE_TAG` (`PUSHED_IMAGE`,
 * `repository:tag@sha256:...`: every environment runs exactly the pushed bytes, pulled
 * IfNotPresent), else that tag alone, as `docker/build.sh` builds it locally.
 */
export function siteImage(env: NodeJS.ProcessEnv = process.env, file = IMAGE_ENV_FILE): ImageReference {
  return imageFrom(env, 'SITE_IMAGE', file);
}

/** The API image: `$API_IMAGE`, else `services/api/image.env` (its `PUSHED_IMAGE`, else its tag). */
export function apiImage(env: NodeJS.ProcessEnv = process.env, file = API_IMAGE_ENV_FILE): ImageReference {
  return imageFrom(env, 'API_IMAGE', file);
}

function imageFrom(env: NodeJS.ProcessEnv, variable: string, file: string): ImageReference {
  const override = env[variable];
  if (override !== undefined && override.trim() !== '') {
    return ImageReference.parse(override, `environment variable ${variable}`);
  }
  const vars = readEnvFile(file);
  const source = path.relative(process.cwd(), file) || file;
  for (const key of ['IMAGE_REPOSITORY', 'IMAGE_TAG']) {
    if (!vars[key]) {
      throw new PropValidationError(source, key, vars[key], `set ${key}=... in ${source}`);
    }
  }
  const tagged = ImageReference.parse(`${vars.IMAGE_REPOSITORY}:${vars.IMAGE_TAG}`, source);
  if (vars.PUSHED_IMAGE === undefined || vars.PUSHED_IMAGE === '') return tagged;
  const pushed = ImageReference.parse(vars.PUSHED_IMAGE, `${source}: PUSHED_IMAGE`);
  if (pushed.digest === undefined) {
    throw new PropValidationError(source, 'PUSHED_IMAGE', vars.PUSHED_IMAGE,
      'it records a pushed image as repository:tag@sha256:<digest> (docker/push.sh writes it); fix the line or remove it to deploy the tag');
  }
  // A digest recorded for another release would run that release's bytes under this tag.
  if (pushed.repository !== tagged.repository || pushed.tag !== tagged.tag) {
    throw new PropValidationError(source, 'PUSHED_IMAGE', vars.PUSHED_IMAGE,
      `it was recorded for ${pushed.repository}:${pushed.tag ?? '(no tag)'}, but the file names ${tagged}: push ${tagged} with docker/push.sh (it records the new digest), or remove the PUSHED_IMAGE line to deploy the tag`);
  }
  return pushed;
}

/** Reads `KEY=value` lines; `#` comments and blank lines are skipped, quotes are stripped. */
export function readEnvFile(file: string): Record<string, string> {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: it names an image to deploy (IMAGE_REPOSITORY=..., IMAGE_TAG=...)`);
  }
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'utf-8').split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m && !line.trimStart().startsWith('#')) out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return out;
}
