/**
 * The CLI's baseline: `--baseline FILE` on run, snapshot and diff, and `history FILE`, with the
 * bundled CLI against a real redis-server.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, writeKeys } from './helpers/cli-runner.js'
import { redisCommands } from './helpers/resp.js'
import { startRedis, type TestRedis } from './helpers/redis-server.js'

let redis: TestRedis
let dir: string

beforeAll(async () => {
  redis = await startRedis()
  dir = mkdtempSync(join(tmpdir(), 'rmg-baseline-cli-'))
})
afterAll(async () => {
  await redis.stop()
})
beforeEach(async () => {
  await redisCommands(redis.port, [['FLUSHALL']])
})

const noColor = { NO_COLOR: '1' }

/** A history file with `n` runs of main whose peak grows by 1 MB a run. */
function historyFile(n: number): string {
  const entries = Array.from({ length: n }, (_, i) => ({
    commit: String(i + 1).padEnd(40, 'b'),
    branch: 'main',
    runId: String(100 + i),
    date: `2026-11-${String(10 + i).padStart(2, '0')}T12:00:00.000Z`,
    toolVersion: '0.1.0',
    engine: { kind: 'redis', version: '7.0.15' },
    maxmemory: 0,
    maxmemoryPolicy: 'noeviction',
    peak: { bytes: (i + 1) * 1024 * 1024, source: 'sampled' },
    usedAfter: (i + 1) * 1024 * 1024,
    leakedKeys: i,
    oomErrors: 0,
    evictedKeys: 0,
    rejectedCalls: 0,
    verdict: 'pass',
    prefixes: null
  }))
  const path = join(dir, `history-${n}-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(path, JSON.stringify({ format: 'redis-memory-guard-history', version: 1, series: 'CI/test', entries }))
  return path
}

describe('--baseline and history', () => {
  it('run --baseline compares with a saved report, with the same checks and wording as the action', async () => {
    const base = join(dir, 'base.json')
    const first = await runCli(['run', '--url', redis.url, '--report-path', base, '--', ...writeKeys('5', 'cart')], noColor)
    expect(first.code).toBe(0)
    await redisCommands(redis.port, [['FLUSHALL']])
    const res = await runCli(
      ['run', '--url', redis.url, '--baseline', base, '--max-leaked-keys-increase', '10', '--fail-on', 'leaked-keys-increase', '--', ...writeKeys('40', 'cart')],
      noColor
    )
    expect(res.stdout).toContain('Against the baseline file')
    expect(res.stdout).toMatch(/Keys left behind\s+5\s+40\s+\+35/)
    expect(res.stdout).toContain('leaked-keys-increase: Keys left behind: 5 on the baseline → 40 here (+35), over the allowed increase of 10 keys.')
    expect(res.code).toBe(1)

    const json = JSON.parse((await runCli(['diff', base, base, '--baseline', base, '--json'])).stdout)
    expect(json.baseline.action).toBe('file')
    // diff of a report with itself leaves no key behind; the saved run left 5.
    expect(json.baseline.comparison.figures.find((f: { figure: string }) => f.figure === 'leaked-keys')).toMatchObject({ base: 5, current: 0, change: -5 })
    expect(json.checks.map((c: { check: string }) => c.check)).toEqual(expect.arrayContaining(['peak-increase', 'used-increase', 'leaked-keys-increase']))
  }, 60_000)

  it('snapshot --baseline takes a history file and compares with its newest run', async () => {
    const file = historyFile(6)
    const res = await runCli(['snapshot', '--url', redis.url, '--baseline', file], noColor)
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('Against the baseline file')
    expect(res.stdout).toContain('Compared with the newest run in the file, 6bbbbbb (2026-11-15).')
    expect(res.stdout).toMatch(/Used after\s+6\.0 MB\s+/)
  }, 30_000)

  it('gives one clear line for a bad --baseline file or a limit without --baseline', async () => {
    const missing = await runCli(['snapshot', '--url', redis.url, '--baseline', join(dir, 'nope.json')], noColor)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(`--baseline: cannot read "${join(dir, 'nope.json')}" (no such file).`)
    expect(missing.stderr).not.toMatch(/\n\s+at /)
    const alone = await runCli(['snapshot', '--url', redis.url, '--max-peak-increase', '10%'], noColor)
    expect(alone.code).toBe(2)
    expect(alone.stderr).toContain('--max-peak-increase compare with a baseline: add --baseline FILE')
    const bad = await runCli(['diff', 'a.json', 'b.json', '--baseline', historyFile(1), '--max-used-increase', 'lots'], noColor)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--max-used-increase: "lots" is not valid. Use a percent, a size or both, e.g. 10%, 5mb, or 10%,2mb')
  }, 30_000)

  it('history prints a series newest first, as a table and as JSON', async () => {
    const file = historyFile(3)
    const res = await runCli(['history', file], noColor)
    expect(res.code).toBe(0)
    const lines = res.stdout.split('\n')
    expect(lines[0]).toContain('Redis memory history · CI/test · 3 runs, newest first')
    const rows = lines.filter((l) => l.startsWith('2026-'))
    expect(rows).toHaveLength(3)
    expect(rows[0]).toMatch(/^2026-11-12 12:00\s+3bbbbbb\s+main\s+Redis 7\.0\.15\s+none\s+3\.0 MB\s+3\.0 MB\s+2\s+0\s+0\s+pass$/)
    const json = JSON.parse((await runCli(['history', file, '--json'])).stdout)
    expect(json.series).toBe('CI/test')
    expect(json.entries.map((e: { commit: string }) => e.commit)).toEqual(['3bbbbbb', '2bbbbbb', '1bbbbbb'])
    expect(json.entries[0].peak).toBe(3 * 1024 * 1024)

    const usage = await runCli(['history'], noColor)
    expect(usage.code).toBe(2)
    expect(usage.stderr).toContain('history needs one file, got 0. Usage: redis-memory-guard history [options] <file>')
    const notHistory = join(dir, 'other.json')
    writeFileSync(notHistory, '{"hello": 1}')
    const other = await runCli(['history', notHistory], noColor)
    expect(other.code).toBe(2)
    expect(other.stderr).toContain('neither a redis-memory-guard JSON report nor a history file')
    expect(readFileSync(file, 'utf8')).toContain('redis-memory-guard-history')
  }, 30_000)

  it('history and the --baseline options have help like the other commands', async () => {
    const help = await runCli(['history', '--help'], noColor)
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('Usage: redis-memory-guard history [options] <file>')
    expect(help.stdout).toMatch(/Examples:\n {2}redis-memory-guard history history\.json/)
    const general = await runCli(['--help'], noColor)
    expect(general.stdout).toMatch(/\n {2}history +Print a baseline history/)
    for (const command of ['run', 'snapshot', 'diff']) {
      const res = await runCli([command, '--help'], noColor)
      expect(res.stdout).toContain('--baseline <file>')
      expect(res.stdout).toContain('--max-peak-increase <limit>')
    }
  })
})
