/**
 * The background sampler: one INFO call every interval, one JSON line per sample. It runs detached
 * from the step, so it must never crash, never hang and never outlive its maximum life.
 */
import { closeSync, openSync, writeFileSync, writeSync } from 'node:fs'
import { describeError } from '../core/errors.js'
import { numberField, parseInfo } from '../observe/info.js'
import { connect, sleep, type RedisConnection } from '../redis/connection.js'
import { CLIENT_NAME as GUARD_CLIENT_NAME } from '../redis/connection.js'
import { maskUrlText, parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { withTls, type TlsSettings } from '../redis/tls.js'
import { gapSample, sampleFromInfo, type Sample } from './sample.js'
import { MomentRecorder, momentConfigFrom, type MomentConfig } from '../explain/moment-snapshot.js'

/** The environment variable that carries the sampler's settings (argv would show the URL in `ps`). */
export const SAMPLER_ENV = 'REDIS_MEMORY_GUARD_SAMPLER'

export interface SamplerConfig {
  /** The Redis URL, password included. */
  url: string
  /** The JSON-lines file the samples are appended to. */
  file: string
  intervalMs: number
  /** The sampler exits on its own this long after `startedAt`, so an orphan cannot run forever. */
  maxLifeMs: number
  /** When the step's sampling began (epoch ms, before this process was spawned): its life counts from then, not from its own start, which a busy machine delays. */
  startedAt?: number
  /** The same TLS options the main step connects with (file paths; the sampler reads the files). */
  tls?: TlsSettings
  /** When set, bounded key snapshots at the moments that matter (first OOM, first eviction, near the limit), as lines of their own. */
  moments?: MomentConfig
  /** The user may not run CLIENT SETNAME (the main step found out): connect unnamed rather than be refused during the step. */
  unnamed?: boolean
  /** Exit as soon as this process is gone (a `run` whose guard was killed outright must not leave the sampler behind). */
  parentPid?: number
  /** The sampler's CLIENT SETNAME (its process id is added): it says which settings this job changed (see provision/attach.ts limitsTag). */
  name?: string
  /**
   * Sampling is off (sample-interval: 0), but this job changed settings on a Redis that other jobs
   * of the guard may share: keep only the named connection, idle (no command after its handshake),
   * so they can read what this job changed (see provision/attach.ts). `file` gets one line once the
   * connection is first up; `intervalMs` is how often it is looked at and reopened when lost.
   */
  hold?: boolean
}

/**
 * The INFO sections of one sample (Redis 7.0+ takes several in one call): server for run_id and
 * commandstats for rejected calls, so a restart cannot erase what came before it.
 */
export const SAMPLER_INFO_SECTIONS = ['memory', 'stats', 'errorstats', 'server', 'commandstats'] as const

/** Reconnect attempts back off up to this far apart while Redis is away. */
const MAX_BACKOFF_MS = 5000

/** Reads and checks the config from the environment; throws on anything missing. */
export function configFromEnv(env: NodeJS.ProcessEnv): SamplerConfig {
  const raw = env[SAMPLER_ENV]
  if (!raw) throw new Error(`${SAMPLER_ENV} is not set`)
  const c = JSON.parse(raw) as Partial<SamplerConfig>
  if (typeof c.url !== 'string' || typeof c.file !== 'string' || !(Number(c.intervalMs) > 0) || !(Number(c.maxLifeMs) > 0)) {
    throw new Error(`${SAMPLER_ENV} lacks url, file, intervalMs or maxLifeMs`)
  }
  const tls = c.tls === undefined ? undefined : tlsFrom(c.tls)
  const moments = momentConfigFrom(c.moments)
  const name = typeof c.name === 'string' && /^[!-~]{1,400}$/.test(c.name) ? c.name : undefined
  return {
    url: c.url,
    file: c.file,
    intervalMs: Number(c.intervalMs),
    maxLifeMs: Number(c.maxLifeMs),
    ...(tls ? { tls } : {}),
    ...(moments ? { moments } : {}),
    ...(c.unnamed === true ? { unnamed: true } : {}),
    ...(name ? { name } : {}),
    ...(c.hold === true ? { hold: true } : {}),
    ...(Number.isInteger(c.parentPid) && Number(c.parentPid) > 0 ? { parentPid: Number(c.parentPid) } : {}),
    ...(Number.isFinite(c.startedAt) && Number(c.startedAt) > 0 ? { startedAt: Number(c.startedAt) } : {})
  }
}

/** Checks the shape of the TLS settings in the config; a malformed one is an error, not "no TLS". */
function tlsFrom(raw: unknown): TlsSettings {
  const t = raw as Partial<Record<keyof TlsSettings, unknown>> | null
  const path = (v: unknown): v is string | null => v === null || typeof v === 'string'
  if (typeof t !== 'object' || t === null || !path(t.caFile) || !path(t.certFile) || !path(t.keyFile) || typeof t.insecure !== 'boolean') {
    throw new Error(`${SAMPLER_ENV} has a malformed tls entry`)
  }
  return { caFile: t.caFile, certFile: t.certFile, keyFile: t.keyFile, insecure: t.insecure }
}

/**
 * Samples until SIGTERM or the end of its life. Every sample is written with one synchronous
 * append, so a kill at any moment leaves at most one torn line, which the reader skips.
 */
export async function runSampler(config: SamplerConfig): Promise<void> {
  // The schedule and the life count from the step's start (never from a time still to come).
  const started = Math.min(config.startedAt ?? Date.now(), Date.now())
  if (config.hold) return holdConnection(config, started)
  const fd = openSync(config.file, 'a')
  const exit = endsWithin(started, config.maxLifeMs, () => closeSync(fd))

  const source = new InfoSource(config)
  const moments = momentRecorder(config, fd)
  const momentConn = moments ? openMomentConnection(config) : null
  for (let tick = 1; ; tick++) {
    let sample: Sample
    try {
      sample = await source.sample()
    } catch (err) {
      sample = gapSample(new Date(), maskUrlText(describeError(err)))
    }
    writeSync(fd, JSON.stringify(sample) + '\n')
    moments?.onSample(sample, source.maxmemory, (await momentConn) ?? source.connection)
    // Keep to the schedule from the start, skipping ticks that a slow call overran.
    const now = Date.now()
    let next = started + tick * config.intervalMs
    if (next <= now) {
      tick = Math.floor((now - started) / config.intervalMs) + 1
      next = started + tick * config.intervalMs
    }
    if (next - started >= config.maxLifeMs) exit()
    if (config.parentPid !== undefined && !parentAlive(config.parentPid)) exit()
    await sleep(next - now)
  }
}

/**
 * How the process ends: on SIGTERM or SIGINT (not SIGHUP: the runner's terminal going away is no
 * reason to stop), and at the latest `maxLifeMs` after `started`, a hard bound that even a process
 * stuck in a call keeps. Returns the exit, for the process's own reasons to end.
 */
function endsWithin(started: number, maxLifeMs: number, cleanUp: () => void = () => {}): () => never {
  const exit = (): never => {
    try {
      cleanUp()
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGTERM', exit)
  process.on('SIGINT', exit)
  process.on('SIGHUP', () => {})
  setTimeout(exit, Math.max(0, started + maxLifeMs - Date.now()))
  return exit
}

/**
 * Keeps the named connection open, idle, until SIGTERM, the end of its life or its parent's exit:
 * it is looked at every `intervalMs` and reopened (with the same backoff as the sampler's) when it
 * was lost. It sends no command after its handshake, so it adds nothing to the step's figures but
 * one connection, which the "after" snapshot waits to be gone, as the sampler's.
 */
async function holdConnection(config: SamplerConfig, started: number): Promise<void> {
  const exit = endsWithin(started, config.maxLifeMs)
  const source = new InfoSource(config)
  let said = false
  for (;;) {
    await source.hold()
    // One line once the connection is first up: the step that started this process waits for it.
    if (!said && source.connection !== null) {
      said = true
      writeFileSync(config.file, 'connected\n')
    }
    if (config.parentPid !== undefined && !parentAlive(config.parentPid)) exit()
    await sleep(config.intervalMs)
  }
}

/**
 * The moment snapshots' own connection: a snapshot's key scan (up to its budget, 1 s) must not hold
 * up the INFO calls queued behind it on the sampler's connection, or the samples would miss the
 * very peak the moment is about. Null when it cannot be opened (then the sampler's is used).
 */
async function openMomentConnection(config: SamplerConfig): Promise<RedisConnection | null> {
  try {
    const base = parseRedisUrl(config.url)
    const target = config.tls ? withTls(base, config.tls) : base
    // Named with this process's id, as the sampler's own connection is: the step's "after" snapshot
    // waits until every connection of the stopped sampler is gone, or the one Redis had not yet seen
    // close would count as the step's memory (~37 KB).
    return await connect(target, { timeoutMs: 2000, commandTimeoutMs: Math.max(2000, config.intervalMs), name: `${GUARD_CLIENT_NAME}:moment:${process.pid}`, unnamed: config.unnamed === true })
  } catch {
    return null
  }
}

/** The moment recorder, or null without moments or with settings it cannot use (sampling goes on regardless). */
function momentRecorder(config: SamplerConfig, fd: number): MomentRecorder | null {
  if (!config.moments) return null
  try {
    // A moment is a line of its own kind ("kind":"moment"), written with one append like a sample.
    return new MomentRecorder(config.moments, (m) => writeSync(fd, JSON.stringify(m) + '\n'))
  } catch {
    return null
  }
}

/** One connection, reopened with backoff when Redis goes away, and one INFO call per sample. */
export class InfoSource {
  private conn: RedisConnection | null = null
  private nextConnectAt = 0
  private failures = 0
  private lastError = ''
  /** Redis 7.0+ takes several sections in one INFO call (12.8 µs vs 24.8 µs for a full INFO on 7.0). */
  private multiSection = true
  private readonly target: RedisTarget
  /** Why the target cannot be used (e.g. a TLS file gone), said in every gap sample. */
  private readonly targetError: unknown = null
  private readonly commandTimeoutMs: number
  private readonly connectTimeoutMs: number
  private readonly intervalMs: number
  private readonly unnamed: boolean
  private readonly name: string
  /** maxmemory from the last INFO memory; null where not reported. */
  maxmemory: number | null = null

  constructor(config: SamplerConfig) {
    this.target = parseRedisUrl(config.url)
    try {
      if (config.tls) this.target = withTls(this.target, config.tls)
    } catch (err) {
      this.targetError = err
    }
    this.intervalMs = config.intervalMs
    this.unnamed = config.unnamed === true
    this.name = `${config.name ?? `${GUARD_CLIENT_NAME}:sampler`}:${process.pid}`
    this.commandTimeoutMs = Math.max(2000, config.intervalMs)
    this.connectTimeoutMs = Math.min(MAX_BACKOFF_MS, Math.max(2000, config.intervalMs))
  }

  async sample(): Promise<Sample> {
    if (this.targetError !== null) return this.fail(this.targetError)
    if (this.conn === null) {
      if (Date.now() < this.nextConnectAt) return gapSample(new Date(), this.lastError)
      try {
        this.conn = await this.open()
      } catch (err) {
        return this.fail(err)
      }
    }
    const conn = this.conn
    try {
      const text = await this.info(conn)
      const sections = parseInfo(text)
      this.maxmemory = numberField(sections.memory, 'maxmemory')
      return sampleFromInfo(sections, new Date())
    } catch (err) {
      void conn.close()
      this.conn = null
      return this.fail(err)
    }
  }

  /** Holding only: opens the connection when there is none, or when the one there was lost; sends nothing else. */
  async hold(): Promise<void> {
    if (this.targetError !== null) return
    if (this.conn !== null && !this.conn.raw.isOpen) {
      void this.conn.close()
      this.conn = null
    }
    if (this.conn !== null || Date.now() < this.nextConnectAt) return
    try {
      this.conn = await this.open()
    } catch (err) {
      this.fail(err)
    }
  }

  /**
   * A short, bounded try (a remote TLS handshake needs more than a local connect); the sampler's
   * own loop retries after that, leaving one gap sample per failed try.
   */
  private async open(): Promise<RedisConnection> {
    const conn = await connect(this.target, { timeoutMs: this.connectTimeoutMs, commandTimeoutMs: this.commandTimeoutMs, role: 'sampler', unnamed: this.unnamed, name: this.name })
    this.failures = 0
    this.multiSection = true
    return conn
  }

  /** Closes the connection, if one is open. */
  async close(): Promise<void> {
    const conn = this.conn
    this.conn = null
    await conn?.close()
  }

  /** The open connection, for moment snapshots; null while Redis is away. */
  get connection(): RedisConnection | null {
    return this.conn
  }

  private fail(err: unknown): Sample {
    this.failures++
    this.lastError = maskUrlText(describeError(err))
    this.nextConnectAt = Date.now() + Math.min(this.intervalMs * 2 ** (this.failures - 1), MAX_BACKOFF_MS)
    return gapSample(new Date(), this.lastError)
  }

  private async info(conn: RedisConnection): Promise<string> {
    if (this.multiSection) {
      try {
        return asText(await conn.command(['INFO', ...SAMPLER_INFO_SECTIONS]))
      } catch (err) {
        // Before 7.0, INFO takes one section: fall back to `INFO all`, which holds all five (the default lacks commandstats).
        if (!/syntax|wrong number|unknown/i.test(describeError(err))) throw err
        this.multiSection = false
      }
    }
    return asText(await conn.command(['INFO', 'all']))
  }
}

/** Whether the process that started the sampler still runs (signal 0 checks without sending one). */
function parentAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function asText(reply: unknown): string {
  if (typeof reply === 'string') return reply
  if (Buffer.isBuffer(reply)) return reply.toString('utf8')
  throw new Error('INFO returned no text')
}
