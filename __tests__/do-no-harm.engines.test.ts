/**
 * Issue 20 on the built engines: a step that runs `true` reports a change within 16 KB, and the
 * guard's own latency histograms once, on Redis 7.4.1 and Valkey 8.0.1 (the same test runs on
 * Debian's 7.0 in do-no-harm.test.ts). The servers come from the cache scripts/build-engines.sh fills.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { runCli } from './helpers/cli-runner.js'
import { redisCommand } from './helpers/resp.js'
import { startRedis, type TestRedis } from './helpers/redis-server.js'
import type { Report } from '../src/report/schema.js'

const servers: TestRedis[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
})

async function server(args: string[] = [], binary?: string): Promise<TestRedis> {
  const r = await startRedis(args, undefined, binary)
  servers.push(r)
  return r
}

function reportOf(stdout: string): Report {
  return JSON.parse(stdout) as Report
}

const CACHE = process.env.REDIS_GUARD_ENGINE_CACHE || '/var/cache/redis-memory-guard/engines'
const ENGINES = [
  { label: 'Redis 7.4.1', server: join(CACHE, 'redis-7.4.1', 'bin', 'redis-server') },
  { label: 'Valkey 8.0.1', server: join(CACHE, 'valkey-8.0.1', 'bin', 'valkey-server') }
]

describe("the guard's own footprint is its own", () => {
  for (const engine of ENGINES) {
    it(`a step that runs true reports a change within 16 KB, and the guard's histograms once, on ${engine.label}`, async () => {
      if (engine.server.includes('/') && !existsSync(engine.server)) throw new Error(`${engine.server} is missing: run scripts/build-engines.sh`)
      const r = await server([], engine.server)
      const atStart = Number(/used_memory:(\d+)/.exec(String(await redisCommand(r.port, 'INFO', 'memory')))?.[1])
      const run = await runCli(['run', '--url', r.url, '--json', '--', 'true'])
      expect(run.code).toBe(0)
      const report = reportOf(run.stdout)
      const change = (report.after?.memory.usedMemory ?? NaN) - (report.before?.memory.usedMemory ?? NaN)
      expect(Math.abs(change)).toBeLessThanOrEqual(16 * 1024)
      // Reported once, as the guard's: its latency histograms, named, and what it added before the step.
      expect(report.guard?.histogramsAdded).toEqual(expect.arrayContaining(['client|list', 'memory|usage', 'hello', 'client|tracking']))
      expect(report.guard?.usedMemoryAtConnect).toBeGreaterThanOrEqual(atStart)
      expect(report.notes.filter((n) => n.startsWith('The guard itself added'))).toHaveLength(1)
      // A second run adds nothing: the histograms are there already.
      const again = reportOf((await runCli(['run', '--url', r.url, '--json', '--', 'true'])).stdout)
      expect(again.guard?.histogramsAdded).toEqual([])
      expect(Math.abs((again.after?.memory.usedMemory ?? NaN) - (again.before?.memory.usedMemory ?? NaN))).toBeLessThanOrEqual(16 * 1024)
    })
  }
})

