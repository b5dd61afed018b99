/**
 * Hand-written on purpose (issue 23's one exception to node-redis): bench/scan-client.sh runs this
 * path and node-redis (@redis/client, auto-pipelined sendCommand) over the same keys, interleaved,
 * and node-redis took 1.8× the wall time and 4.9× our CPU (300,000 keys; the bench prints the
 * figures). Everything else in the guard connects through redis/connection.ts.
 *
 * The lean pipelined scan: a socket of its own (node:net, or node:tls for rediss://), commands
 * written as hand-built RESP, one Buffer per batch, and a small streaming RESP parser for the
 * replies. It skips the client's per-command work (a promise, a queue entry and an encoder call
 * per MEMORY USAGE), which costs more CPU than Redis spends on the command itself.
 *
 * Batches overlap: the SCAN reply for batch k starts with the cursor, and `SCAN next COUNT n`
 * goes out as soon as that cursor is read (the parser's onHead), before batch k's names are read;
 * then one `MEMORY USAGE` per key of batch k. Redis answers that SCAN first, so it always has a
 * batch to walk while we read and count the last one, and at most MAX_AHEAD are read ahead.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { hostPort, type RedisTarget } from '../redis/target.js'
import { formatDuration } from '../core/size.js'
import { encodeCommand, ProtocolError, ReplyError, RespParser, type RespValue } from './resp.js'

export { encodeCommand, ProtocolError, ReplyError, RespParser, type RespValue }

/** Batches read ahead of the caller at most; then the next SCAN waits, so memory stays bounded. */
const MAX_AHEAD = 4

const MEMORY_USAGE = '*3\r\n$6\r\nMEMORY\r\n$5\r\nUSAGE\r\n$'

/** `SCAN cursor COUNT n` (when `cursor` is not null) and one `MEMORY USAGE key` per key, in one Buffer. */
export function encodeBatch(cursor: string | null, count: string, keys: string[]): Buffer {
  // Built as one string and written by one latin1 encode: names are byte strings (one char a
  // byte), and V8 joins strings faster than a loop stores bytes one by one (bench: ~75 against
  // ~150 ns a key).
  let text = ''
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]
    text += MEMORY_USAGE + k.length + '\r\n' + k + '\r\n'
  }
  const commands = Buffer.from(text, 'latin1')
  return cursor === null ? commands : Buffer.concat([encodeCommand(['SCAN', cursor, 'COUNT', count]), commands])
}

/** One batch: key names as byte strings (prefix.ts), their MEMORY USAGE (0 without it) and the cursor after them. */
export interface Batch {
  cursor: string
  keys: string[]
  bytes: ArrayLike<number>
  /** Per key, how it was measured when a chooser picked the keys (sampling.ts): 0 not (bytes -1), 1 for the sample, 2 exactly. Absent: every key exactly. */
  how?: Uint8Array
  /** With a chooser: each key's prefix as it computed it (unset for keys it was not asked about). */
  prefixes?: string[]
}

/** Picks the keys whose MEMORY USAGE is asked (see SampleChooser.choose); `lastPrefix` is the prefix of the key it last chose for. */
export interface MeasureChooser {
  choose(key: string): 0 | 1 | 2
  readonly lastPrefix: string
}

interface Expect {
  /** Replies still to come for this entry. */
  left: number
  on: (value: RespValue) => void
  /** A SCAN's reply: its cursor (the reply's head) lets the next SCAN go out before the keys are read. */
  scan?: true
}

interface Slot {
  batch: Batch
  done: boolean
}

/**
 * A raw connection that scans one DB at a time. Any failure (socket, timeout, an error reply to
 * SCAN, a reply of the wrong shape) closes the socket and makes `next()` reject; the caller falls
 * back from the last batch it got.
 */
export class RawScanner {
  private readonly queue: Expect[] = []
  private readonly parser: RespParser
  private failure: Error | null = null
  private slots: Slot[] = []
  private scanInFlight = false
  /** The cursor of a SCAN held back while the caller is MAX_AHEAD batches behind. */
  private deferred: string | null = null
  private stopped = false
  private wake: (() => void) | null = null
  private count = '1000'
  private memory = true
  private choose: MeasureChooser | null = null
  /** Rejects the pending `call`, if any, when the connection fails. */
  private failed: ((err: Error) => void) | null = null
  /** The next SCAN went out when the cursor of the reply being read arrived (see onHead). */
  private sentAhead = false

