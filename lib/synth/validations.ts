import * as fs from 'fs';
import * as path from 'path';
import { countReports, formatReports, runValidations, Validation } from 'k8s-checks';
import * as YAML from 'yaml';
import { KeepLastGoodOutput } from './keep-last-good';
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
    // The checks only: npm run synth replaces the output folder once they passed, so the CLI's
    // keeper of the last good output (this folder's cdk8s-plugin.js) has nothing to do here, and
    // is not even loaded.
    if (path.resolve(dir, e.package) === path.join(__dirname, 'cdk8s-plugin.js') && e.class === KeepLastGoodOutput.name) return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const module = require(path.resolve(dir, e.package)) as Record<string, new (props: unknown) => Validation>;
    const Plugin = module[e.class];
    if (typeof Plugin !== 'function') throw new Error(`${where}: package "${e.package}" exports no class "${e.class}"`);
    plugins.push(withCwd(dir, () => new Plugin(e.properties ?? {})));
  });
  return plugins;
}

/** The output validation of `npm run synth`: the plugins on the objects, and their report. */
export function pluginValidation(plugins: readonly Validation[], options: { verbose?: boolean } = {}): OutputValidation {
  return async (files, constructPaths) => {
    const results = await runValidations(files.map((f) => ({ path: f.path, objects: f.objects })), plugins, { metadata: constructPaths });
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
