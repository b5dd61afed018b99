/**
 * The step's events and memory put on the tests' timeline: the first OOM, the first eviction, when
 * used memory passed 90% of maxmemory, the steepest growth between two samples, which tests
 * memory grew most during, and which tests left the most keys and bytes. Pure: samples, windows
 * and keys in, plain data out (key names stay byte strings for the caller to name).
 *
 * A sampled event is known only to lie between two samples, so it is attributed as a span; a
 * test's growth is measured between the last sample before it may have started and the first
 * after it may have ended, so each figure says how wide that span was.
 */
import type { Sample } from '../sampler/sample.js'
import type { Snapshot } from '../observe/snapshot.js'
import { fullTestName, type TestTimeline, type TimeAttribution } from './attribution.js'
import type { TestCaseWindow } from './junit.js'
import { NEAR_LIMIT_SHARE } from './moments.js'

/** A test as the report names it. */
export interface TestRef {
  /** file or module, class, suites and name, joined with ›. */
  fullName: string
  name: string
  classname: string
  suites: string[]
  file: string
}

export function testRef(t: TestCaseWindow): TestRef {
  return { fullName: fullTestName(t), name: t.name, classname: t.classname, suites: t.suites, file: t.file }
}

/** Which test(s) a time or span belongs to, as the report carries it. */
export interface TestMention {
  exactness: 'exact' | 'candidates' | 'none'
  /** The test when exact, else the nearest candidate; null when no test may have been running. */
  test: TestRef | null
  /** Every test that may have been running (nearest first); only the test when exact. */
  candidates: TestRef[]
  /** More candidates than listed. */
  moreCandidates: number
}

/** Candidates listed per mention; the rest are counted. */
export const MAX_CANDIDATES = 5

export function mention(a: TimeAttribution): TestMention {
  return {
    exactness: a.exactness,
    test: a.test ? testRef(a.test) : null,
    candidates: a.candidates.slice(0, MAX_CANDIDATES).map(testRef),
    moreCandidates: Math.max(0, a.candidates.length - MAX_CANDIDATES)
  }
}

export type TimelineEventKind = 'first-oom' | 'first-eviction' | 'near-maxmemory' | 'steepest-growth'

export const EVENT_LABELS: Record<TimelineEventKind, string> = {
  'first-oom': 'First OOM error reply',
  'first-eviction': 'First eviction',
  'near-maxmemory': 'Used memory passed 90% of maxmemory',
  'steepest-growth': 'Steepest growth between two samples'
}

export interface TimelineEvent {
  kind: TimelineEventKind
  /** The span it happened in: between the sample before and the sample that saw it. */
  from: string
  to: string
  /** Seconds from the step's start to `to`; null when the start is not known. */
  secondsIntoStep: number | null
  /** Plain words: "used memory 41.0 MB → 58.2 MB", "+12 OOM replies". */
  detail: string
  /** The figures behind the detail. */
  bytesBefore?: number | null
  bytesAfter?: number | null
  /** Present when JUnit files were given. */
  during?: TestMention
}

interface Connected {
  at: number
  iso: string
  used: number | null
  oom: number | null
  evicted: number | null
  /** errorstats by prefix; null where the server has none, undefined in samples of older versions. */
  errors: Record<string, number> | null | undefined
}

function connected(samples: Sample[]): Connected[] {
  return samples
    .filter((s) => s.connected)
    .map((s) => ({ at: Date.parse(s.at), iso: s.at, used: s.usedMemory, oom: s.oomErrors, evicted: s.evictedKeys, errors: s.errorstats }))
    .filter((s) => Number.isFinite(s.at))
    .sort((a, b) => a.at - b.at)
}

export interface TimelineInput {
  samples: Sample[]
  /** The step's start (the sampler's start): the zero of "into the step", and the "before" of the first sample. */
  stepStartedAt: string | null
  before: Snapshot | null
  after: Snapshot | null
  tests: TestTimeline | null
}

/** Where a sampled happening lies: after the sample before (or the step's start) and by the sample that saw it. */
export interface SampledSpan {
  from: string
  to: string
  /** Seconds from the step's start to `to`; null when the start is not known. */
  secondsIntoStep: number | null
  /** The test(s) running in that span; present when JUnit files were given. */
  during?: TestMention
}

/** The samples in time order and the zero of "into the step". */
function sampled(input: TimelineInput): { s: Connected[]; base: number | null } {
  const s = connected(input.samples)
  const start = input.stepStartedAt ? Date.parse(input.stepStartedAt) : null
  return { s, base: start !== null && Number.isFinite(start) ? start : (s[0]?.at ?? null) }
}

/** The span sample `i` closes, mapped to the test(s) running then: the one mapping every sampled event goes through. */
function spanOf(s: Connected[], i: number, base: number | null, tests: TestTimeline | null): SampledSpan {
  const from = i > 0 ? s[i - 1].at : (base ?? s[i].at)
  const to = s[i].at
  return {
    from: new Date(from).toISOString(),
    to: s[i].iso,
    secondsIntoStep: base === null ? null : Math.round(to - base) / 1000,
    // No test placed in time (no timestamps, no command times): which test ran is unknown, not "none".
    ...(tests && !tests.empty ? { during: mention(tests.at(from, to)) } : {})
  }
}

/**
 * The first sample in which a counter stood above where the step began (the "before" snapshot's
 * value, else the first sample's), and by how much; null when it never rose.
 */
