import { IConstruct } from 'constructs';

/** A DNS-1123 label (k8s.io/apimachinery's IsDNS1123Label), without the length limit. */
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/**
 * Thrown when a construct is given a value Kubernetes would reject. The message names the
 * construct (by its path in the app), the prop, the bad value and what is allowed, so the
 * fix is obvious without reading the construct's code.
 */
export class PropValidationError extends Error {
  public constructor(scope: IConstruct | string, readonly field: string, readonly value: unknown, readonly allowed: string, problem = 'invalid') {
    super(`${describeScope(scope)}: ${problem} ${field} ${JSON.stringify(value)}: ${allowed}`);
    this.name = 'PropValidationError';
  }
}

function describeScope(scope: IConstruct | string): string {
  if (typeof scope === 'string') return scope;
  return `${scope.constructor.name} at "${scope.node.path}"`;
}

/** Names that become Service names must be RFC 1035 labels: DNS-1123 label starting with a letter. */
export function checkDnsLabel(scope: IConstruct | string, field: string, value: string, maxLength = 63): void {
  if (typeof value !== 'string' || !DNS1123_LABEL.test(value) || !/^[a-z]/.test(value) || value.length > maxLength) {
    throw new PropValidationError(scope, field, value,
      `use 1-${maxLength} lower-case letters, digits or '-', starting with a letter and ending with a letter or digit (a DNS-1123 label)`);
  }
}

/** Refuses anything but a whole number from `min` to `max`; `why` says where a bound comes from when it is not obvious. */
export function checkInteger(scope: IConstruct | string, field: string, value: number, min: number, max: number, why?: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new PropValidationError(scope, field, value, `use a whole number from ${min} to ${max}${why ? ` (${why})` : ''}`);
  }
}

export function checkPort(scope: IConstruct | string, field: string, value: number): void {
  checkInteger(scope, field, value, 1, 65535);
}

export function checkOneOf<T>(scope: IConstruct | string, field: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) {
    throw new PropValidationError(scope, field, value, `use one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  }
}
