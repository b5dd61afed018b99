/**
 * When each key that is left was born: its last creation after its last deletion, expiry or flush.
 *
 * How, without anything the suite can see: one RESP3 connection of the guard's own turns on
 * `CLIENT TRACKING ON BCAST NOLOOP` (Redis 6.0+). Redis then pushes an `invalidate` message to that
 * connection for every key that is written, deleted, expired or evicted, and a null one for a
 * flush. No subscription (PUBSUB NUMPAT and CHANNELS stay as they are), no CONFIG change, no key.
 * A push says only that a key changed, not whether it exists: the recorder asks with
 * `MEMORY USAGE key SAMPLES 1`, pipelined per round, which (unlike EXISTS, TYPE or OBJECT) neither
 * counts in keyspace_hits/misses nor touches the key's LRU/LFU clock (Redis 7.0 memoryCommand:
 * a dictFind, no lookupKey). A key's birth is the first push for it after the last round that
 * found it absent. Rounds start at most every MIN_ROUND_GAP_MS. The uncertainty: a key deleted and
 * re-created between two rounds (at most ~20 ms apart, `roundMs` gives the longest) keeps the
 * earlier time, and a push does not name the DB, so the
 * DBs with keys are asked (INFO keyspace, refreshed every second).
 *
 * If the suite kills this connection (CLIENT KILL), the recorder reconnects with backoff and keeps
 * the span it did not observe, with the reason, for the report. Memory is bounded: past `maxKeys`
 * live keys, new ones are counted only.
 */
import { describeError } from '../core/errors.js'
import { EVENT_LAG_MS } from './attribution.js'
import { CLIENT_NAME as GUARD_CLIENT_NAME, sleep, withTimeout, type RedisClient, type RedisConnection } from '../redis/connection.js'

export const DEFAULT_FIRST_SEEN_CAP = 100_000
/** The connection's name in CLIENT LIST (with this process's id, so the end of the step can wait for it to be gone). */
export const FIRST_SEEN_CLIENT_NAME = `${GUARD_CLIENT_NAME}:first-seen:${process.pid}`
/** Names asked per round: a round is one pipelined write and one read. */
const ROUND_KEYS = 2000
/** Names waiting for a round, at most; past it, pushes are counted as not followed. */
const MAX_PENDING = 200_000
const KEYSPACE_REFRESH_MS = 1000
const MAX_BACKOFF_MS = 2000
/**
 * Rounds start at most this often: a write-heavy step sends a push per event-loop turn of Redis,
 * and a round per push would cost the guard (and the 2 cores a CI runner has) a round trip each.
 * Names pushed meanwhile wait and are asked together; a key's time stays its first push.
 */
const MIN_ROUND_GAP_MS = 20
/**
 * The recorder's heartbeat. A push is read in the first turn of this process's event loop after it
 * arrives, so it arrived after the turn before the last heartbeat: `at - beats[0]` bounds how long
 * it waited. On a quiet machine that is ~2 beats, under EVENT_LAG_MS; on a busy CI runner this
 * process can wait hundreds of ms for a core, and a key's time must then be that much wider, or
 * a write at the end of one test would be named, as certain, as the next test's.
 */
const BEAT_MS = 10
/** Distinct push times with a wider lag kept, at most (each is one entry: a stall covers a burst). */
const MAX_LAGS = 100_000

/** A span of the step in which keys were not followed, and why. */
export interface UnobservedSpan {
  /** Epoch ms. */
  from: number
  /** Epoch ms; the end of the recording when it never came back. */
  to: number
  reason: string
}

/** What the recording found. */
export interface FirstSeenResult {
  /** Keys that exist (`db\nkey`, key as a byte string) → epoch ms of their birth. */
  times: Map<string, number>
  /** Keys born past the cap, or pushes past the pending bound: counted, not named. */
  dropped: number
  /** Spans in which the connection was down (killed by the suite, a restart): keys born then have no time. */
  unobserved: UnobservedSpan[]
  /** The longest round (push to answer), ms: how far a birth may lie after the time given. */
  roundMs: number
  /**
   * Birth times (as in `times`) whose push may have waited longer than EVENT_LAG_MS to be read
   * (this process was not scheduled), with that bound in ms: the write was at most this much earlier.
   */
  lags: Map<number, number>
}

