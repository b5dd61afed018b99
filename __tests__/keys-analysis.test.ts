/** The pure parts of the key analysis, with plain data: tally, leaked-key diff, key file, report, markdown. */
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LeakCollector, type KeySets } from '../src/keys/diff.js'
import { KeyHashSet, hashKey } from '../src/keys/keyset.js'
import { KeyTally, type DbScan, type Inventory } from '../src/keys/tally.js'
import { KeyFileWriter, parseKeyFile, readKeyFile } from '../src/keys/store.js'
import { buildKeysReport, MEMORY_USAGE_NOTE, type KeysReport } from '../src/keys/report.js'
import { keySpaceSection, leakedKeysSection, wrongDbSection } from '../src/render/keys.js'
import { judge, DEFAULT_THRESHOLDS } from '../src/judge/checks.js'
import { snap } from './helpers/snapshots.js'

const rule = { delimiter: ':', depth: 2 }
const meta = (dbs: DbScan[]): Omit<Inventory, 'groups' | 'topKeys' | 'foldedKeys' | 'complete'> => ({
  takenAt: '2026-11-25T10:00:00.000Z',
  durationMs: 120,
  method: 'lua',
  memoryUsage: true,
  dbs
})
function keySets(byDb: Record<number, string[]>): KeySets {
  const sets: KeySets = new Map()
  for (const [db, keys] of Object.entries(byDb)) {
    const set = new KeyHashSet()
    for (const k of keys) set.add(k)
    sets.set(Number(db), set)
  }
  return sets
}
const settings = { keyDelimiter: ':', prefixDepth: 2, ignoreKeys: [], expectedDb: null, keyScanBudgetMs: 10_000 }

function inventory(keys: [number, string, number][], dbs?: DbScan[]): Inventory {
  const t = new KeyTally({ rule, topKeys: 3, maxGroups: 100 })
  for (const [db, k, b] of keys) t.add(db, k, b)
  const scans = dbs ?? [...new Set(keys.map((k) => k[0]))].map((db) => ({ db, dbsize: keys.filter((k) => k[0] === db).length, scanned: keys.filter((k) => k[0] === db).length, ignored: 0, complete: true }))
  return t.finish(meta(scans))
}

describe('KeyTally', () => {
  it('groups by prefix per DB, largest memory first, and keeps the largest keys', () => {
    const inv = inventory([
      [0, 'session:8f3a9c01d2', 100],
      [0, 'session:91bc7d0e55', 300],
      [0, 'user:1', 50],
      [0, 'user:2', 50],
      [0, 'user:3', 50],
      [2, 'session:abc12345', 10]
    ])
    expect(inv.groups.map((g) => [g.db, g.prefix, g.keys, g.bytes])).toEqual([
      [0, 'session:*', 2, 400],
      [0, 'user:*', 3, 150],
      [2, 'session:*', 1, 10]
    ])
    expect(inv.topKeys.map((k) => k.key)).toEqual(['session:91bc7d0e55', 'session:8f3a9c01d2', 'user:1'])
    expect(inv.complete).toBe(true)
  })

  it('extrapolates a DB whose scan stopped early by DBSIZE and marks it', () => {
    const inv = inventory(
      [
        [0, 'a:1', 10],
        [0, 'a:2', 10],
        [0, 'b:1', 20]
      ],
      [{ db: 0, dbsize: 300, scanned: 3, ignored: 0, complete: false }]
    )
    expect(inv.complete).toBe(false)
    expect(inv.groups.map((g) => [g.prefix, g.keys, g.bytes, g.estimated])).toEqual([
      ['a:*', 200, 2000, true],
      ['b:*', 100, 2000, true]
    ])
  })

  it('folds prefixes past maxGroups into one group, so memory stays bounded', () => {
    const t = new KeyTally({ rule, topKeys: 0, maxGroups: 2 })
    for (const k of ['a:x', 'b:x', 'c:x', 'd:x']) t.add(0, k, 1)
    const inv = t.finish(meta([{ db: 0, dbsize: 4, scanned: 4, ignored: 0, complete: true }]))
    expect(inv.groups.map((g) => g.prefix).sort()).toEqual(['(other prefixes)', 'a:x', 'b:x'])
    expect(inv.foldedKeys).toBe(2)
  })
})

