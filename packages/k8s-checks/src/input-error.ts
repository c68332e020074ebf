/**
 * Input the checks cannot use: a missing path, bad YAML or JSON, a document that is no
 * Kubernetes object, a plugin property or CRD path that is wrong. The message names the file,
 * flag or property and what is wrong; the command exits 2 on it.
 */
export class InputError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}
