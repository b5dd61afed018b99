/**
 * Signal, not noise (issue 25), rule by rule on plain data: the noise band of a short history,
 * prefix changes too small to list, runs whose command failed as baselines, fragmentation judged
 * on the allocator's figures, the headline's ranks, sampled margins, and the guard's own clients.
 */
import { describe, expect, it } from '@jest/globals'
import {
  compareWithBaseline,
  MIN_NOISE_RUNS,
  NOISE_FLOOR_BYTES,
  pickBaseline,
  prefixChangeFloor,
  type CompareInput
} from '../src/baseline/compare.js'
import { appendEntry, emptySeries, entryFromReport, type HistoryEntry, type HistorySeries, type PrefixEntry } from '../src/baseline/history.js'
import { DEFAULT_THRESHOLDS, judge, type Thresholds } from '../src/judge/checks.js'
import { extrapolate } from '../src/keys/sampling.js'
import { isGuardClient, otherActiveClients, type ClientEntry } from '../src/observe/clients.js'
import { suiteClients } from '../src/observe/snapshot.js'
import { reportModel } from '../src/render/model.js'
import { buildReport } from '../src/report/build.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { snap } from './helpers/snapshots.js'

const MB = 1024 * 1024
const target = parseRedisUrl('redis://127.0.0.1:6390')

function entry(commit: string, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    commit,
    branch: 'main',
    runId: commit,
    date: '2026-11-20T10:00:00.000Z',
    toolVersion: '0.1.0',
    engine: { kind: 'redis', version: '7.2.4' },
    maxmemory: 256 * MB,
    maxmemoryPolicy: 'noeviction',
    peak: { bytes: 10 * MB, source: 'sampled' },
    usedAfter: 4 * MB,
    leakedKeys: 0,
    oomErrors: 0,
    evictedKeys: 0,
    rejectedCalls: 0,
    verdict: 'pass',
    prefixes: null,
    ...over
  }
}
const series = (...entries: HistoryEntry[]): HistorySeries => entries.reduce((s, e) => appendEntry(s, e), emptySeries('CI/test'))
const input = (current: HistoryEntry, s: HistorySeries | null, over: Partial<CompareInput> = {}): CompareInput => ({
  current,
  series: s,
  mergeBase: null,
  baseBranch: 'main',
  limits: {},
  strict: false,
  failOn: new Set(),
  ...over
})
const pr = (over: Partial<HistoryEntry> = {}): HistoryEntry => entry('head', { branch: null, ...over })

describe('the noise band of a short history', () => {
  it('is at least 5% of the base figure with one base run, so +1.9% and +3.3% between identical runs do not count as change', () => {
    for (const grow of [1.019, 1.033]) {
      const c = compareWithBaseline(input(pr({ peak: { bytes: Math.round(10 * MB * grow), source: 'sampled' } }), series(entry('m1'))))
      const peak = c.figures.find((f) => f.figure === 'peak')
      expect(peak).toMatchObject({ withinUsualRange: true, changed: false, usual: { runs: 1, shortHistory: true, band: Math.ceil(10 * MB * 0.05) } })
      expect(c.changed).toBe(false)
      expect(c.shortHistory).toBe(true)
      expect(c.historyNote).toBe(
        'The history is short (1 recorded run of main, fewer than 5): changes in bytes within 5% of the base figure count as usual until it is longer.'
      )
    }
  })

  it('still counts a change beyond 5% as a change, and a long history drops the 5%', () => {
    const beyond = compareWithBaseline(input(pr({ peak: { bytes: Math.round(10.6 * MB), source: 'sampled' } }), series(entry('m1'))))
    expect(beyond.changed).toBe(true)
    const steady = Array.from({ length: MIN_NOISE_RUNS }, (_, i) => entry(`m${i}`))
    const long = compareWithBaseline(input(pr({ peak: { bytes: Math.round(10.2 * MB), source: 'sampled' } }), series(...steady)))
    expect(long.figures[0]).toMatchObject({ changed: true, usual: { runs: 5, shortHistory: false, band: NOISE_FLOOR_BYTES } })
    expect(long.historyNote).toBeNull()
  })

  it('keeps counts exact: one more key left behind is a change even with a short history', () => {
    const c = compareWithBaseline(input(pr({ leakedKeys: 1000 }), series(entry('m1'))))
    expect(c.figures.find((f) => f.figure === 'leaked-keys')).toMatchObject({ change: 1000, changed: true })
    expect(c.changed).toBe(true)
  })
})

