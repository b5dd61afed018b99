// Fetches an official Node.js binary from the npm registry, so the tests can run the bundles under
// the Node the runner uses (action.yml: `runs.using: node24`) while this machine runs another.
// The npm packages `node-<platform>-<arch>` ship the release binary; only bin/node is kept, in
// .tmp/, so it is fetched once per checkout and not by every `npm ci`.
//
//   node scripts/node-runtime.mjs 24     prints the path of the Node 24 binary, fetching it if needed
//   node scripts/node-runtime.mjs 22 24  one path per line, for each major given
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(fileURLToPath(import.meta.url), '..', '..')

/** The exact releases the tests use, by major: pinned so every run tests the same binary. */
export const NODE_RELEASES = { 22: '22.23.5', 24: '24.22.3' }

/** The path of the Node binary of `major`, fetched from the npm registry into .tmp/ when missing. */
export function nodeBinary(major) {
  const version = NODE_RELEASES[major]
  if (!version) throw new Error(`no pinned Node release for major ${major}; known: ${Object.keys(NODE_RELEASES).join(', ')}`)
  const dir = join(root, '.tmp', `node-${version}`)
  const binary = join(dir, 'bin', 'node')
  if (existsSync(binary)) return binary
  const pkg = `node-${process.platform}-${process.arch}@${version}`
  mkdirSync(join(root, '.tmp'), { recursive: true })
  const work = mkdtempSync(join(root, '.tmp', 'node-fetch-'))
  try {
    // `npm pack` downloads the tarball without running any install scripts; npm's cache makes a re-fetch cheap.
    execFileSync('npm', ['pack', pkg, '--prefer-offline', '--silent', '--pack-destination', work], { cwd: work, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 })
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))
    if (!tarball) throw new Error(`npm pack ${pkg} produced no tarball`)
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work, 'package/bin/node'], { stdio: 'inherit', timeout: 120_000 })
    mkdirSync(join(dir, 'bin'), { recursive: true })
    chmodSync(join(work, 'package', 'bin', 'node'), 0o755)
    // Renamed into place last, so an interrupted fetch never leaves a half-written binary behind.
    renameSync(join(work, 'package', 'bin', 'node'), binary)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  return binary
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const majors = process.argv.slice(2)
  if (majors.length === 0 || !majors.every((m) => /^\d+$/.test(m))) {
    console.error('usage: node scripts/node-runtime.mjs MAJOR...  (e.g. node scripts/node-runtime.mjs 22 24)')
    process.exit(2)
  }
  try {
    for (const major of majors) console.log(nodeBinary(Number(major)))
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error))
    process.exit(1)
  }
}
