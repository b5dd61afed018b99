/**
 * The error replies a step caused, from two snapshots. Pure.
 *
 * The guard's own connections must not show up here: they connect with CLIENT SETINFO turned off
 * (src/redis/connection.ts), since Redis before 7.2 refuses it and would count two ERR replies
 * per connection. Errors the guard knows it caused itself (a probe a server refused) can be
 * passed as `own` and are taken off.
 */
import { counterDelta, restarted } from './checks.js'
import type { ErrorCounts, Snapshot } from '../observe/snapshot.js'

export type { ErrorCounts } from '../observe/snapshot.js'

/** Error replies the guard itself caused between the two snapshots, to take off the step's. */
export interface OwnErrors {
  total: number
  byPrefix: Record<string, number>
}

export const NO_OWN_ERRORS: OwnErrors = { total: 0, byPrefix: {} }

/**
 * The error replies sent during the step, minus the guard's own. Without a "before" snapshot
 * (and no restart to count from) the growth is unknown: null, never 0.
 */
export function stepErrors(before: Snapshot | null, after: Snapshot, own: OwnErrors = NO_OWN_ERRORS): ErrorCounts {
  const restart = restarted(before, after)
  const total = counterDelta(before?.totalErrorReplies, after.totalErrorReplies, restart)
  let byPrefix: Record<string, number> | null = null
  if (after.errorstats !== null && (before?.errorstats != null || restart)) {
    byPrefix = {}
    for (const [prefix, count] of Object.entries(after.errorstats)) {
      const grown = counterDelta(before?.errorstats?.[prefix] ?? 0, count, restart) ?? 0
      const step = Math.max(0, grown - (own.byPrefix[prefix] ?? 0))
      if (step > 0) byPrefix[prefix] = step
    }
  }
  return { total: total === null ? null : Math.max(0, total - own.total), byPrefix }
}
