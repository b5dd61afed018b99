/**
 * The test timeline from a recorded real run (Ginkgo v1 under the guard: its JUnit file, its
 * samples and the times the guard recorded), the events on it, error replies by prefix and
 * command, and keys without a delimiter grouped by stem.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { junitWindows } from '../src/explain/junit.js'
import { TestTimeline, fullTestName } from '../src/explain/attribution.js'
import { growthPerTest, timelineEvents } from '../src/explain/test-timeline.js'
import { groupErrorReplies } from '../src/explain/error-replies.js'
import { prefixOf, stemOf } from '../src/keys/prefix.js'
import type { Sample } from '../src/sampler/sample.js'
import type { Snapshot } from '../src/observe/snapshot.js'
import { FIXTURES } from './helpers/cli-runner.js'

interface Recorded {
  junitXml: string
  junitMtimeMs: number
  command: { startedAt: string; durationMs: number }
  sampling: { startedAt: string; intervalMs: number; samples: Sample[] }
  before: { errorstats: Record<string, number>; evictedKeys: number; maxmemory: number }
  after: { maxmemory: number }
  leakedKeys: { db: number; key: string; firstSeenAt: string }[]
}

const run = JSON.parse(readFileSync(join(FIXTURES, 'suites', 'go', 'recorded-run.json'), 'utf8')) as Recorded
const started = Date.parse(run.command.startedAt)
const windows = junitWindows(run.junitXml, 'junit.xml', { startedAt: started, endedAt: run.junitMtimeMs, commandEndedAt: started + run.command.durationMs })
const tests = new TestTimeline([windows])
const snap = (s: Partial<Snapshot> & { maxmemory: number }): Snapshot => ({ ...s, memory: { maxmemory: s.maxmemory } }) as unknown as Snapshot

describe('a recorded Ginkgo v1 run', () => {
  it('places the specs (no timestamp) from the suite time and the file time, each with its uncertainty', () => {
    expect(windows.placement).toBe('durations')
    expect(windows.cases.map((c) => c.name)).toEqual(['Cache warms up', 'Cache fills memory until Redis refuses writes', 'Cache leaves a session behind'])
    expect(windows.maxUncertaintyMs).toBeGreaterThan(0)
    expect(windows.maxUncertaintyMs).toBeLessThan(400)
    expect(fullTestName(windows.cases[1])).toBe('Cache Suite › Cache fills memory until Redis refuses writes')
  })

  it('maps the first OOM, 90% of maxmemory and the steepest growth to the spec that filled memory', () => {
    const events = timelineEvents({
      samples: run.sampling.samples,
      stepStartedAt: run.sampling.startedAt,
      before: snap({ errorstats: run.before.errorstats, evictedKeys: run.before.evictedKeys, maxmemory: run.before.maxmemory }),
      after: snap({ maxmemory: run.after.maxmemory }),
      tests
    })
    const byKind = Object.fromEntries(events.map((e) => [e.kind, e]))
    expect(Object.keys(byKind).sort()).toEqual(['first-oom', 'near-maxmemory', 'steepest-growth'])
    for (const kind of ['first-oom', 'near-maxmemory', 'steepest-growth']) {
      expect(byKind[kind].during).toMatchObject({ exactness: 'exact', test: { name: 'Cache fills memory until Redis refuses writes' } })
    }
    // Each event is the span between two samples: one interval wide.
    const oom = byKind['first-oom']
    expect(Date.parse(oom.to) - Date.parse(oom.from)).toBeLessThanOrEqual(run.sampling.intervalMs * 3)
  })

  it('names no test, rather than "no test was running", when the JUnit file gives no test a place in time', () => {
    // The same file without the command's times or the file's: nothing to place the specs by.
    const unplaced = new TestTimeline([junitWindows(run.junitXml, 'junit.xml', {})])
    expect(unplaced.empty).toBe(true)
    const events = timelineEvents({
      samples: run.sampling.samples,
      stepStartedAt: run.sampling.startedAt,
      before: snap({ errorstats: run.before.errorstats, evictedKeys: run.before.evictedKeys, maxmemory: run.before.maxmemory }),
      after: snap({ maxmemory: run.after.maxmemory }),
      tests: unplaced
    })
    expect(events.map((e) => e.kind).sort()).toEqual(['first-oom', 'near-maxmemory', 'steepest-growth'])
    for (const e of events) expect(e.during).toBeUndefined()
  })

  it('maps the leaked session key to the spec that wrote it, and memory growth to the spec that filled it', () => {
    const key = run.leakedKeys.find((k) => k.key === 'session:go:1')
    const a = tests.keyBorn(Date.parse(key?.firstSeenAt ?? ''))
    expect(a.exactness).toBe('exact')
    expect(a.test?.name).toBe('Cache leaves a session behind')
    const growth = growthPerTest(run.sampling.samples, tests)
    expect(growth[0].test.name).toBe('Cache fills memory until Redis refuses writes')
    expect(growth[0].grewBytes).toBeGreaterThan(100 * 1024)
  })
})

/**
 * A recorded run's JUnit file placed as the step would: from the command's start and end and the file's time.
 * Times a runner wrote without an offset (Ginkgo's) are read as this machine's local time, as where the tests ran;
 * the run was recorded in UTC, so on a machine in another zone every other time of the run is moved by the
 * difference (`shift`), as if it had been recorded here.
 */
