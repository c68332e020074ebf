/**
 * The exit codes of `npm run deploy` (its --help and README say what each leaves on the
 * cluster). With a target on several clusters, 3-7 describe the first cluster (no other was
 * touched); 8 says a later cluster failed after the ones before it were deployed.
 */
export const EXIT = { ok: 0, usage: 1, synth: 2, preflight: 3, rolledBack: 4, rollbackFailed: 5, partial: 6, finishFailed: 7, laterClusterFailed: 8 } as const;
