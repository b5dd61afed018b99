/**
 * The committed bundles run under every Node major package.json's `engines` names, this machine's
 * own and official binaries fetched from the npm registry (scripts/node-runtime.mjs), among them
 * the node24 that action.yml declares. `npm run package` must have built dist/ first.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { newJob, stepState } from './helpers/action-runner.js'
import { SCHEMA_VERSION } from '../src/report/report.js'
import { redisPerFile } from './helpers/redis-server.js'

const run = promisify(execFile)
const root = process.cwd()
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const engineMajors = [...(pkg.engines.node as string).matchAll(/\^(\d+)\./g)].map((m) => Number(m[1]))
const declared = /^\s*using:\s*node(\d+)\s*$/m.exec(readFileSync(join(root, 'action.yml'), 'utf8'))?.[1]
const redis = redisPerFile()
const runtimes = new Map<number, string>()

interface Ran {
  code: number
  out: string
}

/** Runs `node file args` with a minimal environment; never throws on a non-zero exit. */
async function runUnder(node: string, file: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  try {
    const r = await run(node, [join(root, 'dist', file), ...args], { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }, timeout: 30_000 })
    return { code: 0, out: r.stdout + r.stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, out: (e.stdout ?? '') + (e.stderr ?? '') }
  }
}

beforeAll(async () => {
  // Fetched side by side; each is one ~50 MB download on a fresh checkout, then kept in .tmp/.
  await Promise.all(
    engineMajors.map(async (major) => {
      if (major === Number(process.versions.node.split('.')[0])) {
        runtimes.set(major, process.execPath)
      } else {
        const { stdout } = await run(process.execPath, [join(root, 'scripts', 'node-runtime.mjs'), String(major)], { timeout: 280_000 })
        runtimes.set(major, stdout.trim())
      }
    })
  )
}, 300_000)

describe('engines', () => {
  it("names the runner's Node (action.yml's runs.using) and this machine's, so both are tested below", () => {
    expect(declared).toBeDefined()
    expect(engineMajors).toContain(Number(declared))
    expect(engineMajors).toContain(Number(process.versions.node.split('.')[0]))
  })

  it('names the packages the bundles are built on, node-redis among the dependencies (issue 23)', () => {
    expect(pkg.dependencies?.['@redis/client']).toBeDefined()
    for (const name of ['@actions/core', '@actions/github']) expect(pkg.dependencies?.[name] ?? pkg.devDependencies[name]).toBeDefined()
  })
})

describe.each(engineMajors)('under Node %i', (major) => {
  const node = (): string => runtimes.get(major) ?? ''

  it('is that Node', async () => {
    const r = await run(node(), ['-p', 'process.versions.node'])
    expect(Number(r.stdout.trim().split('.')[0])).toBe(major)
  })

  it('the CLI prints its version and reads a real Redis', async () => {
    const version = await runUnder(node(), 'cli/index.js', ['--version'])
    expect(version).toEqual({ code: 0, out: `${pkg.name} ${pkg.version}\n` })
    const r = await redis()
    const snap = await runUnder(node(), 'cli/index.js', ['snapshot', '--url', r.url, '--json'])
    expect(snap.code).toBe(0)
    expect(JSON.parse(snap.out).schemaVersion).toBe(SCHEMA_VERSION)
  })

  it('the main step fails on a bad input with one clear error line, not a crash', async () => {
    const r = await runUnder(node(), 'main/index.js', [], { 'INPUT_REDIS-URL': 'http://localhost:1', RUNNER_TEMP: mkdtempSync(join(tmpdir(), 'rmg-node-')) })
    expect(r.code).toBe(1)
    const errors = r.out.split('\n').filter((l) => l.startsWith('::error'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('redis-url: the scheme must be redis:// or rediss://')
    expect(r.out).not.toMatch(/^\s+at /m)
  })

  it('main, the sampler it starts and post run one job against a real Redis', async () => {
    const r = await redis()
    const job = newJob(node())
    const inputs = { 'redis-url': r.url }
    const main = await job.step('main', inputs)
    expect(main.code).toBe(0)
    expect(stepState(main).sampler?.pid).toBeGreaterThan(0)
    const post = await job.step('post', inputs, main.state)
    expect(post.code).toBe(0)
    expect(post.outputs.verdict).toMatch(/^(pass|warn)$/)
    expect(post.summary).toContain('Redis memory')
  })
})
