// jest's global set-up for the suites beyond `npm test` (jest.containers.config.js, jest.engines.config.js):
// says in one line what the suite needs and how to get it, before any test starts, instead of
// every test file failing on its own; then rebuilds dist/ when stale, as for `npm test`.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import ensureDist from './ensure-dist.mjs'

const TEST_IMAGE = 'localhost/redis:test'
const ENGINE_CACHE = process.env.REDIS_GUARD_ENGINE_CACHE || '/var/cache/redis-memory-guard/engines'
const ENGINES = [
  ['valkey-8.0.1', 'valkey-server'],
  ['redis-7.4.1', 'redis-server']
]

function containersProblem() {
  const fix = `run "sudo bash scripts/setup-podman.sh ${TEST_IMAGE}" once (it installs podman and builds the image from the installed redis-server)`
  const version = spawnSync('podman', ['--version'], { timeout: 30_000 })
  if (version.error || version.status !== 0) return `needs podman, which is not installed: ${fix}`
  if (spawnSync('podman', ['image', 'exists', TEST_IMAGE], { timeout: 60_000 }).status !== 0) return `needs the image ${TEST_IMAGE}, which does not exist: ${fix}`
  return null
}

function enginesProblem() {
  const missing = ENGINES.filter(([dir, server]) => !existsSync(join(ENGINE_CACHE, dir, 'bin', server))).map(([dir]) => dir)
  if (missing.length === 0) return null
  return (
    `needs ${missing.join(' and ')} built into ${ENGINE_CACHE}: run "bash scripts/build-engines.sh" once ` +
    '(a few minutes; REDIS_GUARD_ENGINE_CACHE chooses the folder). It also fetches Node 22 and 24 from the npm registry.'
  )
}

// The suite is read from the config's testMatch (the <suite> of "*.<suite>.test.ts").
export default function suiteSetup(_globalConfig, projectConfig) {
  const suite = /\*\.(\w+)\.test\.ts$/.exec(projectConfig?.testMatch?.[0] ?? '')?.[1]
  const problem = suite === 'containers' ? containersProblem() : suite === 'engines' ? enginesProblem() : null
  if (problem) {
    process.stderr.write(`\nnpm run test:${suite}: ${problem}\n\n`)
    process.exit(2)
  }
  ensureDist()
}
