/** Bad YAML: the message ends with the place, `in "file" (line:column)` (the file when known). */
export class YamlSyntaxError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'YamlSyntaxError';
  }
}

/** Collections nested deeper than MAX_DEPTH; the message ends with the place of the first such collection. */
export class YamlNestingError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'YamlNestingError';
  }
}
