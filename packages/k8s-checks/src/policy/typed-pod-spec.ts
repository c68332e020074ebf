// A pod spec as Polaris sees it: Polaris decodes the pod spec it found into Kubernetes' Go type
// (corev1.PodSpec, with encoding/json) and validates that, encoded again. So fields the type
// does not have are gone (a pod-level `securityContext.privileged` is not a PodSecurityContext
// field), nulls and empty optional values are gone, and a value of the wrong type (an env var
// value that is a number) makes the decoding fail, and Polaris with it. The shape of the type
// is read from the Kubernetes 1.27 definitions the schema check uses.

import * as fs from 'fs';
import * as path from 'path';
import { ArtifactCache } from '../cache/artifact-cache';
import { isObject } from './workload';

const DEFINITIONS = path.join(__dirname, '..', '..', 'schemas', 'k8s-1.27.0', '_definitions.json');
const POD_SPEC = 'io.k8s.api.core.v1.PodSpec';

/** What a value of the Go type accepts. `ref` names another definition (types refer to each other). */
type Shape =
  | { readonly t: 'string' | 'integer' | 'number' | 'boolean' | 'any' | 'int-or-string' | 'quantity' }
  | { readonly t: 'object'; readonly p?: Readonly<Record<string, Shape>>; readonly a?: Shape }
  | { readonly t: 'array'; readonly i: Shape }
  | { readonly t: 'ref'; readonly ref: string };

interface Shapes {
  readonly defs: Readonly<Record<string, Shape>>;
}

const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

function shapeOf(schema: Record<string, any>, reachable: Set<string>, pending: string[]): Shape {
  if (typeof schema.$ref === 'string') {
    const ref = schema.$ref.replace('#/definitions/', '');
    if (ref === INT_OR_STRING) return { t: 'int-or-string' };
    if (ref === QUANTITY) return { t: 'quantity' };
    if (!reachable.has(ref)) {
      reachable.add(ref);
      pending.push(ref);
    }
    return { t: 'ref', ref };
  }
  switch (schema.type) {
    case 'string': case 'integer': case 'number': case 'boolean':
      return { t: schema.type };
    case 'array':
      return { t: 'array', i: isObject(schema.items) ? shapeOf(schema.items, reachable, pending) : { t: 'any' } };
    case 'object': {
      const p = isObject(schema.properties)
        ? Object.fromEntries(Object.entries(schema.properties).map(([k, v]) => [k, shapeOf(v as Record<string, any>, reachable, pending)]))
        : undefined;
      const a = isObject(schema.additionalProperties) ? shapeOf(schema.additionalProperties, reachable, pending) : undefined;
      // An object with neither (a RawExtension) takes anything.
      return p || a ? { t: 'object', ...(p ? { p } : {}), ...(a ? { a } : {}) } : { t: 'any' };
    }
    default:
      return isObject(schema.properties) ? shapeOf({ ...schema, type: 'object' }, reachable, pending) : { t: 'any' };
  }
}

function buildShapes(definitions: Record<string, any>): Shapes {
  const defs: Record<string, Shape> = {};
  const reachable = new Set([POD_SPEC]);
  const pending = [POD_SPEC];
  while (pending.length) {
    const name = pending.pop()!;
    defs[name] = shapeOf(definitions[name] ?? {}, reachable, pending);
  }
  return { defs };
}

let shapes: Shapes | undefined;

/** The shapes of PodSpec and what it refers to; derived once and kept in the disk cache (src/cache/). */
function podSpecShapes(): Shapes {
  if (!shapes) {
    const text = fs.readFileSync(DEFINITIONS);
    const key = ArtifactCache.key(fs.readFileSync(__filename), text);
    shapes = ArtifactCache.project().json('polaris-pod-spec-type', key, () => buildShapes(JSON.parse(text.toString('utf8')).definitions));
  }
  return shapes;
}

/** Why a value does not decode into the Go type, with the field's path. */
export class TypedDecodeError extends Error {}

const GO_TYPE: Record<string, string> = { string: 'string', integer: 'int', number: 'float', boolean: 'bool', object: 'object', array: 'array' };

function jsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return 'number';
  return typeof value === 'object' ? 'object' : typeof value;
}

/** The field path of a decoding error; segments are pushed and popped as the walk goes (built into text only on error). */
type Where = string[];

function mismatch(value: unknown, shape: Shape, where: Where): never {
  throw new TypedDecodeError(`cannot unmarshal ${jsonType(value)} into ${where.join('')} of type ${GO_TYPE[shape.t] ?? shape.t}`);
}

function decode(value: unknown, shape: Shape, where: Where, defs: Shapes['defs']): unknown {
  if (shape.t === 'ref') return decode(value, defs[shape.ref] ?? { t: 'any' }, where, defs);
  if (value === null || value === undefined) return undefined;
  switch (shape.t) {
    case 'any':
      return value;
    case 'string':
      return typeof value === 'string' ? value : mismatch(value, shape, where);
    case 'boolean':
      return typeof value === 'boolean' ? value : mismatch(value, shape, where);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : mismatch(value, shape, where);
    case 'number':
      return typeof value === 'number' ? value : mismatch(value, shape, where);
    case 'int-or-string':
      return typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value)) ? value : mismatch(value, shape, where);
    case 'quantity':
      return typeof value === 'string' || typeof value === 'number' ? value : mismatch(value, shape, where);
    case 'array': {
      if (!Array.isArray(value)) return mismatch(value, shape, where);
      // A null item of a slice of structs decodes as the zero struct: positions stay.
      const struct = shape.i.t === 'ref' || shape.i.t === 'object';
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        where.push(`[${i}]`);
        const item = decode(value[i], shape.i, where, defs) ?? (struct ? {} : undefined);
        where.pop();
        if (item !== undefined) out.push(item);
      }
      return out;
    }
    case 'object': {
      if (!isObject(value)) return mismatch(value, shape, where);
      const out: Record<string, unknown> = {};
      for (const k in value) {
        const fieldShape = shape.p ? (Object.prototype.hasOwnProperty.call(shape.p, k) ? shape.p[k] : undefined) : shape.a;
        if (!fieldShape) continue; // not a field of the type: dropped
        where.push(`.${k}`);
        const decoded = decode(value[k], fieldShape, where, defs);
        where.pop();
        if (decoded !== undefined) out[k] = decoded;
      }
      return out;
    }
    default:
      return value;
  }
}

/**
 * The pod spec decoded into corev1.PodSpec and encoded again (unknown fields and nulls dropped).
 * Throws TypedDecodeError, naming the field, when a value has the wrong type.
 */
export function typedPodSpec(spec: unknown): Record<string, unknown> {
  const { defs } = podSpecShapes();
  return (decode(spec, { t: 'ref', ref: POD_SPEC }, ['PodSpec'], defs) ?? {}) as Record<string, unknown>;
}
