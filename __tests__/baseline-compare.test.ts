/** A run against its baseline: which entry, the change, the usual range, mismatches and the increase checks. Plain data. */
import { describe, expect, it } from '@jest/globals'
import {
  compareWithBaseline,
  MIN_TREND_POINTS,
  NOISE_FLOOR_BYTES,
  pickBaseline,
  prefixChanges,
  trendPoints,
  verdictWithIncreases,
  type CompareInput,
  type IncreaseCheck
} from '../src/baseline/compare.js'
import { appendEntry, emptySeries, type HistoryEntry, type HistorySeries, type PrefixEntry } from '../src/baseline/history.js'
import { parseIncreaseLimit } from '../src/baseline/settings.js'

const MB = 1024 * 1024

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

function series(...entries: HistoryEntry[]): HistorySeries {
  return entries.reduce((s, e) => appendEntry(s, e), emptySeries('CI/test'))
}

function input(current: HistoryEntry, s: HistorySeries | null, over: Partial<CompareInput> = {}): CompareInput {
  return { current, series: s, mergeBase: null, baseBranch: 'main', limits: {}, strict: false, failOn: new Set(['peak-increase', 'used-increase', 'leaked-keys-increase']), ...over }
}

const check = (checks: IncreaseCheck[], name: string): IncreaseCheck => checks.find((c) => c.check === name) as IncreaseCheck
const pr = (over: Partial<HistoryEntry> = {}): HistoryEntry => entry('head', { branch: null, ...over })

describe('picking the baseline', () => {
  const s = series(entry('m1'), entry('m2'), entry('f1', { branch: 'feature' }), entry('m3'))

  it('takes the merge base when it was recorded, and says so', () => {
    const { pick } = pickBaseline(s, 'm2', 'main')
    expect(pick?.entry.commit).toBe('m2')
    expect(pick?.source).toBe('merge-base')
    expect(pick?.description).toBe('the merge base m2 (main, 2026-11-20)')
  })

  it('else the newest run of the base branch, and says the merge base had none', () => {
    const { pick } = pickBaseline(s, 'zzz9999999', 'main')
    expect(pick?.entry.commit).toBe('m3')
    expect(pick?.source).toBe('base-branch')
    expect(pick?.description).toBe('the newest run of main, m3 (2026-11-20); the merge base zzz9999 has no recorded run')
    expect(pickBaseline(s, null, 'feature').pick?.entry.commit).toBe('f1')
  })

  it('without a base branch (a file), the newest entry', () => {
    expect(pickBaseline(s, null, null).pick).toMatchObject({ source: 'file', entry: { commit: 'm3' } })
  })
})

describe('first run with no baseline', () => {
  it('says so plainly; checks with a limit are unknown, never pass, and nothing fails', () => {
    const limits = { peak: parseIncreaseLimit('10%', 'x') }
    for (const s of [null, series(entry('f1', { branch: 'feature' }))]) {
      const c = compareWithBaseline(input(pr(), s, { limits }))
      expect(c.baseline).toBeNull()
      expect(c.summary).toBe('No baseline yet: there is no recorded run of main for this job.')
      expect(c.figures).toEqual([])
      expect(c.changed).toBe(false)
      expect(c.checks).toEqual([
        { check: 'peak-increase', status: 'unknown', measured: null, limit: null, unit: 'bytes', message: "Could not compare the step's peak: no baseline yet: there is no recorded run of main for this job." }
      ])
      expect(verdictWithIncreases('pass', c.checks)).toBe('pass')
    }
  })
})

