/**
 * Every connection the guard opens to Redis, on node-redis (`@redis/client`): the handshake
 * (AUTH with a user or password, SELECT, CLIENT SETNAME), TLS, reconnection and the reply types
 * come from the library. What this file adds is what a CI guard needs on top: a connect that keeps
 * trying for a while (a service container may still be starting) but gives up at once on a wrong
 * password or an untrusted certificate, a bound on every command, a reconnection that gives up,
 * and one line that says what to change.
 *
 * The one connection that is not node-redis is the key scan's lean socket (keys/raw.ts); the
 * bench named at the top of that file says why.
 */
import type { RedisClientOptions, RedisClientType, RedisArgument } from '@redis/client'
// The client class, its errors and reply types from their own modules, not from the package's
// index: the index also loads Cluster, Sentinel, the client pool and OpenTelemetry (0.17 MB the
// guard never runs, bundled into every step and evaluated at its start).
import clientModule from '@redis/client/dist/lib/client/index.js'
import { ErrorReply, ConnectionTimeoutError, TimeoutError } from '@redis/client/dist/lib/errors.js'
import { RESP_TYPES } from '@redis/client/dist/lib/RESP/decoder.js'
import { ConnectionError, describeError } from '../core/errors.js'
import { formatDuration } from '../core/size.js'
import { hostPort, maskUrlText, type RedisTarget } from './target.js'
import { plainPortProblem, tlsProblem } from './tls.js'

/** The node-redis client behind a connection (RESP2, replies as node-redis maps them by default). */
export type RedisClient = RedisClientType

/** The name every connection of the guard gives itself (CLIENT SETNAME), so users and helpers can filter them. */
export const CLIENT_NAME = 'redis-memory-guard'

/** `redis-memory-guard` or `redis-memory-guard:<role>`. */
export function clientName(role?: string): string {
  return role === undefined || role === '' ? CLIENT_NAME : `${CLIENT_NAME}:${role}`
}

/** For sendCommand: bulk strings as Buffers (binary key names pass unchanged). */
export const BUFFER_REPLIES = { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } as const

/** The bound on each command once connected, unless a caller gives its own. */
export const COMMAND_TIMEOUT_MS = 10_000

/** Reconnections after a connection was up, before the client gives up (node-redis's default retries forever). */
const MAX_RECONNECTS = 5

export interface ConnectOptions {
  /** How long to keep trying, since a service container may still be starting. */
  timeoutMs: number
  /** Called before each retry, for a log line. */
  onRetry?: (attempt: number, reason: string) => void
  /** Limit for each single command once connected. */
  commandTimeoutMs?: number
  /** How an option is spelled to the user (`connect-timeout` in the action, `--connect-timeout` in the CLI). */
  optionName?: (name: string) => string
  /** What this connection is for: its name becomes `redis-memory-guard:<role>` (none: `redis-memory-guard`). */
  role?: string
  /** The whole CLIENT SETNAME, when the role is not enough (the sampler's name carries what its job changed). */
  name?: string
  /** Connect unnamed: another process of this run found that the user may not run CLIENT SETNAME. */
  unnamed?: boolean
}

/** A command that got no answer within its bound: the connection it was sent on has been reset. */
export class CommandTimeoutError extends TimeoutError {
  constructor(message: string) {
    super()
    this.message = message
    this.name = 'CommandTimeoutError'
  }
}

/** The error code an error reply starts with (`WRONGPASS`, `NOPERM`, `ERR`, ...), or null for anything that is not an error reply. */
export function replyCode(err: unknown): string | null {
  if (!(err instanceof ErrorReply)) return null
  return /^[A-Z][A-Z_-]*/.exec(err.message)?.[0] ?? null
}

/** True for an error reply (the server refused the command), as opposed to a timeout or a lost connection. */
export function isErrorReply(err: unknown): err is ErrorReply {
  return err instanceof ErrorReply
}

/**
 * Users that could not run CLIENT SETNAME on a server (a minimal ACL), so their later connections
 * go unnamed instead of being refused again: each refusal would be a NOPERM in the server's
 * error counters and ACL LOG, which the step would then read as its own.
 */
const unnamed = new Set<string>()
const whoKey = (t: RedisTarget): string => `${t.username ?? ''}@${hostPort(t)}`

/** False once this process found that the target's user may not run CLIENT SETNAME: pass it on to the sampler. */
export function mayName(target: RedisTarget): boolean {
  return !unnamed.has(whoKey(target))
}

