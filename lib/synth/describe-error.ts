import * as path from 'path';

/**
 * An error as a user of the app needs it: the message (with paths shown relative to the current
 * folder), then where in the user's own code it happened — the first stack frame outside
 * node_modules, Node's internals and this project's library (`lib/`) — and nothing of the
 * runner's or cdk8s' internals.
 */
export function describeError(err: unknown, cwd = process.cwd()): string {
  if (!(err instanceof Error)) return String(err);
  const relative = (text: string) => text.split(`${cwd}${path.sep}`).join('');
  // esbuild (compiled-entry.js, tsx) reports a syntax error as "Build failed with 1 error:\n<file>:<line>:<col>: ERROR: ...".
  const message = relative(err.message.replace(/^(?:Transform|Build) failed with \d+ errors?:\n/, ''));
  const libDir = `${path.join(cwd, 'lib')}${path.sep}`;
  const userFrame = (err.stack ?? '').split('\n').slice(1)
    .map((line) => /^\s+at (?:(.*?) \()?(\/[^()]+?):(\d+):(\d+)\)?$/.exec(line))
    .find((m) => m && !m[2].includes(`${path.sep}node_modules${path.sep}`) && !m[2].startsWith(libDir) && m[2].startsWith(cwd));
  if (!userFrame || message.includes(`${path.relative(cwd, userFrame[2])}:${userFrame[3]}`)) return message;
  return `${message}\n  at ${path.relative(cwd, userFrame[2])}:${userFrame[3]}:${userFrame[4]}${userFrame[1] ? ` (${userFrame[1]})` : ''}`;
}

/** A folder as the user typed it: `dist/` when it is below the current folder, else its absolute path. */
export function displayPath(dir: string, cwd = process.cwd()): string {
  const rel = path.relative(cwd, path.resolve(dir));
  return `${rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(dir)}/`;
}