describe('the change against the base', () => {
  const base = entry('m1', { peak: { bytes: 10 * MB, source: 'sampled' }, usedAfter: 4 * MB, leakedKeys: 2, oomErrors: 0, evictedKeys: 0 })

  it('shows base, this run and the change for each figure', () => {
    const c = compareWithBaseline(input(pr({ peak: { bytes: 13 * MB, source: 'sampled' }, usedAfter: 3 * MB, leakedKeys: 5, oomErrors: 1 }), series(base)))
    expect(c.summary).toBe('Compared with the newest run of main, m1 (2026-11-20).')
    const fig = Object.fromEntries(c.figures.map((f) => [f.figure, f]))
    expect(fig.peak).toMatchObject({ base: 10 * MB, current: 13 * MB, change: 3 * MB, percent: 30, changed: true, withinUsualRange: false })
    expect(fig['used-after']).toMatchObject({ change: -1 * MB, percent: -25, changed: true })
    expect(fig['leaked-keys']).toMatchObject({ base: 2, current: 5, change: 3, changed: true })
    expect(fig['oom-errors']).toMatchObject({ base: 0, current: 1, change: 1, percent: null, changed: true })
    expect(fig.evictions).toMatchObject({ change: 0, changed: false })
    expect(c.changed).toBe(true)
  })

  it('reports the change without judging it when no limit is set', () => {
    const c = compareWithBaseline(input(pr({ peak: { bytes: 13 * MB, source: 'sampled' } }), series(base)))
    expect(check(c.checks, 'peak-increase')).toMatchObject({
      status: 'reported',
      measured: 3 * MB,
      limit: null,
      message: "The step's peak: 10.0 MB on main → 13.0 MB here (+3.0 MB). Reported only: set max-peak-increase to check it."
    })
  })

  it('fails on an increase over the limit, passes under it, and warns for checks not in fail-on', () => {
    const cur = pr({ peak: { bytes: 13 * MB, source: 'sampled' }, usedAfter: 4.2 * MB, leakedKeys: 4 })
    const limits = { peak: parseIncreaseLimit('20%', 'x'), used: parseIncreaseLimit('1mb', 'x'), leakedKeys: 1 }
    const c = compareWithBaseline(input(cur, series(base), { limits }))
    expect(check(c.checks, 'peak-increase')).toMatchObject({ status: 'fail', measured: 3 * MB, limit: 2 * MB })
    expect(check(c.checks, 'peak-increase').message).toBe("The step's peak: 10.0 MB on main → 13.0 MB here (+3.0 MB), over the allowed increase of 20% (2.0 MB here).")
    expect(check(c.checks, 'peak-increase').advice).toBeTruthy()
    expect(check(c.checks, 'used-increase')).toMatchObject({ status: 'pass', limit: MB })
    expect(check(c.checks, 'leaked-keys-increase')).toMatchObject({ status: 'fail', measured: 2, limit: 1 })
    expect(verdictWithIncreases('pass', c.checks)).toBe('fail')

    const warnOnly = compareWithBaseline(input(cur, series(base), { limits, failOn: new Set() }))
    expect(warnOnly.checks.map((x) => x.status)).toEqual(['warn', 'pass', 'warn'])
    expect(verdictWithIncreases('pass', warnOnly.checks)).toBe('warn')
  })

  it('with a percent and a size, breaches only when both are exceeded', () => {
    const limits = { peak: parseIncreaseLimit('10%,2mb', 'x') }
    // +1.5 MB is over 10% of 10 MB but under 2 MB.
    const under = compareWithBaseline(input(pr({ peak: { bytes: 11.5 * MB, source: 'sampled' } }), series(base), { limits }))
    expect(check(under.checks, 'peak-increase')).toMatchObject({ status: 'pass', limit: 2 * MB })
    const over = compareWithBaseline(input(pr({ peak: { bytes: 12.5 * MB, source: 'sampled' } }), series(base), { limits }))
    expect(check(over.checks, 'peak-increase').status).toBe('fail')
    expect(check(over.checks, 'peak-increase').message).toContain('10%,2mb (both must be exceeded: 2.0 MB here)')
  })

  it('says when a figure is missing on one side, and does not pass the check', () => {
    const c = compareWithBaseline(input(pr({ oomErrors: null, leakedKeys: null }), series(base), { limits: { leakedKeys: 0 } }))
    expect(check(c.checks, 'leaked-keys-increase')).toMatchObject({ status: 'unknown', message: 'Could not compare keys left behind: not known for this run.' })
    expect(c.figures.find((f) => f.figure === 'oom-errors')).toMatchObject({ change: null, changed: false })
  })

  it('notes when the two peaks come from different figures', () => {
    const c = compareWithBaseline(input(pr({ peak: { bytes: 10 * MB, source: 'info-peak' } }), series(base)))
    expect(c.notes).toEqual(["The peaks come from different figures (sampled on main, INFO's used_memory_peak here), so they are not exactly like for like."])
  })
})

