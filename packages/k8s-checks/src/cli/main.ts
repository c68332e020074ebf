// `k8s-checks [--schema] [--policy] [--crds PATH]... [--verbose] [--json] PATH...`

import { parseArgs } from 'node:util';
import { Validation } from '../plugin/cdk8s-validation';
import { PolicyValidation } from '../plugin/policy-validation';
import { SchemaValidation } from '../plugin/schema-validation';
import { formatReports } from '../report/format-reports';
import { manifestSources } from '../manifest/manifest-sources';
import { InputError, readManifestFile } from '../manifest/read-manifests';
import { ManifestInput, runValidations } from '../report/run-validations';

export const USAGE = `Usage: k8s-checks [--schema] [--policy] [--crds PATH]... [--verbose] [--json] PATH...

Checks Kubernetes manifests: files or folders (recursively: .yaml, .yml, .json; multi-document
YAML), or - for standard input (helm template ... | k8s-checks -), once. Symbolic links are
followed, except back into a folder being read; each file is read once. A path that cannot be
read (missing, not YAML, not Kubernetes objects, a link loop) is named on standard error and the
others are still checked.

  --schema       the Kubernetes 1.27 OpenAPI schema, strict (unknown fields are errors), and
                 the rules it states only in prose; custom resources against --crds
  --policy       Pod Security restricted, kube-score, kube-linter and Polaris default checks,
                 over all the objects together, with declared exemptions
                 (neither flag: both checks)
  --crds PATH    CRD files or folders of them, for custom resources (repeatable)
  --verbose      every field of every finding
  --json         the reports as JSON
  -h, --help     this text

Exit status: 0 no findings, 1 findings, 2 usage error or a path that could not be read (then
the others were checked all the same).`;

/** Where the command writes, and where standard input comes from (for tests and hosts). */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly stdin: () => Promise<string>;
}

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  stdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf-8');
  },
};

/** Runs the command; resolves to its exit status. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        schema: { type: 'boolean', default: false },
        policy: { type: 'boolean', default: false },
        crds: { type: 'string', multiple: true, default: [] },
        verbose: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (e) {
    io.err(`k8s-checks: ${(e as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = args;
  if (values.help) {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length === 0) {
    io.err(`k8s-checks: no manifests given: name files or folders of manifests, or - for standard input\n\n${USAGE}\n`);
    return 2;
  }
  const stdinCount = positionals.filter((p) => p === '-').length;
  if (stdinCount > 1) {
    io.err(`k8s-checks: - (standard input) is given ${stdinCount} times; it can be read only once, so give it once\n`);
    return 2;
  }
  try {
    const plugins: Validation[] = [];
    const both = !values.schema && !values.policy;
    if (values.schema || both) plugins.push(new SchemaValidation({ crds: values.crds }));
    if (values.policy || both) plugins.push(new PolicyValidation());
    // A path that cannot be read is said at once; the others are still checked, and the exit
    // status says that not everything was.
    const sources = manifestSources(positionals);
    for (const note of sources.notes) io.err(`k8s-checks: note: ${note}\n`);
    const problems = [...sources.problems];
    const inputs: ManifestInput[] = [];
    for (const file of sources.files) {
      try {
        inputs.push(file === '-' ? readManifestFile('-', await io.stdin()) : readManifestFile(file));
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        problems.push(e);
      }
    }
    for (const problem of problems) io.err(`k8s-checks: ${problem.message}\n`);
    if (inputs.length === 0) return problems.length > 0 ? 2 : 0;
    const results = await runValidations(inputs, plugins, { log: (m) => io.err(`${m}\n`) });
    io.out(values.json ? `${JSON.stringify(results, undefined, 2)}\n` : `${formatReports(results, { verbose: values.verbose })}\n`);
    if (problems.length > 0) {
      const n = problems.length;
      io.err(`k8s-checks: ${n} ${n === 1 ? 'path' : 'paths'} could not be read (above); the ${inputs.length} other ${inputs.length === 1 ? 'file was' : 'files were'} checked\n`);
      return 2;
    }
    return results.every((r) => r.status === 'success') ? 0 : 1;
  } catch (e) {
    if (e instanceof InputError) {
      io.err(`k8s-checks: ${(e as Error).message}\n`);
      return 2;
    }
    throw e;
  }
}
