/**
 * Issue 20's footprint check, shared by the default suite (Debian's 7.0) and the engines suite
 * (Redis 7.4.1, Valkey 8.0.1): a step that runs `true` reports a change within 16 KB, and the
 * guard's own latency histograms once, as the guard's.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { runCli } from './cli-runner.js'
import { redisCommand } from './resp.js'
import { startRedis, type TestRedis } from './redis-server.js'
import type { Report } from '../../src/report/schema.js'

export interface Engine {
  label: string
  /** A binary on the PATH, or a path to a built server. */
  server: string
}

export function describeNoOpStep(engines: Engine[]): void {
  const servers: TestRedis[] = []
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
  })
  const reportOf = (stdout: string): Report => JSON.parse(stdout) as Report

  describe("the guard's own footprint is its own", () => {
    for (const engine of engines) {
      it(`a step that runs true reports a change within 16 KB, and the guard's histograms once, on ${engine.label}`, async () => {
        if (engine.server.includes('/') && !existsSync(engine.server)) throw new Error(`${engine.server} is missing: run scripts/build-engines.sh`)
        const r = await startRedis([], undefined, engine.server)
        servers.push(r)
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
}
