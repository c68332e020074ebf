// YAML as the Kubernetes tools read it. kubectl, Polaris and the API machinery read YAML with
// sigs.k8s.io/yaml, that is go-yaml v2: YAML 1.1 scalars (`yes`, `off` and `y` are booleans,
// `0777` is octal, `1_000` is 1000), and numbers also in the YAML 1.2 core forms (`1.5e3`).
// js-yaml's YAML 1.1 schema with its core int and float forms added reads them alike.

import { floatCoreTag, floatYaml11Tag, intCoreTag, intYaml11Tag, load, loadAll, NOT_RESOLVED, ScalarTagDefinition, YAML11_SCHEMA } from 'js-yaml';

/** A scalar tag that resolves a plain scalar by its YAML 1.1 form first, then by its core form. */
function eitherForm(yaml11: ScalarTagDefinition, core: ScalarTagDefinition): ScalarTagDefinition {
  return {
    ...yaml11,
    implicitFirstChars: yaml11.implicitFirstChars && core.implicitFirstChars
      ? [...new Set([...yaml11.implicitFirstChars, ...core.implicitFirstChars])]
      : null,
    resolve: (source, isExplicit, tagName) => {
      const value = yaml11.resolve(source, isExplicit, tagName);
      return value === NOT_RESOLVED ? core.resolve(source, isExplicit, tagName) : value;
    },
  };
}

/** The js-yaml schema that reads scalars as go-yaml v2 (sigs.k8s.io/yaml) does. */
export const KUBERNETES_YAML_SCHEMA = YAML11_SCHEMA.withTags(
  eitherForm(intYaml11Tag as ScalarTagDefinition, intCoreTag as ScalarTagDefinition),
  eitherForm(floatYaml11Tag as ScalarTagDefinition, floatCoreTag as ScalarTagDefinition),
);

/** One YAML document, as the Kubernetes tools read it. Throws js-yaml's error (with line and column) on bad YAML. */
export function parseKubernetesYaml(text: string, filename?: string): unknown {
  return load(text, { schema: KUBERNETES_YAML_SCHEMA, filename });
}

/** Every document of a YAML stream (`---` separated), as the Kubernetes tools read them. */
export function parseKubernetesYamlDocuments(text: string, filename?: string): unknown[] {
  return loadAll(text, { schema: KUBERNETES_YAML_SCHEMA, filename }) as unknown[];
}
