// PROTOBUF BODIES of the test API server: reads a request body sent as
// `application/vnd.kubernetes.protobuf` (helm 4 sends its release Secrets so), with protobufjs and
// the few message definitions it needs, copied in shape from Kubernetes' generated.proto files
// (k8s.io/apimachinery/pkg/runtime/generated.proto: Unknown, TypeMeta;
// k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto: ObjectMeta, DeleteOptions and what they
// hold; k8s.io/api/core/v1/generated.proto: Secret, ConfigMap). The envelope is the 4 bytes
// `k8s\0` then a runtime.Unknown whose `raw` is the object's own message
// (k8s.io/apimachinery/pkg/runtime/serializer/protobuf). Answers are always JSON (a client that
// asks for protobuf also accepts JSON).
'use strict';
const protobuf = require('protobufjs');

const PROTO = `
syntax = "proto2";
package k8s;
message TypeMeta { optional string apiVersion = 1; optional string kind = 2; }
message Unknown { optional TypeMeta typeMeta = 1; optional bytes raw = 2; optional string contentEncoding = 3; optional string contentType = 4; }
message Time { optional int64 seconds = 1; optional int32 nanos = 2; }
message FieldsV1 { optional bytes Raw = 1; }
message OwnerReference { optional string apiVersion = 5; optional string kind = 1; optional string name = 3; optional string uid = 4; optional bool controller = 6; optional bool blockOwnerDeletion = 7; }
message ManagedFieldsEntry { optional string manager = 1; optional string operation = 2; optional string apiVersion = 3; optional Time time = 4; optional string fieldsType = 6; optional FieldsV1 fieldsV1 = 7; optional string subresource = 8; }
message ObjectMeta {
  optional string name = 1; optional string generateName = 2; optional string namespace = 3; optional string selfLink = 4;
  optional string uid = 5; optional string resourceVersion = 6; optional int64 generation = 7;
  optional Time creationTimestamp = 8; optional Time deletionTimestamp = 9; optional int64 deletionGracePeriodSeconds = 10;
  map<string, string> labels = 11; map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13; repeated string finalizers = 14; repeated ManagedFieldsEntry managedFields = 17;
}
message Secret { optional ObjectMeta metadata = 1; optional bool immutable = 5; map<string, bytes> data = 2; map<string, string> stringData = 4; optional string type = 3; }
message ConfigMap { optional ObjectMeta metadata = 1; optional bool immutable = 4; map<string, string> data = 2; map<string, bytes> binaryData = 3; }
message Preconditions { optional string uid = 1; optional string resourceVersion = 2; }
message DeleteOptions { optional int64 gracePeriodSeconds = 1; optional Preconditions preconditions = 2; optional bool orphanDependents = 3; optional string propagationPolicy = 4; repeated string dryRun = 5; }
`;

const root = protobuf.parse(PROTO, { keepCase: true }).root;
const Unknown = root.lookupType('k8s.Unknown');
/** The kinds whose protobuf messages are known here: `apiVersion/Kind` -> message. */
const MESSAGES = new Map([
  ['v1/Secret', root.lookupType('k8s.Secret')],
  ['v1/ConfigMap', root.lookupType('k8s.ConfigMap')],
  ['meta.k8s.io/v1/DeleteOptions', root.lookupType('k8s.DeleteOptions')],
  ['v1/DeleteOptions', root.lookupType('k8s.DeleteOptions')],
]);
const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

class ProtobufError extends Error {}

const rfc3339 = (t) => new Date(Number(t.seconds ?? 0) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');

/** A decoded message as the JSON the API server reads: bytes as base64, Times as RFC 3339, int64 as numbers, empty maps and lists left out. */
function toJson(type, message) {
  const obj = type.toObject(message, { longs: Number, bytes: String, defaults: false, arrays: false, objects: false });
  return tidy(obj);
}
function tidy(v, key) {
  if (Array.isArray(v)) return v.length ? v.map((x) => tidy(x)) : undefined;
  if (v === null || typeof v !== 'object') return v;
  if ('seconds' in v && Object.keys(v).every((k) => k === 'seconds' || k === 'nanos') && /Timestamp$|^time$/.test(key ?? '')) return rfc3339(v);
  if (key === 'fieldsV1' && typeof v.Raw === 'string') return JSON.parse(Buffer.from(v.Raw, 'base64').toString('utf-8'));
  const out = {};
  for (const [k, x] of Object.entries(v)) {
    const y = tidy(x, k);
    if (y !== undefined) out[k] = y;
  }
  return Object.keys(out).length || key === undefined ? out : undefined;
}

/**
 * The object a protobuf body holds, as JSON (with its apiVersion and kind from the envelope).
 * Throws a ProtobufError for a body that is not the envelope, or of a kind with no message here.
 */
function decode(body) {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw new ProtobufError('provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]');
  let unknown;
  try {
    unknown = Unknown.decode(body.subarray(4));
  } catch (e) {
    throw new ProtobufError(`unable to decode the protobuf envelope: ${e.message}`);
  }
  const apiVersion = unknown.typeMeta?.apiVersion ?? '';
  const kind = unknown.typeMeta?.kind ?? '';
  const type = MESSAGES.get(`${apiVersion}/${kind}`);
  if (!type) throw new ProtobufError(`no protobuf message known for ${apiVersion}, Kind=${kind}`);
  const obj = toJson(type, type.decode(unknown.raw ?? Buffer.alloc(0)));
  return { apiVersion, kind, ...obj };
}

/** Encodes an object of a known kind in the envelope (for tests: what helm sends). */
function encode(obj) {
  const type = MESSAGES.get(`${obj.apiVersion}/${obj.kind}`);
  if (!type) throw new ProtobufError(`no protobuf message known for ${obj.apiVersion}, Kind=${obj.kind}`);
  const { apiVersion, kind, ...rest } = obj;
  const message = type.fromObject(fromJson(rest));
  const raw = type.encode(message).finish();
  const envelope = Unknown.encode(Unknown.fromObject({ typeMeta: { apiVersion, kind }, raw, contentEncoding: '', contentType: '' })).finish();
  return Buffer.concat([MAGIC, Buffer.from(envelope)]);
}
function fromJson(v, key) {
  if (Array.isArray(v)) return v.map((x) => fromJson(x));
  if (typeof v === 'string' && /Timestamp$|^time$/.test(key ?? '')) return { seconds: Math.floor(Date.parse(v) / 1000), nanos: 0 };
  if (v === null || typeof v !== 'object') return v;
  if (key === 'fieldsV1') return { Raw: Buffer.from(JSON.stringify(v)) };
  if (key === 'data' || key === 'binaryData' || key === 'labels' || key === 'annotations') return v; // maps: protobufjs reads base64 strings into bytes
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJson(x, k)]));
}

const isProtobuf = (contentType) => String(contentType ?? '').startsWith('application/vnd.kubernetes.protobuf');

module.exports = { decode, encode, isProtobuf, ProtobufError };
