/** The largest keys like --bigkeys (type, encoding, elements, bytes, TTL) and the encoding mix per prefix, on a real server. */
import { describe, expect, it } from '@jest/globals'
import { describeKeys, EncodingSampler, sampleEncodings } from '../src/keys/details.js'
import { takeInventory } from '../src/keys/inventory.js'
import { withKeyDetails, buildKeysReport } from '../src/keys/report.js'
import { analyseKeysAfter, recordKeysBefore } from '../src/keys/run.js'
import { readKeySettings } from '../src/keys/settings.js'
import { takeSnapshot } from '../src/observe/snapshot.js'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { redisCommands } from './helpers/resp.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'

const redis = connectedRedisPerFile()
/** Conversion thresholds set here, since builds differ in their defaults. */
const SMALL_LISTPACKS = ['--hash-max-listpack-entries', '64', '--zset-max-listpack-entries', '64']
const many = (n: number, f: (i: number) => string[]): string[] => Array.from({ length: n }, (_, i) => f(i)).flat()

describe('largest keys of each type', () => {
  it('gives type, encoding, element count, bytes and TTL of each, in the order asked, across DBs', async () => {
    const { r, conn } = await redis(SMALL_LISTPACKS)
    await redisCommands(r.port, [
      ['SET', 'str:big', 'x'.repeat(5000), 'EX', '120'],
      ['HSET', 'hash:wide', ...many(300, (i) => [`f${i}`, 'v'])],
      ['HSET', 'hash:narrow', 'a', '1', 'b', '2'],
      ['RPUSH', 'list:q', ...many(50, (i) => [`job-${i}`])],
      ['SADD', 'set:ints', ...many(40, (i) => [String(i)])],
      ['ZADD', 'zset:rank', ...many(200, (i) => [String(i), `m${i}`])],
      ['XADD', 'stream:events', '*', 'a', '1'],
      ['XADD', 'stream:events', '*', 'a', '2'],
      ['SELECT', '2'],
      ['SADD', 'set:words', ...many(200, (i) => [`word-${i}`])]
    ])
    const asked = ['str:big', 'hash:wide', 'hash:narrow', 'list:q', 'set:ints', 'zset:rank', 'stream:events', 'gone:key'].map((key) => ({ db: 0, key }))
    asked.splice(2, 0, { db: 2, key: 'set:words' })
    const details = await describeKeys(conn, asked)
    const by = Object.fromEntries(details.map((d) => [`${d.db}/${d.key}`, d]))
    expect(details.map((d) => d.key)).toEqual(asked.map((k) => k.key))
    expect(by['0/str:big']).toMatchObject({ type: 'string', encoding: 'raw', elements: 5000 })
    expect(by['0/str:big'].ttlMs).toBeGreaterThan(100_000)
    expect(by['0/hash:wide']).toMatchObject({ type: 'hash', encoding: 'hashtable', elements: 300, ttlMs: -1 })
    expect(by['0/hash:narrow']).toMatchObject({ type: 'hash', encoding: 'listpack', elements: 2 })
    expect(by['0/list:q']).toMatchObject({ type: 'list', elements: 50 })
    expect(by['0/set:ints']).toMatchObject({ type: 'set', encoding: 'intset', elements: 40 })
    expect(by['0/zset:rank']).toMatchObject({ type: 'zset', encoding: 'skiplist', elements: 200 })
    expect(by['0/stream:events']).toMatchObject({ type: 'stream', encoding: 'stream', elements: 2 })
    expect(by['2/set:words']).toMatchObject({ type: 'set', encoding: 'hashtable', elements: 200 })
    expect(by['0/gone:key']).toMatchObject({ type: 'none', elements: null, ttlMs: -2 })
    for (const d of details.filter((x) => x.type !== 'none')) expect(d.bytes).toBeGreaterThan(0)
    expect(by['0/hash:wide'].bytes).toBeGreaterThan(by['0/hash:narrow'].bytes ?? 0)
    // The caller's connection is still on its own DB.
    expect(await conn.command(['EXISTS', 'str:big'])).toBe(1)
  })
})

