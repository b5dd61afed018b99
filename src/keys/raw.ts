/**
 * The lean pipelined scan: a socket of its own (node:net, or node:tls for rediss://), commands
 * written as hand-built RESP, one Buffer per batch, and a small streaming RESP parser for the
 * replies. It skips node-redis's per-command work (a promise, a queue entry and an encoder call
 * per MEMORY USAGE), which costs more CPU than Redis spends on the command itself.
 *
 * Batches overlap: the SCAN reply for batch k brings the cursor, so the next Buffer holds
 * `SCAN next COUNT n` followed by one `MEMORY USAGE` per key of batch k. Redis answers that SCAN
 * first, and the Buffer after it is written while Redis still measures batch k, so Redis always
 * has a batch queued and at most two are in flight.
 */
import { connect as netConnect, isIP, type Socket } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import type { RedisTarget } from '../redis/target.js'
import { formatDuration } from '../size.js'

/** An error reply from Redis (`-ERR ...`). */
export class ReplyError extends Error {}

/** A RESP2 reply: bulk and simple strings as latin1 strings (byte strings), integers, nulls, errors, arrays. */
export type RespValue = string | number | null | ReplyError | RespValue[]

const CR = 13

type Latin1Slice = (this: Buffer, start: number, end: number) => string
/**
 * Buffer's own latin1 decoder without `toString`'s argument checks and encoding lookup, which cost
 * more than the decoding of a short key name; `toString` where a runtime lacks it.
 */
const nativeLatin1 = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice
const latin1: (buf: Buffer, start: number, end: number) => string =
  typeof nativeLatin1 === 'function' ? (buf, start, end) => nativeLatin1.call(buf, start, end) : (buf, start, end) => buf.toString('latin1', start, end)

/** An array being filled while its elements arrive. */
interface OpenArray {
  out: RespValue[]
  at: number
}

/**
 * Streaming RESP2 parser: feed it chunks as they come; it calls `onReply` for each whole reply.
 * It resumes where the last chunk ended: elements already read are kept (the arrays being filled
 * are a stack), so a SCAN reply spread over several socket reads is read once, not again from its
 * start with every chunk.
 */
export class RespParser {
  private rest: Buffer | null = null
  private readonly open: OpenArray[] = []

  /**
   * `onHead`, when given, hears the first element of a top-level array as soon as it is read, before
   * the rest of the array has arrived: a SCAN reply's cursor, so the next SCAN can go out at once.
   */
  constructor(
    private readonly onReply: (value: RespValue) => void,
    private readonly onHead: ((first: RespValue) => void) | null = null
  ) {}

  push(chunk: Buffer): void {
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk])
    const size = buf.length
    const open = this.open
    let at = 0
    this.rest = null
    while (at < size) {
      const top = open.length > 0 ? open[open.length - 1] : null
      let value: RespValue
      if (top !== null && buf[at] === 36) {
        // The elements of an array are bulk strings most of the time (a SCAN reply's key names):
        // read as many as are whole here, without a call per element.
        const out = top.out
        const n = out.length
        let i = top.at
        const head = i === 0 && open.length === 1 && this.onHead !== null
        while (i < n && at < size && buf[at] === 36) {
          const next = bulkEnd(buf, at, size)
          if (next === 0) break
          // bulkEnd leaves the string's bounds in `bulkFrom` / `bulkTo`; -1 is a null bulk.
          out[i++] = bulkFrom < 0 ? null : latin1(buf, bulkFrom, bulkTo)
          at = next
        }
        top.at = i
        if (head && i > 0) this.onHead?.(out[0])
        if (i < n) {
          if (at < size && buf[at] !== 36) continue
          break
        }
        open.pop()
        value = out
      } else {
        const type = buf[at]
        const end = lineEnd(buf, at + 1, size)
        if (end < 0) break
        if (type === 42) {
          // '*' array: its elements follow.
          const n = int(buf, at + 1, end)
          at = end + 2
          if (n < 0) value = null
          else if (n === 0) value = []
          else {
            open.push({ out: new Array<RespValue>(n), at: 0 })
            continue
          }
        } else if (type === 36) {
          const next = bulkEnd(buf, at, size)
          if (next === 0) break
          value = bulkFrom < 0 ? null : latin1(buf, bulkFrom, bulkTo)
          at = next
        } else if (type === 58) {
          // ':' integer
          value = int(buf, at + 1, end)
          at = end + 2
        } else if (type === 43) {
          // '+' simple string
          value = latin1(buf, at + 1, end)
          at = end + 2
        } else if (type === 45) {
          // '-' error
          value = new ReplyError(buf.toString('utf8', at + 1, end))
          at = end + 2
        } else {
          throw new Error(`Redis sent a reply of unknown type ${JSON.stringify(String.fromCharCode(type))}`)
        }
      }
      // A whole value: into the array it belongs to (closing the arrays it fills), or out.
      for (;;) {
        const parent = open.length > 0 ? open[open.length - 1] : null
        if (parent === null) {
          this.onReply(value)
          break
        }
        parent.out[parent.at++] = value
        if (parent.at < parent.out.length) break
        open.pop()
        value = parent.out
      }
    }
    if (at < size) this.rest = buf.subarray(at)
  }

  /** Bytes received but not yet a whole reply. */
  get pending(): number {
    return this.rest?.length ?? 0
  }
}

