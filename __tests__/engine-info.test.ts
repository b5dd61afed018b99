/**
 * Engine differences in the pure core: INFO captured from empty Redis 7.0.15, Redis 7.4.1 and
 * Valkey 8.0.1 servers (fixtures/engines), the engine's name in messages, the notes for engines
 * the suite cannot run, and the step's error replies. The same on live servers: redis-servers.engines.test.ts.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_THRESHOLDS, judge } from '../src/judge/checks.js'
import { detectServer, engineLimits, engineName, parseInfo } from '../src/observe/info.js'
import { snapshotFromInfo, type Snapshot } from '../src/observe/snapshot.js'
import { memoryFacts } from '../src/observe/memory-facts.js'
import { buildReport } from '../src/report/build.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { stepErrors } from '../src/judge/step-errors.js'
import { snap } from './helpers/snapshots.js'

const capture = (name: string): Snapshot =>
  snapshotFromInfo(parseInfo(readFileSync(join(process.cwd(), '__tests__', 'fixtures', 'engines', `info-${name}.txt`), 'utf8')))

describe('snapshots from each engine', () => {
  it('tells Valkey by server_name, with its own version, server_mode and allocator', () => {
    expect(capture('valkey-8.0.1').server).toEqual({
      kind: 'valkey',
      version: '8.0.1',
      redisCompatVersion: '7.2.4',
      mode: 'standalone',
      allocator: 'jemalloc-5.3.0'
    })
  })

  it('reads Redis 7.4 and 7.0 by redis_version and redis_mode', () => {
    expect(capture('redis-7.4.1').server).toEqual({ kind: 'redis', version: '7.4.1', redisCompatVersion: '7.4.1', mode: 'standalone', allocator: 'jemalloc-5.3.0' })
    expect(capture('redis-7.0.15').server).toMatchObject({ kind: 'redis', version: '7.0.15', mode: 'standalone' })
  })

  it('reads the 7.4+ memory fields as numbers where the server has them and null where it does not', () => {
    for (const name of ['redis-7.4.1', 'valkey-8.0.1']) {
      const s = capture(name)
      expect([s.memory.memOverheadDbHashtableRehashing, s.memory.allocatorMuzzy, s.evictedScripts]).toEqual([0, 0, 0])
      expect([s.clientQueryBufferLimitDisconnections, s.clientOutputBufferLimitDisconnections]).toEqual([0, 0])
    }
    const old = capture('redis-7.0.15')
    expect([old.memory.memOverheadDbHashtableRehashing, old.memory.allocatorMuzzy, old.evictedScripts]).toEqual([null, null, null])
    expect([old.clientQueryBufferLimitDisconnections, old.clientOutputBufferLimitDisconnections]).toEqual([null, null])
    // The figures every engine has are still read.
    expect(old.memory.usedMemory).toBeGreaterThan(0)
  })

  it('has no allocator without INFO memory, rather than a guess', () => {
    expect(detectServer({ redis_version: '7.0.15' }).allocator).toBeNull()
    expect(detectServer({ redis_version: '7.0.15' }, { mem_allocator: 'libc' }).allocator).toBe('libc')
  })
})

describe('engineName', () => {
  it('names each engine as people write it, and does not call an unknown server Redis', () => {
    expect(['redis', 'valkey', 'keydb', 'dragonfly', 'unknown'].map((kind) => engineName({ kind: kind as Snapshot['server']['kind'] }))).toEqual([
      'Redis',
      'Valkey',
      'KeyDB',
      'Dragonfly',
      'The server'
    ])
    expect(engineName(null)).toBe('Redis')
  })

  it('puts the engine into the check messages', () => {
    const valkey = { ...capture('valkey-8.0.1').server }
    const before = snap({ server: valkey, errorstats: {}, evictedKeys: 0 })
    const after = snap({ server: valkey, errorstats: { OOM: 93 }, evictedKeys: 4 })
    const j = judge(before, after, DEFAULT_THRESHOLDS)
    expect(j.checks.find((c) => c.check === 'oom')?.message).toMatch(/^Valkey refused 93 commands /)
    expect(j.checks.find((c) => c.check === 'evictions')?.message).toMatch(/^Valkey evicted 4 keys /)
    const redis = judge(snap(), snap({ errorstats: { OOM: 1 } }), DEFAULT_THRESHOLDS)
    expect(redis.checks.find((c) => c.check === 'oom')?.message).toMatch(/^Redis refused 1 command /)
  })
})

describe('engineLimits', () => {
  it('states what differs on Dragonfly and KeyDB, in the judgement notes, and nothing for Redis or Valkey', () => {
    expect(engineLimits({ kind: 'redis' })).toEqual([])
    expect(engineLimits({ kind: 'valkey' })).toEqual([])
    expect(engineLimits({ kind: 'dragonfly' }).join(' ')).toMatch(/MEMORY USAGE answers are not per-key byte counts.*no dataset\/overhead split/)
    expect(engineLimits({ kind: 'keydb' }).join(' ')).toMatch(/6\.2/)
    const df = snap({ server: { kind: 'dragonfly', version: 'df-v1.25.0', redisCompatVersion: '7.4.0', mode: null, allocator: null } })
    expect(judge(df, df, DEFAULT_THRESHOLDS).notes).toEqual(expect.arrayContaining(engineLimits({ kind: 'dragonfly' })))
    expect(judge(snap(), snap(), DEFAULT_THRESHOLDS).notes.some((n) => /Dragonfly|KeyDB/.test(n))).toBe(false)
  })
})

describe('stepErrors', () => {
  it('is the growth of total_error_replies and of each errorstat during the step', () => {
    const before = snap({ totalErrorReplies: 10, errorstats: { ERR: 8, OOM: 2 } })
    const after = snap({ totalErrorReplies: 17, errorstats: { ERR: 8, OOM: 7, NOPERM: 2 } })
    expect(stepErrors(before, after)).toEqual({ total: 7, byPrefix: { OOM: 5, NOPERM: 2 } })
  })

  it("takes off the errors the guard says it caused, never below zero", () => {
    const before = snap({ totalErrorReplies: 0, errorstats: {} })
    const after = snap({ totalErrorReplies: 5, errorstats: { ERR: 4, OOM: 1 } })
    expect(stepErrors(before, after, { total: 4, byPrefix: { ERR: 4 } })).toEqual({ total: 1, byPrefix: { OOM: 1 } })
    expect(stepErrors(before, after, { total: 9, byPrefix: { ERR: 9 } })).toEqual({ total: 0, byPrefix: { OOM: 1 } })
  })

  it('counts from the restart when the server restarted, and is unknown without a before snapshot or counters', () => {
    const before = snap({ runId: 'a', totalErrorReplies: 50, errorstats: { ERR: 50 } })
    const after = snap({ runId: 'b', totalErrorReplies: 3, errorstats: { OOM: 3 } })
    expect(stepErrors(before, after)).toEqual({ total: 3, byPrefix: { OOM: 3 } })
    expect(stepErrors(null, after)).toEqual({ total: null, byPrefix: null })
    expect(stepErrors(snap(), snap({ totalErrorReplies: null, errorstats: null }))).toEqual({ total: null, byPrefix: null })
  })
})

describe('memoryFacts', () => {
  const valkey = { kind: 'valkey' as const, version: '8.0.1', redisCompatVersion: '7.2.4', mode: 'standalone', allocator: 'jemalloc-5.3.0' }
  const newer = { evictedScripts: 0, clientQueryBufferLimitDisconnections: 0, clientOutputBufferLimitDisconnections: 0 }

  it('explains rehashing overhead, evicted scripts and dropped clients from the 7.4+ fields', () => {
    const before = snap({ server: valkey, ...newer, memory: { memOverheadDbHashtableRehashing: 0, allocatorMuzzy: 0 } })
    const after = snap({
      server: valkey,
      evictedScripts: 12,
      clientQueryBufferLimitDisconnections: 1,
      clientOutputBufferLimitDisconnections: 3,
      memory: { memOverheadDbHashtableRehashing: 2 * 1024 * 1024, allocatorMuzzy: 0 }
    })
    const facts = memoryFacts(before, after)
    expect(facts.map((f) => [f.kind, f.value])).toEqual([
      ['rehashing', 2 * 1024 * 1024],
      ['evicted-scripts', 12],
      ['query-buffer-disconnections', 1],
      ['output-buffer-disconnections', 3]
    ])
    expect(facts[1].text).toMatch(/^Valkey evicted 12 Lua scripts from its script cache during the step/)
    expect(facts[0].text).toMatch(/^2(\.0)? MB of Valkey's memory after the step is the second hash table/)
    // The report carries them as notes.
    const report = buildReport({ target: parseRedisUrl('redis://127.0.0.1:6390'), before, after, thresholds: DEFAULT_THRESHOLDS })
    expect(report.notes).toEqual(expect.arrayContaining(facts.map((f) => f.text)))
  })

  it('says nothing where the fields are absent (Redis 7.0) or nothing happened', () => {
    expect(memoryFacts(snap(), snap())).toEqual([])
    const quiet = snap({ server: valkey, ...newer, memory: { memOverheadDbHashtableRehashing: 0, allocatorMuzzy: 0 } })
    expect(memoryFacts(quiet, quiet)).toEqual([])
    // Without a before figure a counter's growth is unknown: no fact rather than the lifetime total.
    expect(memoryFacts(snap(), snap({ server: valkey, ...newer, evictedScripts: 40 }))).toEqual([])
  })
})
