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
import { attributeKeys, type JUnitWindows } from './junit.js'
import type { OutputTimeline } from './output-lines.js'

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
  /** The test running then, when a JUnit report was given. */
  test: { name: string; classname: string; suites: string[]; exactness: string } | null
}

export interface CauseReport {
  memory: { breakdown: MemoryBreakdown | null; unavailable?: string; explanations: Explanation[] }
  moments: (MomentSnapshot & { summary: string })[]
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
    exactness: string
    tests: { name: string; classname: string; suites: string[]; file: string; keys: (KeyName & { db: number })[] }[]
    unattributed: (KeyName & { db: number })[]
    notes: string[]
  } | null
}

/** What the first-seen recorder found, or why there is nothing. */
export type FirstSeenInput =
  | { times: Map<string, number>; dropped: number; unobserved?: { from: number; to: number; reason: string }[]; roundMs?: number }
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
  const leaked = (input.keys?.leaked?.groups ?? []).flatMap((g) => g.samples.map((s) => ({ db: s.db, name: { key: s.key, ...(s.keyBase64 ? { keyBase64: s.keyBase64 } : {}) } })))
  const withTimes = leaked.map((k) => ({ ...k, bytes: bytesOf(k.name), at: times.get(`${k.db}\n${bytesOf(k.name)}`) ?? null }))

  let tests: CauseReport['testsThatLeftKeys'] = null
  const testOf = new Map<string, LeakedKeyTime['test']>()
  if (input.junit) {
    const timed = withTimes.filter((k): k is typeof k & { at: number } => k.at !== null)
    const mapped = attributeKeys(timed.map((k) => ({ db: k.db, key: k.bytes, firstSeen: k.at })), input.junit.windows)
    tests = {
      exactness: mapped.exactness,
      tests: mapped.tests.map((t) => ({
        name: t.test.name,
        classname: t.test.classname,
        suites: t.test.suites,
        file: t.test.file,
        keys: t.keys.map((k) => ({ ...keyName(k.key), db: k.db }))
      })),
      unattributed: mapped.unattributed.map((k) => ({ ...keyName(k.key), db: k.db })),
      notes: [...input.junit.notes, ...(timed.length < withTimes.length ? [`${withTimes.length - timed.length} leaked keys have no recorded first-seen time and could not be mapped to a test.`] : [])]
    }
    for (const t of mapped.tests)
      for (const k of t.keys) testOf.set(`${k.db}\n${k.key}`, { name: t.test.name, classname: t.test.classname, suites: t.test.suites, exactness: k.exactness })
  }

  return {
    memory: {
      breakdown: input.breakdown.breakdown,
      ...(input.breakdown.reason ? { unavailable: input.breakdown.reason } : {}),
      explanations
    },
    moments: input.moments.map((m) => ({ ...m, summary: describeMoment(m, input.stepStartedAt) })),
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
    testsThatLeftKeys: tests
  }
}

/** The keys' own bytes after the step (sum of MEMORY USAGE, extrapolated where the scan stopped); null without MEMORY USAGE or a key analysis. */
function keyTotalOf(keys: KeysReport | null): { bytes: number; keys: number } | null {
  if (!keys || !keys.memoryUsage) return null
  return { bytes: keys.totalBytes, keys: keys.totalKeys }
}
