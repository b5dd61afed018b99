/** The one retry loop (src/core/retry.ts): bounded by attempts and by a deadline no wait may cross. */
import { describe, expect, it } from '@jest/globals'
import { retry, RetriesUsedUp } from '../src/core/retry.js'

class Status extends Error {
  constructor(readonly status: number) {
    super(`status ${status}`)
  }
}

/** A call that fails with the given statuses in turn, then answers 'ok'; counts its calls. */
function flaky(...statuses: number[]): { call: (attempt: number) => Promise<string>; attempts: number[] } {
  const attempts: number[] = []
  return {
    attempts,
    call: async (attempt) => {
      attempts.push(attempt)
      const status = statuses.shift()
      if (status !== undefined) throw new Status(status)
      return 'ok'
    }
  }
}

const on5xx = (err: unknown): number | null => ((err as Status).status >= 500 ? 1 : null)

describe('retry', () => {
  it('retries a failure worth a wait and answers with the call that worked', async () => {
    const f = flaky(502, 503)
    await expect(retry(f.call, { attempts: 5, deadline: Date.now() + 60_000, delayMs: on5xx })).resolves.toBe('ok')
    expect(f.attempts).toEqual([1, 2, 3])
  })

  it('throws a failure that no wait helps as it is, without a second call', async () => {
    const f = flaky(404)
    const err = await retry(f.call, { attempts: 5, deadline: Date.now() + 60_000, delayMs: on5xx }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(Status)
    expect((err as Status).status).toBe(404)
    expect(f.attempts).toEqual([1])
  })

  it('gives up after the attempts, with the last failure', async () => {
    const f = flaky(500, 501, 502, 503)
    const err = await retry(f.call, { attempts: 3, deadline: Date.now() + 60_000, delayMs: on5xx }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RetriesUsedUp)
    expect((err as RetriesUsedUp).attempts).toBe(3)
    expect(((err as RetriesUsedUp).last as Status).status).toBe(502)
    expect(f.attempts).toEqual([1, 2, 3])
  })

  it('begins no wait that would end after the deadline', async () => {
    const f = flaky(500, 500)
    const err = await retry(f.call, { attempts: 10, deadline: Date.now() + 60_000, delayMs: () => 120_000 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RetriesUsedUp)
    expect((err as RetriesUsedUp).attempts).toBe(1)
    expect(f.attempts).toEqual([1])
  })

  it('hands the attempt number to the wait, so a backoff can grow', async () => {
    const f = flaky(500, 500, 500)
    const asked: number[] = []
    await retry(f.call, {
      attempts: 4,
      deadline: Date.now() + 60_000,
      delayMs: (_err, attempt) => {
        asked.push(attempt)
        return attempt
      }
    })
    expect(asked).toEqual([1, 2, 3])
  })
})