describe('encoding mix per prefix', () => {
  it('shows a prefix whose hashes crossed from listpack to hashtable, and goes into the JSON report', async () => {
    const { r, conn } = await redis(SMALL_LISTPACKS)
    await redisCommands(r.port, [
      ...Array.from({ length: 6 }, (_, i) => ['HSET', `profile:${i}`, 'name', 'n']),
      ...Array.from({ length: 3 }, (_, i) => ['HSET', `profile:${100 + i}`, ...many(200, (j) => [`f${j}`, 'v'])]),
      ...Array.from({ length: 4 }, (_, i) => ['SET', `session:${i}`, 'v'])
    ])
    const sampler = new EncodingSampler(20)
    const rule = { delimiter: ':', depth: 2 }
    const inv = await takeInventory(conn, { rule, ignore: null, budgetMs: 10_000, onKey: (db, key, prefix) => sampler.add(db, key, prefix) })
    const mixes = await sampleEncodings(conn, sampler)
    const profile = mixes.find((m) => m.prefix === 'profile:*')
    expect(profile).toEqual({ db: 0, prefix: 'profile:*', keys: 9, sampled: 9, encodings: { 'hash/listpack': 6, 'hash/hashtable': 3 } })
    expect(mixes.find((m) => m.prefix === 'session:*')?.encodings).toEqual({ 'string/embstr': 4 })

    const details = await describeKeys(conn, inv.topKeys.slice(0, 3))
    const { keys } = buildKeysReport({
      settings: { keyDelimiter: ':', prefixDepth: 2, ignoreKeys: [], expectedDb: null, keyScanBudgetMs: 10_000 },
      before: null,
      after: inv,
      leaks: null,
      keyspaceBefore: null,
      keyspaceAfter: {}
    })
    const report = withKeyDetails(keys, details, mixes)
    expect(report.largestKeys?.map((k) => [k.type, k.encoding, k.elements])).toEqual([
      ['hash', 'hashtable', 200],
      ['hash', 'hashtable', 200],
      ['hash', 'hashtable', 200]
    ])
    expect(report.encodingMix?.find((m) => m.prefix === 'profile:*')?.mixed).toBe(true)
    expect(report.encodingMix?.find((m) => m.prefix === 'session:*')?.mixed).toBe(false)
    expect(JSON.parse(JSON.stringify(report)).largestKeys[0].ttl).toBe('none')
  })

  it('keeps a bounded sample per prefix whatever the number of keys', () => {
    let seed = 1
    const sampler = new EncodingSampler(5, 2, () => ((seed = (seed * 16807) % 2147483647) / 2147483647))
    for (let i = 0; i < 10_000; i++) sampler.add(0, `a:${i}`, 'a:*')
    sampler.add(0, 'b:1', 'b:*')
    sampler.add(0, 'c:1', 'c:*') // past maxPrefixes
    const drawn = sampler.drawn
    expect(drawn.map((d) => [d.prefix, d.seen, d.keys.length])).toEqual([
      ['a:*', 10_000, 5],
      ['b:*', 1, 1]
    ])
    // The reservoir replaced early keys with later ones.
    expect(drawn[0].keys.some((k) => Number(k.slice(2)) >= 5)).toBe(true)
  })
})

describe('the post step key analysis', () => {
  it('describes the largest keys and the encoding mix of the largest prefixes in report.keys', async () => {
    const { r, conn } = await redis(SMALL_LISTPACKS)
    const dir = mkdtempSync(join(tmpdir(), 'rmg-details-'))
    try {
      const settings = readKeySettings(() => '')
      const before = await takeSnapshot(conn)
      await recordKeysBefore(conn, settings, dir, { log: () => {} })
      await redisCommands(r.port, [
        ['HSET', 'profile:1', ...many(100, (j) => [`f${j}`, 'v'])],
        ['HSET', 'profile:2', 'a', '1'],
        ['RPUSH', 'queue:jobs', 'a', 'b', 'c']
      ])
      const { keys } = await analyseKeysAfter(conn, settings, dir, { before, after: await takeSnapshot(conn) }, { log: () => {} })
      expect(keys.largestKeys?.[0]).toMatchObject({ key: 'profile:1', type: 'hash', encoding: 'hashtable', elements: 100, ttl: 'none' })
      expect(keys.largestKeys?.map((k) => k.key).sort()).toEqual(['profile:1', 'profile:2', 'queue:jobs'])
      expect(keys.encodingMix?.[0]).toMatchObject({ prefix: 'profile:*', keys: 2, sampled: 2, encodings: { 'hash/hashtable': 1, 'hash/listpack': 1 }, mixed: true })
      expect(keys.leaked?.count).toBe(3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
