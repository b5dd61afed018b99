/** `npm run test:containers`: the tests that start real podman containers (__tests__/*.containers.test.ts). */
import base from './jest.config.js'

export default {
  ...base,
  testMatch: ['**/*.containers.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/scripts/suite-setup.mjs'
}
