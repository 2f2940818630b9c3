/** Jest runs TypeScript through swc (fast on 2 cores); integration suites share one
 *  PostgreSQL database and one Temporal dev server started in globalSetup. */
module.exports = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['@swc/jest'] },
  testMatch: ['<rootDir>/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.data/', '/.cache/'],
  globalSetup: '<rootDir>/test/globalSetup.ts',
  globalTeardown: '<rootDir>/test/globalTeardown.ts',
  setupFiles: ['<rootDir>/test/setupEnv.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