describe('the noise band', () => {
  const limits = { peak: parseIncreaseLimit('1%', 'x'), used: parseIncreaseLimit('1%', 'x'), leakedKeys: 0 }

  it('treats a change below 64 KB as within the usual range, which never breaches', () => {
    const history = Array.from({ length: 5 }, (_, i) => entry(`m${i}`))
    const c = compareWithBaseline(input(pr({ usedAfter: 4 * MB + NOISE_FLOOR_BYTES - 1 }), series(...history), { limits }))
    const used = c.figures.find((f) => f.figure === 'used-after')
    expect(used).toMatchObject({ change: NOISE_FLOOR_BYTES - 1, withinUsualRange: true, changed: false, usual: { spread: 0, runs: 5, band: NOISE_FLOOR_BYTES } })
    expect(check(c.checks, 'used-increase')).toMatchObject({ status: 'pass' })
    expect(check(c.checks, 'used-increase').message).toBe('used_memory after the step: 4.0 MB on main → 4.1 MB here (+64.0 KB), within the usual range (64.0 KB, the floor for noise).')
    expect(c.changed).toBe(false)
  })

  it('widens to the spread of the last 10 base runs, and a change beyond it breaches', () => {
    // Peaks on main wander between 10 and 12 MB: a 1.5 MB rise is ordinary, 2.5 MB is not.
    const history = [10, 12, 11, 10.5, 11.5].map((m, i) => entry(`m${i}`, { peak: { bytes: m * MB, source: 'sampled' } }))
    // An old outlier beyond the last 10 runs does not widen the band.
    const s = series(entry('old', { peak: { bytes: 40 * MB, source: 'sampled' } }), ...Array.from({ length: 6 }, (_, i) => entry(`x${i}`, { peak: { bytes: 11 * MB, source: 'sampled' } })), ...history)
    const within = compareWithBaseline(input(pr({ peak: { bytes: 13 * MB, source: 'sampled' } }), s, { limits }))
    expect(within.figures[0]).toMatchObject({ figure: 'peak', change: 1.5 * MB, withinUsualRange: true, usual: { spread: 2 * MB, runs: 10, band: 2 * MB } })
    expect(check(within.checks, 'peak-increase').status).toBe('pass')
    expect(check(within.checks, 'peak-increase').message).toContain('within the usual range (2.0 MB, the spread of the last 10 runs of the base branch)')

    const beyond = compareWithBaseline(input(pr({ peak: { bytes: 14 * MB, source: 'sampled' } }), s, { limits }))
    expect(beyond.figures[0]).toMatchObject({ change: 2.5 * MB, withinUsualRange: false, changed: true })
    expect(check(beyond.checks, 'peak-increase').status).toBe('fail')
  })

  it('applies to counts without a floor: one more leaked key on a steady base is a change', () => {
    const c = compareWithBaseline(input(pr({ leakedKeys: 1 }), series(entry('m1'), entry('m2')), { limits }))
    expect(check(c.checks, 'leaked-keys-increase')).toMatchObject({ status: 'fail', measured: 1 })
    const noisy = series(entry('m1', { leakedKeys: 0 }), entry('m2', { leakedKeys: 3 }))
    const c2 = compareWithBaseline(input(pr({ leakedKeys: 5 }), noisy, { limits }))
    expect(check(c2.checks, 'leaked-keys-increase')).toMatchObject({ status: 'pass', measured: 2 })
  })
})

describe('engine or maxmemory differ from the base', () => {
  const base = entry('m1')
  const limits = { peak: parseIncreaseLimit('10%', 'x') }
  const cur = pr({ engine: { kind: 'valkey', version: '8.0.1' }, maxmemory: 512 * MB, peak: { bytes: 20 * MB, source: 'sampled' } })

  it('says so next to the figures and does not fail the increase checks', () => {
    const c = compareWithBaseline(input(cur, series(base), { limits }))
    expect(c.mismatches).toEqual([
      { what: 'engine', base: 'Redis 7.2.4', current: 'Valkey 8.0.1' },
      { what: 'maxmemory', base: '256 MB', current: '512 MB' }
    ])
    expect(c.mismatchNote).toBe(
      'Not like for like: engine Redis 7.2.4 on main, Valkey 8.0.1 here; maxmemory 256 MB on main, 512 MB here. The increase checks do not fail on this comparison (set baseline-strict: true to fail them anyway).'
    )
    expect(check(c.checks, 'peak-increase').status).toBe('warn')
    expect(check(c.checks, 'peak-increase').message).toContain('but the engine and maxmemory differ from the baseline')
  })

  it('fails them anyway with baseline-strict', () => {
    const c = compareWithBaseline(input(cur, series(base), { limits, strict: true }))
    expect(check(c.checks, 'peak-increase').status).toBe('fail')
    expect(c.mismatchNote).toContain('baseline-strict is on')
  })

  it('a different eviction policy alone is stated but does not hold the checks back', () => {
    const c = compareWithBaseline(input(pr({ maxmemoryPolicy: 'allkeys-lru', peak: { bytes: 20 * MB, source: 'sampled' } }), series(base), { limits }))
    expect(c.mismatches).toEqual([{ what: 'maxmemory-policy', base: 'noeviction', current: 'allkeys-lru' }])
    expect(check(c.checks, 'peak-increase').status).toBe('fail')
  })
})