function recorded(suite: string): { run: Recorded & { timeZone?: string }; shift: number; place: (xml?: string) => ReturnType<typeof junitWindows> } {
  const r = JSON.parse(readFileSync(join(FIXTURES, 'suites', suite, 'recorded-run.json'), 'utf8')) as Recorded & { timeZone?: string }
  if (r.timeZone !== 'UTC') throw new Error(`${suite}: recorded in ${r.timeZone ?? 'an unknown zone'}, not UTC`)
  const wall = r.command.startedAt.replace(/Z$/, '')
  const shift = Date.parse(wall) - Date.parse(`${wall}Z`)
  const start = Date.parse(r.command.startedAt) + shift
  return { run: r, shift, place: (xml = r.junitXml) => junitWindows(xml, 'junit.xml', { startedAt: start, endedAt: r.junitMtimeMs + shift, commandEndedAt: start + r.command.durationMs }) }
}

describe('a recorded Ginkgo v2 run (--ginkgo.junit-report)', () => {
  const { run: v2, shift, place } = recorded('ginkgo-v2')

  it('places each spec at the start its timeline gives (its first node, BeforeEach included), to the millisecond', () => {
    const w = place()
    expect(w.placement).toBe('test-timestamps')
    expect(w.cases.map((c) => c.name)).toEqual(['[BeforeSuite]', '[It] Cache warms up', '[It] Cache leaves a session behind', '[It] Cache reads it back'])
    expect(w.maxUncertaintyMs).toBeLessThanOrEqual(1)
    // The spec's first "> Enter [BeforeEach]" line is its start; its time runs to its last "< Exit".
    const session = w.cases[2]
    expect(session.earliestStart).toBe(Date.parse('2026-12-07T14:29:07.085Z') + shift)
    expect(Math.abs((session.earliestStart ?? 0) + session.durationMs - Date.parse('2026-12-07T14:29:07.894Z') - shift)).toBeLessThanOrEqual(1)
    // Without the timelines only the suite's timestamp (whole seconds) and the spec times are left: a wider span.
    const bare = place(v2.junitXml.replace(/<system-err>[\s\S]*?<\/system-err>/g, ''))
    expect(bare.placement).toBe('suite-timestamps')
    expect(bare.maxUncertaintyMs).toBeGreaterThan(5 * (w.maxUncertaintyMs ?? 0) + 5)
  })

  it('names the spec that wrote the leaked key for sure, and its key lies after its BeforeEach', () => {
    const tl = new TestTimeline([place()])
    const key = v2.leakedKeys.find((k) => k.key === 'session:ginkgo:1')
    const seen = Date.parse(key?.firstSeenAt ?? '') + shift
    const a = tl.keyBorn(seen)
    expect(a.exactness).toBe('exact')
    expect(a.test?.name).toBe('[It] Cache leaves a session behind')
    expect(fullTestName(a.test ?? { name: '', classname: '', suites: [] })).toBe('Cache Suite › [It] Cache leaves a session behind')
    // The It began 200 ms (the BeforeEach) into the spec and wrote 200 ms later.
    expect(seen - (a.test?.earliestStart ?? 0)).toBeGreaterThanOrEqual(400)
  })
})

describe('a recorded Maven Surefire run (TEST-*.xml, JUnit 4)', () => {
  const { run: sf, shift, place } = recorded('surefire')

  it('places the tests (no timestamp) between the file\'s time less the class\'s time and the file\'s time, in file order', () => {
    const w = place()
    expect(w.placement).toBe('durations')
    expect(w.cases.map((c) => fullTestName(c))).toEqual(['shop.CartTest › a_addsAnItem', 'shop.CartTest › b_leavesACart'])
    // The class's time (2.8 s) holds its slow BeforeClass and the runner's start; the tests only 1.85 s of it.
    expect(w.maxUncertaintyMs).toBeGreaterThan(100)
    expect(w.maxUncertaintyMs).toBeLessThan(1000)
    // No test ended after the file was written (give or take the rounding of the test times: 0.64 s is to 10 ms).
    for (const c of w.cases) expect((c.latestStart ?? 0) + c.durationMs).toBeLessThanOrEqual(sf.junitMtimeMs + shift + 10)
    expect(w.cases[1].earliestStart).toBeGreaterThanOrEqual((w.cases[0].earliestStart ?? 0) + w.cases[0].durationMs - 1)
  })

  it('gives the leaked key to the test that wrote it, never to the other', () => {
    const key = sf.leakedKeys.find((k) => k.key === 'cart:surefire:1')
    const a = new TestTimeline([place()]).keyBorn(Date.parse(key?.firstSeenAt ?? '') + shift)
    expect(a.test?.name).toBe('b_leavesACart')
    expect(a.candidates.map((c) => c.name)).toEqual(['b_leavesACart'])
  })
})