function firstRise(s: Connected[], of: (c: Connected) => number | null, beforeValue: number | null): { i: number; grown: number } | null {
  let baseValue = beforeValue
  let last: number | null = null
  for (let i = 0; i < s.length; i++) {
    const v = of(s[i])
    if (v === null) continue
    if (baseValue === null) baseValue = v
    // A counter that went down: Redis restarted and its new run counts from zero.
    if ((last !== null && v < last) || v < baseValue) baseValue = 0
    last = v
    if (v > baseValue) return { i, grown: v - baseValue }
  }
  return null
}

/** One error prefix's count in a sample: OOM from its own field (every version's samples have it), the others from errorstats. */
function errorCount(c: Connected, prefix: string): number | null {
  if (prefix === 'OOM') return c.oom
  if (!c.errors) return null
  return Object.hasOwn(c.errors, prefix) ? c.errors[prefix] : 0
}

function errorsBefore(before: Snapshot | null, prefix: string): number | null {
  if (!before?.errorstats) return null
  return Object.hasOwn(before.errorstats, prefix) ? before.errorstats[prefix] : 0
}

/**
 * For each error prefix, the span in which its count first rose (between the sample before and
 * the sample that saw it), with the test(s) running then: the first OOM's rule for every kind.
 * Prefixes whose rise no sample saw are absent.
 */
export function firstErrorReplies(input: TimelineInput, prefixes: string[]): Map<string, SampledSpan> {
  const { s, base } = sampled(input)
  const out = new Map<string, SampledSpan>()
  for (const prefix of prefixes) {
    const rise = firstRise(s, (c) => errorCount(c, prefix), errorsBefore(input.before, prefix))
    if (rise) out.set(prefix, spanOf(s, rise.i, base, input.tests))
  }
  return out
}

/** The step's events, in the order they happened; each mapped to the test(s) running then when JUnit files were given. */
export function timelineEvents(input: TimelineInput): TimelineEvent[] {
  const { s, base } = sampled(input)
  const events: TimelineEvent[] = []
  const make = (kind: TimelineEventKind, i: number, detail: string, extra: Partial<TimelineEvent> = {}): TimelineEvent => {
    const { during, ...span } = spanOf(s, i, base, input.tests)
    return { kind, ...span, detail, ...extra, ...(during ? { during } : {}) }
  }
  const counterRise = (kind: 'first-oom' | 'first-eviction', of: (c: Connected) => number | null, beforeValue: number | null, noun: string, nouns: string): void => {
    const rise = firstRise(s, of, beforeValue)
    if (rise) events.push(make(kind, rise.i, `${rise.grown} ${rise.grown === 1 ? noun : nouns} by then`))
  }
  counterRise('first-oom', (c) => errorCount(c, 'OOM'), errorsBefore(input.before, 'OOM'), 'OOM reply', 'OOM replies')
  counterRise('first-eviction', (c) => c.evicted, input.before?.evictedKeys ?? null, 'evicted key', 'evicted keys')
  const maxmemory = input.after?.memory.maxmemory || input.before?.memory.maxmemory || null
  if (maxmemory) {
    const i = s.findIndex((c) => c.used !== null && c.used >= NEAR_LIMIT_SHARE * maxmemory)
    if (i >= 0) events.push(make('near-maxmemory', i, `used memory ${mb(s[i].used ?? 0)} of ${mb(maxmemory)}`, { bytesBefore: i > 0 ? s[i - 1].used : null, bytesAfter: s[i].used }))
  }
  let steepest: { i: number; rise: number } | null = null
  for (let i = 1; i < s.length; i++) {
    const a = s[i - 1].used
    const b = s[i].used
    if (a === null || b === null) continue
    const rise = b - a
    if (rise > 0 && (steepest === null || rise > steepest.rise)) steepest = { i, rise }
  }
  if (steepest) {
    const a = s[steepest.i - 1].used ?? 0
    const b = s[steepest.i].used ?? 0
    events.push(make('steepest-growth', steepest.i, `used memory ${mb(a)} → ${mb(b)} (+${mb(b - a)})`, { bytesBefore: a, bytesAfter: b }))
  }
  return events.sort((x, y) => Date.parse(x.to) - Date.parse(y.to))
}

function mb(bytes: number): string {
  if (Math.abs(bytes) >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`
  if (Math.abs(bytes) >= 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${bytes} B`
}

/** A test during which used memory grew. */
export interface TestGrowth {
  test: TestRef
  /** used_memory of the first sample after the test may have ended minus the last before it may have started. */
  grewBytes: number
  /** The span those two samples cover (ms): the test, its uncertainty and up to one sampling interval each side. */
  spanMs: number
  /** False when another test may have run within that span too: the growth is theirs together. */
  alone: boolean
}

/** Tests during which used memory grew most, largest first (at most `limit`). */
export function growthPerTest(samples: Sample[], tests: TestTimeline, limit = 5): TestGrowth[] {
  const s = connected(samples).filter((c) => c.used !== null)
  if (s.length < 2) return []
  const out: TestGrowth[] = []
  for (const t of tests.cases) {
    const from = t.earliestStart
    const to = t.latestStart + t.durationMs
    let a: Connected | null = null
    let b: Connected | null = null
    for (const c of s) {
      if (c.at <= from) a = c
      if (c.at >= to) {
        b = c
        break
      }
    }
    if (!a || !b || a.used === null || b.used === null) continue
    const grew = b.used - a.used
    if (grew <= 0) continue
    const others = tests.overlapping(a.at, b.at).filter((o) => o !== t)
    out.push({ test: testRef(t), grewBytes: grew, spanMs: b.at - a.at, alone: others.length === 0 })
  }
  return out.sort((x, y) => y.grewBytes - x.grewBytes).slice(0, limit)
}
