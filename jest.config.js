// Jest in ESM mode (see ../shared/TOOLCHAIN.md): ts-jest with useESM, `.js` suffixes stripped.
/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  rootDir: '.',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.spec.ts', '**/*.service-spec.ts', '**/*.e2e-spec.ts', '**/*.browser-spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    // tsc's output from dist-test/ (see the file), ts-jest for anything edited since.
    '^.+\\.ts$': ['<rootDir>/test/support/precompiled-transform.mjs', { useESM: true, tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  maxWorkers: 2,
  testTimeout: 60000,
};
