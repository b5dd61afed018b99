import type { LimitsRefused } from '../judge/checks.js'
import { describeError } from '../core/errors.js'
import { connect, type RedisConnection } from '../redis/connection.js'
import type { RedisTarget } from '../redis/target.js'
import type { ProvisionSettings } from './settings.js'
import type { StepHost } from '../core/host.js'

/** The settings changed on an attached Redis, with the values they had before, for the post step. */
export interface AttachedLimits {
  kind: 'attach'
  /** CONFIG parameter → its value before the action changed it. */
  restore: Record<string, string>
  /** CONFIG parameter → the value this job set, so a value another job set since is left alone. */
  set?: Record<string, string>
  /**
   * CONFIG parameter → the value before any guard job changed it, where another job of the guard
   * had already changed it when this one began (read from that job's sampler's connection name):
   * the value the server goes back to when the last of them ends.
   */
  origin?: Record<string, string>
}

/** What a running job changed, as its sampler's connection name says (see limitsTag). */
export interface LiveLimits {
  restore: Record<string, string>
  set: Record<string, string>
}

/**
 * The part of the sampler's CLIENT SETNAME that says what this job changed: other jobs of the guard
 * on the same Redis read it (CLIENT LIST) to restore in the right order, without a key or a setting
 * of their own. base64url, since a client name may hold no spaces.
 */
export function limitsTag(limits: AttachedLimits): string {
  const restore = { ...limits.restore, ...limits.origin }
  return `limits=${Buffer.from(JSON.stringify({ r: restore, s: limits.set ?? {} }), 'utf8').toString('base64url')}`
}

/** The limits other running jobs of the guard advertise in their connection names; none when CLIENT LIST is refused. */
export async function liveLimits(conn: RedisConnection): Promise<LiveLimits[]> {
  let text: string
  try {
    text = String(await conn.command(['CLIENT', 'LIST', 'TYPE', 'normal']))
  } catch {
    return []
  }
  const out: LiveLimits[] = []
  for (const m of text.matchAll(/ name=redis-memory-guard:\S*:limits=([A-Za-z0-9_-]+)/g)) {
    try {
      const v = JSON.parse(Buffer.from(m[1], 'base64url').toString('utf8')) as { r?: unknown; s?: unknown }
      const strings = (o: unknown): Record<string, string> =>
        Object.fromEntries(Object.entries(o && typeof o === 'object' ? o : {}).filter((e): e is [string, string] => typeof e[1] === 'string'))
      out.push({ restore: strings(v.r), set: strings(v.s) })
    } catch {
      // not one of ours, or cut short: ignored
    }
  }
  return out
}

/** Attach mode with several servers (instances, cluster nodes): what to set back on each. */
export interface AttachedNodesLimits {
  kind: 'attach-nodes'
  nodes: (AttachedLimits & { url: string; label: string })[]
}

/** What CONFIG SET did: what to set back, and what the server refused. */
export interface LimitsOutcome {
  applied: AttachedLimits | null
  refused: LimitsRefused | null
}

/** CONFIG parameters to set, from the inputs, in a fixed order. */
export function wantedLimits(s: Pick<ProvisionSettings, 'maxmemory' | 'maxmemoryPolicy'>): [string, string][] {
  const wanted: [string, string][] = []
  if (s.maxmemory !== undefined) wanted.push(['maxmemory', String(s.maxmemory)])
  if (s.maxmemoryPolicy !== undefined) wanted.push(['maxmemory-policy', s.maxmemoryPolicy])
  return wanted
}

/** The value from a CONFIG GET reply: `[name, value]` (RESP2) or `{ name: value }` (RESP3). */
export function configValue(reply: unknown, name: string): string | null {
  const text = (v: unknown): string | null => (typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : null)
  if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) if (text(reply[i]) === name) return text(reply[i + 1])
    return null
  }
  if (reply instanceof Map) return text(reply.get(name))
  if (reply && typeof reply === 'object') return text((reply as Record<string, unknown>)[name])
  return null
}

