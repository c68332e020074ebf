// Tests are transpiled with swc (fast); type errors are caught separately by `npm run typecheck`,
// which the test command runs first.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/build/'],
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
  // Snapshots of the whole app live at the top level, as in the cdk8s project template.
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
