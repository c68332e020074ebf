// Tests are transpiled with swc (fast); type errors are caught separately by `npm run typecheck`,
// which the test command runs first.
//
// Two projects: `unit` (constructs, checks, synth, tools; no container, browser, web server or
// registry: `npm run test:unit`, seconds) and `system` (the images built with podman, nginx,
// Chromium, the registry, the API server, the abuse suite, the multi-cluster deploy:
// `npm run test:system`). `npm test` runs both.
const SYSTEM = [
  '<rootDir>/test/image/**/*.test.ts',
  '<rootDir>/test/api/**/*.test.ts',
  '<rootDir>/test/abuse/**/*.test.ts',
  '<rootDir>/test/helm/helm.test.ts',
  '<rootDir>/test/e2e/**/*.test.ts',
  // Two test API servers and every step of the deploy on each: one to three minutes per file.
  '<rootDir>/test/delivery/multi-cluster/**/*.test.ts',
];

const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/build/'],
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
  // The workspace package k8s-checks is loaded from its TypeScript sources, as tsc reads them
  // (its index.js loads the same sources through tsx for plain Node).
  moduleNameMapper: { '^k8s-checks$': '<rootDir>/packages/k8s-checks/src/index.ts' },
  // Snapshots of the whole app live at the top level, as in the cdk8s project template.
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};

/** @type {import('jest').Config} */
module.exports = {
  // One worker per core (jest's default leaves one core idle): the long suites mostly wait on
  // containers, servers and timers, so two workers on two cores finish in about 60 % of the time.
  maxWorkers: '100%',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: [...common.testPathIgnorePatterns, ...SYSTEM.map(globToPrefix)] },
    { ...common, displayName: 'system', testMatch: SYSTEM },
  ],
};

/** `<rootDir>/test/image/**​/*.test.ts` -> `<rootDir>/test/image/`, as a path pattern to ignore. */
function globToPrefix(glob) {
  return glob.replace(/\*\*\/\*\.test\.ts$/, '').replace(/\./g, '\\.');
}
