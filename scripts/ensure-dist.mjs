// jest's global set-up: the action's tests run the bundles as the runner does, so a bundle older
// than src/ is rebuilt first and a change in src/ is tested before anyone runs `npm run package`.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function newest(dir) {
  let t = 0
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs)
  }
  return t
}

export default function ensureDist() {
  // .ci/run has already checked that dist/ is a fresh bundle of this src/ (a clone's mtimes say nothing).
  if (process.env.CI === 'true' || process.env.REDIS_GUARD_DIST_CHECKED === '1') return
  const entries = readdirSync('src/entry').filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3))
  const bundles = entries.map((e) => join('dist', e, 'index.js'))
  const sources = Math.max(newest('src'), statSync('package-lock.json').mtimeMs)
  const stale = bundles.some((b) => !existsSync(b) || statSync(b).mtimeMs < sources)
  if (stale) {
    process.stderr.write('\ndist/ is older than src/: rebuilding the bundles before the tests (npm run package).\n')
    execFileSync(process.execPath, ['scripts/package.mjs'], { stdio: 'inherit' })
  }
}
