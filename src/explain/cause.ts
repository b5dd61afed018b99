/**
 * `report.cause`: what the memory was made of, what held it at the moments that mattered, when
 * each leaked key appeared and which test wrote it. Pure: the engine hands in what it recorded,
 * this puts it into one plain-data section (no markdown; key names as KeyName, untrusted text).
 */
import type { KeySettings } from '../keys/settings.js'
import type { KeysReport } from '../keys/report.js'
import { keyName, toByteString, type KeyName } from '../keys/prefix.js'
import type { Snapshot } from '../observe/snapshot.js'
import { explainMemory, type BreakdownResult, type Explanation, type MemoryBreakdown } from './memory.js'
import { describeMoment, type MomentSnapshot } from './moments.js'
import { DEFAULT_MOMENT_BUDGET, type MomentConfig } from './moment-snapshot.js'
import type { JUnitWindows } from './junit.js'
import type { OutputTimeline } from './output-lines.js'
import { placementSentence, TestTimeline } from './attribution.js'
import { growthPerTest, mention, timelineEvents, type TestGrowth, type TestMention, type TestRef, type TimelineEvent } from './test-timeline.js'
import { groupErrorReplies, type ErrorReplies } from './error-replies.js'
import type { Sample } from '../sampler/sample.js'
import type { ErrorCounts } from '../observe/snapshot.js'

/** The sampler's moment settings from the key settings, max-peak-memory and the snapshot before the step. */
export function momentConfig(settings: KeySettings, maxPeakMemory: number | null | undefined, before: Snapshot | null): MomentConfig {
  return {
    keyDelimiter: settings.delimiterText,
    prefixDepth: settings.rule.depth,
    keyPatterns: settings.keyPatterns,
    ignoreKeys: settings.ignorePatterns,
    maxPeakMemory: maxPeakMemory ?? null,
    budgetMs: DEFAULT_MOMENT_BUDGET.ms,
    maxKeys: DEFAULT_MOMENT_BUDGET.keys,
    ...(before ? { before: { oomErrors: before.errorstats?.OOM ?? null, evictedKeys: before.evictedKeys } } : {})
  }
}

export interface LeakedKeyTime extends KeyName {
  db: number
  /** When it first appeared; null when it was not recorded (recorder off, or past its cap). */
  firstSeenAt: string | null
  /** Seconds from the start of the step (the sampler's start, the zero of the sampling section), to the millisecond. */
  secondsIntoStep: number | null
  /** The last line the command printed before it appeared. */
  lineBefore: string | null
  /** The test running then, when a JUnit report was given: `exact`, or the nearest of the `candidates`. */
  test: { name: string; classname: string; suites: string[]; fullName: string; exactness: 'exact' | 'candidates'; candidates: string[] } | null
}

/** Leaked keys born in one test (exact), or where one of a few tests was running (candidates). */
export interface TestLeftKeys extends TestRef {
  exactness: 'exact' | 'candidates'
  /** With `candidates`: every test that may have written them, nearest first (this one among them). */
  candidates?: TestRef[]
  /** All leaked keys attributed so, not only the examples named. */
  keyCount: number
  /** Their bytes (MEMORY USAGE after the step), where measured. */
  bytes: number | null
  /** The first few of them. */
  keys: (KeyName & { db: number })[]
}

/** A leaked key as the key scan saw it after the step. */
export interface LeakedKeySeen {
  db: number
  /** Byte string, as the key analysis keeps names. */
  key: string
  bytes: number | null
}

export interface CauseReport {
  memory: { breakdown: MemoryBreakdown | null; unavailable?: string; explanations: Explanation[] }
  moments: (MomentSnapshot & { summary: string; during?: TestMention })[]
  leakedKeyTimes: {
    recorded: boolean
    unavailable?: string
    dropped: number
    /** How: `client-tracking` (RESP3 CLIENT TRACKING BCAST on the guard's own connection). */
    method?: string
    /** The longest push-to-answer round, ms: a birth may lie up to this much after its time. */
    uncertaintyMs?: number
    /** Spans in which keys were not followed (the suite killed the guard's connection), with the reason. */
    unobserved?: { from: string; to: string; secondsIntoStep: number | null; reason: string }[]
    keys: LeakedKeyTime[]
  }
  /** Present when junit-report was given. */
  testsThatLeftKeys: {
    /** How the tests were placed and how exact that is, in words. */
    exactness: string
    /** Most keys first. */
    tests: TestLeftKeys[]
    unattributed: (KeyName & { db: number })[]
    /** All leaked keys with a time that fell in no test. */
    unattributedCount: number
    /** True when only the listed example keys could be counted (no full list of leaked keys). */
    countsAreExamples: boolean
    notes: string[]
  } | null
  /** The first OOM, the first eviction, 90% of maxmemory and the steepest growth, with the test(s) running then. Absent without samples. */
  timeline?: { intervalMs: number | null; events: TimelineEvent[] }
  /** Tests during which used memory grew most. Present when junit-report was given and the step was sampled. */
  memoryPerTest?: { intervalMs: number | null; uncertaintyMs: number; growth: TestGrowth[] }
  /** Every error reply of the step, by prefix (with when the first of each came, and the test running then) and by command. Absent when there were none. */
  errorReplies?: ErrorReplies
}

