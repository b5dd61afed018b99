/**
 * The guard's Redis client: one socket (node:net, or node:tls for rediss://), RESP2, the commands
 * sent as given, replies in order. It does what the guard asked of node-redis and no more:
 * connect with a timeout, AUTH and SELECT from the URL, raw commands (written together when sent
 * in one tick, as node-redis pipelines them), PSUBSCRIBE, close after pending replies.
 *
 * Why not node-redis: loading it and building its client class (a method for each of its ~500
 * commands) cost about 60 ms of CPU at every start of the main and the post step and the sampler
 * (issue 14), for a tool that only ever sends raw commands. It stays a devDependency for the
 * tests that compare with it.
 */
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { encodeArgs, ReplyError, RespParser, type RespValue } from './resp.js'
import type { RedisTarget } from './target.js'
import { authCommand, openSocket } from './socket.js'

export { ReplyError }

export interface CommandOptions {
  /** Bulk string replies as Buffers (binary key names); otherwise decoded as UTF-8, as node-redis does. */
  buffers?: boolean
}

interface Waiting {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
  buffers: boolean
  /** Replies still to come for this entry (PSUBSCRIBE answers once per pattern). */
  left: number
}

/** A message on a subscribed pattern: the message and its channel, as bytes. */
export type PatternListener = (message: Buffer, channel: Buffer) => void

/** How a connection introduces itself. */
export interface ClientOptions {
  /**
   * CLIENT SETNAME after connecting, so that users (and the tests of a suite) can tell the guard's
   * connections from their own in CLIENT LIST; null sends none.
   */
  name?: string | null
  /** HELLO 3: RESP3, for the pushes of CLIENT TRACKING (emitted as 'push'). Fails on servers before 6.0. */
  resp3?: boolean
}

/**
 * A CLIENT SETNAME refused by an ACL or a server without it leaves the connection unnamed, not
 * unusable; any other error (the server full, gone) is the connection's and is thrown.
 */
export function nameRefused(err: unknown): null {
  if (err instanceof ReplyError && /NOPERM|unknown (sub)?command|unknown subcommand|not supported/i.test(err.message)) return null
  throw err
}

/** Every connection the guard opens has a name that starts with this (see docs/effects.md). */
export const GUARD_CLIENT_NAME = 'redis-memory-guard'

/** One connection to one Redis; a socket problem rejects what waits and is emitted as 'error'. */
export class RedisClient extends EventEmitter {
  private socket: Socket | null = null
  private readonly queue: Waiting[] = []
  private out: Buffer[] = []
  private failure: Error | null = null
  private closing = false
  private drained: (() => void) | null = null
  private listener: PatternListener | null = null

  constructor(
    readonly target: RedisTarget,
    /** How long the TCP (and TLS) connect may take. */
    private readonly connectTimeoutMs: number,
    private readonly options: ClientOptions = {}
  ) {
    super()
  }

  /** A client for the same Redis and DB, not yet connected, named `name` (by default, as this one). */
  duplicate(options: ClientOptions = {}): RedisClient {
    return new RedisClient(this.target, this.connectTimeoutMs, { ...this.options, ...options })
  }