/**
 * Applies maxmemory / maxmemory-policy with CONFIG SET, the one way to limit a service container.
 * Where CONFIG is disabled or renamed (managed services), warns and goes on without the limit.
 */
export async function applyLimits(conn: RedisConnection, s: Pick<ProvisionSettings, 'maxmemory' | 'maxmemoryPolicy'>, host: StepHost): Promise<LimitsOutcome> {
  const wanted = wantedLimits(s)
  const restore: Record<string, string> = {}
  const set: Record<string, string> = {}
  const origin: Record<string, string> = {}
  let refused: LimitsRefused | null = null
  const others = wanted.length > 0 ? await liveLimits(conn) : []
  for (const [i, [name, value]] of wanted.entries()) {
    try {
      const old = configValue(await conn.command(['CONFIG', 'GET', name]), name)
      if (old === null) throw new Error(`CONFIG GET ${name} returned nothing`)
      await conn.command(['CONFIG', 'SET', name, value])
      restore[name] = old
      set[name] = value
      // Another job of the guard set the value found: the server's own value is the one it keeps.
      const before = others.find((o) => o.set[name] === old && o.restore[name] !== undefined)
      if (before) origin[name] = before.restore[name]
      host.info(
        `Set ${name} to ${value} with CONFIG SET (was ${old}${before ? `, set by another job of the guard; ${before.restore[name]} before it` : ''}); the post step sets it back.`
      )
    } catch (err) {
      host.warn(
        `Could not set ${name} with CONFIG SET on ${conn.target.display}: ${describeError(err)}. ` +
          `CONFIG may be disabled or renamed on this server (managed Redis often does that); set the limit on the server itself. The tests run without it.`
      )
      // The rest is not tried: a server that refused one CONFIG SET refuses the next for the same reason.
      refused = { settings: wanted.slice(i).map(([n]) => n), reason: describeError(err) }
      break
    }
  }
  return {
    applied: Object.keys(restore).length > 0 ? { kind: 'attach', restore, set, ...(Object.keys(origin).length > 0 ? { origin } : {}) } : null,
    refused
  }
}

/** Sets back what applyLimits changed. Problems are warnings: the tests already ran. */
export async function restoreLimits(target: RedisTarget, limits: AttachedLimits, timeoutMs: number, host: StepHost): Promise<void> {
  let conn: RedisConnection
  try {
    conn = await connect(target, { timeoutMs, role: 'restore' })
  } catch (err) {
    host.warn(`Could not set back ${Object.keys(limits.restore).join(', ')} on ${target.display}: ${describeError(err)}`)
    return
  }
  try {
    const others = await liveLimits(conn)
    for (const [name, before] of Object.entries(limits.restore)) {
      let value = limits.origin?.[name] ?? before
      try {
        // Another job sharing this Redis may have set its own value since: that one is not ours to undo (that job sets it back).
        const now = configValue(await conn.command(['CONFIG', 'GET', name]), name)
        const ours = limits.set?.[name]
        if (ours !== undefined && now !== null && now !== ours) {
          host.warn(`Left ${name} at ${now}: it is no longer the ${ours} this job set (another job sharing this Redis changed it; that job sets it back).`)
          continue
        }
        // A job that began before this one and still runs keeps the value it set; the last one to end restores the server's own.
        const running = others.find((o) => o.set[name] !== undefined)
        if (running) value = running.set[name]
        await conn.command(['CONFIG', 'SET', name, value])
        host.info(running ? `Set ${name} to ${value}, the value another job of the guard still running set.` : `Set ${name} back to ${value}.`)
      } catch (err) {
        host.warn(`Could not set ${name} back to ${value} on ${target.display}: ${describeError(err)}`)
      }
    }
  } finally {
    await conn.close()
  }
}
