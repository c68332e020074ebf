import * as fs from 'fs';

/**
 * Puts the last good output of a synth into a folder, as a user's dist/ holds it before the synth
 * under test runs. `make(folder)` synthesizes it into `folder()` once per test file; each call
 * copies it into `dist` (a synth takes seconds, a copy none).
 */
export function lastGoodOutput(folder: () => string, make: (folder: string) => void): (dist: string) => void {
  let made: string | undefined;
  return (dist) => {
    if (made === undefined) {
      make(folder());
      made = folder();
    }
    fs.rmSync(dist, { recursive: true, force: true });
    fs.cpSync(made, dist, { recursive: true });
  };
}
