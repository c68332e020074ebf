// The objects of an upstream test file, read as the tools read them: every YAML document that is
// a mapping (empty documents are skipped), a `List` giving its items.

import * as fs from 'fs';
import { parseKubernetesYamlDocuments } from '../../src/yaml/kubernetes-yaml';
import { KubeObject } from '../../src/policy/types';

export function readObjects(files: readonly string[]): KubeObject[] {
  const out: KubeObject[] = [];
  for (const file of files) {
    for (const doc of parseKubernetesYamlDocuments(fs.readFileSync(file, 'utf8'), file)) {
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) continue;
      const m = doc as KubeObject;
      if (m.kind === 'List' && Array.isArray(m.items)) out.push(...(m.items as KubeObject[]).filter((i) => typeof i === 'object' && i !== null));
      else out.push(m);
    }
  }
  return out;
}
