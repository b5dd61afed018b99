/**
 * RESP2 for the lean key scan (raw.ts) only: a streaming reply parser and a command encoder.
 * Every other connection is node-redis; why the scan keeps its own is said at the top of raw.ts.
 */

/** An error reply from Redis (`-ERR ...`). */
export class ReplyError extends Error {}

/**
 * Bytes no Redis would send (an absurd length, a line without LF, an unknown type): the other end
 * does not speak RESP, or the stream is out of step. Not worth another scan path on the same
 * server: the caller reports it in one line, naming the server (raw.ts adds its address).
 */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolError'
  }
}

/**
 * The most elements an array (or map) reply may announce. The key scan's largest replies are SCAN
 * batches of a few thousand names; 2^24 is far above any of them and far below the 2^32 - 1 where
 * `new Array(n)` itself throws ("Invalid array length"), so an absurd count is named, not crashed on.
 */
export const MAX_ARRAY_ELEMENTS = 2 ** 24
/** The longest bulk string: Redis's default proto-max-bulk-len (512 MB), about V8's longest string too. */
export const MAX_BULK_BYTES = 512 * 1024 * 1024

/**
 * A RESP2 reply: bulk and simple strings as latin1 strings (byte strings), integers, nulls, errors,
 * arrays; bulk strings as Buffers instead for a parser made with `bulkBuffers`.
 */
export type RespValue = string | number | null | ReplyError | Buffer | RespValue[]

const CR = 13

type Latin1Slice = (this: Buffer, start: number, end: number) => string
/**
 * Buffer's own latin1 decoder without `toString`'s argument checks and encoding lookup, which cost
 * more than the decoding of a short key name; `toString` where a runtime lacks it.
 */
const nativeLatin1 = (Buffer.prototype as unknown as { latin1Slice?: Latin1Slice }).latin1Slice
const latin1: (buf: Buffer, start: number, end: number) => string =
  typeof nativeLatin1 === 'function' ? (buf, start, end) => nativeLatin1.call(buf, start, end) : (buf, start, end) => buf.toString('latin1', start, end)

/** How a parser hands out what it reads. */
export interface ParserOptions {
  /** Bulk strings as Buffers of their own (copied out of the socket's chunk), not latin1 strings. */
  bulkBuffers?: boolean
  /**
   * Hears the first element of a top-level array as soon as it is read, before the rest of the
   * array has arrived: a SCAN reply's cursor, so the next SCAN can go out at once.
   */
  onHead?: (first: RespValue) => void
}

/** An array being filled while its elements arrive. */
interface OpenArray {
  out: RespValue[]
  at: number
  /** A RESP3 push (`>`): out-of-band data, not the reply to a command. */
  push: boolean
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

  private readonly onHead: ((first: RespValue) => void) | null
  private readonly bulk: (buf: Buffer, start: number, end: number) => RespValue

  constructor(
    private readonly onReply: (value: RespValue, push: boolean) => void,
    opts: ParserOptions = {}
  ) {
    this.onHead = opts.onHead ?? null
    this.bulk = opts.bulkBuffers ? (buf, start, end) => Buffer.from(buf.subarray(start, end)) : latin1
  }

  push(chunk: Buffer): void {
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk])
    const size = buf.length
    const open = this.open
    let at = 0
    this.rest = null
    while (at < size) {
      const top = open.length > 0 ? open[open.length - 1] : null
      let value: RespValue
      let push = false
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
          out[i++] = bulkFrom < 0 ? null : this.bulk(buf, bulkFrom, bulkTo)
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
        push = top.push
      } else {
        const type = buf[at]
        const end = lineEnd(buf, at + 1, size)
        if (end < 0) break
        if (type === 42 || type === 62 || type === 126 || type === 37) {
          // '*' array, '>' push, '~' set, '%' map (its keys and values, flat): the elements follow.
          const count = int(buf, at + 1, end)
          if (count < -1 || count > MAX_ARRAY_ELEMENTS) throw new ProtocolError(`the server's reply announced an array of ${count} elements: not a Redis reply?`)
          const n = count * (type === 37 ? 2 : 1)
          at = end + 2
          if (n < 0) value = null
          else if (n === 0) value = []
          else {
            open.push({ out: new Array<RespValue>(n), at: 0, push: type === 62 && open.length === 0 })
            continue
          }
        } else if (type === 61) {
          // '=' verbatim string: a bulk string whose first four bytes name its format (`txt:`).
          const next = bulkEnd(buf, at, size)
          if (next === 0) break
          value = this.bulk(buf, Math.min(bulkFrom + 4, bulkTo), bulkTo)
          at = next
        } else if (type === 95) {
          // '_' null
          value = null
          at = end + 2
        } else if (type === 35) {
          // '#' boolean, as the integer RESP2 would send
          value = buf[at + 1] === 116 ? 1 : 0
          at = end + 2
        } else if (type === 44 || type === 40) {
          // ',' double, '(' big number: as text, as RESP2 sends them
          value = latin1(buf, at + 1, end)
          at = end + 2
        } else if (type === 33) {
          // '!' bulk error
          const next = bulkEnd(buf, at, size)
          if (next === 0) break
          value = new ReplyError(buf.toString('utf8', bulkFrom, bulkTo))
          at = next
        } else if (type === 36) {
          const next = bulkEnd(buf, at, size)
          if (next === 0) break
          value = bulkFrom < 0 ? null : this.bulk(buf, bulkFrom, bulkTo)
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
          throw new ProtocolError(`Redis sent a reply of unknown type ${JSON.stringify(String.fromCharCode(type))}`)
        }
      }
      // A whole value: into the array it belongs to (closing the arrays it fills), or out.
      for (;;) {
        const parent = open.length > 0 ? open[open.length - 1] : null
        if (parent === null) {
          this.onReply(value, push)
          break
        }
        parent.out[parent.at++] = value
        if (parent.at < parent.out.length) break
        open.pop()
        value = parent.out
        push = parent.push
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
  if (buf[end + 1] !== 10) throw new ProtocolError('Redis sent a malformed reply (CR without LF)')
  return end
}

function int(buf: Buffer, from: number, end: number): number {
  let i = from
  let neg = false
  if (buf[i] === 45) {
    neg = true
    i++
  }
  if (i >= end) throw new ProtocolError('Redis sent a malformed reply (empty number)')
  let n = 0
  for (; i < end; i++) {
    const d = buf[i] - 48
    if (d < 0 || d > 9) throw new ProtocolError('Redis sent a malformed reply (bad number)')
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
  if (len < -1 || len > MAX_BULK_BYTES) throw new ProtocolError(`the server's reply announced a string of ${len} bytes: not a Redis reply?`)
  if (len < 0) {
    bulkFrom = -1
    return end + 2
  }
  const from = end + 2
  if (from + len + 2 > size) return 0
  if (buf[from + len] !== CR || buf[from + len + 1] !== 10) throw new ProtocolError('Redis sent a malformed reply (bulk string)')
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
