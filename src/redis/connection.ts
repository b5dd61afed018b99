import { ConnectionError, describeError } from '../core/errors.js'
import { formatDuration } from '../core/size.js'
import { hostPort, maskUrlText, type RedisTarget } from './target.js'
import { GUARD_CLIENT_NAME, RedisClient } from './client.js'
import { plainPortProblem, tlsProblem } from './tls.js'

export { RedisClient }

export interface ConnectOptions {
  /** How long to keep trying, since a service container may still be starting. */
  timeoutMs: number
  /** Called before each retry, for a log line. */
  onRetry?: (attempt: number, reason: string) => void
  /** Limit for each single command once connected. */
  commandTimeoutMs?: number
  /** How an option is spelled to the user (`connect-timeout` in the action, `--connect-timeout` in the CLI). */
  optionName?: (name: string) => string
  /** The connection's CLIENT SETNAME; default `redis-memory-guard`. */
  name?: string
}

/** A connection to one Redis; every command is bounded in time so no step can hang on it. */
export class RedisConnection {
  constructor(
    private readonly client: RedisClient,
    readonly target: RedisTarget,
    private readonly commandTimeoutMs: number
  ) {}

  /** Sends a raw command and returns the reply, failing after the command timeout. */
  async command(args: string[], timeoutMs = this.commandTimeoutMs): Promise<unknown> {
    return withTimeout(this.client.sendCommand(args), timeoutMs, `${args[0]} to Redis at ${hostPort(this.target)}`)
  }

  /** INFO for one section, as raw text (empty when the server does not know the section). */
  async info(section: string): Promise<string> {
    const reply = await this.command(['INFO', section])
    return typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString('utf8') : ''
  }

  /** The client itself, for pipelines, scans and duplicates (key analysis, new-key events). */
  get raw(): RedisClient {
    return this.client
  }

  /** Closes the connection; never throws and never waits more than a second. */
  async close(): Promise<void> {
    await closeQuietly(this.client)
  }
}

/**
 * Connects, retrying with backoff until `timeoutMs`. Authentication and certificate problems fail
 * at once, since waiting cannot fix a wrong password or an untrusted certificate.
 */
export async function connect(target: RedisTarget, opts: ConnectOptions): Promise<RedisConnection> {
  const name = opts.optionName ?? ((n: string) => n)
  const deadline = Date.now() + opts.timeoutMs
  let delay = 100
  let attempt = 0
  let lastError = ''
  for (;;) {
    attempt++
    const remaining = deadline - Date.now()
    // The guard's own client sends no CLIENT SETINFO (as node-redis did with disableClientInfo):
    // Redis before 7.2 refuses it, and each of the guard's connections would add to errorstat_ERR
    // and total_error_replies there, which would read as the step's errors.
    const client = new RedisClient(target, Math.max(200, Math.min(remaining, 5000)), { name: opts.name ?? GUARD_CLIENT_NAME })
    // Without a listener an 'error' event would kill the process. The first one is kept: a TLS
    // alert (e.g. "certificate required") arrives only as an event, after connect() resolved.
    let socketError: unknown = null
    client.on('error', (e: unknown) => {
      socketError ??= e
    })
    try {
      await withTimeout(client.connect(), Math.max(500, Math.min(remaining, 10000)), 'connect')
      await withTimeout(client.sendCommand(['PING']), 5000, 'PING')
      return new RedisConnection(client, target, opts.commandTimeoutMs ?? 10_000)
    } catch (err) {
      destroyQuietly(client)
      const message = maskUrlText(describeError(err))
      const fatal =
        tlsProblem(err, target, name) ??
        (socketError !== null ? tlsProblem(socketError, target, name) : null) ??
        (target.tls && /connect timed out|connection timeout/i.test(message) ? await plainPortProblem(target) : null) ??
        authProblem(message, target, name('redis-url'), target.passwordOption ? name(target.passwordOption) : null)
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

/** Closes a client (this connection's, or a duplicate of it); never throws and never waits more than a second. */
export async function closeQuietly(client: RedisClient): Promise<void> {
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

/** The message for an error that retrying cannot fix, or null for one worth retrying. */
function authProblem(message: string, target: RedisTarget, urlOption: string, passwordOption: string | null = null): string | null {
  const where = `Redis at ${hostPort(target)}`
  const user = target.username ?? 'default'
  // A Redis the guard started (e.g. --requirepass in redis-args) takes its password from the password option; redis-url is not read.
  if (passwordOption !== null && /WRONGPASS|invalid password|invalid username-password/i.test(message)) {
    return `${where} rejected the password given in ${passwordOption}. If redis-args sets --requirepass, give the same value in ${passwordOption}, or drop --requirepass from redis-args.`
  }
  if (passwordOption !== null && /NOAUTH|Authentication required/i.test(message)) {
    return `${where} requires a password and none was given (a --requirepass in redis-args?). Give the same value in ${passwordOption}: the Redis the guard started does not read ${urlOption}.`
  }
  if (/WRONGPASS|invalid password|invalid username-password/i.test(message)) {
    return `${where} rejected the password for user "${user}" (wrong password or user). Check the password in ${urlOption}.`
  }
  if (/NOAUTH|Authentication required/i.test(message)) {
    return `${where} requires a password and none was given. Put it into ${urlOption}: redis://:PASSWORD@${hostPort(target)}.`
  }
  if (/called without any password configured|AUTH.*no password is set/i.test(message)) {
    return `${where} has no password set, but ${urlOption} gives one. Remove the password from ${urlOption}.`
  }
  if (/DENIED Redis is running in protected mode/i.test(message)) {
    return `${where} refuses outside clients: it runs in protected mode with no password. Start it with --protected-mode no or set a password.`
  }
  if (/NOPERM/i.test(message)) {
    return `${where}: user "${user}" may not run the commands this action needs (INFO, PING). Grant them in the ACL.`
  }
  return null
}

/** Resolves or rejects with the promise, or rejects after `ms` with a message naming `what`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${formatDuration(ms)}`)), ms)
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
