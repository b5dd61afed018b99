/** key-memory sampled against real redis-server processes: exact counts, extrapolated bytes within their interval, small prefixes and keys left behind exact. */
import { describe, expect, it } from '@jest/globals'
import { takeInventory, type ScanOptions } from '../src/keys/inventory.js'
import { buildKeysReport } from '../src/keys/report.js'
import { keySpaceSection, prefixBytesText } from '../src/keys/render.js'
import { extrapolate, MIN_SAMPLE, neededSample, samplesKeyMemory } from '../src/keys/sampling.js'
import { parseKeyMemory, readKeySettings } from '../src/keys/settings.js'
import type { Inventory } from '../src/keys/tally.js'
import { UserError } from '../src/errors.js'
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
