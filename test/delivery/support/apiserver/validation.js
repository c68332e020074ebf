// VALIDATION of the test API server: what the real API server checks on a write, with the codes
// and wording it uses.
// - Decoding (the request body): built-in kinds against the Kubernetes 1.27 OpenAPI definitions,
//   custom kinds against their CRD's openAPIV3Schema, both through the project's k8s-checks
//   package (ajv, every object schema closed). An unknown field is refused with
//   `fieldValidation=Strict` (400 BadRequest "strict decoding error: unknown field ..."), dropped
//   with a `Warning` header with `Warn` (the default) and dropped silently with `Ignore`; a value
//   of the wrong type is 400 for a built-in kind (the JSON decoder's error), 422 for a custom kind
//   (the CRD schema's). A server-side apply patch with an unknown field or a wrongly typed value
//   fails whatever fieldValidation says: 500, "failed to create typed patch object" (1.27 returns
//   that error unwrapped).
// - Validation (the object to be stored): required fields, allowed values, names, labels, ports
//   (k8s-checks' rules) and the checks below, as 422 Invalid with a cause per field; immutable
//   fields on update; object size limits (Secret and ConfigMap data 1 MiB, annotations 256 KiB).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { SchemaValidator, KUBERNETES_127_DEFINITIONS } = require('k8s-checks');
const E = require('./errors');

const MAX_SECRET_SIZE = 1024 * 1024; // core.MaxSecretSize, also the ConfigMap limit
const TOTAL_ANNOTATION_SIZE = 256 * 1024; // apimachinery validation.TotalAnnotationSizeLimitB
const isMap = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The OpenAPI definitions, for naming Go types in decoding errors. */
let definitions;
const defs = () => (definitions ??= JSON.parse(fs.readFileSync(KUBERNETES_127_DEFINITIONS, 'utf-8')).definitions);
const kindDefinition = new Map();
function definitionOf(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (!kindDefinition.has(key)) {
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
    const version = apiVersion.split('/').pop();
    kindDefinition.set(key, Object.keys(defs()).find((n) => (defs()[n]['x-kubernetes-group-version-kind'] ?? [])
      .some((g) => g.group === group && g.version === version && g.kind === kind)));
  }
  return kindDefinition.get(key);
}
const resolve = (s) => (s?.$ref ? defs()[s.$ref.replace('#/definitions/', '')] : s);
const shortName = (ref) => ref.split('.').pop();
function goType(s) {
  if (s?.$ref) {
    const name = s.$ref.replace('#/definitions/', '');
    if (name.endsWith('IntOrString')) return 'intstr.IntOrString';
    if (name.endsWith('Quantity')) return 'resource.Quantity';
    if (name.endsWith('.Time') || name.endsWith('MicroTime')) return 'v1.Time';
    return shortName(name);
  }
  switch (s?.type) {
    case 'integer': return s.format === 'int64' ? 'int64' : 'int32';
    case 'number': return 'float64';
    case 'boolean': return 'bool';
    case 'string': return s.format === 'byte' ? '[]uint8' : 'string';
    case 'array': return `[]${goType(s.items)}`;
    case 'object': return `map[string]${goType(s.additionalProperties)}`;
    default: return 'interface {}';
  }
}
/** `DeploymentSpec.spec.replicas` and `int32`: the struct and Go type of the field at `pointer`. */
function goField(apiVersion, kind, pointer) {
  const top = definitionOf(apiVersion, kind);
  let schema = top ? { $ref: `#/definitions/${top}` } : undefined;
  let struct = top ? shortName(top) : kind;
  const fieldNames = [];
  for (const part of pointer.split('/').slice(1)) {
    const s = resolve(schema);
    if (!s) return { struct, field: [...fieldNames, part].join('.'), type: 'interface {}' };
    if (schema?.$ref && s.properties) struct = goType(schema);
    if (/^\d+$/.test(part) && s.items) {
      schema = s.items;
    } else if (s.properties?.[part]) {
      fieldNames.push(part);
      schema = s.properties[part];
    } else {
      schema = s.additionalProperties;
    }
  }
  return { struct, field: fieldNames.join('.'), type: goType(schema) };
}
const jsonType = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v);

