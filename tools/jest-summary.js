#!/usr/bin/env node
// Prints each suite's time, slowest first, then `tests: N passed, M failed` (the last line)
// from jest's --json results. Suites that failed to run (a syntax error, a crash in beforeAll)
// count as failed, so a broken suite can't hide.
'use strict';
const fs = require('fs');

const file = process.argv[2] || 'build/jest-results.json';
if (!fs.existsSync(file)) {
  console.log('tests: 0 passed, 1 failed');
  console.error(`jest-summary: ${file} is missing: jest did not finish`);
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(file, 'utf-8'));

// Where the time went: each suite's wall time, slowest first (jest's own list is in run order).
const root = process.cwd() + require('path').sep;
const suites = r.testResults.map((s) => ({ name: s.name.startsWith(root) ? s.name.slice(root.length) : s.name, ms: s.endTime - s.startTime, failed: s.status === 'failed' }))
  .sort((a, b) => b.ms - a.ms || a.name.localeCompare(b.name));
if (suites.length) {
  console.log('suite times, slowest first:');
  for (const s of suites) console.log(`${(s.ms / 1000).toFixed(1).padStart(8)} s  ${s.name}${s.failed ? '  (failed)' : ''}`);
  const wall = (Math.max(...r.testResults.map((s) => s.endTime)) - r.startTime) / 1000;
  console.log(`${suites.length} suites in ${wall.toFixed(1)} s wall, ${(suites.reduce((n, s) => n + s.ms, 0) / 1000).toFixed(1)} s summed`);
}
const brokenSuites = r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
const passed = r.numPassedTests;
const failed = r.numFailedTests + brokenSuites;
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
