/** `npm run test:engines`: the engine matrix, other servers and other Node majors (__tests__/*.engines.test.ts). */
import base from './jest.config.js'

export default {
  ...base,
  testMatch: ['**/*.engines.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/scripts/suite-setup.mjs'
}