/** The node-redis options for a target: fields from target.ts's parse (one URL parser), TLS under `socket`. */
export function clientOptions(target: RedisTarget, opts: { name?: string | null; connectTimeoutMs: number; reconnect: (retries: number, cause: Error) => false | number | Error }): RedisClientOptions {
  const tls = target.tls
    ? {
        tls: true as const,
        // SNI only for a name: Node refuses an IP address as servername.
        ...(isIpAddress(target.host) ? {} : { servername: target.host }),
        ...target.tlsOptions
      }
    : {}
  const name = opts.name === undefined ? CLIENT_NAME : opts.name
  return {
    socket: { host: target.host, port: target.port, connectTimeout: opts.connectTimeoutMs, reconnectStrategy: opts.reconnect, keepAlive: true, keepAliveInitialDelay: 5000, ...tls },
    ...(target.username !== null ? { username: target.username } : {}),
    // A user without a password authenticates with an empty one (AUTH user ""), as before.
    ...(target.password !== null ? { password: target.password } : target.username !== null ? { password: '' } : {}),
    ...(target.db !== 0 ? { database: target.db } : {}),
    ...(name !== null ? { name } : {}),
    // Redis before 7.2 refuses CLIENT SETINFO: every connection would add to errorstat_ERR and
    // total_error_replies there, which the guard would then read as the step's own errors.
    disableClientInfo: true,
    // Nor the Enterprise maintenance handshake (CLIENT MAINT_NOTIFICATIONS), which other servers refuse.
    maintNotifications: 'disabled',
    // A command sent while the connection is down fails at once rather than waiting for a reconnection that may never come.
    disableOfflineQueue: true
  }
}

/**
 * A node-redis client of the library's base class, without the command methods `createClient`
 * adds. `createClient` (and `RedisClient.factory`) build a subclass with a method for each of
 * node-redis's ~500 commands, ~33 ms of CPU per class (a third of it per process even with one
 * class per RESP version), and rebuild it whenever the options differ from the last call's.
 * The guard calls none of those methods: every command goes through `sendCommand`, and the
 * base class has everything else it uses (connect, close, destroy, events, duplicate, the
 * handshake with AUTH, SELECT, CLIENT SETNAME and HELLO for RESP3). `bench/fixed-cost.mjs`
 * measures the difference.
 */
function newClient(options: RedisClientOptions): RedisClient {
  return new RedisClientBase(options) as unknown as RedisClient
}

/**
 * The class is the CommonJS module's `exports.default`. Node's ESM (the bundles, jest) gives the
 * exports object as the default import; webpack's interop (ncc on TypeScript, as the benches build)
 * gives `exports.default` itself, a class without a `default` of its own.
 */
type RedisClientBaseClass = typeof clientModule.default
const RedisClientBase: RedisClientBaseClass = (clientModule as { default?: RedisClientBaseClass }).default ?? (clientModule as unknown as RedisClientBaseClass)

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':')
}

/**
 * A reconnection strategy that gives up: none before the connection was first up (connect()
 * retries on its own terms), then a few with backoff, then the client closes and what waits fails.
 */
function boundedReconnect(state: { ready: boolean }): (retries: number, cause: Error) => false | number {
  return (retries, cause) => {
    if (!state.ready || retries >= MAX_RECONNECTS) return false
    // Waiting cannot fix a wrong password or a certificate.
    if (replyCode(cause) !== null || tlsCode(cause)) return false
    return Math.min(100 * 2 ** retries, 2000)
  }
}

function tlsCode(err: unknown): boolean {
  const code = String((err as { code?: unknown } | null)?.code ?? '')
  return /CERT|SSL|TLS/.test(code)
}

/** A connection to one Redis; every command is bounded in time so no step can hang on it. */
export class RedisConnection {
  private client: RedisClient
  private reopening: Promise<RedisClient> | null = null
  /** Set by abort(): every later command fails with it. */
  private aborted: Error | null = null

  constructor(
    client: RedisClient,
    readonly target: RedisTarget,
    private readonly commandTimeoutMs: number,
    /** The name its clients carry (null: unnamed, the user may not run CLIENT SETNAME). */
    readonly name: string | null
  ) {
    this.client = client
  }

