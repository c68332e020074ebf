// YAML as the Kubernetes tools read it. kubectl, Polaris and the API machinery read YAML with
// sigs.k8s.io/yaml, that is go-yaml v2: YAML 1.1 scalars (`yes`, `off` and `y` are booleans,
// `0777` is octal, `1_000` is 1000, `1:20` is 80), numbers also in the exponent form (`1e3`), and
// timestamps left as strings. The yaml package's YAML 1.1 schema reads them alike once its
// timestamp tag is left out and its floats take go-yaml's form. It is the library cdk8s writes manifests with, so the app, its
// tools and these checks read and write YAML with one library.
//
// Hostile input is bounded before any object is built: collections nested more than MAX_DEPTH
// levels deep are refused on the parser's tokens (the composer below recurses per level), and
// aliases are counted as kubectl counts them (alias-limit.ts) before they are resolved.

import { Composer, Document, DocumentOptions, Parser, ParseOptions, Schema, SchemaOptions, Tags, YAMLError } from 'yaml';
import type { CST } from 'yaml';
import { checkAliasing, place } from './alias-limit';
import { YamlNestingError, YamlSyntaxError } from './yaml-errors';

export { AliasLimitError } from './alias-limit';
export { YamlNestingError, YamlSyntaxError } from './yaml-errors';

/**
 * How deep collections may nest: deeper documents are refused before any recursive walk over
 * them (the composer's, the checks') could run out of stack. Kubernetes objects, CRD schemas
 * included, stay far below it.
 */
export const MAX_DEPTH = 100;

// go-yaml v2's float form (resolve.go, yamlStyleFloat, matched once underscores are dropped):
// digits before or after the point; `e3` and `.` stay strings, where the YAML 1.1 tags of the
// yaml package would read them as NaN.
const GO_FLOAT = /^[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*\.[0-9_]*)$/;
const GO_FLOAT_EXP = /^[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = 'tag:yaml.org,2002:float';

/**
 * The yaml package's YAML 1.1 tags as go-yaml v2 decodes into interface{} (as kubectl does):
 * unquoted timestamps stay strings, and floats take go-yaml's form.
 */
function goYamlTags(tags: Tags): Tags {
  return tags
    .filter((t) => typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:timestamp')
    .map((t) => {
      if (typeof t !== 'object' || t.tag !== FLOAT || !('test' in t) || !t.test || /inf/i.test(t.test.source)) return t;
      return { ...t, test: t.format === 'EXP' ? GO_FLOAT_EXP : GO_FLOAT };
    });
}

/**
 * The YAML 1.1 schema as go-yaml v2 reads it, built once: a schema built per document (the yaml
 * package's default) is most of the cost of reading a small one, and the Polaris checks read
 * thousands of small rendered schemas.
 */
const KUBERNETES_YAML_SCHEMA = new Schema({ schema: 'yaml-1.1', customTags: goYamlTags, merge: true, resolveKnownTags: false });

/** The yaml package's options that read scalars as go-yaml v2 (sigs.k8s.io/yaml) does. */
export const KUBERNETES_YAML_OPTIONS: Readonly<ParseOptions & DocumentOptions & SchemaOptions> = {
  version: '1.1',
  schema: KUBERNETES_YAML_SCHEMA,
  uniqueKeys: true,
  // Aliases are bounded by checkAliasing, as kubectl bounds them; the yaml package's own count
  // (maxAliasCount) is stricter than kubectl's and would refuse what kubectl applies.
};

function within(filename: string | undefined): string {
  return filename ? ` in "${filename}"` : '';
}

/**
 * One YAML document, as the Kubernetes tools read it. Throws YamlSyntaxError (with line and
 * column) on bad YAML, AliasLimitError on a document kubectl refuses for its aliases, and
 * YamlNestingError on collections nested deeper than MAX_DEPTH.
 */
export function parseKubernetesYaml(text: string, filename?: string): unknown {
  const documents = parseKubernetesYamlDocuments(text, filename);
  if (documents.length !== 1) {
    const reason = documents.length === 0 ? 'expected a document, but the input is empty' : 'expected a single document in the stream, but found more';
    throw new YamlSyntaxError(`${reason}${within(filename)}`);
  }
  return documents[0];
}

/** Every document of a YAML stream (`---` separated), as the Kubernetes tools read them; an empty document is null. */
export function parseKubernetesYamlDocuments(text: string, filename?: string): unknown[] {
  const out: unknown[] = [];
  const composer = new Composer(KUBERNETES_YAML_OPTIONS);
  // Every refusal of checkAliasing is about an alias: without a `*` in the text there is none.
  const aliases = text.includes('*');
  const take = (doc: Document.Parsed) => {
    const error = doc.errors[0];
    if (error) throw syntaxError(error, text, filename);
    if (aliases) checkAliasing(doc, text, out.length + 1, filename);
    out.push(doc.toJS({ maxAliasCount: -1 }));
  };
  // One document at a time, so that a large stream never holds more than one document's tokens.
  for (const token of new Parser().parse(text)) {
    checkNesting(token, text, filename);
    for (const doc of composer.next(token)) take(doc);
  }
  for (const doc of composer.end(false, text.length)) take(doc);
  return out;
}

function syntaxError(error: YAMLError, text: string, filename: string | undefined): YamlSyntaxError {
  // The yaml package's message is its reason, then " at line L, column C" and a code excerpt when prettified.
  const reason = error.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  return new YamlSyntaxError(`${reason}${within(filename)} ${place(text, error.pos[0])}`);
}

/**
 * Throws YamlNestingError when collections nest deeper than MAX_DEPTH. Walks the parser's
 * tokens with a stack of its own: the tokens of a hostile document may nest 100,000 deep.
 */
function checkNesting(root: CST.Token, text: string, filename: string | undefined): void {
  const pending: Array<[CST.Token, number]> = [[root, 0]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [token, depth] = next;
    switch (token.type) {
      case 'document':
        if (token.value) pending.push([token.value, depth]);
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        if (depth + 1 > MAX_DEPTH) {
          const offset = token.type === 'flow-collection' ? token.start.offset : token.offset;
          throw new YamlNestingError(`nesting exceeded maxDepth (${MAX_DEPTH})${within(filename)} ${place(text, offset)}`);
        }
        // Reversed, so that the first collection too deep in document order is the one named.
        for (let i = token.items.length - 1; i >= 0; i--) {
          const item = token.items[i] as CST.CollectionItem;
          if (item.value) pending.push([item.value, depth + 1]);
          if (item.key) pending.push([item.key, depth + 1]);
        }
        break;
      }
      default:
        break;
    }
  }
}
