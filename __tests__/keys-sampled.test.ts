/** key-memory sampled against real redis-server processes: exact counts, extrapolated bytes within their interval, small prefixes and keys left behind exact. */
import { describe, expect, it } from '@jest/globals'
import { takeInventory, type ScanOptions } from '../src/keys/inventory.js'
import { buildKeysReport } from '../src/keys/report.js'
import { keySpaceSection, leakedKeysSection, prefixBytesText } from '../src/render/keys.js'
import { LeakCollector, type LeakResult } from '../src/keys/diff.js'
import { extrapolate, MIN_SAMPLE, neededSample, samplesKeyMemory } from '../src/keys/sampling.js'
import { parseKeyMemory, readKeySettings } from '../src/keys/settings.js'
import type { Inventory } from '../src/keys/tally.js'
import { UserError } from '../src/core/errors.js'
import { redisCommand } from './helpers/resp.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'

const redis = connectedRedisPerFile()

const base: ScanOptions = { rule: { delimiter: ':', depth: 1 }, ignore: null, budgetMs: 60_000, method: 'raw' }

/** Strings of sizes spread over 1..2000 bytes and hashes of 1..60 fields: a spread the sample must cope with. */
const LOAD = `for i = 1, tonumber(ARGV[1]) do
  redis.call('SET', 'big:' .. i, string.rep('x', (i * 7919) % 2000 + 1))
end
for i = 1, tonumber(ARGV[2]) do
  local k = 'hash:' .. i
  for f = 1, (i * 31) % 60 + 1 do redis.call('HSET', k, 'f' .. f, string.rep('v', f)) end
end
for i = 1, tonumber(ARGV[3]) do redis.call('SET', 'small:' .. i, string.rep('s', i)) end
return 1`

async function load(port: number, big: number, hashes: number, small: number): Promise<void> {
  await redisCommand(port, 'EVAL', LOAD, '0', String(big), String(hashes), String(small))
}

const byPrefix = (inv: Inventory): Map<string, Inventory['groups'][number]> => new Map(inv.groups.map((g) => [g.prefix, g]))