describe('prefix changes too small to list', () => {
  const prefixes = (list: [string, number][]): HistoryEntry['prefixes'] => ({
    complete: true,
    memoryUsage: true,
    list: list.map(([prefix, bytes]): PrefixEntry => ({ db: 0, prefix, keys: 10, bytes }))
  })

  it('leaves out changes below both 1% of used memory and 64 KB, and says why none are listed', () => {
    const base = entry('m1', { usedAfter: 40 * MB, prefixes: prefixes([['job:*', 5 * MB], ['lock:*', 20_000]]) })
    const quiet = compareWithBaseline(input(pr({ usedAfter: 40 * MB, prefixes: prefixes([['job:*', 5 * MB + 400], ['lock:*', 19_600]]) }), series(base)))
    expect(quiet.prefixes).toEqual([])
    expect(quiet.prefixNote).toBe('No prefix changed by more than 64.0 KB (below both 1% of used memory and 64.0 KB, a change is noise).')
    const loud = compareWithBaseline(input(pr({ usedAfter: 40 * MB, prefixes: prefixes([['job:*', 6 * MB], ['lock:*', 19_600]]) }), series(base)))
    expect(loud.prefixes.map((p) => p.prefix)).toEqual(['job:*'])
  })

  it('lists a change below 64 KB when it is 1% of a small used memory', () => {
    expect(prefixChangeFloor(2 * MB)).toBe(Math.ceil(0.02 * MB))
    expect(prefixChangeFloor(100 * MB)).toBe(NOISE_FLOOR_BYTES)
    expect(prefixChangeFloor(null)).toBe(NOISE_FLOOR_BYTES)
  })
})

describe('runs whose command failed', () => {
  it('are marked in the history entry with the exit code', () => {
    const command = { command: 'npm test', exitCode: 1, signal: null, startedAt: '2026-11-20T10:00:00.000Z', durationMs: 10, oomLines: 0, oomQuotes: [] }
    const report = buildReport({ target, before: snap(), after: snap(), thresholds: DEFAULT_THRESHOLDS, command })
    expect(entryFromReport(report, { commit: 'm1', branch: 'main', runId: '1' }, 10).commandFailed).toBe(1)
    const ok = buildReport({ target, before: snap(), after: snap(), thresholds: DEFAULT_THRESHOLDS, command: { ...command, exitCode: 0 } })
    expect(entryFromReport(ok, { commit: 'm1', branch: 'main', runId: '1' }, 10).commandFailed).toBeNull()
  })

  it('are not the base while another run exists, even as the merge base', () => {
    const s = series(entry('m1'), entry('m2', { commandFailed: 1, date: '2026-11-21T10:00:00.000Z' }))
    const { pick } = pickBaseline(s, 'm2', 'main')
    expect(pick?.entry.commit).toBe('m1')
    expect(pick?.description).toBe('the newest run of main, m1 (2026-11-20); the merge base m2 was skipped: its command failed')
    const newest = pickBaseline(s, null, 'main').pick
    expect(newest?.entry.commit).toBe('m1')
    expect(newest?.description).toContain('a newer run was skipped: the command failed')
  })

  it('are the base when nothing else exists, and the comparison says so', () => {
    const c = compareWithBaseline(input(pr(), series(entry('m1', { commandFailed: 2 }))))
    expect(c.baseline?.entry.commit).toBe('m1')
    expect(c.summary).toContain('its command failed (exit 2) and no run of main without a failed command is recorded')
  })
})

describe('fragmentation, judged on the allocator', () => {
  const t = (over: Partial<Thresholds> = {}): Thresholds => ({ ...DEFAULT_THRESHOLDS, ...over })
  const frag = (after: ReturnType<typeof snap>) => judge(snap(), after, t()).checks.find((c) => c.check === 'fragmentation')!

  it('does not warn on an idle process: mem_fragmentation_bytes 12 MB at 6 MB used, allocator_frag_bytes 0.5 MB', () => {
    const c = frag(
      snap({
        memory: { usedMemory: 6 * MB, usedMemoryRss: 18 * MB, memFragmentationRatio: 3.01, memFragmentationBytes: 12 * MB, allocatorFragRatio: 1.06, allocatorFragBytes: 0.5 * MB, allocatorRssBytes: 2 * MB, rssOverheadBytes: 8 * MB }
      })
    )
    expect(c.status).toBe('reported')
    expect(c.measured).toBe(1.06)
    expect(c.message).toContain('allocator_frag_ratio 1.06 (allocator_frag_bytes 512 KB)')
    expect(c.message).toContain('rss_overhead_bytes 8.0 MB (the process outside the allocator)')
  })

  it("warns on MEMORY DOCTOR's rule: allocator_frag_ratio over 1.1 and over 10 MB", () => {
    const c = frag(snap({ memory: { usedMemory: 100 * MB, allocatorFragRatio: 1.3, allocatorFragBytes: 30 * MB } }))
    expect(c.status).toBe('warn')
    expect(c.message).toMatch(/^allocator_frag_ratio 1\.30 \(allocator_frag_bytes 30\.0 MB\) is over 1\.1/)
  })

  it('is unknown, not passed, on a server without the allocator figures, and says Redis 7.4 counts small bins only', () => {
    const none = frag(snap({ memory: { usedMemory: 100 * MB, allocatorFragRatio: null, allocatorFragBytes: null } }))
    expect(none.status).toBe('unknown')
    expect(none.reason).toContain('allocator_frag_ratio and allocator_frag_bytes are not reported by this server')
    const v74 = snap({ server: { kind: 'redis', version: '7.4.1', redisCompatVersion: '7.4.1', mode: 'standalone', allocator: 'jemalloc-5.3.0' }, memory: { usedMemory: 100 * MB, allocatorFragRatio: 1.02, allocatorFragBytes: 11 * MB } })
    expect(frag(v74)).toMatchObject({ status: 'pass' })
    expect(frag(v74).message).toContain('counts small bins only')
  })
})

