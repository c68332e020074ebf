import * as fs from 'fs';
import * as path from 'path';
import type Ajv from 'ajv';
import type { Options, ValidateFunction } from 'ajv';
import { ArtifactCache } from '../cache/artifact-cache';
import { FormatName, FORMATS } from './validator-runtime';

// ajv itself (65 modules, about 30 ms to load) is only loaded when a validator has to be
// compiled; the validators ajv wrote earlier need none of it but a few runtime helpers.
type AjvModule = typeof import('ajv');
const ajvModule = (): AjvModule => require('ajv') as AjvModule;

/**
 * Compiled ajv validators kept on disk. Compiling the schema of a Deployment takes ajv about a
 * quarter of a second; loading the code it generated (ajv's "standalone" output) takes a few
 * milliseconds. An entry's key covers the schema's inputs, ajv's version and the code that
 * builds the validator.
 */
export class CachedValidators {
  private readonly cache = ArtifactCache.project();
  private readonly memory = new Map<string, ValidateFunction>();
  private readonly key: string;

  /**
   * @param prefix names this set of validators in the cache (e.g. `k8s-<tag of the schema file>`)
   * @param inputs everything the validators depend on besides ajv and this module: schema file contents, the caller's source
   */
  public constructor(private readonly prefix: string, inputs: ReadonlyArray<string | Buffer>) {
    this.key = ArtifactCache.key(AJV_VERSION, SOURCES, ...inputs);
  }

  /** The validator called `name`, from memory, from disk, or compiled by `compile` on the ajv instance it returns. */
  public get(name: string, compile: () => { ajv: Ajv; validate: ValidateFunction }): ValidateFunction {
    let fn = this.memory.get(name);
    if (!fn) {
      fn = this.cache.module(`${this.prefix}-${name}`, this.key, () => {
        const { ajv, validate } = compile();
        const standaloneCode = (require('ajv/dist/standalone') as typeof import('ajv/dist/standalone')).default;
        return { value: validate, source: withResolvedRequires(standaloneCode(ajv, validate)) };
      });
      this.memory.set(name, fn);
    }
    return fn;
  }
}

/**
 * ajv's code requires its runtime helpers by package name (`require("ajv/dist/runtime/equal")`),
 * which only resolves from inside this project; the cache may be anywhere ($K8S_CHECKS_CACHE_DIR).
 */
function withResolvedRequires(source: string): string {
  return source.replace(/require\("(ajv\/[^"]+)"\)/g, (_m, id: string) => `require(${JSON.stringify(withoutQuery(require.resolve(id)))})`);
}

/** A resolved path without the `?namespace=` query tsx's require API adds to the modules it loads. */
function withoutQuery(resolved: string): string {
  const q = resolved.indexOf('?');
  return q < 0 ? resolved : resolved.slice(0, q);
}

/**
 * A new ajv instance with these of the project's formats, set up to write validators that can
 * be kept on disk: they load the formats (and `code.regExp`, given with a `code` property that
 * requires it) from this project's modules by path.
 */
export function createAjv(options: Options, formats: readonly FormatName[]): Ajv {
  const { default: AjvClass, _ } = ajvModule();
  const ajv = new AjvClass({ ...options, code: { ...options.code, source: true, formats: _`require(${RUNTIME_MODULE}).FORMATS` } });
  for (const name of formats) ajv.addFormat(name, FORMATS[name] as Parameters<Ajv['addFormat']>[1]);
  return ajv;
}

/** ajv's code-generation template tags, for keywords that generate code. */
export function codegen(): Pick<AjvModule, '_' | 'str'> {
  const { _, str } = ajvModule();
  return { _, str };
}

/** Loaded by path by the compiled validators (plain JavaScript: they are loaded without a TypeScript loader). */
const RUNTIME_MODULE = path.join(__dirname, 'validator-runtime.js');
const AJV_VERSION = (require('ajv/package.json') as { version: string }).version;
const SOURCES = [__filename, RUNTIME_MODULE].map((f) => fs.readFileSync(f, 'utf8')).join('\0');