/** Example keys named per test in the JSON; the counts cover all. */
export const KEYS_NAMED_PER_TEST = 5

/** What the first-seen recorder found, or why there is nothing. */
export type FirstSeenInput =
  | { times: Map<string, number>; dropped: number; unobserved?: { from: number; to: number; reason: string }[]; roundMs?: number; lags?: Map<number, number> }
  | { unavailable: string }

export interface CauseInput {
  stepStartedAt: string | null
  after: Snapshot
  /** takeMemoryBreakdown after the step. */
  breakdown: BreakdownResult
  oomErrors: number | null
  evictedKeys: number | null
  moments: MomentSnapshot[]
  keys: KeysReport | null
  /** FirstSeenRecorder's result, or why there is none. */
  firstSeen: FirstSeenInput
  /** The command's output lines with their times (one timeline, or stdout's and stderr's merged). */
  output?: Pick<OutputTimeline, 'lineBefore'> | null
  junit?: { windows: JUnitWindows[]; notes: string[] } | null
  /** The samples of the step, for the timeline events and memory per test. */
  sampling?: { intervalMs: number; samples: Sample[] } | null
  before?: Snapshot | null
  /** Every leaked key the scan after the step found (capped); null when leaked keys could not be listed. */
  leakedSeen?: LeakedKeySeen[] | null
  /** Error replies of the step (grown errorstats and totals). */
  errorCounts?: ErrorCounts | null
}

/** A KeyFigure's name back to the byte string the key analysis and the recorder use. */
function bytesOf(k: KeyName): string {
  return k.keyBase64 ? Buffer.from(k.keyBase64, 'base64').toString('latin1') : toByteString(k.key)
}

