// ERRORS of the test API server: the metav1.Status bodies the real API server answers with, built
// as k8s.io/apimachinery/pkg/api/errors builds them (NewNotFound, NewAlreadyExists, NewConflict,
// NewInvalid, NewBadRequest, NewForbidden, NewRequestEntityTooLargeError, NewInternalError,
// NewResourceExpired...) and field errors as k8s.io/apimachinery/pkg/util/validation/field
// words them ("spec.selector: Invalid value: ...: field is immutable").
'use strict';

class ApiError extends Error {
  constructor(code, reason, message, details) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  get status() {
    return {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message,
      ...(this.reason ? { reason: this.reason } : {}), ...(this.details ? { details: this.details } : {}), code: this.code,
    };
  }
}

/** `deployments.apps`, `secrets`: a group resource as errors name it. */
const groupResource = (r) => (r.group ? `${r.resource}.${r.group}` : r.resource);
/** `Deployment.apps`, `Secret`: a group kind as NewInvalid names it. */
const groupKind = (r) => (r.group ? `${r.kind}.${r.group}` : r.kind);

const notFound = (r, name) => new ApiError(404, 'NotFound', `${groupResource(r)} "${name}" not found`, { name, group: r.group, kind: r.resource });
const alreadyExists = (r, name) => new ApiError(409, 'AlreadyExists', `${groupResource(r)} "${name}" already exists`, { name, group: r.group, kind: r.resource });
const conflict = (r, name, why) => new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${groupResource(r)} "${name}": ${why}`, { name, group: r.group, kind: r.resource });
const OPTIMISTIC_LOCK = 'the object has been modified; please apply your changes to the latest version and try again';
const badRequest = (message) => new ApiError(400, 'BadRequest', message);
const forbidden = (r, name, why, causes) => new ApiError(403, 'Forbidden', `${groupResource(r)} "${name}" is forbidden: ${why}`,
  { name, group: r.group, kind: r.resource, ...(causes ? { causes } : {}) });
const tooLarge = (limit) => new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
/** An error that is no metav1.Status inside the API server (a plain Go error): 500 with no reason. */
const plainError = (message) => new ApiError(500, '', message);
const internal = (message) => new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
const expired = (message) => new ApiError(410, 'Expired', message);
const unsupportedMediaType = (type) => new ApiError(415, 'UnsupportedMediaType',
  `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (not ${type})`);
const methodNotAllowed = (method) => new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${method})`);

/** A field error: `{ type, field, value?, detail? }`, type one of the field.ErrorType words below. */
const FIELD_REASONS = {
  'Required value': 'FieldValueRequired', 'Invalid value': 'FieldValueInvalid', 'Unsupported value': 'FieldValueNotSupported',
  Forbidden: 'FieldValueForbidden', 'Too long': 'FieldValueTooLong', 'Too many': 'FieldValueTooMany', 'Duplicate value': 'FieldValueDuplicate',
  'Not found': 'FieldValueNotFound',
};
const NO_VALUE = new Set(['Required value', 'Forbidden', 'Too long', 'Internal error']);
/** A value as field errors print it (Go's %#v, approximated: strings quoted, the rest as JSON). */
const printValue = (v) => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'null' : JSON.stringify(v));
function errorBody(e) {
  let s = e.type;
  if (!NO_VALUE.has(e.type) && 'shown' in e) s = `${e.type}: ${e.shown}`; // the value as Go prints it (%#v)
  else if (!NO_VALUE.has(e.type) && 'value' in e) s = `${e.type}: ${printValue(e.value)}`;
  if (e.detail) s += `: ${e.detail}`;
  return s;
}
const fieldErrorText = (e) => `${e.field}: ${errorBody(e)}`;

/** 422 Invalid, as NewInvalid words it: `Deployment.apps "web" is invalid: spec.selector: ...`, with a cause per field error. */
function invalid(r, name, errors) {
  const text = errors.length === 1 ? fieldErrorText(errors[0]) : `[${errors.map(fieldErrorText).join(', ')}]`;
  return new ApiError(422, 'Invalid', `${groupKind(r)} "${name}" is invalid: ${text}`, {
    name, group: r.group, kind: r.kind,
    causes: errors.map((e) => ({ reason: FIELD_REASONS[e.type] ?? 'FieldValueInvalid', message: errorBody(e), field: e.field })),
  });
}

/** A JSON pointer (`/spec/template/spec/containers/0/image`) as a field path (`spec.template.spec.containers[0].image`). */
function fieldPath(pointer) {
  let out = '';
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) out += `[${part}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(part)) out += out ? `.${part}` : part;
    else out += `[${part}]`; // a map key such as a label: metadata.labels[app.kubernetes.io/name]
  }
  return out;
}

/** The Status of any error thrown while handling a request. */
function toStatus(e) {
  if (e instanceof ApiError) return e;
  return internal(String((e && e.stack) || e));
}

/** The reason the real server gives a status code an injected rule fails with. */
const REASONS = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 409: 'Conflict', 410: 'Expired',
  422: 'Invalid', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

module.exports = {
  ApiError, groupResource, groupKind, notFound, alreadyExists, conflict, OPTIMISTIC_LOCK, badRequest, forbidden, tooLarge,
  plainError, internal, expired, unsupportedMediaType, methodNotAllowed, invalid, fieldErrorText, fieldPath, toStatus, REASONS, printValue,
};
