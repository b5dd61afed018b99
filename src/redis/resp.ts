/**
 * RESP2, the protocol Redis speaks: a streaming reply parser and a command encoder, shared by the
 * guard's client (client.ts) and the lean key scan (keys/raw.ts).
 */

/** An error reply from Redis (`-ERR ...`). */
export class ReplyError extends Error {}

/**
 * A RESP2 reply: bulk and simple strings as latin1 strings (byte strings), integers, nulls, errors,
 * arrays; bulk strings as Buffers instead for a parser made with `bulkBuffers`.
 */
export type RespValue = string | number | null | ReplyError | Buffer | RespValue[]

const INCOMPLETE = Symbol('incomplete')
const CR = 13

/** Streaming RESP2 parser: feed it chunks as they come; it calls `onReply` for each whole reply. */
export class RespParser {
  private rest: Buffer | null = null
  private pos = 0

  constructor(
    private readonly onReply: (value: RespValue) => void,
    /** Bulk strings as Buffers of their own (copied out of the socket's chunk), not latin1 strings. */
    private readonly bulkBuffers = false
  ) {}

  push(chunk: Buffer): void {
    const buf = this.rest === null ? chunk : Buffer.concat([this.rest, chunk])
    let at = 0
    while (at < buf.length) {
      this.pos = at
      const value = this.parse(buf)
      if (value === INCOMPLETE) break
      at = this.pos
      this.onReply(value)
    }
    this.rest = at < buf.length ? buf.subarray(at) : null
  }

  /** Bytes received but not yet a whole reply. */
  get pending(): number {
    return this.rest?.length ?? 0
  }

  /** The line from pos up to CRLF, as its end index; pos moves past the CRLF. */
  private lineEnd(buf: Buffer): number {
    // A loop, not indexOf: lines are a few bytes, and a native call per reply costs more.
    const len = buf.length
    let end = this.pos
    while (end < len && buf[end] !== CR) end++
    if (end + 1 >= len) return -1
    if (buf[end + 1] !== 10) throw new Error('Redis sent a malformed reply (CR without LF)')
    return end
  }

  private int(buf: Buffer, from: number, end: number): number {
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

  private parse(buf: Buffer): RespValue | typeof INCOMPLETE {
    const type = buf[this.pos]
    const start = this.pos + 1
    const end = this.lineEnd(buf)
    if (end < 0) return INCOMPLETE
    switch (type) {
      case 58: // ':' integer
        this.pos = end + 2
        return this.int(buf, start, end)
      case 36: {
        // '$' bulk string
        const len = this.int(buf, start, end)
        if (len < 0) {
          this.pos = end + 2
          return null
        }
        const from = end + 2
        if (from + len + 2 > buf.length) return INCOMPLETE
        if (buf[from + len] !== CR || buf[from + len + 1] !== 10) throw new Error('Redis sent a malformed reply (bulk string)')
        this.pos = from + len + 2
        return this.bulkBuffers ? Buffer.from(buf.subarray(from, from + len)) : buf.toString('latin1', from, from + len)
      }
      case 43: // '+' simple string
        this.pos = end + 2
        return buf.toString('latin1', start, end)
      case 45: // '-' error
        this.pos = end + 2
        return new ReplyError(buf.toString('utf8', start, end))
      case 42: {
        // '*' array
        const n = this.int(buf, start, end)
        this.pos = end + 2
        if (n < 0) return null
        const out = new Array<RespValue>(n)
        for (let i = 0; i < n; i++) {
          if (this.pos >= buf.length) return INCOMPLETE
          const v = this.parse(buf)
          if (v === INCOMPLETE) return INCOMPLETE
          out[i] = v
        }
        return out
      }
      default:
        throw new Error(`Redis sent a reply of unknown type ${JSON.stringify(String.fromCharCode(type))}`)
    }
  }
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

/** One command as RESP, as the client (client.ts) writes it: strings as UTF-8, Buffers as they are. */
export function encodeArgs(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')]
  for (const a of args) {
    const bytes = typeof a === 'string' ? Buffer.from(a, 'utf8') : a
    parts.push(Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, CRLF)
  }
  return Buffer.concat(parts)
}

const CRLF = Buffer.from('\r\n', 'latin1')
