import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import type { KubeManifest } from 'k8s-checks';

/** The manifests of one output folder, file by file, in a stable order. */
export interface ManifestFolder {
  readonly dir: string;
  readonly files: ReadonlyArray<{ readonly file: string; readonly manifests: KubeManifest[] }>;
}

/** Reads every `*.yaml` file of a folder (not recursive); each file may hold several documents. */
export function readManifestFolder(dir: string): ManifestFolder {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new Error(`${dir} is not a folder of manifests; run "npm run synth" first`);
  }
  const files = fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort().map((file) => {
    const text = fs.readFileSync(path.join(dir, file), 'utf-8');
    const docs = YAML.parseAllDocuments(text);
    const manifests = docs.map((d, i) => {
      if (d.errors.length > 0) {
        throw new Error(`${path.join(dir, file)}: document ${i + 1} is not valid YAML: ${d.errors[0].message}`);
      }
      return d.toJS() as KubeManifest;
    }).filter((m) => m !== null && m !== undefined);
    return { file, manifests };
  });
  return { dir, files };
}