  /**
   * Sends a raw command and returns the reply, failing after the command timeout. A command that
   * timed out is not left queued on a live socket (every later command would wait behind it): the
   * connection is dropped, and the next command opens a fresh one.
   */
  async command(args: RedisArgument[], timeoutMs = this.commandTimeoutMs): Promise<unknown> {
    const what = `${String(args[0])} to Redis at ${hostPort(this.target)}`
    const client = await this.live(timeoutMs, what)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // Rejected first: dropping the client rejects what waits on it with its own error.
        reject(new CommandTimeoutError(`${what} timed out after ${formatDuration(timeoutMs)}`))
        this.reset(client)
      }, timeoutMs)
    })
    try {
      const reply = client.sendCommand(args)
      // Once timed out, the client's own rejection (the reset) is nobody's to hear.
      reply.catch(() => {})
      return await Promise.race([reply, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /** INFO for one section, as raw text (empty when the server does not know the section). */
  async info(section: string): Promise<string> {
    const reply = await this.command(['INFO', section])
    return typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString('utf8') : ''
  }

  /** The node-redis client itself (e.g. for pSubscribe); for a connection of one's own, use `duplicate`. */
  get raw(): RedisClient {
    return this.client
  }

  /**
   * A second connection to the same Redis and DB, connected, named `redis-memory-guard:<role>`:
   * for work that SELECTs other DBs (key scans) or subscribes, so this one is never changed.
   * The caller closes it (closeQuietly). `extra` adds node-redis options, e.g. `{ RESP: 3,
   * emitInvalidate: true }` for a connection that hears CLIENT TRACKING pushes.
   */
  async duplicate(role: string, timeoutMs = this.commandTimeoutMs, extra: Partial<RedisClientOptions> = {}): Promise<RedisClient> {
    if (this.aborted) throw this.aborted
    const state = { ready: false }
    const name = this.name === null ? null : clientName(role)
    const client = newClient({ ...clientOptions(this.target, { name, connectTimeoutMs: timeoutMs, reconnect: boundedReconnect(state) }), ...extra })
    client.on('error', () => {})
    try {
      await withTimeout(client.connect(), timeoutMs, 'connect')
    } catch (err) {
      destroyQuietly(client)
      throw err
    }
    state.ready = true
    return client
  }

  /**
   * Drops the socket at once and for good (a step's time bound was reached): what waits on it fails
   * now, and no later command opens a new one. Never throws.
   */
  abort(reason = 'the connection was given up'): void {
    this.aborted = new Error(`${reason}: no more commands to Redis at ${hostPort(this.target)}`)
    destroyQuietly(this.client)
  }

  /** Closes the connection; never throws and never waits more than a second. */
  async close(): Promise<void> {
    await closeQuietly(this.client)
  }

  /** The client to send on: this one, or a new one when it was reset or gave up reconnecting. */
  private async live(timeoutMs: number, what: string): Promise<RedisClient> {
    if (this.aborted) throw this.aborted
    if (this.client.isOpen) return this.client
    this.reopening ??= this.reopen(timeoutMs, what).finally(() => (this.reopening = null))
    return this.reopening
  }

  private async reopen(timeoutMs: number, what: string): Promise<RedisClient> {
    const state = { ready: false }
    const client = newClient(clientOptions(this.target, { name: this.name, connectTimeoutMs: timeoutMs, reconnect: boundedReconnect(state) }))
    client.on('error', () => {})
    try {
      await withTimeout(client.connect(), timeoutMs, what)
    } catch (err) {
      destroyQuietly(client)
      throw err
    }
    state.ready = true
    this.client = client
    return client
  }

  private reset(client: RedisClient): void {
    destroyQuietly(client)
  }
}

/**
 * Connects, retrying with backoff until `timeoutMs`. Authentication and certificate problems fail
 * at once, since waiting cannot fix a wrong password or an untrusted certificate.
 */
export async function connect(target: RedisTarget, opts: ConnectOptions): Promise<RedisConnection> {
  const name = opts.optionName ?? ((n: string) => n)
  const deadline = Date.now() + opts.timeoutMs
  let clientNameToSet: string | null = opts.unnamed === true || unnamed.has(whoKey(target)) ? null : (opts.name ?? clientName(opts.role))
  let delay = 100
  let attempt = 0
  let lastError = ''
  for (;;) {
    attempt++
    const remaining = deadline - Date.now()
    const state = { ready: false }
    const connectTimeoutMs = Math.max(200, Math.min(remaining, 5000))
    const client = newClient(clientOptions(target, { name: clientNameToSet, connectTimeoutMs, reconnect: boundedReconnect(state) }))
    // Without a listener an 'error' event would kill the process. The first one is kept: a TLS
    // alert (e.g. "certificate required") arrives only as an event, after the handshake.
    let socketError: unknown = null
    client.on('error', (e: unknown) => {
      socketError ??= e
    })
    try {
      await withTimeout(client.connect(), Math.max(500, Math.min(remaining, 10000)), 'connect')
      await withTimeout(client.sendCommand(['PING']), 5000, 'PING')
      state.ready = true
      return new RedisConnection(client, target, opts.commandTimeoutMs ?? COMMAND_TIMEOUT_MS, clientNameToSet)
    } catch (err) {
      destroyQuietly(client)
      if (clientNameToSet !== null && replyCode(err) === 'NOPERM' && /setname/i.test(err instanceof Error ? err.message : '')) {
        // A minimal ACL without +client|setname: connect unnamed rather than not at all.
        unnamed.add(whoKey(target))
        clientNameToSet = null
        continue
      }
      const message = maskUrlText(describeError(err))
      const fatal =
        tlsProblem(err, target, name) ??
        (socketError !== null ? tlsProblem(socketError, target, name) : null) ??
        (target.tls && isConnectTimeout(err) ? await plainPortProblem(target) : null) ??
        authProblem(err, target, name('redis-url'), target.passwordOption ? name(target.passwordOption) : null)
      if (fatal) throw new ConnectionError(fatal)
      lastError = message
    }
    if (Date.now() + delay > deadline) break
    opts.onRetry?.(attempt, lastError)
    await sleep(delay)
    delay = Math.min(delay * 2, 2000)
  }
  throw new ConnectionError(
    `Could not reach Redis at ${hostPort(target)} within ${formatDuration(opts.timeoutMs)} (${lastError}). ` +
      `Check that Redis is running and its port is published, or raise ${name('connect-timeout')}.`
  )
}

function isConnectTimeout(err: unknown): boolean {
  return err instanceof ConnectionTimeoutError || err instanceof BoundExceeded
}

/** withTimeout's own bound ran out (told apart from the library's errors by type). */
export class BoundExceeded extends Error {}

/** Closes a client (a connection's, or a duplicate); never throws and never waits more than a second. */
export async function closeQuietly(client: RedisClient): Promise<void> {
  if (!client.isOpen) {
    destroyQuietly(client)
    return
  }
  try {
    await withTimeout(client.close(), 1000, 'close')
  } catch {
    destroyQuietly(client)
  }
}

/** Drops the socket; never throws. */
function destroyQuietly(client: RedisClient): void {
  try {
    client.destroy()
  } catch {
    // already closed
  }
}

/**
 * The message for an error that retrying cannot fix, or null for one worth retrying. Told apart by
 * the error reply's code; servers before 6.0 answer a bad AUTH with a plain ERR, so for those
 * two cases the text after the code is read too.
 */
function authProblem(err: unknown, target: RedisTarget, urlOption: string, passwordOption: string | null = null): string | null {
  const code = replyCode(err)
  if (code === null) return null
  const text = err instanceof Error ? err.message : ''
  const where = `Redis at ${hostPort(target)}`
  const user = target.username ?? 'default'
  const wrongPassword = code === 'WRONGPASS' || (code === 'ERR' && /invalid password/i.test(text))
  const noPassword = code === 'NOAUTH'
  // A Redis the guard started (e.g. --requirepass in redis-args) takes its password from the password option; redis-url is not read.
  if (passwordOption !== null && wrongPassword) {
    return `${where} rejected the password given in ${passwordOption}. If redis-args sets --requirepass, give the same value in ${passwordOption}, or drop --requirepass from redis-args.`
  }
  if (passwordOption !== null && noPassword) {
    return `${where} requires a password and none was given (a --requirepass in redis-args?). Give the same value in ${passwordOption}: the Redis the guard started does not read ${urlOption}.`
  }
  if (wrongPassword) {
    return `${where} rejected the password for user "${user}" (wrong password or user). Check the password in ${urlOption}.`
  }
  if (noPassword) {
    return `${where} requires a password and none was given. Put it into ${urlOption}: redis://:PASSWORD@${hostPort(target)}.`
  }
  if (code === 'ERR' && /without any password configured|no password is set/i.test(text)) {
    return `${where} has no password set, but ${urlOption} gives one. Remove the password from ${urlOption}.`
  }
  if (code === 'DENIED') {
    return `${where} refuses outside clients: it runs in protected mode with no password. Start it with --protected-mode no or set a password.`
  }
  if (code === 'NOPERM') {
    return `${where}: user "${user}" may not run the commands this action needs (INFO, PING). Grant them in the ACL.`
  }
  return null
}

/** Resolves or rejects with the promise, or rejects after `ms` with a message naming `what`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BoundExceeded(`${what} timed out after ${formatDuration(ms)}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
