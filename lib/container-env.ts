import { IConstruct } from 'constructs';
import { PropValidationError } from './validation/prop-errors';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Refuses an environment variable name a shell could not use. */
export function checkEnvName(scope: IConstruct, name: string): void {
  if (!ENV_NAME.test(name)) {
    throw new PropValidationError(scope, 'env name', name, 'use letters, digits and "_", not starting with a digit');
  }
}

/** The variables as a container's `env`, sorted by name, so the output does not depend on insertion order. */
export function sortedEnv(env: ReadonlyMap<string, string>): Array<{ readonly name: string; readonly value: string }> {
  return [...env.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, value }));
}