describe("the headline's ranks", () => {
  const command = (exitCode: number) => ({ command: 'npm test', exitCode, signal: null, startedAt: '2026-11-20T10:00:00.000Z', durationMs: 10, oomLines: 0, oomQuotes: [] })

  it('says the command failed and its exit code, and keeps the memory verdict', () => {
    const report = buildReport({ target, before: snap(), after: snap(), thresholds: DEFAULT_THRESHOLDS, command: command(3) })
    const h = reportModel(report).headline
    expect(h.verdict).toBe('pass')
    expect(h.figures[0]).toBe('the command failed (exit 3)')
  })

  it('puts OOM errors before the failed command, and the failed command before a breached limit', () => {
    const after = snap({ errorstats: { OOM: 2 }, memory: { usedMemory: 40 * MB } })
    const report = buildReport({ target, before: snap({ errorstats: { OOM: 0 } }), after, thresholds: { ...DEFAULT_THRESHOLDS, maxUsedMemory: 10 * MB }, command: command(1) })
    expect(reportModel(report).headline.figures).toEqual(['2 OOM errors', 'the command failed (exit 1)'])
    const noCommand = buildReport({ target, before: snap({ errorstats: { OOM: 0 } }), after, thresholds: { ...DEFAULT_THRESHOLDS, maxUsedMemory: 10 * MB } })
    expect(reportModel(noCommand).headline.figures).toEqual(['2 OOM errors', '40.0 MB used after the step (limit 10.0 MB)'])
  })

  it('names keys left behind against the base before fragmentation', () => {
    const after = snap({ memory: { usedMemory: 100 * MB, allocatorFragRatio: 1.4, allocatorFragBytes: 40 * MB } })
    const report = buildReport({ target, before: snap(), after, thresholds: DEFAULT_THRESHOLDS })
    const comparison = compareWithBaseline(input(pr({ leakedKeys: 1000 }), series(entry('m1'))))
    const withBase = { ...report, baseline: { action: 'read' as const, branch: 'main', summary: comparison.summary, comparison, trend: { points: [], drawable: false }, recorded: null, warnings: [] } }
    const h = reportModel(withBase).headline
    expect(h.figures).toEqual(['+1,000 keys left behind against main', 'fragmentation: allocator_frag_ratio 1.40'])
    expect(h.againstBase).toBe(true)
  })
})

describe('sampled margins', () => {
  it('are never 0 for a prefix whose sampled keys all had one size', () => {
    const sampled = extrapolate(50_000, { n: 1000, sum: 1000 * 120, sumSq: 1000 * 120 * 120 }, 0, 0)
    expect(sampled.bytes).toBe(50_000 * 120)
    expect(sampled.margin).toBeGreaterThan(0)
    // The rule of three: up to 3 in 1000 of the 49,000 unmeasured keys may differ by the mean.
    expect(sampled.margin).toBeCloseTo(0.003 * 120 * 49_000, 6)
    // Measured whole: exact, margin 0.
    expect(extrapolate(1000, { n: 1000, sum: 120_000, sumSq: 1000 * 120 * 120 }, 0, 0).margin).toBe(0)
  })
})

describe("the guard's own clients", () => {
  const client = (id: number, name: string, idle = 0): ClientEntry => ({ id, addr: `127.0.0.1:${4000 + id}`, name, ageSeconds: 10, idleSeconds: idle, cmd: 'get', user: 'default' })

  it('are left out of the connected clients and counted', () => {
    const listing = { ownId: 1, clients: [client(1, 'redis-memory-guard'), client(2, 'redis-memory-guard:sampler'), client(3, ''), client(4, 'app')] }
    expect(isGuardClient(client(5, 'redis-memory-guard:keys'))).toBe(true)
    expect(isGuardClient(client(5, 'app-redis-memory-guard'))).toBe(false)
    expect(suiteClients(snap({ connectedClients: 4, clients: listing }))).toEqual({ suite: 2, guard: 2 })
    expect(suiteClients(snap({ connectedClients: 4, clients: { ownId: null, clients: [], unavailable: 'NOPERM' } }))).toEqual({ suite: 4, guard: null })
  })

  it('are never another job on a shared Redis', () => {
    const begin = { ownId: 1, clients: [client(1, 'redis-memory-guard'), client(2, 'redis-memory-guard:sampler'), client(3, 'other-job')] }
    const end = { ownId: 9, clients: [client(9, 'redis-memory-guard'), client(2, 'redis-memory-guard:sampler'), client(3, 'other-job')] }
    expect(otherActiveClients(begin, end, 5).map((c) => c.id)).toEqual([3])
  })
})
