/** report.cause put together from what a step recorded, on a real server: memory parts, leaked keys' times, lines and tests. */
import { describe, expect, it } from '@jest/globals'
import { buildCauseReport, momentConfig } from '../src/explain/cause.js'
import { FirstSeenRecorder } from '../src/explain/first-seen.js'
import { junitWindows } from '../src/explain/junit.js'
import { takeMemoryBreakdown } from '../src/explain/memory.js'
import { momentConfigFrom } from '../src/explain/moment-snapshot.js'
import { OutputTimeline } from '../src/explain/output-lines.js'
import { LeakCollector } from '../src/keys/diff.js'
import { takeInventory } from '../src/keys/inventory.js'
import { buildKeysReport } from '../src/keys/report.js'
import { readKeySettings } from '../src/keys/settings.js'
import { takeSnapshot } from '../src/observe/snapshot.js'
import { redisCommands } from './helpers/resp.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'

const redis = connectedRedisPerFile()
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('buildCauseReport', () => {
  it('gives each leaked key its time, the line before it and its test, and says what the memory is made of', async () => {
    const { r, conn } = await redis()
    const settings = readKeySettings((n) => (n === 'key-patterns' ? 'jobs:{queue}:*' : ''))
    const before = await takeSnapshot(conn)
    const invBefore = await takeInventory(conn, { rule: settings.rule, ignore: null, budgetMs: 10_000 })
    const rec = await FirstSeenRecorder.start(conn)
    if (!(rec instanceof FirstSeenRecorder)) throw new Error(rec.unavailable)
    const stepStartedAt = new Date()
    const output = new OutputTimeline()
    // The "command": prints a line per test and writes keys meanwhile.
    output.push('▶ imports a batch\n', Date.now())
    await sleep(150)
    await redisCommands(r.port, [['SET', 'jobs:mail:1', 'x']])
    await sleep(150)
    output.push('▶ cleans up\n', Date.now())
    await sleep(150)
    await redisCommands(r.port, [['SET', 'cache:home', 'x', 'EX', '100']])
    await sleep(100)
    const stepEnded = Date.now()
    output.end(stepEnded)
    const firstSeen = await rec.stop()

    const leaks = new LeakCollector(new Map())
    const after = await takeInventory(conn, {
      rule: settings.rule,
      ignore: null,
      budgetMs: 10_000,
      needTtl: (db, key) => leaks.isNew(db, key),
      onKey: (db, key, prefix, bytes, ttl) => (ttl === null ? undefined : leaks.add(db, key, prefix, bytes, ttl))
    })
    const { keys } = buildKeysReport({
      settings: { keyDelimiter: ':', prefixDepth: 2, ignoreKeys: [], expectedDb: null, keyScanBudgetMs: 10_000 },
      before: invBefore,
      after,
      leaks: leaks.result(),
      keyspaceBefore: before.keyspace,
      keyspaceAfter: {}
    })
    // A JUnit file with the two tests, stamped from the step's start (pytest writes such stamps).
    const stamp = stepStartedAt.toISOString()
    const xml = `<testsuites><testsuite name="suite" timestamp="${stamp}" time="0.55"><testcase classname="t" name="imports a batch" time="0.3"/><testcase classname="t" name="cleans up" time="0.25"/></testsuite></testsuites>`
    const cause = buildCauseReport({
      stepStartedAt: stamp,
      after: await takeSnapshot(conn),
      breakdown: await takeMemoryBreakdown(conn),
      oomErrors: 0,
      evictedKeys: 0,
      moments: [],
      keys,
      firstSeen,
      output,
      junit: { windows: [junitWindows(xml, 'junit.xml')], notes: [] }
    })
    const times = Object.fromEntries(cause.leakedKeyTimes.keys.map((k) => [k.key, k]))
    expect(Object.keys(times).sort()).toEqual(['cache:home', 'jobs:mail:1'])
    expect(times['jobs:mail:1']).toMatchObject({ db: 0, lineBefore: '▶ imports a batch', test: { name: 'imports a batch', exactness: 'exact' } })
    expect(times['cache:home']).toMatchObject({ lineBefore: '▶ cleans up', test: { name: 'cleans up' } })
    expect(times['jobs:mail:1'].secondsIntoStep).toBeGreaterThanOrEqual(0.1)
    expect(times['jobs:mail:1'].secondsIntoStep).toBeLessThan(times['cache:home'].secondsIntoStep ?? 0)
    expect(cause.testsThatLeftKeys?.tests.map((t) => [t.name, t.keys.map((k) => k.key)])).toEqual([
      ['imports a batch', ['jobs:mail:1']],
      ['cleans up', ['cache:home']]
    ])
    expect(cause.memory.breakdown?.parts.map((p) => p.part)).toContain('dataset')
    expect(cause.memory.explanations.map((e) => e.kind)).toContain('biggest-part')
    expect(cause.leakedKeyTimes.recorded).toBe(true)
    // The leaked group is the explicit one from key-patterns.
    expect(keys.leaked?.groups.map((g) => g.prefix).sort()).toEqual(['cache:home', 'jobs:mail:*'])
  })

  it('says why leaked keys have no times when the recorder could not run', async () => {
    const { conn } = await redis()
    const after = await takeSnapshot(conn)
    const cause = buildCauseReport({
      stepStartedAt: null,
      after,
      breakdown: { breakdown: null, reason: 'MEMORY STATS was refused (NOPERM)' },
      oomErrors: null,
      evictedKeys: null,
      moments: [],
      keys: null,
      firstSeen: { unavailable: 'CONFIG GET notify-keyspace-events was refused (NOPERM)' }
    })
    expect(cause.leakedKeyTimes).toEqual({ recorded: false, unavailable: 'CONFIG GET notify-keyspace-events was refused (NOPERM)', dropped: 0, keys: [] })
    expect(cause.memory.explanations).toEqual([{ kind: 'breakdown-unavailable', text: 'What the memory is made of is not known: MEMORY STATS was refused (NOPERM).' }])
    expect(cause.testsThatLeftKeys).toBeNull()
  })

  it('builds the sampler moment settings from the key settings, which the sampler reads back', () => {
    const settings = readKeySettings((n) => ({ 'key-patterns': 'jobs:{queue}:*', 'ignore-keys': 'bull:*', 'prefix-depth': '3' })[n] ?? '')
    const c = momentConfig(settings, 10 * 1024 * 1024, null)
    expect(c).toEqual({ keyDelimiter: ':', prefixDepth: 3, keyPatterns: ['jobs:{queue}:*'], ignoreKeys: ['bull:*'], maxPeakMemory: 10485760, budgetMs: 1000, maxKeys: 20000 })
    expect(momentConfigFrom(JSON.parse(JSON.stringify(c)))).toEqual(c)
  })
})
