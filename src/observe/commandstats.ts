/** What the step ran, from the difference of two commandstats readings. Pure. */
import { restarted } from './snapshot.js'
import type { Snapshot } from './snapshot.js'

/** One command's counters during the step. */
export interface CommandDelta {
  command: string
  calls: number
  usec: number
  /** Refused before running (OOM, ACL, ...); null where the server does not count it (Redis < 6.2). */
  rejectedCalls: number | null
  failedCalls: number | null
}

/**
 * The commands the step ran, most calls first. Counts include this action's own INFO calls.
 * After a restart the counters started from zero, so the "after" values are the step's.
 */
export function commandDeltas(before: Snapshot | null, after: Snapshot | null): CommandDelta[] | null {
  if (!before?.commandstats || !after?.commandstats) return null
  const restart = restarted(before, after)
  const out: CommandDelta[] = []
  for (const [command, a] of Object.entries(after.commandstats)) {
    const b = restart ? undefined : before.commandstats[command]
    const diff = (x: number | null, y: number | null | undefined): number | null =>
      x === null ? null : Math.max(0, x - (y ?? 0))
    const calls = diff(a.calls, b?.calls) ?? 0
    const rejectedCalls = diff(a.rejectedCalls, b?.rejectedCalls)
    const failedCalls = diff(a.failedCalls, b?.failedCalls)
    // A command refused with OOM does not count as a call, but it is what the reader looks for.
    if (calls === 0 && !rejectedCalls && !failedCalls) continue
    out.push({ command, calls, usec: diff(a.usec, b?.usec) ?? 0, rejectedCalls, failedCalls })
  }
  return out.sort((x, y) => y.calls - x.calls || compareNames(x.command, y.command))
}

/** Where ICU puts the characters of Redis command names (`memory|usage`, `client|no-evict`), in order. */
const NAME_ORDER = '_-:.|0123456789abcdefghijklmnopqrstuvwxyz'
const NAME = /^[a-z0-9_\-:.|]*$/

/**
 * The order of `a.localeCompare(b)`, worked out by hand for names of lowercase letters, digits and
 * `_-:.|`: the first localeCompare of a process sets up ICU's collator, about 8 ms of every post
 * step (issue 14). Other text is left to localeCompare.
 */
export function compareNames(a: string, b: string): number {
  if (!NAME.test(a) || !NAME.test(b)) return a.localeCompare(b)
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return NAME_ORDER.indexOf(a[i]) < NAME_ORDER.indexOf(b[i]) ? -1 : 1
  }
  return Math.sign(a.length - b.length)
}