/** Per DB, the keys the recorder knows exist, with their birth. */
type Live = Map<number, Map<string, number>>

export class FirstSeenRecorder {
  private readonly live: Live = new Map()
  /** Names pushed once since they were last known absent, not asked about: their birth, DB not known. */
  private readonly once = new Map<string, number>()
  /** Names pushed since their last round → the first push's time. */
  private pending = new Map<string, number>()
  /** Names to ask again without a new push (after a flush or a reconnect): a live key keeps its birth. */
  private recheck = new Set<string>()
  /** Names found in no known DB once, asked again after a fresh INFO keyspace. */
  private readonly retried = new Set<string>()
  private dbs: number[]
  private dbsAt = 0
  private finalDbs: number[] | null = null
  private dropped = 0
  private roundMs = 0
  private inRound = false
  private lastRoundAt = 0
  private waiting: NodeJS.Timeout | null = null
  private stopped = false
  /** stop() waits for the last round: no gap between rounds then. */
  private stopping = false
  private size = 0
  private readonly unobserved: UnobservedSpan[] = []
  private down: { from: number; reason: string } | null = null
  private reconnecting: Promise<void> | null = null
  private idle: (() => void) | null = null
  /** The last two heartbeats (epoch ms), older first. */
  private beats: [number, number]
  private readonly beat: NodeJS.Timeout
  private readonly lags = new Map<number, number>()

  private constructor(
    private client: RedisClient,
    private readonly conn: RedisConnection,
    private readonly cap: number,
    private readonly now: () => number,
    private readonly timeoutMs: number,
    dbs: number[]
  ) {
    this.dbs = dbs
    this.dbsAt = now()
    this.beats = [this.dbsAt, this.dbsAt]
    this.beat = setInterval(() => (this.beats = [this.beats[1], this.now()]), BEAT_MS)
    this.beat.unref()
  }

  /**
   * Opens the tracking connection; returns the recorder, or why it cannot record (a server before
   * 6.0 without RESP3 or tracking, an ACL that refuses CLIENT TRACKING): then first-seen times are
   * unknown, which the report says; it is no failure of the step.
   */
  static async start(conn: RedisConnection, opts: { maxKeys?: number; now?: () => number; timeoutMs?: number } = {}): Promise<FirstSeenRecorder | { unavailable: string }> {
    const timeout = opts.timeoutMs ?? 5000
    const now = opts.now ?? Date.now
    let client: RedisClient
    try {
      client = await openTracking(conn, timeout)
    } catch (err) {
      return { unavailable: err instanceof Unavailable ? err.message : `the key-tracking connection failed (${describeError(err)})` }
    }
    let dbs: number[]
    try {
      dbs = dbsWithKeys(await conn.info('keyspace'), conn.target.db)
    } catch {
      dbs = [conn.target.db]
    }
    const recorder = new FirstSeenRecorder(client, conn, opts.maxKeys ?? DEFAULT_FIRST_SEEN_CAP, now, timeout, dbs)
    recorder.listen(client)
    return recorder
  }

  private listen(client: RedisClient): void {
    // node-redis hands each name of an invalidate push on its own (null for a flush). Names come
    // decoded as UTF-8 strings: turned back into their bytes, read as latin1 like every key name here.
    client.on('invalidate', (key: unknown) => {
      const name = key === null ? null : Buffer.isBuffer(key) ? key : Buffer.from(String(key), 'utf8')
      this.onPush(['invalidate', name === null ? null : [name]])
    })
    client.on('error', (err: unknown) => this.lost(client, err))
  }

