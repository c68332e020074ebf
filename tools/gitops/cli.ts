import * as path from 'path';
import { describeError, displayPath } from '../../synth/describe-error';
import { EXIT, HELP, parseArgs, UsageError } from './args';

/** `npm run gitops -- <command> ...`: returns the exit code. */
async function run(argv: string[]): Promise<number> {
  const io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) };
  try {
    const cmd = parseArgs(argv);
    if (cmd === 'help') {
      process.stdout.write(HELP);
      return EXIT.ok;
    }
    // Loaded after the arguments are checked: loading the app checks config/targets.ts.
    const { loadGitOps, promote, publish } = await import('./publish');
    const ctx = { root: path.join(__dirname, '..', '..'), env: process.env, io };
    if (cmd.command === 'publish') return await publish(cmd, ctx);
    if (cmd.command === 'promote') return await promote(cmd, ctx);
    const { OutputValidationError, renderArgoCd } = await import('./render');
    const { targets, gitops } = loadGitOps();
    try {
      const result = await renderArgoCd(cmd.outdir, gitops, targets, process.env);
      const shown = displayPath(cmd.outdir);
      const applications = gitops.targets.flatMap((t) => t.clusters.map((c) => c.application));
      io.out(`${shown}: ${result.objects} Argo CD objects (an AppProject for each of ${gitops.targets.map((t) => t.target).join(', ')}; `
        + `an Application for each of their clusters: ${applications.join(', ')}) in ${result.files.filter((f) => f.endsWith('.yaml')).join(', ')}`);
      for (const line of result.validation?.summary ?? []) io.out(`  ${line}`);
      io.out(`apply them once to the cluster Argo CD runs in: kubectl apply -n ${gitops.argoCdNamespace} -f ${shown.replace(/\/$/, '')}`);
      return EXIT.ok;
    } catch (e) {
      if (e instanceof OutputValidationError) {
        io.err(e.outcome.report);
        io.err(`gitops: the Argo CD objects failed validation; ${displayPath(cmd.outdir)} was left unchanged.`);
        return EXIT.synth;
      }
      io.err(`gitops: render failed: ${describeError(e)}`);
      return EXIT.synth;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`gitops: ${e.message}`);
      return EXIT.usage;
    }
    io.err(`gitops: ${describeError(e)}`);
    return EXIT.usage;
  }
}

run(process.argv.slice(2)).then((code) => { process.exitCode = code; });