describe('key-memory sampled', () => {
  it('counts every key, measures a sample of large prefixes and every key of small ones, and the exact totals lie within the interval', async () => {
    const { r, conn } = await redis()
    await load(r.port, 30_000, 8_000, 150)
    const exact = byPrefix(await takeInventory(conn, { ...base, keyMemory: 'exact' }))
    const inv = await takeInventory(conn, { ...base, keyMemory: 'sampled' })
    const sampled = byPrefix(inv)
    expect(inv.sampled?.measuredKeys).toBeLessThan(38_150 / 2)
    expect(inv.sampled?.confidence).toBe(0.95)
    for (const prefix of ['big:*', 'hash:*', 'small:*']) {
      const e = exact.get(prefix)
      const s = sampled.get(prefix)
      expect(s?.keys).toBe(e?.keys)
      expect(e?.margin).toBeUndefined()
      const margin = s?.margin ?? NaN
      // Two intervals wide: a sound sample misses that by chance about once in ten thousand runs.
      expect(Math.abs((s?.bytes ?? 0) - (e?.bytes ?? 0))).toBeLessThanOrEqual(2 * margin)
    }
    // Small prefixes are measured whole: exact bytes, no interval.
    expect(sampled.get('small:*')).toMatchObject({ bytes: exact.get('small:*')?.bytes, margin: 0, measured: 150 })
    // Large ones only in part, with an interval near the ±5% the sample size aims at.
    for (const prefix of ['big:*', 'hash:*']) {
      const s = sampled.get(prefix)
      expect(s?.measured).toBeLessThan(s?.keys ?? 0)
      expect(s?.margin).toBeGreaterThan(0)
      expect((s?.margin ?? Infinity) / (s?.bytes ?? 1)).toBeLessThan(0.08)
    }
  })

  it('measures exactly the keys the caller marks (keys left behind), outside the sample', async () => {
    const { r, conn } = await redis()
    await load(r.port, 5_000, 0, 0)
    await redisCommand(r.port, 'SET', 'big:leaked', 'L'.repeat(5000))
    const seen = new Map<string, number>()
    const inv = await takeInventory(conn, {
      ...base,
      keyMemory: 'sampled',
      measureExactly: (_db, key) => key === 'big:leaked',
      needTtl: (_db, key) => key === 'big:leaked',
      onKey: (_db, key, _prefix, bytes, ttl) => {
        if (ttl !== null) seen.set(key, bytes)
      }
    })
    expect(seen.get('big:leaked')).toBe(Number(await redisCommand(r.port, 'MEMORY', 'USAGE', 'big:leaked')))
    expect(inv.groups.find((g) => g.prefix === 'big:*')?.keys).toBe(5_001)
    // The largest key, measured exactly, heads the largest keys.
    expect(inv.topKeys[0]?.key).toBe('big:leaked')
  })

  it('past the limit of keys left behind measured exactly, estimates the others per prefix, and the exact bytes lie within the interval', async () => {
    const { r, conn } = await redis()
    await load(r.port, 8_000, 3_000, 0)
    // Every key is new (nothing before the step), as in analyseKeysAfter.
    const leakedBy = async (keyMemory: 'exact' | 'sampled', exactLimit?: number): Promise<{ inv: Inventory; leaks: LeakResult }> => {
      const leaks = new LeakCollector(new Map())
      const inv = await takeInventory(conn, {
        ...base,
        keyMemory,
        ...(exactLimit === undefined ? {} : { exactLimit }),
        needTtl: (db, key) => leaks.isNew(db, key),
        measureExactly: (db, key) => leaks.isNew(db, key),
        onKey: (db, key, prefix, bytes, ttl, measured) => {
          if (ttl !== null) leaks.add(db, key, prefix, bytes, ttl, measured)
        }
      })
      return { inv, leaks: leaks.result() }
    }
    const exact = (await leakedBy('exact')).leaks
    // Under the limit (100,000), every key left behind is measured: exact bytes, no interval.
    const whole = (await leakedBy('sampled')).leaks
    expect(whole).toMatchObject({ count: 11_000, bytes: exact.bytes })
    expect(whole.bytesMargin).toBeUndefined()

    const { inv, leaks } = await leakedBy('sampled', 2_000)
    expect(leaks.count).toBe(11_000)
    expect(leaks.measuredKeys).toBeGreaterThanOrEqual(2_000)
    expect(leaks.measuredKeys).toBeLessThan(11_000 / 2)
    const margin = leaks.bytesMargin ?? NaN
    expect(margin).toBeGreaterThan(0)
    // Two intervals wide, as above; the old sum of the measured keys alone was less than half the exact bytes.
    expect(Math.abs(leaks.bytes - exact.bytes)).toBeLessThanOrEqual(2 * margin)
    const exactGroups = new Map(exact.groups.map((g) => [g.prefix, g]))
    for (const g of leaks.groups) {
      expect(g.keys).toBe(exactGroups.get(g.prefix)?.keys)
      expect(g.measuredKeys).toBeLessThan(g.keys)
      expect(Math.abs(g.bytes - (exactGroups.get(g.prefix)?.bytes ?? 0))).toBeLessThanOrEqual(2 * (g.bytesMargin ?? 0))
    }

    const { keys } = buildKeysReport({
      settings: { keyDelimiter: ':', prefixDepth: 1, ignoreKeys: [], expectedDb: null, keyScanBudgetMs: 60_000 },
      before: { ...inv, groups: [], topKeys: [] },
      after: inv,
      leaks,
      keyspaceBefore: null,
      keyspaceAfter: {}
    })
    expect(keys.leaked).toMatchObject({ count: 11_000, bytes: Math.round(leaks.bytes), bytesMargin: Math.round(margin), measuredKeys: leaks.measuredKeys })
    const text = leakedKeysSection(keys).join('\n')
    expect(text).toContain(`${prefixBytesText({ bytes: keys.leaked?.bytes ?? 0, bytesMargin: keys.leaked?.bytesMargin })} by MEMORY USAGE of ${(leaks.measuredKeys ?? 0).toLocaleString('en-US')} of them`)
    expect(text).toContain('extrapolated per prefix')
    // Each prefix's row shows its interval too.
    expect(text).toMatch(/\| ≈ [\d.]+ [KM]B ± [\d.]+ [KM]?B \|/)
  })

  it('auto measures every key of a small keyspace', async () => {
    const { r, conn } = await redis()
    await load(r.port, 3_000, 0, 0)
    const inv = await takeInventory(conn, { ...base, keyMemory: 'auto' })
    expect(inv.sampled).toBeUndefined()
    expect(inv.groups[0]).not.toHaveProperty('margin')
  })

  it('states the interval in the report and its markdown', async () => {
    const { r, conn } = await redis()
    await load(r.port, 20_000, 0, 0)
    const after = await takeInventory(conn, { ...base, keyMemory: 'sampled' })
    const { keys } = buildKeysReport({
      settings: { keyDelimiter: ':', prefixDepth: 1, ignoreKeys: [], expectedDb: null, keyScanBudgetMs: 60_000 },
      before: null,
      after,
      leaks: null,
      keyspaceBefore: null,
      keyspaceAfter: {}
    })
    const big = keys.topPrefixesByMemory.find((p) => p.prefix === 'big:*')
    expect(big?.bytesMargin).toBeGreaterThan(0)
    expect(big?.measuredKeys).toBeLessThan(20_000)
    expect(keys.keyMemory).toMatchObject({ mode: 'sampled', confidence: 0.95 })
    expect(keys.keyMemory?.totalBytesMargin).toBeGreaterThan(0)
    const text = keySpaceSection(keys).join('\n')
    expect(text).toContain(prefixBytesText(big ?? { bytes: 0 }))
    expect(text).toMatch(/≈ [\d.]+ [KM]B ± [\d.]+ [KM]?B/)
    expect(text).toContain('Memory sampled (key-memory)')
  })
})

