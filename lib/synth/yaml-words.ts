// In YAML 1.1 — what cdk8s writes, and how Polaris' files are read — a word of letters, digits,
// '.', '_', '/' and '-' that starts with a letter is a plain string, written and read as itself,
// unless it is one of the words for true, false or null, or an exponent without a mantissa
// (`e3` is a float in YAML 1.1). Most of a manifest's scalars are such
// words (names, labels, kinds); knowing it saves asking the yaml library about each one.
// manifest-yaml.test.ts checks this against the library.

const WORD = /^[A-Za-z][A-Za-z0-9._/-]*$/;
const NOT_A_STRING = /^(?:Y|y|[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON|N|n|[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF|[Nn]ull|NULL|[eE][0-9]+)$/;

/** Whether YAML 1.1 writes and reads `text` as a plain string equal to itself. */
export function isPlainWord(text: string): boolean {
  return text.length <= 1000 && WORD.test(text) && !NOT_A_STRING.test(text);
}