  private onPush(value: unknown): void {
    if (!Array.isArray(value) || value.length < 2 || String(value[0]) !== 'invalidate') return
    const at = this.now()
    const lag = at - this.beats[0]
    if (lag > EVENT_LAG_MS && this.lags.size < MAX_LAGS) this.lags.set(at, Math.max(lag, this.lags.get(at) ?? 0))
    if (value[1] === null) {
      // A flush: every key may be gone. Each known one is asked again; one that is still there keeps its birth.
      for (const keys of this.live.values()) for (const k of keys.keys()) this.recheck.add(k)
      for (const [k, t] of this.once) if (!this.pending.has(k)) this.pending.set(k, t)
    } else if (Array.isArray(value[1])) {
      for (const raw of value[1]) {
        const key = Buffer.isBuffer(raw) ? raw.toString('latin1') : String(raw)
        if (this.pending.has(key)) continue
        // The first push for a name not known to exist: a key new to the step can only have been
        // created by it (a deletion or expiry needs the key to exist), so it is the birth, without
        // asking. Only a name pushed again is asked about (was it deleted in between?).
        if (!this.once.has(key) && !this.isLive(key)) {
          if (this.size >= this.cap) this.dropped++
          else {
            this.once.set(key, at)
            this.size++
          }
          continue
        }
        if (this.pending.size >= MAX_PENDING) {
          this.dropped++
          continue
        }
        this.pending.set(key, at)
      }
    }
    this.kick()
  }

  /** Starts a round unless one is running (then the names wait for the next: a burst of writes costs one round). */
  private kick(): void {
    if (this.inRound || this.down !== null || this.waiting !== null) return
    if (this.pending.size === 0 && this.recheck.size === 0) {
      this.idle?.()
      return
    }
    const wait = this.lastRoundAt + MIN_ROUND_GAP_MS - this.now()
    if (wait > 0 && !this.stopping) {
      this.waiting = setTimeout(() => {
        this.waiting = null
        this.kick()
      }, wait)
      return
    }
    this.lastRoundAt = this.now()
    this.inRound = true
    void this.round().finally(() => {
      this.inRound = false
      this.kick()
    })
  }

  private async round(): Promise<void> {
    const batch: [string, number | null][] = []
    for (const [k, t] of this.pending) {
      if (batch.length >= ROUND_KEYS) break
      batch.push([k, t])
      this.pending.delete(k)
      this.recheck.delete(k)
    }
    for (const k of this.recheck) {
      if (batch.length >= ROUND_KEYS) break
      batch.push([k, null])
      this.recheck.delete(k)
    }
    const client = this.client
    const send = (args: string[]): Promise<unknown> => client.sendCommand(args.map((a) => Buffer.from(a, 'latin1')))
    try {
      if (this.now() - this.dbsAt >= KEYSPACE_REFRESH_MS) {
        this.dbsAt = this.now()
        this.dbs = dbsWithKeys(String(await withTimeout(send(['INFO', 'keyspace']), this.timeoutMs, 'INFO keyspace')), this.conn.target.db)
      }
      const started = Math.min(...batch.map(([, t]) => t ?? Infinity), this.now())
      const replies: Promise<unknown>[] = []
      // One write: a SELECT per DB (the connection starts in the target's DB), a probe per name.
      for (const [i, db] of this.dbs.entries()) {
        if (this.dbs.length > 1 || db !== this.conn.target.db) replies.push(send(['SELECT', String(db)]))
        for (const [k] of batch) replies.push(send(['MEMORY', 'USAGE', k, 'SAMPLES', '1']).catch(() => null))
        if (i === this.dbs.length - 1 && db !== this.conn.target.db) replies.push(send(['SELECT', String(this.conn.target.db)]))
      }
      const answers = await withTimeout(Promise.all(replies), this.timeoutMs, 'the key-tracking round')
      this.roundMs = Math.max(this.roundMs, this.now() - started)
      let at = 0
      const somewhere = new Set<string>()
      for (const db of this.dbs) {
        if (this.dbs.length > 1 || db !== this.conn.target.db) at++
        for (const [k, t] of batch) {
          const exists = answers[at++] !== null
          if (exists) somewhere.add(k)
          this.found(db, k, t, exists)
        }
      }
      // A written key found in no DB we know may be in a DB that had no keys until now: asked once
      // more after a fresh INFO keyspace (a key deleted since is simply absent again).
      for (const [k, t] of batch) {
        if (somewhere.has(k)) this.retried.delete(k)
        if (somewhere.has(k) || t === null || this.retried.delete(k)) {
          if (this.once.delete(k)) this.size--
          continue
        }
        this.retried.add(k)
        if (!this.pending.has(k)) this.pending.set(k, t)
        this.dbsAt = 0
      }
    } catch (err) {
      // The names go back for the next round, after the reconnect.
      for (const [k, t] of batch) if (t === null) this.recheck.add(k)
      else if (!this.pending.has(k)) this.pending.set(k, t)
      this.lost(client, err)
    }
  }