  /** Opens the socket, then AUTH (a password or user in the URL) and SELECT (a DB other than 0). */
  async connect(): Promise<void> {
    if (this.socket !== null) throw new Error('The client is already connected')
    const t = this.target
    const { socket, ready } = openSocket(t, this.connectTimeoutMs)
    this.socket = socket
    socket.setKeepAlive(true, 5000)
    const parser = new RespParser((v, push) => (push ? this.emit('push', v) : this.reply(v)), { bulkBuffers: true })
    socket.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk)
      } catch (err) {
        this.fail(err instanceof Error ? err : new Error(String(err)))
      }
    })
    socket.on('error', (err) => this.fail(err))
    socket.on('close', () => this.fail(new Error(this.closing ? 'The client is closed' : 'Socket closed unexpectedly')))
    await ready.catch((err: unknown) => {
      throw this.failure ?? err
    })
    const handshake: Promise<unknown>[] = []
    const auth = authCommand(t)
    const name = this.options.name === undefined ? GUARD_CLIENT_NAME : this.options.name
    if (this.options.resp3) {
      // HELLO authenticates and names the connection in the same call.
      handshake.push(this.sendCommand(['HELLO', '3', ...(auth ? ['AUTH', auth.length === 3 ? auth[1] : 'default', auth[auth.length - 1]] : []), ...(name ? ['SETNAME', name] : [])]))
    } else {
      if (auth) handshake.push(this.sendCommand(auth))
      // A refused name (an ACL without CLIENT) leaves the connection unnamed, not unusable.
      if (name) handshake.push(this.sendCommand(['CLIENT', 'SETNAME', name]).catch(nameRefused))
    }
    if (t.db !== 0) handshake.push(this.sendCommand(['SELECT', String(t.db)]))
    await Promise.all(handshake)
  }

  /** Sends one command; resolves with its reply, rejects with an error reply (ReplyError) or a socket problem. */
  sendCommand(args: readonly (string | Buffer)[], opts: CommandOptions = {}): Promise<unknown> {
    return this.send(args, opts.buffers ?? false, 1)
  }

  /** PSUBSCRIBE: from then on the connection only carries `listener`'s messages. */
  async pSubscribe(pattern: string | string[], listener: PatternListener): Promise<void> {
    const patterns = Array.isArray(pattern) ? pattern : [pattern]
    this.listener = listener
    await this.send(['PSUBSCRIBE', ...patterns], true, patterns.length)
  }

  /** Closes the socket once the replies asked for have come; never throws. */
  async close(): Promise<void> {
    this.closing = true
    if (this.queue.length > 0 && this.failure === null && this.listener === null) await new Promise<void>((resolve) => (this.drained = resolve))
    this.socket?.destroy()
  }

  /** Drops the socket at once; commands still waiting reject. */
  destroy(): void {
    this.closing = true
    this.fail(new Error('Disconnects client'))
  }

  private send(args: readonly (string | Buffer)[], buffers: boolean, replies: number): Promise<unknown> {
    if (this.failure !== null) return Promise.reject(this.failure)
    if (this.socket === null || this.closing) return Promise.reject(new Error('The client is closed'))
    return new Promise((resolve, reject) => {
      this.queue.push({ resolve, reject, buffers, left: replies })
      // Commands sent in one tick go out in one write, as node-redis pipelines them.
      if (this.out.push(encodeArgs(args)) === 1) process.nextTick(() => this.flush())
    })
  }

  private flush(): void {
    const out = this.out
    this.out = []
    if (this.failure === null && this.socket !== null) this.socket.write(out.length === 1 ? out[0] : Buffer.concat(out))
  }

  private reply(value: RespValue): void {
    if (this.listener !== null && Array.isArray(value) && value.length === 4 && String(value[0]) === 'pmessage') {
      this.listener(value[3] as Buffer, value[2] as Buffer)
      return
    }
    const head = this.queue[0]
    if (head === undefined) throw new Error('Redis sent a reply nobody asked for')
    if (--head.left > 0) return
    this.queue.shift()
    if (value instanceof ReplyError) head.reject(value)
    else head.resolve(head.buffers ? value : decoded(value))
    if (this.queue.length === 0) this.drained?.()
  }

  private fail(err: Error): void {
    if (this.failure !== null) return
    this.failure = err
    this.socket?.destroy()
    for (const w of this.queue.splice(0)) w.reject(err)
    this.drained?.()
    if (!this.closing && this.listenerCount('error') > 0) this.emit('error', err)
  }
}

/** Bulk strings decoded as UTF-8, also inside arrays. */
function decoded(value: RespValue): unknown {
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  if (Array.isArray(value)) return value.map(decoded)
  return value
}