  private constructor(
    private readonly socket: Socket,
    private readonly timeoutMs: number,
    /** host:port, for the one line that says what the server sent. */
    private readonly where: string
  ) {
    this.parser = new RespParser((v) => this.reply(v), { onHead: (first) => this.onHead(first) })
    socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.push(chunk)
      } catch (err) {
        // Bytes no Redis sends: said once, naming the server, and not taken for a reason to try another path.
        this.fail(err instanceof ProtocolError ? new ProtocolError(`${this.where}: ${err.message}`) : err instanceof Error ? err : new Error(String(err)))
      }
    })
    socket.on('error', (err) => this.fail(err))
    socket.on('close', () => this.fail(new Error('Redis closed the connection')))
  }

  /**
   * Connects (TLS for rediss://), authenticates and names itself (`name`; null for a user that may
   * not run CLIENT SETNAME), within `timeoutMs`.
   */
  static async open(target: RedisTarget, timeoutMs: number, name: string | null = null): Promise<RawScanner> {
    const { socket, ready } = openSocket(target, timeoutMs)
    const scanner = new RawScanner(socket, timeoutMs, hostPort(target))
    try {
      await scanner.bounded(ready, 'connect')
      const auth = authCommand(target)
      // The password is sent as UTF-8 bytes, as node-redis sends it.
      if (auth) await scanner.call(auth.map((a) => Buffer.from(a, 'utf8').toString('latin1')), 'AUTH')
      if (name !== null) await scanner.call(['CLIENT', 'SETNAME', name], 'CLIENT SETNAME')
    } catch (err) {
      scanner.close()
      throw err
    }
    return scanner
  }

  /** Sends one command and waits for its reply; an error reply rejects. */
  async call(args: string[], what = args[0]): Promise<RespValue> {
    if (this.failure) throw this.failure
    const reply = new Promise<RespValue>((resolve, reject) => {
      this.queue.push({ left: 1, on: (v) => (v instanceof ReplyError ? reject(v) : resolve(v)) })
      this.failed = reject
    })
    this.socket.write(encodeCommand(args))
    return this.bounded(reply, what)
  }

  /** Selects `db` and starts scanning it from `cursor`; batches come from `next()`. */
  async start(db: number, cursor: string, count: string, memory: boolean, choose: MeasureChooser | null = null): Promise<void> {
    if (this.failure) throw this.failure
    this.slots = []
    this.deferred = null
    this.stopped = false
    this.sentAhead = false
    this.count = count
    this.memory = memory
    this.choose = choose
    await this.call(['SELECT', String(db)])
    this.sendScan(cursor)
  }

  /** Asks for no further SCAN; batches already asked for still come. */
  stop(): void {
    this.stopped = true
  }

  /** The next batch in SCAN order, or null when the DB is done (or stopped and drained). */
  async next(): Promise<Batch | null> {
    const started = Date.now()
    for (;;) {
      if (this.failure) throw this.failure
      const head = this.slots[0]
      if (head?.done) {
        this.slots.shift()
        if (this.deferred !== null && !this.stopped && this.slots.length < MAX_AHEAD) {
          const cursor = this.deferred
          this.deferred = null
          this.sendScan(cursor)
        }
        return head.batch
      }
      if (!head && !this.scanInFlight) return null
      const left = this.timeoutMs - (Date.now() - started)
      if (left <= 0) {
        this.fail(new Error(`a key-scan batch from Redis timed out after ${formatDuration(this.timeoutMs)}`))
        continue
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.wake = () => {
          clearTimeout(timer)
          resolve()
        }
      })
      this.wake = null
    }
  }

  /** Closes the socket at once; never throws. */
  close(): void {
    this.stopped = true
    this.socket.destroy()
  }

  private sendScan(cursor: string): void {
    this.scanInFlight = true
    this.queue.push({ left: 1, on: (v) => this.onScan(v), scan: true })
    this.socket.write(encodeCommand(['SCAN', cursor, 'COUNT', this.count]))
  }

  /**
   * The first element of a reply, before the rest of it is read: for a SCAN, its cursor. The next
   * SCAN goes out now, so Redis walks the next batch while this one's key names are still being
   * read and counted here (when a batch is all Redis sends, the two would otherwise take turns).
   */
  private onHead(first: RespValue): void {
    const head = this.queue[0]
    if (!head?.scan || typeof first !== 'string' || first === '0' || this.stopped) return
    // The batch being read takes a slot: past MAX_AHEAD, onScan defers the next SCAN instead.
    if (this.slots.length + 1 >= MAX_AHEAD) return
    this.sentAhead = true
    this.queue.push({ left: 1, on: (r) => this.onScan(r), scan: true })
    this.socket.write(encodeCommand(['SCAN', first, 'COUNT', this.count]))
  }

  private onScan(v: RespValue): void {
    this.scanInFlight = false
    if (v instanceof ReplyError) throw v
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || !Array.isArray(v[1])) throw new Error('Redis gave an unexpected SCAN reply')
    const cursor = v[0]
    const keys = v[1] as string[]
    for (const k of keys) if (typeof k !== 'string') throw new Error('Redis gave an unexpected SCAN reply')
    const bytes = new Float64Array(keys.length)
    const slot: Slot = { batch: { cursor, keys, bytes }, done: false }
    // With a chooser, only the keys it picks are measured; the others keep -1 (MEMORY USAGE is never negative).
    let measured = keys
    let at: Uint32Array | null = null
    if (this.memory && this.choose && keys.length > 0) {
      const how = new Uint8Array(keys.length)
      const prefixes = new Array<string>(keys.length)
      at = new Uint32Array(keys.length)
      measured = []
      for (let j = 0; j < keys.length; j++) {
        how[j] = this.choose.choose(keys[j])
        prefixes[j] = this.choose.lastPrefix
        if (how[j] === 0) bytes[j] = -1
        else {
          at[measured.length] = j
          measured.push(keys[j])
        }
      }
      slot.batch.how = how
      slot.batch.prefixes = prefixes
    }
    this.slots.push(slot)
    // Sent already when the cursor arrived (onHead): then it is in flight and queued before this batch's MEMORY USAGE.
    const ahead = this.sentAhead
    this.sentAhead = false
    let more = cursor !== '0' && !this.stopped && !ahead
    if (more && this.slots.length >= MAX_AHEAD) {
      this.deferred = cursor
      more = false
    }
    if (ahead) this.scanInFlight = true
    if (more) {
      this.scanInFlight = true
      this.queue.push({ left: 1, on: (r) => this.onScan(r), scan: true })
    }
    const measure = this.memory && measured.length > 0
    if (measure) {
      let i = 0
      const n = measured.length
      this.queue.push({
        left: n,
        on: (r) => {
          // A key deleted since SCAN (null) or an error counts 0 bytes, as on the other paths.
          bytes[at === null ? i : at[i]] = typeof r === 'number' ? r : 0
          if (++i === n) {
            slot.done = true
            this.wake?.()
          }
        }
      })
    } else {
      slot.done = true
    }
    if (more || measure) this.socket.write(encodeBatch(more ? cursor : null, this.count, measure ? measured : []))
    this.wake?.()
  }

  private reply(v: RespValue): void {
    const head = this.queue[0]
    if (!head) throw new Error('Redis sent a reply nobody asked for')
    if (--head.left === 0) this.queue.shift()
    head.on(v)
  }

  private fail(err: Error): void {
    if (this.failure) return
    this.failure = err
    this.stopped = true
    this.socket.destroy()
    this.failed?.(err)
    this.wake?.()
  }

  private async bounded<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new Error(`${what} to Redis timed out after ${formatDuration(this.timeoutMs)}`)
        this.fail(err)
        reject(err)
      }, this.timeoutMs)
    })
    try {
      return await Promise.race([promise, timeout])
    } finally {
      clearTimeout(timer)
    }
  }
}

