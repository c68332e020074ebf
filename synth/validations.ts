import * as fs from 'fs';
import * as path from 'path';
import { CheckMemo, countReports, formatReports, runValidations, Validation } from 'k8s-checks';
import * as YAML from 'yaml';
import { closest } from 'fastest-levenshtein';
import { RemoveRefusedOutput } from './remove-refused-output';
import { OutputValidation } from './synth-target';

/** One entry of `validations:` in cdk8s.yaml, as the cdk8s CLI reads it. */
interface ValidationEntry {
  readonly package: string;
  readonly version: string;
  readonly class: string;
  readonly properties?: Record<string, unknown>;
}

/**
 * The checks `cdk8s.yaml` declares, loaded as the cdk8s CLI loads a local plugin
 * (`require` of the package path, `new Class(properties)`), so that `npm run synth` runs exactly
 * what `cdk8s synth` runs, configured in one place. Paths in the properties are relative to the
 * folder of cdk8s.yaml, as the CLI runs in it.
 */
export function loadValidations(configFile: string): Validation[] {
  const dir = path.dirname(path.resolve(configFile));
  const config = YAML.parse(fs.readFileSync(configFile, 'utf-8')) as { validations?: unknown };
  const entries = config?.validations ?? [];
  if (!Array.isArray(entries)) {
    throw new Error(`${configFile}: validations must be a list of { package, version, class, properties } (a URL to a list is not supported here)`);
  }
  const plugins: Validation[] = [];
  entries.forEach((e: ValidationEntry, i) => {
    const where = `${configFile}: validations[${i}]`;
    if (!e || typeof e.package !== 'string' || typeof e.class !== 'string') throw new Error(`${where}: needs a package and a class`);
    if (!e.package.startsWith('.') && !path.isAbsolute(e.package)) {
      throw new Error(`${where}: package "${e.package}" is not a local path; this project runs local plugins only (e.g. ./packages/k8s-checks)`);
    }
    // The checks only: npm run synth replaces the output folder once they passed, so what removes
    // refused output under the CLI (this folder's cdk8s-plugin.js) has nothing to do here, and is
    // not even loaded (a misspelled class still is, and is named).
    if (path.resolve(dir, e.package) === path.join(__dirname, 'cdk8s-plugin.js') && e.class === RemoveRefusedOutput.name) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(path.resolve(dir, e.package)) as Record<string, new (props: unknown) => Validation>;
    const Plugin = module[e.class];
    if (typeof Plugin !== 'function') {
      const classes = Object.keys(module).filter((k) => typeof module[k] === 'function' && /^[A-Z]/.test(k));
      throw new Error(`${where}: package "${e.package}" exports no class "${e.class}"; `
        + `${classes.length ? `did you mean "${closest(e.class, classes)}"? ` : ''}fix the class: in ${path.basename(configFile)}`);
    }
    plugins.push(withCwd(dir, () => new Plugin(e.properties ?? {})));
  });
  // Without it first, a check that fails under `cdk8s synth` would leave its unchecked output
  // in the folder for kubectl apply (the CLI empties the folder before the app runs).
  if (entries.length > 0 && entries[0].class !== RemoveRefusedOutput.name) {
    throw new Error(`${configFile}: the first entry of validations must be { package: ./synth/cdk8s-plugin.js, version: 1.0.0, class: ${RemoveRefusedOutput.name} }, `
      + `which removes the output the checks refused under cdk8s synth; found class "${entries[0].class}"`);
  }
  return plugins;
}

/** How the checks of a synth run. */
export interface ValidationOptions {
  /** Report every field of every finding. @default false */
  readonly verbose?: boolean;
  /** What the synths before found in the same objects (the watch loop's): not checked again. @default - every object is checked */
  readonly memo?: CheckMemo;
}

/** The output validation of `npm run synth`: the plugins on the objects, and their report. */
export function pluginValidation(plugins: readonly Validation[], options: ValidationOptions = {}): OutputValidation {
  return async (files, constructPaths) => {
    const results = await runValidations(files.map((f) => ({ path: f.path, objects: f.objects })), plugins, { metadata: constructPaths, memo: options.memo });
    const counts = countReports(results);
    return {
      passed: results.every((r) => r.status === 'success'),
      report: formatReports(results, options),
      summary: [`${results.map((r) => r.plugin).join(', ')}: ${counts.objects} objects, ${counts.findings} findings, ${counts.exemptions} declared exemptions`],
    };
  };
}

function withCwd<T>(dir: string, run: () => T): T {
  const before = process.cwd();
  if (before === dir) return run();
  process.chdir(dir);
  try {
    return run();
  } finally {
    process.chdir(before);
  }
}