describe('error replies', () => {
  it('groups them by prefix and by command, leaving out the guard\'s own commands; without samples no first is timed, and it says why', () => {
    const before = { commandstats: { xgroup: { calls: 0, usec: 0, failedCalls: 0, rejectedCalls: 0 }, info: { calls: 1, usec: 1, failedCalls: 0, rejectedCalls: 0 } } } as unknown as Snapshot
    const after = {
      commandstats: {
        xgroup: { calls: 3, usec: 9, failedCalls: 2, rejectedCalls: 0 },
        set: { calls: 10, usec: 9, failedCalls: 0, rejectedCalls: 4 },
        lpush: { calls: 1, usec: 1, failedCalls: 1, rejectedCalls: 0 },
        info: { calls: 5, usec: 1, failedCalls: 3, rejectedCalls: 0 }
      }
    } as unknown as Snapshot
    const g = groupErrorReplies({ total: 7, byPrefix: { BUSYGROUP: 2, OOM: 4, WRONGTYPE: 1 } }, before, after, null)
    expect(g?.byPrefix.map((p) => [p.prefix, p.count])).toEqual([
      ['OOM', 4],
      ['BUSYGROUP', 2],
      ['WRONGTYPE', 1]
    ])
    expect(g?.byCommand).toEqual([
      { command: 'set', failed: 0, rejected: 4 },
      { command: 'xgroup', failed: 2, rejected: 0 },
      { command: 'lpush', failed: 1, rejected: 0 }
    ])
    for (const p of g?.byPrefix ?? []) expect(p).toMatchObject({ firstAt: null, firstTestUnknown: 'the step was not sampled' })
    expect(g?.byPrefix.some((p) => p.firstTest !== undefined)).toBe(false)
    expect(groupErrorReplies({ total: 0, byPrefix: {} }, before, before, null)).toBeNull()
  })
})

describe('the first error reply of each kind, on the recorded Ginkgo run', () => {
  const before = snap({ errorstats: run.before.errorstats, evictedKeys: run.before.evictedKeys, maxmemory: run.before.maxmemory })
  const after = snap({ maxmemory: run.after.maxmemory })
  const timing = { samples: run.sampling.samples, stepStartedAt: run.sampling.startedAt, before, after }
  const oomGrew = (): number => {
    const last = [...run.sampling.samples].reverse().find((s) => s.oomErrors !== null)?.oomErrors ?? 0
    return last - (run.before.errorstats.OOM ?? 0)
  }

  it('times the OOM prefix by the same span and test as the first OOM event', () => {
    const event = timelineEvents({ ...timing, tests }).find((e) => e.kind === 'first-oom')
    const g = groupErrorReplies({ total: oomGrew(), byPrefix: { OOM: oomGrew() } }, before, after, { ...timing, tests, junit: true })
    const oom = g?.byPrefix.find((p) => p.prefix === 'OOM')
    expect(oom?.firstAt).toBe(event?.to)
    expect(oom?.firstFrom).toBe(event?.from)
    expect(oom?.firstTest).toEqual(event?.during)
    expect(oom?.firstTest).toMatchObject({ exactness: 'exact', test: { name: 'Cache fills memory until Redis refuses writes' } })
    expect(oom?.firstTestUnknown).toBeUndefined()
  })

  it('says why no test is named: no JUnit file, or no sample that saw the count rise', () => {
    const g = groupErrorReplies({ total: oomGrew() + 1, byPrefix: { OOM: oomGrew(), WRONGTYPE: 1 } }, before, after, { ...timing, tests: null, junit: false })
    const oom = g?.byPrefix.find((p) => p.prefix === 'OOM')
    expect(oom?.firstAt).not.toBeNull()
    expect(oom?.firstTest).toBeUndefined()
    expect(oom?.firstTestUnknown).toBe('no JUnit file was given (junit-report)')
    // These samples predate errorstats in samples: a WRONGTYPE the snapshots counted was never seen rising.
    const wrong = g?.byPrefix.find((p) => p.prefix === 'WRONGTYPE')
    expect(wrong?.firstAt).toBeNull()
    expect(wrong?.firstTestUnknown).toMatch(/^no sample saw its count rise/)
  })
})

describe('keys without a delimiter', () => {
  it('are grouped by their stem, as ids inside segments are', () => {
    const rule = { delimiter: ':', depth: 2 }
    expect(['A01', 'A02', 'A10', 'K01'].map((k) => prefixOf(k, rule))).toEqual(['A*', 'A*', 'A*', 'K*'])
    expect(prefixOf('counter', rule)).toBe('counter')
    expect(prefixOf('2024', rule)).toBe('*')
    expect(prefixOf('user:42', rule)).toBe('user:*')
    expect(stemOf('session7')).toBe('session*')
    expect(stemOf('v')).toBe('v')
  })
})