describe('prefix changes', () => {
  const p = (prefix: string, keys: number, bytes: number | null): PrefixEntry => ({ db: 0, prefix, keys, bytes })
  const list = (complete: boolean, ...items: PrefixEntry[]) => ({ complete, memoryUsage: items.every((i) => i.bytes !== null), list: items })

  it('lists the three biggest by bytes, new prefixes named as new', () => {
    const base = list(true, p('cart:*', 10, 100_000), p('session:*', 100, 500_000), p('user:*', 5, 50_000), p('old:*', 3, 30_000))
    const cur = list(true, p('cart:*', 12, 120_000), p('session:*', 100, 900_000), p('user:*', 5, 50_000), p('queue:*', 40, 700_000))
    const changes = prefixChanges(base, cur)
    expect(changes.map((c) => [c.prefix, c.bytesChange, c.isNew, c.isGone])).toEqual([
      ['queue:*', 700_000, true, false],
      ['session:*', 400_000, false, false],
      ['old:*', -30_000, false, true]
    ])
  })

  it('never calls a prefix new or gone when the other list was cut off, and gives the least its change can be', () => {
    // The base listed only its largest prefixes, the smallest at 200 KB: queue:* had at most that much.
    const base = list(false, p('session:*', 100, 500_000), p('cart:*', 9, 200_000))
    const cur = list(false, p('session:*', 100, 600_000), p('queue:*', 40, 700_000), p('tiny:*', 1, 150_000))
    const changes = prefixChanges(base, cur)
    expect(changes.map((c) => [c.prefix, c.bytesChange, c.baseBytes, c.isNew, c.changeIsBound])).toEqual([
      ['queue:*', 500_000, null, false, true],
      ['session:*', 100_000, 500_000, false, false],
      // cart:* fell out of this run's list, whose smallest is 150 KB: it shrank by at least 50 KB.
      ['cart:*', -50_000, 200_000, false, true]
    ])
    // tiny:* is under the base's smallest listed prefix: whether it grew or shrank is unknown, so it is left out.
    expect(prefixChanges(base, cur, 10).map((c) => c.prefix)).not.toContain('tiny:*')
  })

  it('compares key counts on servers without MEMORY USAGE', () => {
    const changes = prefixChanges(list(true, p('a:*', 1, null)), list(true, p('a:*', 9, null)))
    expect(changes).toEqual([expect.objectContaining({ prefix: 'a:*', keysChange: 8, bytesChange: null })])
  })

  it('say why there are none', () => {
    const c = compareWithBaseline(input(pr({ prefixes: list(true, p('a:*', 1, 10)) }), series(entry('m1'))))
    expect(c.prefixNote).toBe('No prefix comparison: main has no key analysis.')
  })
})

describe('the trend', () => {
  it('takes the last base-branch runs and this run last; too few points are not drawable', () => {
    const few = series(...Array.from({ length: MIN_TREND_POINTS - 2 }, (_, i) => entry(`m${i}`)))
    expect(trendPoints(few, 'main', pr()).drawable).toBe(false)
    const many = series(...Array.from({ length: 40 }, (_, i) => entry(`m${i}`, { usedAfter: i })), entry('f', { branch: 'feature' }))
    const t = trendPoints(many, 'main', pr({ usedAfter: 99 }))
    expect(t.drawable).toBe(true)
    expect(t.points).toHaveLength(30)
    expect(t.points[0]).toMatchObject({ label: 'm11', usedAfter: 11, current: false })
    expect(t.points[29]).toMatchObject({ label: 'this run', usedAfter: 99, current: true })
  })
})