describe('LeakCollector', () => {
  const before = (): KeySets => keySets({ 0: ['user:1', 'user:2'], 1: ['x'] })

  it('finds exactly the keys that were not there before, per DB and prefix, with TTL status', () => {
    const c = new LeakCollector(before(), { perPrefix: 2, total: 10 })
    const after: [number, string, number, number][] = [
      [0, 'user:1', 10, -1],
      [0, 'session:a1b2c3d4e5', 100, -1],
      [0, 'session:f6a7b8c9d0', 100, 5000],
      [0, 'session:0a1b2c3d4e', 100, -1],
      [1, 'user:1', 10, -1],
      [1, 'x', 10, -1]
    ]
    for (const [db, key, bytes, ttl] of after) c.add(db, key, key.startsWith('session') ? 'session:*' : 'user:*', bytes, ttl)
    const r = c.result()
    expect(r.count).toBe(4)
    expect(r.byDb).toEqual({ 0: 3, 1: 1 })
    expect(r.withoutTtl).toBe(3)
    expect(r.groups.map((g) => [g.db, g.prefix, g.keys, g.withoutTtl, g.samples.length])).toEqual([
      [0, 'session:*', 3, 2, 2],
      [1, 'user:*', 1, 1, 1]
    ])
    expect(r.namesCapped).toBe(true)
  })

  it('counts a key that SCAN returns twice once', () => {
    const c = new LeakCollector(before())
    expect(c.isNew(0, 'new:1')).toBe(true)
    c.add(0, 'new:1', 'new:*', 1, -1)
    c.add(0, 'new:1', 'new:*', 1, -1)
    expect(c.isNew(0, 'new:1')).toBe(false)
    expect(c.result().count).toBe(1)
  })
})

describe('KeyHashSet', () => {
  it('holds many keys without a false hit, and grows', () => {
    const set = new KeyHashSet()
    let added = 0
    for (let i = 0; i < 20_000; i++) if (set.add(`session:${i}`)) added++
    expect(added).toBe(20_000)
    expect(set.size).toBe(20_000)
    expect(set.add('session:17')).toBe(false)
    let hits = 0
    for (let i = 20_000; i < 40_000; i++) if (set.has(`session:${i}`)) hits++
    expect(hits).toBe(0)
  })

  it('tells binary names apart by every byte', () => {
    const a = Buffer.from([0x61, 0x00, 0xff]).toString('latin1')
    const b = Buffer.from([0x61, 0x00, 0xfe]).toString('latin1')
    expect(hashKey(a)).not.toEqual(hashKey(b))
    expect(hashKey('')).not.toEqual([0, 0])
  })
})

describe('key file', () => {
  it('round-trips keys per DB, binary names too, in 8 bytes a key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmg-keyfile-'))
    const path = join(dir, 'keys.bin')
    const w = new KeyFileWriter(path)
    const binary = Buffer.from([0, 0xff, 0x0a, 0x0d, 0x7c]).toString('latin1')
    const long = 'k'.repeat(100_000)
    w.add(0, 'a')
    w.add(0, binary)
    w.add(3, '')
    w.add(3, long)
    for (let i = 0; i < 20_000; i++) w.add(5, `user:${i}`)
    await w.close()
    expect(readFileSync(path).length).toBe(3 * 12 + 20_004 * 8)
    const sets = await readKeyFile(path)
    expect([...sets.keys()]).toEqual([0, 3, 5])
    expect(sets.get(0)?.size).toBe(2)
    expect(sets.get(0)?.has('a') && sets.get(0)?.has(binary)).toBe(true)
    expect(sets.get(0)?.has('b')).toBe(false)
    expect(sets.get(3)?.has('') && sets.get(3)?.has(long)).toBe(true)
    expect(sets.get(5)?.size).toBe(20_000)
    expect(sets.get(5)?.has('user:19999')).toBe(true)
  })

  it('says when it is truncated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmg-keyfile-'))
    const path = join(dir, 'k.bin')
    writeFileSync(path, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 0, 0, 0]))
    expect(() => parseKeyFile(readFileSync(path))).toThrow('truncated')
  })
})

function report(expectedDb: number | null = null): KeysReport {
  const before = inventory([[0, 'user:1', 10]])
  const leaks = new LeakCollector(keySets({ 0: ['user:1'] }))
  const afterKeys: [number, string, number, number][] = [
    [0, 'user:1', 10, -1],
    [0, 'session:8f3a9c01d2', 400, -1],
    [0, 'session:91bc7d0e55', 300, 60_000],
    [3, 'evil|name\n@admin *x* <b>', 50, -1]
  ]
  const t = new KeyTally({ rule, topKeys: 5, maxGroups: 100 })
  for (const [db, k, b, ttl] of afterKeys) leaks.add(db, k, t.add(db, k, b), b, ttl)
  const after = t.finish(
    meta([
      { db: 0, dbsize: 3, scanned: 3, ignored: 0, complete: true },
      { db: 3, dbsize: 1, scanned: 1, ignored: 0, complete: true }
    ])
  )
  return buildKeysReport({
    settings: { ...settings, expectedDb },
    before,
    after,
    leaks: leaks.result(),
    keyspaceBefore: { 0: { keys: 1, expires: 0, avgTtl: 0 } },
    keyspaceAfter: { 0: { keys: 3, expires: 1, avgTtl: 0 }, 3: { keys: 1, expires: 0, avgTtl: 0 } }
  }).keys
}