  /** Whether a name is known to exist in some DB. */
  private isLive(key: string): boolean {
    for (const keys of this.live.values()) if (keys.has(key)) return true
    return false
  }

  /** A key found present or absent; `pushedAt` null for a recheck (no new write seen). */
  private found(db: number, key: string, pushedAt: number | null, exists: boolean): void {
    let keys = this.live.get(db)
    if (!exists) {
      if (keys?.delete(key)) this.size--
      return
    }
    if (keys?.has(key)) return
    // Its birth: the first push since it was last known absent (kept in `once` until asked).
    const born = this.once.get(key) ?? pushedAt
    // A recheck that finds a key we did not know: born while we could not see (a gap); no time.
    if (born === null) return
    // A name moving from `once` frees its place there after the round.
    if (this.size >= this.cap && !this.once.has(key)) {
      this.dropped++
      return
    }
    if (!keys) this.live.set(db, (keys = new Map()))
    keys.set(key, born)
    this.size++
  }

  /** The connection went away (CLIENT KILL, a restart, a timeout): note since when, and reconnect. */
  private lost(client: RedisClient, err: unknown): void {
    if (this.stopped || client !== this.client || this.down !== null) return
    this.down = { from: this.now(), reason: describeLoss(err) }
    try {
      client.destroy()
    } catch {
      // already closed
    }
    this.reconnecting = this.reconnect()
  }

  private async reconnect(): Promise<void> {
    for (let delay = 50; !this.stopped; delay = Math.min(delay * 2, MAX_BACKOFF_MS)) {
      await sleep(delay)
      if (this.stopped) return
      try {
        const client = await openTracking(this.conn, this.timeoutMs)
        if (this.stopped) {
          client.destroy()
          return
        }
        this.client = client
        this.listen(client)
        const down = this.down as { from: number; reason: string }
        this.unobserved.push({ from: down.from, to: this.now(), reason: down.reason })
        this.down = null
        // What changed while away is unknown: every live key is asked again, new ones have no time.
        for (const keys of this.live.values()) for (const k of keys.keys()) this.recheck.add(k)
        this.kick()
        return
      } catch {
        // try again, until stop()
      }
    }
  }

  /** When `key` (a byte string) of `db` was born, epoch ms, or null when not recorded. */
  firstSeen(db: number, key: string): number | null {
    return this.live.get(db)?.get(key) ?? this.once.get(key) ?? null
  }

