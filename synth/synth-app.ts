import * as fs from 'fs';
import * as path from 'path';
import { App, Yaml } from 'cdk8s';
import { KubeObject } from 'k8s-checks';
import { manifestYaml } from './manifest-yaml';

/**
 * Runs cdk8s' own `app.synth()` — its validation, dependencies, chart order and file names —
 * and returns the objects of each manifest file it wrote, keyed by the file's path relative to
 * the output folder. cdk8s has no hook for how a file is written, so for the length of the call
 * its Yaml.save writes with manifestYaml (the same bytes, faster) and hands this the objects
 * too: reading 6000 objects back from the YAML cost more than the synth itself.
 *
 * What the checks see is what the file holds: cdk8s writes YAML 1.1 scalars, which kubectl
 * reads back as the same values, and an undefined value as null, which this does too
 * (app/checks-see-what-is-written.test.ts holds both for every target of the app).
 */
export function synthApp(app: App): Map<string, KubeObject[]> {
  const written = new Map<string, KubeObject[]>();
  const save = Yaml.save;
  const onDocument = (doc: unknown, text: string): void => {
    if (doc !== null && typeof doc === 'object') texts.set(doc, text);
  };
  Yaml.save = (file: string, docs: unknown[]) => {
    fs.writeFileSync(file, manifestYaml(docs, { undefinedToNull: true, onDocument }), { encoding: 'utf8' });
    // An undefined document is written as an empty one, which a reader skips.
    const objects = docs.filter((d) => d !== undefined && d !== null);
    written.set(path.relative(app.outdir, file), objects as KubeObject[]);
  };
  try {
    app.synth();
  } finally {
    Yaml.save = save;
  }
  return written;
}

/** The YAML each object synthApp returned was written as; kept as long as the object is. */
const texts = new WeakMap<object, string>();

/** The YAML an object synthApp returned was written as; undefined for any other object. */
export function writtenText(object: unknown): string | undefined {
  return object !== null && typeof object === 'object' ? texts.get(object) : undefined;
}

/**
 * Whether two objects synthApp returned were written as the same YAML, hence hold the same
 * values (the text reads back as the object); undefined when either was not written by it.
 */
export function sameWrittenText(a: object, b: object): boolean | undefined {
  const ta = texts.get(a);
  const tb = texts.get(b);
  return ta === undefined || tb === undefined ? undefined : ta === tb;
}