describe('buildKeysReport', () => {
  it('reports leaked keys exactly and feeds the leaked-keys check', () => {
    const { keys, observations } = buildKeysReport({
      settings,
      before: inventory([[0, 'user:1', 10]]),
      after: inventory([[0, 'user:1', 10]]),
      leaks: new LeakCollector(new Map()).result(),
      keyspaceBefore: {},
      keyspaceAfter: {}
    })
    expect(keys.leaked?.count).toBe(0)
    expect(observations.leakedKeys).toEqual({ count: 0, byDb: {} })
    const r = report()
    expect(r.leaked).toMatchObject({ exact: true, count: 3, byDb: { 0: 2, 3: 1 }, withoutTtl: 2, withTtl: 1, bytes: 750 })
    expect(r.leaked?.groups[0]).toMatchObject({ db: 0, prefix: 'session:*', keys: 2, withoutTtl: 1 })
    expect(r.leaked?.groups[0].samples.map((s) => [s.key, s.ttl, s.ttlSeconds])).toEqual([
      ['session:8f3a9c01d2', 'none', undefined],
      ['session:91bc7d0e55', 'set', 60]
    ])
    expect(r.topPrefixesByMemory[0]).toMatchObject({ prefix: 'session:*', bytes: 700, share: 700 / 760 })
    expect(r.memoryUsageNote).toBe(MEMORY_USAGE_NOTE)
    expect(r.wrongDb).toBeNull()
  })

  it('flags new keys outside expected-db', () => {
    const r = report(0)
    expect(r.wrongDb).toMatchObject({ expectedDb: 0, keys: 1, byDb: { 3: 1 } })
    expect(r.wrongDb?.groups.map((g) => g.db)).toEqual([3])
    const { observations } = buildKeysReport({
      settings: { ...settings, expectedDb: 2 },
      before: null,
      after: inventory([[0, 'a:1', 1]]),
      leaks: null,
      keyspaceBefore: { 0: { keys: 5, expires: 0, avgTtl: 0 } },
      keyspaceAfter: { 0: { keys: 9, expires: 0, avgTtl: 0 }, 2: { keys: 3, expires: 0, avgTtl: 0 } }
    })
    // Without an inventory before the step: the growth per DB.
    expect(observations.wrongDb).toEqual({ expectedDb: 2, keys: 4, dbs: ['0'] })
    expect(observations.leakedKeys).toBeUndefined()
    const j = judge(snap(), snap(), DEFAULT_THRESHOLDS, observations)
    expect(j.checks.find((c) => c.check === 'wrong-db')?.status).toBe('warn')
  })

  it('does not claim exact leaked keys when the scan before the step stopped early', () => {
    const partial = inventory([[0, 'a:1', 1]], [{ db: 0, dbsize: 100, scanned: 1, ignored: 0, complete: false }])
    const { keys, observations } = buildKeysReport({ settings, before: partial, after: inventory([[0, 'a:1', 1]]), leaks: null, keyspaceBefore: {}, keyspaceAfter: {} })
    expect(keys.leaked).toBeNull()
    expect(keys.leakedUnavailable).toContain('stopped at key-scan-budget')
    expect(keys.complete).toBe(false)
    expect(keys.extrapolated).toBe(true)
    expect(observations.leakedKeys).toBeUndefined()
  })

  it('gives counts only for a server without MEMORY USAGE', () => {
    const after = { ...inventory([[0, 'a:1', 0]]), memoryUsage: false }
    const { keys } = buildKeysReport({ settings, before: null, after, leaks: null, keyspaceBefore: null, keyspaceAfter: {} })
    expect(keys.topPrefixesByMemory).toEqual([])
    expect(keys.topPrefixesByCount[0]).toMatchObject({ prefix: 'a:*', keys: 1, share: null })
    expect(keySpaceSection(keys).join('\n')).toContain('This server has no MEMORY USAGE')
    expect(keySpaceSection(keys).join('\n')).not.toContain('| Memory |')
  })
})

describe('key sections in markdown', () => {
  it('lists leaked keys by prefix with TTL status, names escaped', () => {
    const md = leakedKeysSection(report()).join('\n')
    expect(md).toContain('**3 keys** present after the step and not before (DB 0: 2, DB 3: 1); **2 without a TTL**')
    expect(md).toContain(
      '| 0 | <code>session\\:\\*</code> | 2 | 1 | 700 B | <code>session\\:8f3a9c01d2</code> (no TTL)<br><code>session\\:91bc7d0e55</code> (TTL 1 min 0 s) |'
    )
    expect(md).toContain('<code>evil&#124;name\\n&#64;\u200badmin \\*x\\* &lt;b&gt;</code> (no TTL)')
    expect(md).not.toContain('@admin')
    expect(md).not.toContain('<b>')
  })

  it('shows keys in the wrong DB only when there are some', () => {
    expect(wrongDbSection(report(null))).toEqual([])
    expect(wrongDbSection(report(3)).join('\n')).toContain('The tests should use DB 3, but 2 new keys appeared elsewhere (DB 0: 2).')
  })

  it('shows memory by prefix with shares, the largest keys, and that MEMORY USAGE estimates', () => {
    const md = keySpaceSection(report()).join('\n')
    expect(md).toContain('| 0 | <code>session\\:\\*</code> | 2 | 700 B | 92.1% |')
    expect(md).toContain('| 0 | <code>session\\:8f3a9c01d2</code> | 400 B |')
    expect(md).toContain('does not add up to used_memory')
    expect(md).toContain('every key seen')
  })
})
