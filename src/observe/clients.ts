/**
 * Other clients on a shared Redis. Two jobs (or matrix legs) on one Redis see each other's keys;
 * what the guard can honestly tell is narrow: a client that was connected before the step began
 * (so not started by the step's tests) and still ran commands during it. That is said, with a
 * hint that leaks may not be this job's; it is not a breach, since such a client can also be the
 * job's own application started in an earlier step.
 */
import { deniedCommand } from './permissions.js'
import type { RedisConnection } from '../redis/connection.js'
import { CLIENT_NAME as GUARD_CLIENT_NAME } from '../redis/connection.js'

/** One line of CLIENT LIST, the fields the hint needs. */
export interface ClientEntry {
  id: number
  addr: string
  name: string
  ageSeconds: number
  idleSeconds: number
  /** The last command it ran (`set`, `client|list`). */
  cmd: string
  user: string
}

/** CLIENT LIST as seen from the guard's own connection, or why it could not be read. */
export interface ClientListing {
  /** The guard's own connection (CLIENT ID), left out of every comparison. */
  ownId: number | null
  clients: ClientEntry[]
  /** Set when the server refused or lacked CLIENT LIST; `clients` is then empty. */
  unavailable?: string
  /** The refused command when the reason is NOPERM. */
  denied?: string
  /** Clients left out past MAX_LISTED_CLIENTS. */
  notListed?: number
}

/**
 * The listing travels in the "before" snapshot and the JSON report: a Redis with thousands of
 * connections must not make them megabytes. Clients past this many are counted, not compared.
 */
export const MAX_LISTED_CLIENTS = 500

/** Parses CLIENT LIST's text. Fields Redis does not send are empty or -1, never guessed. */
export function parseClientList(text: string): ClientEntry[] {
  const out: ClientEntry[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const f: Record<string, string> = {}
    // Values contain no spaces except `name`, which Redis forbids spaces in: a split on spaces is exact.
    for (const part of line.trim().split(' ')) {
      const eq = part.indexOf('=')
      if (eq > 0) f[part.slice(0, eq)] = part.slice(eq + 1)
    }
    const id = Number(f.id)
    if (!Number.isFinite(id)) continue
    out.push({
      id,
      addr: f.addr ?? '',
      name: f.name ?? '',
      ageSeconds: Number(f.age ?? -1),
      idleSeconds: Number(f.idle ?? -1),
      cmd: f.cmd ?? '',
      user: f.user ?? ''
    })
  }
  return out
}

/** Reads CLIENT LIST on `conn`; never throws (the hint is a nicety, the step goes on without it). */
export async function listClients(conn: RedisConnection): Promise<ClientListing> {
  try {
    const [id, list] = await Promise.all([conn.command(['CLIENT', 'ID']).catch(() => null), conn.command(['CLIENT', 'LIST'])])
    const text = typeof list === 'string' ? list : Buffer.isBuffer(list) ? list.toString('utf8') : ''
    const clients = parseClientList(text)
    return {
      ownId: typeof id === 'number' ? id : null,
      clients: clients.slice(0, MAX_LISTED_CLIENTS),
      ...(clients.length > MAX_LISTED_CLIENTS ? { notListed: clients.length - MAX_LISTED_CLIENTS } : {})
    }
  } catch (err) {
    const denied = deniedCommand(err)
    return { ownId: null, clients: [], unavailable: err instanceof Error ? err.message.split('\n')[0] : String(err), ...(denied ? { denied } : {}) }
  }
}

/** One of the guard's own connections: named GUARD_CLIENT_NAME, or with it as a prefix. */
export function isGuardClient(c: Pick<ClientEntry, 'name'>): boolean {
  return c.name.startsWith(GUARD_CLIENT_NAME)
}

/**
 * Clients connected before the step began that ran a command during it: in both listings under
 * the same id, not the guard's, and idle at the end for no longer than the step lasted. Redis
 * counts idle time in whole seconds of a clock it truncates, so a client can read 2 s idle 1.1 s
 * after its command: the comparison allows that second, and the finding stays a note. Pure.
 */
export function otherActiveClients(begin: ClientListing, end: ClientListing, stepSeconds: number): ClientEntry[] {
  const before = new Set(begin.clients.filter((c) => c.id !== begin.ownId && !isGuardClient(c)).map((c) => c.id))
  return end.clients.filter((c) => c.id !== end.ownId && !isGuardClient(c) && before.has(c.id) && c.idleSeconds >= 0 && c.idleSeconds <= stepSeconds)
}

/** The note for other active clients, or null when there were none (or it could not be told). */
export function sharedUseNote(others: readonly ClientEntry[]): string | null {
  if (others.length === 0) return null
  const shown = others
    .slice(0, 5)
    .map((c) => `${c.addr}${c.name ? ` "${c.name}"` : ''} (last ${c.cmd || 'command unknown'})`)
    .join(', ')
  const more = others.length > 5 ? ` and ${others.length - 5} more` : ''
  return (
    `${others.length === 1 ? '1 client' : `${others.length} clients`} connected before the step began ran commands during it: ${shown}${more}. ` +
    "If it is another job on a shared Redis, leaked keys may not be this job's: set key-scope to this job's key names."
  )
}
