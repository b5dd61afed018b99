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
import { availableParallelism } from 'node:os'

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
  // Test files start their own redis-server processes, so files never share a server. Three
  // workers on two cores: a file spends about a third of its time waiting (servers starting,
  // sampling intervals, child processes), and with a worker per core the suite used 66% of the
  // CPU; on the project's 2-core machine 1.5 workers per core took npm test from 220 s to 173 s
  // (4 workers: 169 s), all tests passing. A number, not '150%': jest reads a percentage over
  // 100 as a plain count (150 workers).
  maxWorkers: Math.max(2, Math.ceil(availableParallelism() * 1.5))
}
