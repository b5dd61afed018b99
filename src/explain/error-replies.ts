/**
 * Every error reply of the step, not only OOM: grouped by error prefix (INFO errorstats: BUSYGROUP,
 * WRONGTYPE, EXECABORT, …) and by command (INFO commandstats: failed_calls, rejected_calls), with
 * the span in which the samples first saw each kind and the test(s) running then. Pure.
 *
 * Redis counts errors by prefix and by command separately, never the pair, so the two groupings
 * are given side by side rather than crossed by guesswork.
 */
import { GUARD_COMMANDS } from '../observe/traffic.js'
import type { Snapshot } from '../observe/snapshot.js'
import type { ErrorCounts } from '../observe/snapshot.js'
import { firstErrorReplies, type SampledSpan, type TestMention, type TimelineInput } from './test-timeline.js'

export interface ErrorPrefixGroup {
  /** The reply's first word: `OOM`, `WRONGTYPE`, `BUSYGROUP`, `ERR`. */
  prefix: string
  count: number
  /** When the first was seen: by this sample (it came after `firstFrom`); null when no sample saw its count rise. */
  firstAt: string | null
  /** The sample before (or the step's start): the first came after it. Absent when not timed and in older reports. */
  firstFrom?: string
  /** Seconds from the step's start to `firstAt`. */
  firstSecondsIntoStep?: number | null
  /**
   * The test(s) running when the first was received, by the rule the first OOM follows: `exact`
   * only when the span between the two samples lies inside one test by more than its uncertainty,
   * else the `candidates`. Absent when it cannot be told (`firstTestUnknown` says why).
   */
  firstTest?: TestMention
  /** Why no test is named for the first: the step was not sampled, no sample saw the count rise, or no JUnit file. */
  firstTestUnknown?: string
}

export interface ErrorCommandGroup {
  command: string
  /** Calls that ran and answered an error (WRONGTYPE, BUSYGROUP…). */
  failed: number | null
  /** Calls refused before running (OOM, NOPERM, wrong arity…). */
  rejected: number | null
}

export interface ErrorReplies {
  total: number | null
  byPrefix: ErrorPrefixGroup[]
  byCommand: ErrorCommandGroup[]
  /** Why a grouping is missing (the server has no errorstats or commandstats). */
  notes: string[]
}

function grown(before: number | null | undefined, after: number | null | undefined): number | null {
  if (after === null || after === undefined) return null
  const b = before ?? 0
  return after >= b ? after - b : after
}

/** What the first reply of each kind is timed with: the step's samples and the tests' windows. */
export interface ErrorTiming extends TimelineInput {
  /** True when junit-report was given (the tests may still be none). */
  junit: boolean
}

/** The step's error replies grouped, or null when there were none or they cannot be told. `timing` is null when the step was not sampled. */
export function groupErrorReplies(counts: ErrorCounts | null, before: Snapshot | null, after: Snapshot | null, timing: ErrorTiming | null): ErrorReplies | null {
  if (!counts || !after) return null
  const notes: string[] = []
  const prefixes = Object.entries(counts.byPrefix ?? {}).filter(([, n]) => n > 0)
  const firsts = timing ? firstErrorReplies(timing, prefixes.map(([p]) => p)) : new Map<string, SampledSpan>()
  const noTests = !timing ? null : !timing.junit ? 'no JUnit file was given (junit-report)' : !timing.tests || timing.tests.empty ? 'no test of the JUnit files could be placed in time' : null
  const byPrefix: ErrorPrefixGroup[] = prefixes
    .map(([prefix, count]) => {
      const first = firsts.get(prefix)
      const why = !timing
        ? 'the step was not sampled'
        : !first
          ? 'no sample saw its count rise: it came after the last sample, or the samples have no errorstats'
          : noTests
      const tested = first?.during && why === null
      return {
        prefix,
        count,
        firstAt: first?.to ?? null,
        ...(first ? { firstFrom: first.from, firstSecondsIntoStep: first.secondsIntoStep } : {}),
        ...(tested ? { firstTest: first.during } : { firstTestUnknown: why ?? 'not known' })
      }
    })
    .sort((a, b) => b.count - a.count || a.prefix.localeCompare(b.prefix))
  if (counts.byPrefix === null) notes.push('This server has no INFO errorstats (Redis before 6.2): error replies cannot be grouped by prefix.')
  const byCommand: ErrorCommandGroup[] = []
  if (before?.commandstats && after.commandstats) {
    for (const [command, stat] of Object.entries(after.commandstats)) {
      if (GUARD_COMMANDS.has(command)) continue
      const was = before.commandstats[command]
      const failed = grown(was?.failedCalls, stat.failedCalls)
      const rejected = grown(was?.rejectedCalls, stat.rejectedCalls)
      if ((failed ?? 0) > 0 || (rejected ?? 0) > 0) byCommand.push({ command, failed, rejected })
    }
    byCommand.sort((a, b) => (b.failed ?? 0) + (b.rejected ?? 0) - ((a.failed ?? 0) + (a.rejected ?? 0)) || a.command.localeCompare(b.command))
  } else notes.push('INFO commandstats was not read before and after the step: error replies cannot be grouped by command.')
  if (byPrefix.length === 0 && byCommand.length === 0 && (counts.total ?? 0) === 0) return null
  if (byPrefix.some((p) => p.firstAt !== null)) {
    notes.push(
      'The first reply of each kind is known only to lie between two samples; the test named is the one running then, as certain only when that span falls inside one test by more than its uncertainty, otherwise every test that may have been running.'
    )
  }
  return { total: counts.total, byPrefix, byCommand, notes }
}