describe('sampling arithmetic', () => {
  it('a prefix measured whole has no interval; one not measured at all has no bound', () => {
    expect(extrapolate(10, { n: 10, sum: 100, sumSq: 1000 }, 0, 0)).toEqual({ bytes: 100, margin: 0 })
    expect(extrapolate(10, { n: 0, sum: 0, sumSq: 0 }, 0, 0).margin).toBe(Number.POSITIVE_INFINITY)
  })

  it('keys of equal size need only the minimum sample; a wide spread needs more', () => {
    expect(neededSample({ n: MIN_SAMPLE, sum: MIN_SAMPLE * 50, sumSq: MIN_SAMPLE * 2500 })).toBe(MIN_SAMPLE)
    // Half the keys 10 bytes, half 1000: CV near 1, so about 1.96² / 0.05² ≈ 1,500 keys.
    const n = 1000
    const wide = neededSample({ n, sum: (n / 2) * 1010, sumSq: (n / 2) * (100 + 1_000_000) })
    expect(wide).toBeGreaterThan(1_300)
    expect(wide).toBeLessThan(1_700)
  })

  it('leaked keys left unmeasured are extrapolated from their prefix\'s measured ones; a prefix with none measured has no bound', () => {
    const leaks = new LeakCollector(new Map())
    for (let i = 0; i < 10; i++) leaks.add(0, `job:${i}`, 'job:*', 100, -1, i < 4)
    leaks.add(0, 'tmp:1', 'tmp:*', 0, -1, false)
    const res = leaks.result()
    expect(res).toMatchObject({ count: 11, measuredKeys: 4, bytes: 1000 })
    expect(res.bytesMargin).toBe(Number.POSITIVE_INFINITY)
    const job = res.groups.find((g) => g.prefix === 'job:*')
    // Four keys of 100 bytes: no spread seen, yet the six unmeasured may differ (rule of three: 3 in 4 of them, by the mean): never ±0.
    expect(job).toMatchObject({ keys: 10, bytes: 1000, bytesMargin: 450, measuredKeys: 4 })
    expect(job?.samples.filter((s) => s.bytes === null)).toHaveLength(1)
    expect(res.groups.find((g) => g.prefix === 'tmp:*')).toMatchObject({ bytes: 0, bytesMargin: Number.POSITIVE_INFINITY, measuredKeys: 0 })
  })

  it('auto samples above 200,000 keys only', () => {
    expect(samplesKeyMemory('auto', 200_000)).toBe(false)
    expect(samplesKeyMemory('auto', 200_001)).toBe(true)
    expect(samplesKeyMemory('exact', 5_000_000)).toBe(false)
    expect(samplesKeyMemory('sampled', 10)).toBe(true)
  })
})

describe('key-memory setting', () => {
  it('reads exact, sampled and auto (the default), and names the input or flag on bad input', () => {
    expect(parseKeyMemory('')).toBe('auto')
    expect(parseKeyMemory('Sampled')).toBe('sampled')
    expect(readKeySettings((n) => (n === 'key-memory' ? 'exact' : '')).keyMemory).toBe('exact')
    expect(() => readKeySettings((n) => (n === 'key-memory' ? 'fast' : ''))).toThrow(UserError)
    expect(() => readKeySettings((n) => (n === 'key-memory' ? 'fast' : ''))).toThrow(/^key-memory: "fast" is not a key-memory mode\. Use exact, sampled or auto/)
    expect(() => readKeySettings((n) => (n === 'key-memory' ? 'fast' : ''), (n) => `--${n}`)).toThrow(/^--key-memory: "fast"/)
  })
})
