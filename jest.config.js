// Tests are transpiled with swc (fast); type errors are caught separately by `npm run typecheck`,
// which the test command runs beside jest (and fails on).
//
// Two projects. `unit` (`npm run test:unit`): constructs, checks, synth and tools in-process, no
// program started; seconds. `system` (`npm run test:system`): everything that runs real programs
// end to end: the cdk8s CLI, kubectl 1.27 against the test API server, the deploy, podman images,
// nginx, Chromium, helm, the registry, the API, the abuse suite, the importers, the watch loop,
// npm run gitops with real git against a local bare repository, the multi-cluster deploy with
// two test API servers, the mutation check's own runs of jest, the AWS CDK app of the EKS clusters
// (packages/clusters: its synth stages tens of megabytes of kubectl layer, and the cdk CLI).
// `npm test` runs both.
const SYSTEM = [
  'test/image/',
  'test/api/',
  'test/abuse/',
  'test/e2e/',
  'test/delivery/',
  'test/helm/helm.test.ts',
  'test/imports.test.ts',
  'bench/synth/',
  'tools/mutation-check/cli.test.ts',
  'synth/watch.test.ts',
  'synth/compiled-entry.test.ts',
  'synth/cdk8s-synth-removes-refused-output.test.ts',
  'test/synth/a-failed-synth-leaves-nothing-to-apply.test.ts',
  'packages/k8s-checks/src/cli/bin.test.ts',
  'packages/k8s-checks/src/cli/hostile-input.test.ts',
  'packages/k8s-checks/src/plugin/cdk8s-synth.test.ts',
  'packages/k8s-checks/src/loading.test.ts',
  'packages/k8s-checks/src/pack.test.ts',
  'packages/clusters/',
];

const common = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  transform: { '^.+\\.tsx?$': ['@swc/jest'] },
  // The workspace package k8s-checks is loaded from its TypeScript sources, as tsc reads them,
  // by name and by its path (as cdk8s.yaml names it): no build needed for the tests in-process.
  // Plain Node (the bin, the cdk8s CLI) loads its build, lib/.
  moduleNameMapper: { '^k8s-checks$|(^|/)packages/k8s-checks/?$': '<rootDir>/packages/k8s-checks/src/index.ts' },
  // Snapshots of the whole app live at the top level, as in the cdk8s project template.
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
const IGNORED = ['/node_modules/', '/dist/', '/build/'];
const asPattern = (p) => `<rootDir>/${p.replace(/\./g, '\\.')}`;

/** @type {import('jest').Config} */
module.exports = {
  // One worker more than there are cores (jest's default is one fewer): many long suites mostly
  // wait on containers, servers and timers (the abuse suites use about a tenth of a core, helm's
  // a third), and the extra worker runs another suite in that time. A number: jest reads a
  // percentage above 100 % as a count of workers. `npm run test:unit` alone, in-process and busy
  // computing, keeps one worker per core.
  maxWorkers: require('os').availableParallelism() + 1,
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: [...IGNORED, ...SYSTEM.map(asPattern)] },
    { ...common, displayName: 'system', globalSetup: '<rootDir>/test/support/build-workspace-packages.js', testMatch: SYSTEM.map((p) => (p.endsWith('/') ? `<rootDir>/${p}**/*.test.ts` : `<rootDir>/${p}`)), testPathIgnorePatterns: IGNORED },
  ],
};
