/**
 * When each new key first appeared: subscribes to the `new` keyspace event (`__keyevent@<db>__:new`,
 * Redis 7.0+), which needs `notify-keyspace-events` to hold `E` and `n`. The old value is restored
 * afterwards, but only if the setting still holds what we set (someone else may have changed it
 * meanwhile, and their value wins). Memory is bounded: past `maxKeys` names, new keys are counted only.
 *
 * Where the setting cannot be changed (ACL, managed services, Redis < 7), `start` says why, and the
 * caller falls back to the sampler's bounded scans.
 */
import { describeError } from '../core/errors.js'
import { closeQuietly, withTimeout, type RedisClient, type RedisConnection } from '../redis/connection.js'

export const NOTIFY_SETTING = 'notify-keyspace-events'
export const DEFAULT_FIRST_SEEN_CAP = 100_000
const NEW_KEY_CHANNELS = '__keyevent@*__:new'

/** What the recording found. */
export interface FirstSeenResult {
  /** Keys recorded (`db\nkey`, key as a byte string) → epoch ms of their first `new` event. */
  times: Map<string, number>
  /** New-key events past the cap, counted but not named. */
  dropped: number
  /** Whether the old notify-keyspace-events was put back; `changed-by-others` when the value was no longer ours. */
  restored: 'restored' | 'changed-by-others' | 'failed' | 'unchanged'
}

/** The notify-keyspace-events value with the `new` key events on: `E` (keyevent channel) and `n` added to what was there. */
export function withNewKeyEvents(old: string): string {
  let v = old
  if (!v.includes('E')) v += 'E'
  if (!v.includes('n')) v += 'n'
  return v
}

function asText(reply: unknown): string {
  if (Buffer.isBuffer(reply)) return reply.toString('latin1')
  return typeof reply === 'string' ? reply : ''
}

/** CONFIG GET's value from its RESP2 array or RESP3 map reply. */
function configValue(reply: unknown, name: string): string | null {
  if (Array.isArray(reply)) return reply.length >= 2 ? asText(reply[1]) : null
  if (reply instanceof Map) return reply.has(name) ? asText(reply.get(name)) : null
  if (reply && typeof reply === 'object') return asText((reply as Record<string, unknown>)[name])
  return null
}

/** Flags as a set of chars, so `AEn` and `nAE` compare equal (Redis rewrites the order). */
function sameFlags(a: string, b: string): boolean {
  const norm = (s: string): string => [...new Set(s)].sort().join('')
  return norm(a) === norm(b)
}

export class FirstSeenRecorder {
  private readonly times = new Map<string, number>()
  private dropped = 0

  private constructor(
    private readonly conn: RedisConnection,
    private readonly subscriber: RedisClient,
    /** The value before we changed it; null when it already had `E` and `n` (nothing to restore). */
    private readonly old: string | null,
    private readonly ours: string,
    private readonly cap: number,
    private readonly now: () => number
  ) {}

  /**
   * Turns the `new` events on and subscribes; returns the recorder, or the reason it cannot
   * record (ACL, CONFIG renamed, a server before 7.0 that does not know `n`).
   */
  static async start(conn: RedisConnection, opts: { maxKeys?: number; now?: () => number; timeoutMs?: number } = {}): Promise<FirstSeenRecorder | { unavailable: string }> {
    const timeout = opts.timeoutMs ?? 5000
    let old: string
    try {
      const v = configValue(await conn.command(['CONFIG', 'GET', NOTIFY_SETTING]), NOTIFY_SETTING)
      if (v === null) return { unavailable: `CONFIG GET ${NOTIFY_SETTING} gave no value` }
      old = v
    } catch (err) {
      return { unavailable: `CONFIG GET ${NOTIFY_SETTING} was refused (${describeError(err)})` }
    }
    const ours = withNewKeyEvents(old)
    const changed = ours !== old
    if (changed) {
      try {
        await conn.command(['CONFIG', 'SET', NOTIFY_SETTING, ours])
      } catch (err) {
        // Redis before 7.0 answers "Invalid event class character".
        return { unavailable: `CONFIG SET ${NOTIFY_SETTING} ${ours} was refused (${describeError(err)}); new-key events need Redis 7.0+ and the right to change the setting` }
      }
    }
    let subscriber: RedisClient
    try {
      subscriber = await conn.duplicate('first-seen', timeout)
    } catch (err) {
      await restoreIfOurs(conn, changed ? old : null, ours)
      return { unavailable: `subscribing to new-key events failed (${describeError(err)})` }
    }
    const recorder = new FirstSeenRecorder(conn, subscriber, changed ? old : null, ours, opts.maxKeys ?? DEFAULT_FIRST_SEEN_CAP, opts.now ?? Date.now)
    try {
      // bufferMode: key names and channels as bytes, since keys may be binary.
      await withTimeout(
        subscriber.pSubscribe(NEW_KEY_CHANNELS, (key: Buffer, channel: Buffer) => recorder.record(channel, key), true),
        timeout,
        'PSUBSCRIBE to Redis'
      )
    } catch (err) {
      await recorder.stop()
      return { unavailable: `subscribing to new-key events failed (${describeError(err)})` }
    }
    return recorder
  }

  private record(channel: Buffer, key: Buffer): void {
    // `__keyevent@3__:new` → DB 3.
    const m = /^__keyevent@(\d+)__:new$/.exec(channel.toString('latin1'))
    if (!m) return
    const id = `${m[1]}\n${key.toString('latin1')}`
    if (this.times.has(id)) return
    if (this.times.size >= this.cap) {
      this.dropped++
      return
    }
    this.times.set(id, this.now())
  }

  /** When `key` (a byte string) of `db` first appeared, epoch ms, or null when not recorded. */
  firstSeen(db: number, key: string): number | null {
    return this.times.get(`${db}\n${key}`) ?? null
  }

  /** Unsubscribes and restores notify-keyspace-events if it still holds our value. Never throws. */
  async stop(): Promise<FirstSeenResult> {
    await closeQuietly(this.subscriber)
    const restored = await restoreIfOurs(this.conn, this.old, this.ours)
    return { times: this.times, dropped: this.dropped, restored }
  }
}

/** Sets notify-keyspace-events back to `old` if it still holds `ours` (someone else's later value wins). Never throws. */
async function restoreIfOurs(conn: RedisConnection, old: string | null, ours: string): Promise<FirstSeenResult['restored']> {
  if (old === null) return 'unchanged'
  try {
    const now = configValue(await conn.command(['CONFIG', 'GET', NOTIFY_SETTING]), NOTIFY_SETTING)
    if (now === null || !sameFlags(now, ours)) return 'changed-by-others'
    await conn.command(['CONFIG', 'SET', NOTIFY_SETTING, old])
    return 'restored'
  } catch {
    return 'failed'
  }
}
