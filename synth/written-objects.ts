import { App, Names } from 'cdk8s';
import { KubeObject } from 'k8s-checks';

/**
 * The objects of each manifest file `app.synth()` wrote (FILE_PER_CHART), from the charts in
 * memory rather than read back from the YAML: reading 6000 objects back cost more than the
 * synth itself. Keyed by file name; a file this cannot place (cdk8s named it in a way this does
 * not know) is left out, and the caller reads that one back.
 *
 * What the checks see is what the file holds: cdk8s writes `chart.toJson()` with YAML 1.1
 * scalars, which kubectl reads back as the same values, and an undefined value as null, which
 * this does too (written-objects.test.ts holds both for every target of the app).
 */
export function writtenObjects(app: App, files: readonly string[]): Map<string, KubeObject[]> {
  const charts = app.charts;
  const simple = charts.map((c) => `${Names.toDnsLabel(c)}${app.outputFileExtension}`);
  // cdk8s numbers the files (0000-name) once any chart depends on another.
  const indexed = simple.map((name, i) => `${i.toString().padStart(4, '0')}-${name}`);
  const written = new Set(files);
  const names = simple.every((n) => written.has(n)) ? simple : indexed.every((n) => written.has(n)) ? indexed : undefined;
  const out = new Map<string, KubeObject[]>();
  if (!names || new Set(names).size !== names.length) return out;
  charts.forEach((chart, i) => {
    // An undefined document is written as an empty one, which a reader skips.
    const objects = Object.values(chart.toJson()).filter((o) => o !== undefined && o !== null);
    objects.forEach(nullForUndefined);
    out.set(names[i], objects as KubeObject[]);
  });
  return out;
}

/** Turns undefined values into null, in place, as writing them and reading them back does. */
function nullForUndefined(value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  const entries = value as Record<string, unknown>;
  for (const k of Object.keys(entries)) {
    if (entries[k] === undefined) entries[k] = null;
    else nullForUndefined(entries[k]);
  }
}
