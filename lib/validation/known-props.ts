import { IConstruct } from 'constructs';
import { closest, distance } from 'fastest-levenshtein';
import { PropValidationError } from './prop-errors';

/**
 * Every key of a props interface, each exactly once. Declared as an object literal of this type,
 * the list cannot drift from the interface: the compiler rejects a key the interface does not
 * have (excess property) and a key of the interface that is missing.
 */
export type PropKeys<T> = { readonly [K in keyof Required<T>]: true };

/**
 * Refuses keys a props object does not define, so that `replica: 3` fails at synth instead of
 * quietly giving the default 2 replicas. TypeScript catches it at compile time, but only where
 * types are checked; plain JavaScript and untyped configuration pass it through.
 *
 * @param what how the object is named in the message, e.g. `props` or `props.autoscaling`
 */
export function checkKnownProps<T>(scope: IConstruct | string, what: string, props: T | undefined, keys: PropKeys<T>): void {
  if (props === undefined || props === null || typeof props !== 'object' || Array.isArray(props)) return;
  for (const key of Object.keys(props)) {
    if (!Object.prototype.hasOwnProperty.call(keys, key)) throw unknownProp(scope, what, key, Object.keys(keys));
  }
}

function unknownProp(scope: IConstruct | string, what: string, key: string, valid: readonly string[]): PropValidationError {
  const near = closest(key, [...valid]);
  const likely = distance(key.toLowerCase(), near.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3));
  const field = { props: 'prop', options: 'option', amounts: 'key', target: 'key', cluster: 'key', config: 'key' }[what] ?? `key in ${what}`;
  return new PropValidationError(scope, field, key,
    `${likely ? `did you mean "${near}"? ` : ''}the valid ones are ${[...valid].sort().map((k) => `"${k}"`).join(', ')}`, 'unknown');
}