/**
 * Opens the socket at once (listeners can be attached before it is up); `ready` resolves once it
 * is connected (and the TLS handshake done), rejects on an error, on a close, or after `timeoutMs`.
 */
function openSocket(target: RedisTarget, timeoutMs: number): { socket: Socket; ready: Promise<void> } {
  const socket = target.tls
    ? tlsConnect({ host: target.host, port: target.port, ...(isIP(target.host) ? {} : { servername: target.host }), ...target.tlsOptions })
    : netConnect({ host: target.host, port: target.port })
  socket.setNoDelay(true)
  const ready = new Promise<void>((resolve, reject) => {
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error('Connection timeout')))
    socket.once(target.tls ? 'secureConnect' : 'connect', () => {
      socket.setTimeout(0)
      resolve()
    })
    socket.once('error', reject)
    socket.once('close', () => reject(new Error('Socket closed unexpectedly')))
  })
  // A rejection nobody awaits yet (the caller attaches its handlers first) is not an unhandled one.
  ready.catch(() => {})
  return { socket, ready }
}

/** AUTH as the URL asks (a user without a password authenticates with an empty one, as node-redis did), or null. */
function authCommand(target: RedisTarget): string[] | null {
  if (target.username === null && target.password === null) return null
  return target.username === null ? ['AUTH', target.password ?? ''] : ['AUTH', target.username, target.password ?? '']
}
