// YAML as the Kubernetes tools read it. kubectl, Polaris and the API machinery read YAML with
// sigs.k8s.io/yaml, that is go-yaml v2: YAML 1.1 scalars (`yes`, `off` and `y` are booleans,
// `0777` is octal, `1_000` is 1000), and numbers also in the YAML 1.2 core forms (`1.5e3`).
// js-yaml's YAML 1.1 schema with its core int and float forms added reads them alike.

import { constructFromEvents, floatCoreTag, floatYaml11Tag, intCoreTag, intYaml11Tag, NOT_RESOLVED, parseEvents, ScalarTagDefinition, YAML11_SCHEMA, YAMLException } from 'js-yaml';
import { checkAliasing } from './alias-limit';

export { AliasLimitError } from './alias-limit';

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

/**
 * How deep collections may nest (js-yaml's default, said here because it matters): deeper
 * documents are refused before any recursive walk over them could run out of stack. Kubernetes
 * objects, CRD schemas included, stay far below it.
 */
export const MAX_DEPTH = 100;

/**
 * One YAML document, as the Kubernetes tools read it. Throws js-yaml's YAMLException (with line
 * and column) on bad YAML, and AliasLimitError on a document kubectl refuses for its aliases.
 */
export function parseKubernetesYaml(text: string, filename?: string): unknown {
  const documents = parseKubernetesYamlDocuments(text, filename);
  if (documents.length !== 1) {
    const reason = documents.length === 0 ? 'expected a document, but the input is empty' : 'expected a single document in the stream, but found more';
    throw new YAMLException(`${reason}${filename ? ` in "${filename}"` : ''}`);
  }
  return documents[0];
}

/** Every document of a YAML stream (`---` separated), as the Kubernetes tools read them. */
export function parseKubernetesYamlDocuments(text: string, filename?: string): unknown[] {
  const events = parseEvents(text, { filename, maxDepth: MAX_DEPTH });
  checkAliasing(events, text, filename);
  return constructFromEvents(events, { source: text, filename, schema: KUBERNETES_YAML_SCHEMA });
}
