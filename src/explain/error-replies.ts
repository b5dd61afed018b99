/**
 * Every error reply of the step, not only OOM: grouped by error prefix (INFO errorstats: BUSYGROUP,
 * WRONGTYPE, EXECABORT, …) and by command (INFO commandstats: failed_calls, rejected_calls), with
 * the test that first received one where the samples timed it. Pure.
 *
 * Redis counts errors by prefix and by command separately, never the pair, so the two groupings
 * are given side by side rather than crossed by guesswork.
 */
import { GUARD_COMMANDS } from '../observe/traffic.js'
import type { Snapshot } from '../observe/snapshot.js'
import type { ErrorCounts } from '../observe/snapshot.js'
import type { TestMention, TimelineEvent } from './test-timeline.js'

export interface ErrorPrefixGroup {
  /** The reply's first word: `OOM`, `WRONGTYPE`, `BUSYGROUP`, `ERR`. */
  prefix: string
  count: number
  /** When the first was seen (between two samples): only OOM is sampled today. */
  firstAt: string | null
  /** The test running then, where JUnit files were given and the first was timed. */
  firstTest?: TestMention
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

/** The step's error replies grouped, or null when there were none or they cannot be told. */
export function groupErrorReplies(counts: ErrorCounts | null, before: Snapshot | null, after: Snapshot | null, events: TimelineEvent[]): ErrorReplies | null {
  if (!counts || !after) return null
  const notes: string[] = []
  const oom = events.find((e) => e.kind === 'first-oom')
  const byPrefix: ErrorPrefixGroup[] = Object.entries(counts.byPrefix ?? {})
    .filter(([, n]) => n > 0)
    .map(([prefix, count]) => ({
      prefix,
      count,
      firstAt: prefix === 'OOM' && oom ? oom.to : null,
      ...(prefix === 'OOM' && oom?.during ? { firstTest: oom.during } : {})
    }))
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
  if (byPrefix.some((p) => p.prefix !== 'OOM')) notes.push('Only the first OOM reply is timed by the samples; the first of the other kinds is not.')
  return { total: counts.total, byPrefix, byCommand, notes }
}