export function buildCauseReport(input: CauseInput): CauseReport {
  const explanations = explainMemory({
    snapshot: input.after,
    breakdown: input.breakdown,
    oomErrors: input.oomErrors,
    evictedKeys: input.evictedKeys,
    keyTotal: keyTotalOf(input.keys)
  })
  const start = input.stepStartedAt ? Date.parse(input.stepStartedAt) : null
  const recorded = !('unavailable' in input.firstSeen)
  const times = 'times' in input.firstSeen ? input.firstSeen.times : new Map<string, number>()
  const lags = 'lags' in input.firstSeen ? input.firstSeen.lags : undefined
  const leaked = (input.keys?.leaked?.groups ?? []).flatMap((g) => g.samples.map((s) => ({ db: s.db, name: { key: s.key, ...(s.keyBase64 ? { keyBase64: s.keyBase64 } : {}) } })))
  const withTimes = leaked.map((k) => ({ ...k, bytes: bytesOf(k.name), at: times.get(`${k.db}\n${bytesOf(k.name)}`) ?? null }))

  const timeline = input.junit ? new TestTimeline(input.junit.windows) : null
  let tests: CauseReport['testsThatLeftKeys'] = null
  const testOf = new Map<string, LeakedKeyTime['test']>()
  if (input.junit && timeline) {
    // Count every leaked key the scan listed; without that list only the named examples can be.
    const full = input.leakedSeen ?? null
    const pool = full
      ? full.map((k) => ({ db: k.db, bytes: k.key, size: k.bytes, at: times.get(`${k.db}\n${k.key}`) ?? null }))
      : withTimes.map((k) => ({ db: k.db, bytes: k.bytes, size: null as number | null, at: k.at }))
    const groups = new Map<string, TestLeftKeys>()
    const firstAt = new Map<string, number>()
    const unattributed: (KeyName & { db: number })[] = []
    let unattributedCount = 0
    let untimed = 0
    for (const k of pool) {
      if (k.at === null) {
        untimed++
        continue
      }
      const a = timeline.keyBorn(k.at, lags?.get(k.at))
      if (a.test === null) {
        unattributedCount++
        if (unattributed.length < KEYS_NAMED_PER_TEST * 4) unattributed.push({ ...keyName(k.bytes), db: k.db })
        continue
      }
      const m = mention(a)
      const exact = a.exactness === 'exact'
      const id = exact ? `exact\n${a.test.chain}\n${a.test.file}\n${m.test?.fullName}` : `cand\n${a.candidates.map((c) => `${c.file}\n${c.chain}\n${c.name}\n${c.classname}`).join('\n')}`
      let g = groups.get(id)
      if (!firstAt.has(id) || k.at < (firstAt.get(id) ?? Infinity)) firstAt.set(id, k.at)
      if (!g) {
        g = { ...(m.test as TestRef), exactness: exact ? 'exact' : 'candidates', ...(exact ? {} : { candidates: m.candidates }), keyCount: 0, bytes: null, keys: [] }
        groups.set(id, g)
      }
      g.keyCount++
      if (k.size !== null) g.bytes = (g.bytes ?? 0) + k.size
      if (g.keys.length < KEYS_NAMED_PER_TEST) g.keys.push({ ...keyName(k.bytes), db: k.db })
      testOf.set(`${k.db}\n${k.bytes}`, {
        name: a.test.name,
        classname: a.test.classname,
        suites: a.test.suites,
        fullName: m.test?.fullName ?? a.test.name,
        exactness: exact ? 'exact' : 'candidates',
        candidates: exact ? [] : m.candidates.map((c) => c.fullName)
      })
    }
    const notes = [...input.junit.notes]
    if (untimed > 0) notes.push(`${untimed} leaked key${untimed === 1 ? ' has' : 's have'} no recorded first-seen time and could not be mapped to a test.`)
    if (!full) notes.push('Only the example keys listed per prefix could be mapped: counts per test cover those examples, not every leaked key.')
    tests = {
      exactness: placementSentence(input.junit.windows),
      // Most keys first; ties in the order the tests left them.
      tests: [...groups.entries()].sort(([ia, a], [ib, b]) => b.keyCount - a.keyCount || (firstAt.get(ia) ?? 0) - (firstAt.get(ib) ?? 0)).map(([, g]) => g),
      unattributed,
      unattributedCount,
      countsAreExamples: !full,
      notes
    }
  }

  const samples = input.sampling?.samples ?? []
  const events = input.sampling ? timelineEvents({ samples, stepStartedAt: input.stepStartedAt, before: input.before ?? null, after: input.after, tests: timeline }) : []
  const widest = Math.max(0, ...(input.junit?.windows ?? []).map((w) => w.maxUncertaintyMs ?? 0))
  const errorTiming = input.sampling ? { samples, stepStartedAt: input.stepStartedAt, before: input.before ?? null, after: input.after, tests: timeline, junit: input.junit != null } : null
  const errorReplies = groupErrorReplies(input.errorCounts ?? null, input.before ?? null, input.after, errorTiming)
  const intervalMs = input.sampling?.intervalMs ?? null

  return {
    memory: {
      breakdown: input.breakdown.breakdown,
      ...(input.breakdown.reason ? { unavailable: input.breakdown.reason } : {}),
      explanations
    },
    moments: input.moments.map((m) => {
      const at = Date.parse(m.at)
      // A moment fires at the sample that saw it: it happened since the sample before.
      const during = timeline && !timeline.empty && Number.isFinite(at) ? { during: mention(timeline.at(at - (intervalMs ?? 0), at)) } : {}
      return { ...m, summary: describeMoment(m, input.stepStartedAt), ...during }
    }),
    leakedKeyTimes: {
      recorded,
      ...('unavailable' in input.firstSeen ? { unavailable: input.firstSeen.unavailable } : {}),
      dropped: 'dropped' in input.firstSeen ? input.firstSeen.dropped : 0,
      ...('times' in input.firstSeen
        ? {
            method: 'client-tracking',
            ...(input.firstSeen.roundMs !== undefined ? { uncertaintyMs: input.firstSeen.roundMs } : {}),
            ...(input.firstSeen.unobserved?.length
              ? {
                  unobserved: input.firstSeen.unobserved.map((u) => ({
                    from: new Date(u.from).toISOString(),
                    to: new Date(u.to).toISOString(),
                    secondsIntoStep: start === null ? null : Math.round(u.from - start) / 1000,
                    reason: u.reason
                  }))
                }
              : {})
          }
        : {}),
      keys: withTimes.map((k) => ({
        ...k.name,
        db: k.db,
        firstSeenAt: k.at === null ? null : new Date(k.at).toISOString(),
        secondsIntoStep: k.at === null || start === null ? null : Math.round(k.at - start) / 1000,
        lineBefore: k.at === null ? null : (input.output?.lineBefore(k.at)?.text ?? null),
        test: testOf.get(`${k.db}\n${k.bytes}`) ?? null
      }))
    },
    testsThatLeftKeys: tests,
    ...(input.sampling ? { timeline: { intervalMs, events } } : {}),
    ...(timeline && input.sampling && !timeline.empty ? { memoryPerTest: { intervalMs, uncertaintyMs: widest, growth: growthPerTest(samples, timeline) } } : {}),
    ...(errorReplies ? { errorReplies } : {})
  }
}

/** The keys' own bytes after the step (sum of MEMORY USAGE, extrapolated where the scan stopped); null without MEMORY USAGE or a key analysis. */
function keyTotalOf(keys: KeysReport | null): { bytes: number; keys: number } | null {
  if (!keys || !keys.memoryUsage) return null
  return { bytes: keys.totalBytes, keys: keys.totalKeys }
}
