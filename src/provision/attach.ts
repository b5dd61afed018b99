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
  let refused: LimitsRefused | null = null
  for (const [i, [name, value]] of wanted.entries()) {
    try {
      const old = configValue(await conn.command(['CONFIG', 'GET', name]), name)
      if (old === null) throw new Error(`CONFIG GET ${name} returned nothing`)
      await conn.command(['CONFIG', 'SET', name, value])
      restore[name] = old
      set[name] = value
      host.info(`Set ${name} to ${value} with CONFIG SET (was ${old}); the post step sets it back.`)
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
  return { applied: Object.keys(restore).length > 0 ? { kind: 'attach', restore, set } : null, refused }
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
    for (const [name, value] of Object.entries(limits.restore)) {
      try {
        // Another job sharing this Redis may have set its own value since: that one is not ours to undo.
        const now = configValue(await conn.command(['CONFIG', 'GET', name]), name)
        const ours = limits.set?.[name]
        if (ours !== undefined && now !== null && now !== ours) {
          host.warn(`Left ${name} at ${now}: it is no longer the ${ours} this job set (another job sharing this Redis changed it), so it was not set back to ${value}.`)
          continue
        }
        await conn.command(['CONFIG', 'SET', name, value])
        host.info(`Set ${name} back to ${value}.`)
      } catch (err) {
        host.warn(`Could not set ${name} back to ${value} on ${target.display}: ${describeError(err)}`)
      }
    }
  } finally {
    await conn.close()
  }
}