/** The index of the CR that ends the line starting at `from`, or -1 when the line is not whole yet. */
function lineEnd(buf: Buffer, from: number, size: number): number {
  // A loop, not indexOf: lines are a few bytes, and a native call per reply costs more.
  let end = from
  while (end < size && buf[end] !== CR) end++
  if (end + 1 >= size) return -1
  if (buf[end + 1] !== 10) throw new Error('Redis sent a malformed reply (CR without LF)')
  return end
}

function int(buf: Buffer, from: number, end: number): number {
  let i = from
  let neg = false
  if (buf[i] === 45) {
    neg = true
    i++
  }
  if (i >= end) throw new Error('Redis sent a malformed reply (empty number)')
  let n = 0
  for (; i < end; i++) {
    const d = buf[i] - 48
    if (d < 0 || d > 9) throw new Error('Redis sent a malformed reply (bad number)')
    n = n * 10 + d
  }
  return neg ? -n : n
}

/** Where bulkEnd found the string: its first byte, and the byte after it; bulkFrom -1 for a null bulk. */
let bulkFrom = 0
let bulkTo = 0

/** The bulk string (`$len CRLF bytes CRLF`) at `at`: the index after it (0 when not whole yet), its bounds in bulkFrom/bulkTo. */
function bulkEnd(buf: Buffer, at: number, size: number): number {
  const end = lineEnd(buf, at + 1, size)
  if (end < 0) return 0
  const len = int(buf, at + 1, end)
  if (len < 0) {
    bulkFrom = -1
    return end + 2
  }
  const from = end + 2
  if (from + len + 2 > size) return 0
  if (buf[from + len] !== CR || buf[from + len + 1] !== 10) throw new Error('Redis sent a malformed reply (bulk string)')
  bulkFrom = from
  bulkTo = from + len
  return from + len + 2
}

/** One command as RESP; arguments are byte strings (latin1), so binary key names pass unchanged. */
export function encodeCommand(args: string[]): Buffer {
  let size = 16
  for (const a of args) size += a.length + 16
  const out = Buffer.allocUnsafe(size)
  let at = out.write(`*${args.length}\r\n`, 0, 'latin1')
  for (const a of args) {
    at += out.write(`$${a.length}\r\n`, at, 'latin1')
    at += out.write(a, at, 'latin1')
    at += out.write('\r\n', at, 'latin1')
  }
  return out.subarray(0, at)
}

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
    private readonly timeoutMs: number
  ) {
    this.parser = new RespParser(
      (v) => this.reply(v),
      (first) => this.onHead(first)
    )
    socket.on('data', (chunk: Buffer) => {
      try {
        this.parser.push(chunk)
      } catch (err) {
        this.fail(err instanceof Error ? err : new Error(String(err)))
      }
    })
    socket.on('error', (err) => this.fail(err))
    socket.on('close', () => this.fail(new Error('Redis closed the connection')))
  }

  /** Connects (TLS for rediss://) and authenticates, within `timeoutMs`. */
  static async open(target: RedisTarget, timeoutMs: number): Promise<RawScanner> {
    const socket = target.tls
      ? tlsConnect({ host: target.host, port: target.port, ...(isIP(target.host) ? {} : { servername: target.host }) })
      : netConnect({ host: target.host, port: target.port })
    socket.setNoDelay(true)
    const scanner = new RawScanner(socket, timeoutMs)
    try {
      await scanner.bounded(
        new Promise<void>((resolve, reject) => {
          socket.once(target.tls ? 'secureConnect' : 'connect', () => resolve())
          socket.once('error', reject)
        }),
        'connect'
      )
      if (target.password !== null) {
        const auth = target.username === null ? ['AUTH', target.password] : ['AUTH', target.username, target.password]
        // The password is sent as UTF-8 bytes, as node-redis does.
        await scanner.call(auth.map((a) => Buffer.from(a, 'utf8').toString('latin1')), 'AUTH')
      }
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
