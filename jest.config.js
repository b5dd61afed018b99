/**
 * Tests run as ESM through ts-jest; relative imports keep their `.js` suffix in source.
 *
 * Where a test belongs, by its file name:
 *   __tests__/<topic>.test.ts             `npm test`: needs Node and redis-server only (this config)
 *   __tests__/<topic>.containers.test.ts  `npm run test:containers`: podman and localhost/redis:test
 *   __tests__/<topic>.engines.test.ts     `npm run test:engines`: built Valkey 8 / Redis 7.4 and the
 *                                          Node majors package.json claims, fetched from npm
 * Each suite has its own config (jest.<suite>.config.js) whose global set-up says what is missing.
 */
export const SUITES = ['containers', 'engines']

export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...SUITES.map((suite) => `\\.${suite}\\.test\\.ts$`)],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json', diagnostics: { ignoreCodes: [151002] } }]
  },
  extensionsToTreatAsEsm: ['.ts'],
  globalSetup: '<rootDir>/scripts/ensure-dist.mjs',
  // After each test, the post step of an action job a failing test left after main (helpers/cleanup.ts).
  setupFilesAfterEnv: ['<rootDir>/__tests__/helpers/cleanup.ts'],
  testTimeout: 60000,
  // One worker per core: test files start their own redis-server processes, so files never share a server.
  maxWorkers: '100%'
}