  /** Waits (up to a second) for the pushes already sent to be asked about, then closes. Never throws. */
  async stop(): Promise<FirstSeenResult> {
    // Pushes for the last writes come at the server's next event loop turn: a PING's answer comes after them.
    this.stopping = true
    clearInterval(this.beat)
    if (this.waiting !== null) {
      clearTimeout(this.waiting)
      this.waiting = null
    }
    if (this.down === null) {
      try {
        await withTimeout(this.client.sendCommand(['PING']), 1000, 'PING')
        this.kick()
        if (this.inRound || this.pending.size > 0 || this.recheck.size > 0) {
          await withTimeout(new Promise<void>((resolve) => (this.idle = resolve)), 1000, 'the last key-tracking round')
        }
      } catch {
        // what was asked is kept; the rest stays without a time
      }
    }
    if (this.down === null) {
      try {
        this.finalDbs = dbsWithKeys(String(await withTimeout(this.client.sendCommand(['INFO', 'keyspace']), 1000, 'INFO keyspace')), this.conn.target.db)
      } catch {
        // the DBs known so far
      }
    }
    this.stopped = true
    if (this.down !== null) this.unobserved.push({ from: this.down.from, to: this.now(), reason: this.down.reason })
    try {
      await withTimeout(this.client.close(), 1000, 'close')
    } catch {
      try {
        this.client.destroy()
      } catch {
        // already closed
      }
    }
    await this.reconnecting
    const times = new Map<string, number>()
    // A name pushed once has its birth in whichever DB holds it: given for every DB with keys (only keys that exist are looked up).
    const dbs = this.finalDbs ?? this.dbs
    for (const [k, t] of this.once) for (const db of dbs) times.set(`${db}\n${k}`, t)
    for (const [db, keys] of this.live) for (const [k, t] of keys) times.set(`${db}\n${k}`, t)
    const lags = new Map<number, number>()
    for (const t of times.values()) {
      const lag = this.lags.get(t)
      if (lag !== undefined) lags.set(t, lag)
    }
    return { times, dropped: this.dropped, unobserved: this.unobserved, roundMs: this.roundMs, lags }
  }
}

class Unavailable extends Error {}

/** A RESP3 connection named FIRST_SEEN_CLIENT_NAME with broadcast tracking on. */
async function openTracking(conn: RedisConnection, timeoutMs: number): Promise<RedisClient> {
  let client: RedisClient
  try {
    // RESP3 (HELLO 3) so that invalidations come as pushes on this very connection: no REDIRECT to
    // a second one subscribed to __redis__:invalidate, which the suite would see in PUBSUB CHANNELS.
    client = await conn.duplicate(`first-seen:${process.pid}`, timeoutMs, { RESP: 3, emitInvalidate: true })
  } catch (err) {
    // node-redis turns tracking on in its handshake: a user without client|tracking is refused there.
    if (/tracking/i.test(describeError(err))) throw new Unavailable(`CLIENT TRACKING ON BCAST was refused (${describeError(err)}), so keys have no first-seen time`)
    if (/unknown command|HELLO|NOPROTO/i.test(describeError(err))) {
      throw new Unavailable(`this server does not speak RESP3 (HELLO 3: ${describeError(err)}); key tracking needs Redis 6.0+, so keys have no first-seen time`)
    }
    throw err
  }
  try {
    // node-redis's emitInvalidate turns on key-based tracking in its handshake (CLIENT TRACKING ON);
    // the server switches a client to broadcast mode only from off.
    await withTimeout(client.sendCommand(['CLIENT', 'TRACKING', 'OFF']), timeoutMs, 'CLIENT TRACKING OFF')
    await withTimeout(client.sendCommand(['CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP']), timeoutMs, 'CLIENT TRACKING')
  } catch (err) {
    client.destroy()
    throw new Unavailable(`CLIENT TRACKING ON BCAST was refused (${describeError(err)}), so keys have no first-seen time`)
  }
  return client
}

/** The DBs that INFO keyspace lists, and the target's own. */
export function dbsWithKeys(keyspace: string, own: number): number[] {
  const dbs = new Set<number>([own])
  for (const m of keyspace.matchAll(/^db(\d+):keys=/gm)) dbs.add(Number(m[1]))
  return [...dbs].sort((a, b) => a - b)
}

/** Why the connection went: CLIENT KILL shows as the server closing the socket. */
function describeLoss(err: unknown): string {
  const text = describeError(err)
  if (/closed unexpectedly|ECONNRESET|EPIPE/i.test(text)) return 'the server closed the guard\'s key-tracking connection (CLIENT KILL by the suite, a restart or a timeout)'
  return `the guard's key-tracking connection failed (${text})`
}
