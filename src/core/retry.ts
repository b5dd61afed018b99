/**
 * The one retry loop for calls that may fail for a moment (the GitHub API: a 5xx, a secondary rate
 * limit, a write that lost a race). Every loop is bounded twice: by a number of attempts and by a
 * deadline that no wait may cross. The caller says which failures are worth a wait and how long.
 */

export interface RetryOptions {
  /** Calls at most, the first one included. */
  attempts: number
  /** Epoch ms: a wait that would end after it is not begun, and the last failure is given up on. */
  deadline: number
  /** The wait before the next attempt after `err` failed attempt `attempt` (1-based), or null when waiting cannot help. */
  delayMs(err: unknown, attempt: number): number | null
}

/** The attempts or the deadline ran out; `last` is the failure of the last attempt made. */
export class RetriesUsedUp extends Error {
  constructor(
    readonly last: unknown,
    readonly attempts: number
  ) {
    super(`gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}`)
    this.name = 'RetriesUsedUp'
  }
}

/**
 * Calls `call(attempt)` until it resolves. A failure for which `delayMs` gives null is thrown as it
 * is; one worth a wait is retried after that wait, or ends in RetriesUsedUp when no attempt is left
 * or the wait would cross the deadline.
 */
export async function retry<T>(call: (attempt: number) => Promise<T>, opts: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt)
    } catch (err) {
      const wait = opts.delayMs(err, attempt)
      if (wait === null) throw err
      if (attempt >= opts.attempts || Date.now() + wait >= opts.deadline) throw new RetriesUsedUp(err, attempt)
      await new Promise((resolve) => setTimeout(resolve, wait))
    }
  }
}
