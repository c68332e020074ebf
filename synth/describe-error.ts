import * as path from 'path';

/**
 * An error as a user of the app needs it: the message (with paths shown relative to the current
 * folder), then where in the user's own code it happened — the first stack frame outside
 * node_modules, Node's internals, this project's library (`lib/`) and its synth command
 * (`synth/`) — and nothing of the runner's or cdk8s' internals.
 */
export function describeError(err: unknown, cwd = process.cwd()): string {
  if (!(err instanceof Error)) return String(err);
  const relative = (text: string) => text.split(`${cwd}${path.sep}`).join('');
  // esbuild (compiled-entry.js, tsx) reports a syntax error as "Build failed with 1 error:\n<file>:<line>:<col>: ERROR: ...".
  const text = err.message.replace(/^(?:Transform|Build) failed with \d+ errors?:\n/, '');
  const message = relative(missingImport(err, text) ?? text);
  const ours = ['lib', 'synth'].map((d) => `${path.join(cwd, d)}${path.sep}`);
  const userFrame = (err.stack ?? '').split('\n').slice(1)
    .map((line) => /^\s+at (?:(.*?) \()?(\/[^()]+?):(\d+):(\d+)\)?$/.exec(line))
    .find((m) => m && !m[2].includes(`${path.sep}node_modules${path.sep}`) && !ours.some((d) => m[2].startsWith(d)) && m[2].startsWith(cwd));
  if (!userFrame || message.includes(`${path.relative(cwd, userFrame[2])}:${userFrame[3]}`)) return message;
  return `${message}\n  at ${path.relative(cwd, userFrame[2])}:${userFrame[3]}:${userFrame[4]}${userFrame[1] ? ` (${userFrame[1]})` : ''}`;
}

/** A folder as the user typed it: `dist/` when it is below the current folder, else its absolute path. */
export function displayPath(dir: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, path.resolve(dir));
  return `${rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(dir)}/`;
}

/**
 * A module of `imports/` that is not there: those are the classes cdk8s generates, so the
 * message says which command writes them, instead of a bare "Cannot find module".
 */
function missingImport(err: Error, text: string): string | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  let wanted = /^Cannot find module '([^']+)'/.exec(err.message)?.[1];
  let from = (err as { requireStack?: string[] }).requireStack?.[0];
  if (code !== 'MODULE_NOT_FOUND' && code !== 'ERR_MODULE_NOT_FOUND') {
    // The compiled runner's bundler says it per importing file: `<file>:<line>:<col>: ERROR: Could not resolve "<module>"`.
    const unresolved = /^(\S+):\d+:\d+: ERROR: Could not resolve "([^"]+)"/m.exec(text);
    wanted = unresolved?.[2];
    from = unresolved?.[1];
  }
  if (!wanted || !/(^|\/)imports\//.test(wanted)) return undefined;
  const command = /(^|\/)imports\/k8s(\.ts)?$/.test(wanted)
    ? '"npm run import" writes imports/k8s.ts (the Kubernetes 1.27 classes)'
    : '"npm run import:crds" writes the custom resources\' classes from crds/ ("npm run import" writes imports/k8s.ts)';
  return `Cannot find module '${wanted}'${from ? ` (imported by ${from})` : ''}: imports/ holds the classes cdk8s generates; ${command}`;
}