/**
 * A stored CRD as a file k8s-checks reads, named by its content and kept beside k8s-checks' own
 * cache (whose entries are named after the CRD files' paths): an unchanged CRD is a cache hit
 * across runs, and no run adds entries. With the cache off, a folder of the process' own.
 */
let crdDir;
function crdDirectory() {
  if (crdDir) return crdDir;
  const cache = process.env.K8S_CHECKS_CACHE_DIR;
  if (cache === 'off') {
    crdDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-apiserver-crds-'));
    process.on('exit', () => fs.rmSync(crdDir, { recursive: true, force: true }));
  } else {
    crdDir = path.join(cache ? path.resolve(cache) : path.join(path.dirname(require.resolve('ajv/package.json')), '..', '.cache'), 'fake-apiserver-crds');
  }
  return crdDir;
}
function crdFile(crd) {
  const text = JSON.stringify({ apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name: crd.metadata.name }, spec: crd.spec });
  const file = path.join(crdDirectory(), `${crypto.createHash('sha256').update(text).digest('hex').slice(0, 32)}.yaml`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(crdDirectory(), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  }
  return file;
}

function pointerGet(obj, pointer) {
  let cur = obj;
  for (const raw of pointer.split('/').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = cur[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return cur;
}
function pointerDelete(obj, pointer) {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop();
  let cur = obj;
  for (const p of parts) {
    if (cur === null || typeof cur !== 'object') return;
    cur = cur[p];
  }
  if (isMap(cur)) delete cur[last];
}

/**
 * CRD fields of Kubernetes versions after 1.27 that the project's vendored CRDs carry
 * (crds/cert-manager: `selectableFields`, 1.30): accepted and dropped, where a real 1.27 server
 * refuses them (500 with server-side apply, 400 with fieldValidation=Strict). Listed in README.md.
 */
const NEWER_CRD_FIELDS = /^\/spec\/versions\/\d+\/selectableFields$/;

const TYPE_RULES = new Set(['type', 'format', 'oneOf', 'anyOf', 'enum', 'maxLength', 'minLength', 'pattern', 'maximum', 'minimum', 'maxItems', 'minItems']);

class Validation {
  /** The violations k8s-checks finds in `obj` (the kind's schema, or its CRD's). */
  violations(obj, crd) {
    const validator = SchemaValidator.forKubernetes127(crd ? { crds: [crdFile(crd)] } : {});
    return validator.validate([obj]).map((v) => {
      // Unknown and missing fields: k8s-checks names them at their parent (built-in kinds) or at
      // themselves (custom kinds); here always at themselves.
      const m = /^(?:unknown field|missing required field) "(.*)"$/.exec(v.message);
      const own = m && `/${m[1].replace(/~/g, '~0').replace(/\//g, '~1')}`;
      return own && !v.path.endsWith(own) ? { ...v, path: `${v.path}${own}` } : v;
    }).filter((v) => {
      if (!(obj.kind === 'CustomResourceDefinition' && v.rule === 'unknown-field' && NEWER_CRD_FIELDS.test(v.path))) return true;
      pointerDelete(obj, v.path);
      return false;
    });
  }

  /**
   * The request body as the server decodes it: unknown fields refused (Strict), dropped with a
   * warning (Warn) or silently (Ignore); wrongly typed values refused. Returns the warnings and
   * changes `obj` in place (pruned).
   */
  decode(r, obj, { directive = 'Warn', crd }) {
    const all = this.violations(obj, crd);
    const unknown = all.filter((v) => v.rule === 'unknown-field');
    const typed = all.filter((v) => v.rule === 'type' || (crd && TYPE_RULES.has(v.rule)));
    const kind = r.kind;
    if (typed.length > 0) {
      if (crd) {
        throw E.invalid(r, obj.metadata?.name ?? '', typed.map((v) => {
          const field = E.fieldPath(v.path);
          const value = pointerGet(obj, v.path);
          // kube-openapi's words: `spec.routes in body must be of type array: "string"`.
          const detail = v.rule === 'type' ? `${field} in body must be of type ${v.message.replace(/^must be /, '')}: ${JSON.stringify(jsonType(value))}` : `${field} in body ${v.message}`;
          return { type: 'Invalid value', field, value, detail };
        }));
      }
      const v = typed[0];
      const value = pointerGet(obj, v.path);
      const { struct, field, type } = goField(obj.apiVersion, kind, v.path);
      throw E.badRequest(`${kind} in version "${r.version}" cannot be handled as a ${kind}: json: cannot unmarshal ${jsonType(value) === 'boolean' ? 'bool' : jsonType(value)} into Go struct field ${struct}.${field} of type ${type}`);
    }
    const names = unknown.map((v) => `unknown field "${E.fieldPath(`${v.path}`)}"`.replace(/\[(\d+)\]/g, '[$1]'));
    if (unknown.length > 0 && directive === 'Strict') {
      throw E.badRequest(`${kind} in version "${r.version}" cannot be handled as a ${kind}: strict decoding error: ${names.join(', ')}`);
    }
    for (const v of [...unknown].reverse()) pointerDelete(obj, v.path);
    return directive === 'Warn' ? names : [];
  }

  /**
   * A server-side apply patch as structured-merge-diff reads it: an unknown field or a wrongly
   * typed value fails the request (500, whatever fieldValidation says, as 1.27 does).
   */
  applyPatch(r, patch, { ns, name, crd }) {
    const bad = this.violations(patch, crd).filter((v) => v.rule === 'unknown-field' || v.rule === 'type');
    if (bad.length === 0) return;
    const v = bad[0];
    const where = `.${E.fieldPath(v.path)}`.replace(/\.\[/g, '[');
    const what = v.rule === 'unknown-field' ? 'field not declared in schema' : `expected ${v.message.replace(/^must be /, '')}, got ${jsonType(pointerGet(patch, v.path))}`;
    const gvk = `${r.group ? `${r.group}/` : '/'}${r.version}, Kind=${r.kind}`;
    throw E.plainError(`failed to create typed patch object (${r.namespaced ? ns : ''}/${name}; ${gvk}): ${where}: ${what}`);
  }

  /** Field errors of the object to be stored (`old`: the stored one, on an update). */
  validate(r, obj, old, crd) {
    const errors = [];
    for (const v of this.violations(obj, crd)) {
      // k8s-checks' rules for labels, ports and names go by field names: inside a CRD's schema
      // those are the names of the schema's properties, not fields of an object.
      if (r.kind === 'CustomResourceDefinition' && /^\/spec\/versions\/\d+\/schema\//.test(v.path) && !TYPE_RULES.has(v.rule) && v.rule !== 'required-field') continue;
      const field = E.fieldPath(v.path);
      const value = pointerGet(obj, v.path);
      switch (v.rule) {
        case 'unknown-field': case 'type': break; // decoding dealt with these
        case 'size': break; // kindRules below, with the API server's own message
        case 'required-field':
          errors.push({ type: 'Required value', field });
          break;
        case 'name-required':
          if (!obj.metadata?.generateName) errors.push({ type: 'Required value', field: 'metadata.name', detail: 'name or generateName is required' });
          break;
        case 'allowed-values': {
          const allowed = /use one of: (.*)$/.exec(v.message)?.[1]?.split(', ') ?? [];
          errors.push({ type: 'Unsupported value', field, value, detail: `supported values: ${allowed.map((a) => JSON.stringify(a)).join(', ')}` });
          break;
        }
        default:
          errors.push({ type: 'Invalid value', field, value, detail: v.message });
      }
    }
    errors.push(...this.kindRules(r, obj, old));
    if (errors.length) throw E.invalid(r, obj.metadata?.name ?? '', errors);
  }

  /** What the kinds' own validation (pkg/apis/<group>/validation) checks beyond the schema, for the kinds served. */
  kindRules(r, obj, old) {
    const errors = [];
    const annotations = obj.metadata?.annotations ?? {};
    const annotationBytes = Object.entries(annotations).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    if (annotationBytes > TOTAL_ANNOTATION_SIZE) errors.push({ type: 'Too long', field: 'metadata.annotations', detail: `must have at most ${TOTAL_ANNOTATION_SIZE} bytes` });
    if (old && obj.metadata?.namespace !== old.metadata?.namespace) errors.push({ type: 'Invalid value', field: 'metadata.namespace', value: obj.metadata?.namespace, detail: 'field is immutable' });
    if (r.kind === 'Secret' || r.kind === 'ConfigMap') {
      const data = obj.data ?? {};
      let size = 0;
      for (const [k, v] of Object.entries(data)) size += r.kind === 'Secret' ? Buffer.from(String(v), 'base64').length : k.length + String(v).length;
      for (const [k, v] of Object.entries(obj.binaryData ?? {})) size += k.length + Buffer.from(String(v), 'base64').length;
      if (size > MAX_SECRET_SIZE) {
        errors.push(r.kind === 'Secret' ? { type: 'Too long', field: 'data', detail: `must have at most ${MAX_SECRET_SIZE} bytes` }
          : { type: 'Too long', field: '', detail: `must have at most ${MAX_SECRET_SIZE} bytes` });
      }
      if (old && old.immutable === true) {
        if (JSON.stringify(obj.data ?? {}) !== JSON.stringify(old.data ?? {})) errors.push({ type: 'Forbidden', field: 'data', detail: 'field is immutable when `immutable` is set' });
        if (obj.immutable !== true) errors.push({ type: 'Forbidden', field: 'immutable', detail: 'field is immutable when `immutable` is set' });
      }
      if (r.kind === 'Secret' && old && (obj.type ?? 'Opaque') !== (old.type ?? 'Opaque')) {
        errors.push({ type: 'Invalid value', field: 'type', value: obj.type, detail: 'field is immutable' });
      }
    }
    if (r.kind === 'Deployment' || r.kind === 'ReplicaSet') {
      const selector = obj.spec?.selector;
      const labels = obj.spec?.template?.metadata?.labels ?? {};
      if (selector && !selectorMatches(selector, labels)) {
        errors.push({ type: 'Invalid value', field: 'spec.template.metadata.labels', shown: goStringMap(labels), detail: '`selector` does not match template `labels`' });
      }
      if (selector && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0) {
        errors.push({ type: 'Invalid value', field: 'spec.selector', shown: goLabelSelector(selector), detail: 'empty selector is invalid for deployment' });
      }
      if (old && r.group === 'apps' && JSON.stringify(canonicalSelector(selector)) !== JSON.stringify(canonicalSelector(old.spec?.selector))) {
        errors.push({ type: 'Invalid value', field: 'spec.selector', shown: goLabelSelector(selector ?? {}), detail: 'field is immutable' });
      }
    }
    if (r.kind === 'Service' && old) {
      const external = obj.spec?.type === 'ExternalName' || old.spec?.type === 'ExternalName';
      const before = old.spec?.clusterIPs ?? [];
      const after = obj.spec?.clusterIPs ?? [];
      if (!external && before.length && after.length) {
        before.forEach((ip, i) => {
          if (after[i] !== undefined && after[i] !== ip) errors.push({ type: 'Invalid value', field: `spec.clusterIPs[${i}]`, shown: goStrings(after), detail: 'may not change once set' });
        });
      }
    }
    if (r.kind === 'Namespace' && old && JSON.stringify(obj.spec?.finalizers ?? []) !== JSON.stringify(old.spec?.finalizers ?? [])) {
      // spec.finalizers change only through /finalize (the namespace strategy keeps them on update).
      obj.spec = { ...obj.spec, finalizers: old.spec?.finalizers };
    }
    return errors;
  }
}

function canonicalSelector(s) {
  if (!s) return null;
  const labels = Object.keys(s.matchLabels ?? {}).sort().map((k) => [k, s.matchLabels[k]]);
  return { labels, expressions: s.matchExpressions ?? [] };
}
function selectorMatches(selector, labels) {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(labels[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(labels[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}
/** Go's %#v of the values field errors print (the API server formats them so). */
const goStringMap = (m) => `map[string]string{${Object.keys(m).sort().map((k) => `${JSON.stringify(k)}:${JSON.stringify(m[k])}`).join(', ')}}`;
const goStrings = (a) => `[]string{${a.map((x) => JSON.stringify(x)).join(', ')}}`;
function goLabelSelector(s) {
  const labels = Object.keys(s.matchLabels ?? {}).length ? goStringMap(s.matchLabels) : 'map[string]string(nil)';
  const exprs = (s.matchExpressions ?? []).length
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions.map((e) => `v1.LabelSelectorRequirement{Key:${JSON.stringify(e.key)}, Operator:${JSON.stringify(e.operator)}, Values:${e.values ? goStrings(e.values) : '[]string(nil)'}}`).join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`;
}

module.exports = { Validation, selectorMatches, MAX_SECRET_SIZE };
