#!/usr/bin/env node
// Prints `tests: N passed, M failed` from jest's --json results. Suites that failed to run
// (a syntax error, a crash in beforeAll) count as failed, so a broken suite can't hide.
'use strict';
const fs = require('fs');

const file = process.argv[2] || 'build/jest-results.json';
if (!fs.existsSync(file)) {
  console.log('tests: 0 passed, 1 failed');
  console.error(`jest-summary: ${file} is missing: jest did not finish`);
  process.exit(1);
}
const r = JSON.parse(fs.readFileSync(file, 'utf-8'));
const brokenSuites = r.testResults.filter((s) => s.status === 'failed' && s.assertionResults.length === 0).length;
const passed = r.numPassedTests;
const failed = r.numFailedTests + brokenSuites;
const skipped = r.numPendingTests + r.numTodoTests;
console.log(`tests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
