/** Tests run as ESM through ts-jest; relative imports keep their `.js` suffix in source. */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  roots: ['<rootDir>/__tests__'],
  testMatch: ['**/*.test.ts'],
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
