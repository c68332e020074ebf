// Tests are transpiled with swc (fast); type errors are caught separately by `npm run typecheck`,
// which the test command runs first.
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/build/'],
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
  // The workspace package k8s-checks is loaded from its TypeScript sources, as tsc reads them
  // (its index.js loads the same sources through tsx for plain Node).
  moduleNameMapper: { '^k8s-checks$': '<rootDir>/packages/k8s-checks/src/index.ts' },
  // One worker per core (jest's default leaves one core idle): the long suites mostly wait on
  // containers, servers and timers, so two workers on two cores finish in about 60 % of the time.
  maxWorkers: '100%',
  // Snapshots of the whole app live at the top level, as in the cdk8s project template.
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
