import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

/** The openAPIV3Schema of every served version of every CRD in a folder, by `apiVersion/kind`. */
export function loadCrdSchemas(dir: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  if (!fs.existsSync(dir)) return out;
  const files = fs.readdirSync(dir, { recursive: true, encoding: 'utf-8' }).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const file of files) {
    for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf-8'))) {
      const crd = doc.toJS() as { kind?: string; spec?: { group: string; names: { kind: string }; versions: Array<{ name: string; served?: boolean; schema?: { openAPIV3Schema?: Record<string, unknown> } }> } };
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const v of crd.spec.versions) {
        if (v.served === false || !v.schema?.openAPIV3Schema) continue;
        out.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, closeStructuralSchema(v.schema.openAPIV3Schema));
      }
    }
  }
  return out;
}

/**
 * Structural schemas prune unknown fields on the server, silently; here they are errors, as
 * they are for `kubectl apply --validate=strict`. Objects that keep unknown fields on purpose
 * (`x-kubernetes-preserve-unknown-fields`) or define `additionalProperties` stay open.
 */
export function closeStructuralSchema(schema: unknown): Record<string, unknown> {
  if (Array.isArray(schema)) return schema.map(closeStructuralSchema) as unknown as Record<string, unknown>;
  if (schema === null || typeof schema !== 'object') return schema as Record<string, unknown>;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    out[k] = k === 'properties'
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([p, ps]) => [p, closeStructuralSchema(ps)]))
      : (typeof v === 'object' ? closeStructuralSchema(v) : v);
  }
  if (s.properties && !('additionalProperties' in s) && s['x-kubernetes-preserve-unknown-fields'] !== true) {
    // metadata is validated by the API server's ObjectMeta, not the CRD schema.
    out.additionalProperties = false;
  }
  return out;
}
