import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { KubeObject, ManifestFile, parseManifestText } from 'k8s-checks';
import { CONSTRUCT_METADATA_FILE, constructMetadata } from './construct-metadata';
import { OutputFolder } from './output-folder';
import { synthApp } from './synth-app';

/** A synthesized manifest file (its path once the output is in place, e.g. `dist/dev.k8s.yaml`) and its objects. */
export type { ManifestFile } from 'k8s-checks';

/** What a validation of the output found. */
export interface ValidationOutcome {
  readonly passed: boolean;
  /** The report to print: every problem with where it is and how to fix it. */
  readonly report: string;
  /** One line per check of what was checked, e.g. `schema: 7 objects, 0 problems`. */
  readonly summary: readonly string[];
}

/** Checks a target's manifest files before they are put in place. */
export type OutputValidation = (files: readonly ManifestFile[], constructPaths: Readonly<Record<string, { path: string }>>) => Promise<ValidationOutcome>;

/** Thrown when the synthesized manifests failed validation; the output folder is as it was. */
export class OutputValidationError extends Error {
  public constructor(readonly outcome: ValidationOutcome) {
    super(outcome.report);
    this.name = 'OutputValidationError';
  }
}

export interface SynthTargetOptions<T extends { readonly name: string }> {
  /** The folder that receives the target's manifests, directly (`dist/`). */
  readonly outdir: string;
  readonly target: T;
  /** The cluster the output is for, recorded in its marker, for a target on several clusters. @default - the target runs on one cluster */
  readonly cluster?: string;
  /** Defines the target's charts in the app. */
  readonly build: (app: App, target: T) => void;
  /** Checks the manifests before they replace the folder's content. @default - none */
  readonly validate?: OutputValidation;
  /**
   * Write `construct-metadata.json` (construct path of every object) for the cdk8s CLI's
   * validation plugins; RemoveRefusedOutput (remove-refused-output.ts) removes it, or all the
   * output when a plugin refused it, once the CLI has decided.
   * @default false
   */
  readonly forCdk8sCli?: boolean;
  /** Runs once the manifests passed the checks, before they replace the folder's content; throws to refuse them. @default - none */
  readonly beforeReplace?: () => void | Promise<void>;
}

export interface SynthResult {
  /** The files written, relative to the output folder (the marker file included). */
  readonly files: readonly string[];
  readonly objects: number;
  /** The manifest files written and the objects in them. */
  readonly manifests: readonly ManifestFile[];
  readonly validation?: ValidationOutcome;
}

/**
 * Synthesizes one target with cdk8s' own `app.synth()` (its file names, order and YAML; synthApp) into a
 * staging folder, validates the manifests, and only then replaces the output folder with them.
 * Any failure — a construct that throws, a manifest that fails a check, a folder that holds
 * somebody else's files — leaves the output folder exactly as it was.
 */
export async function synthTarget<T extends { readonly name: string }>(options: SynthTargetOptions<T>): Promise<SynthResult> {
  const folder = new OutputFolder(options.outdir);
  let metadata: ReturnType<typeof constructMetadata> | undefined;
  let inMemory = new Map<string, KubeObject[]>();
  let manifests: ManifestFile[] = [];
  let validation: ValidationOutcome | undefined;
  const files = await folder.replace(options.target.name, (staging) => {
    const app = new App({ outdir: staging, recordConstructMetadata: false });
    options.build(app, options.target);
    inMemory = synthApp(app);
    // The objects and the construct paths are all the checks need of the app: its tree (most
    // of a large app's memory) is let go before they run.
    metadata = constructMetadata(app);
    if (options.forCdk8sCli) {
      fs.writeFileSync(path.join(staging, CONSTRUCT_METADATA_FILE), JSON.stringify(metadata));
    }
  }, {
    cluster: options.cluster,
    check: async (staging, written) => {
      manifests = written.filter((f) => f.endsWith('.yaml')).map((f) => ({
        path: path.join(options.outdir, f),
        // A file the app wrote by other means than cdk8s' synth is read back.
        objects: inMemory.get(f) ?? readYamlDocuments(path.join(staging, f)),
      }));
      if (options.validate) {
        validation = await options.validate(manifests, metadata!.resources);
        if (!validation.passed) throw new OutputValidationError(validation);
      }
      await options.beforeReplace?.();
    },
  });
  return { files, objects: manifests.reduce((n, m) => n + m.objects.length, 0), manifests, validation };
}

/** The objects of a manifest file, read as kubectl reads YAML. */
function readYamlDocuments(file: string): KubeObject[] {
  return parseManifestText(fs.readFileSync(file, 'utf-8'), file);
}
