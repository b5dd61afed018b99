/** Parsing of the text that INFO returns. Pure functions: text in, plain data out. */

export type InfoSections = Record<string, Record<string, string>>

/** Splits INFO text into `{ section: { field: value } }`; section names are lower-case. */
export function parseInfo(text: string): InfoSections {
  const sections: InfoSections = {}
  let current = 'default'
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim()
    if (line === '') continue
    if (line.startsWith('#')) {
      current = line.slice(1).trim().toLowerCase()
      sections[current] ??= {}
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    sections[current] ??= {}
    sections[current][line.slice(0, colon)] = line.slice(colon + 1)
  }
  return sections
}

/** Parses `a=1,b=2` (keyspace and errorstats values) into numbers where they are numbers. */
export function parseKeyValueList(value: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const part of value.split(',')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const n = Number(part.slice(eq + 1))
    if (Number.isFinite(n)) out[part.slice(0, eq)] = n
  }
  return out
}

/** A field as a number, or null when the server does not report it (never 0 for "absent"). */
export function numberField(fields: Record<string, string> | undefined, name: string): number | null {
  const raw = fields?.[name]
  if (raw === undefined || raw.trim() === '') return null
  const n = Number(raw)
  return Number.isFinite(n) ? n : null
}

export type ServerKind = 'redis' | 'valkey' | 'keydb' | 'dragonfly' | 'unknown'

export interface ServerInfo {
  kind: ServerKind
  /** The server's own version (Valkey's `valkey_version`, Dragonfly's `dragonfly_version`, ...). */
  version: string | null
  /** `redis_version`, which forks keep at the Redis version they are compatible with. */
  redisCompatVersion: string | null
  /** `redis_mode` (Redis, KeyDB) or `server_mode` (Valkey): standalone, cluster or sentinel. */
  mode: string | null
  /**
   * `mem_allocator` from INFO memory (`jemalloc-5.3.0`, `libc`): fragmentation and RSS figures
   * depend on it, so a comparison of two reports can tell a change of allocator from one of code.
   */
  allocator: string | null
}

/**
 * Tells Redis from its forks. Valkey keeps `redis_version` at 7.2.4, so the server is told by
 * `server_name` (and the fork's own version field), never by version number. `memory` is INFO
 * memory, for the allocator; without it the allocator is unknown (null).
 */
export function detectServer(server: Record<string, string> | undefined, memory?: Record<string, string>): ServerInfo {
  const s = server ?? {}
  const redisVersion = s.redis_version ?? null
  const name = (s.server_name ?? '').toLowerCase()
  // Valkey renamed redis_mode to server_mode; take whichever the server has.
  const mode = s.redis_mode ?? s.server_mode ?? null
  const allocator = memory?.mem_allocator ?? null
  const base = { redisCompatVersion: redisVersion, mode, allocator }
  if (name === 'valkey' || s.valkey_version !== undefined) {
    return { kind: 'valkey', version: s.valkey_version ?? redisVersion, ...base }
  }
  if (s.dragonfly_version !== undefined || name === 'dragonfly') {
    return { kind: 'dragonfly', version: s.dragonfly_version ?? redisVersion, ...base }
  }
  if (name === 'keydb' || s.keydb_version !== undefined || Object.keys(s).some((k) => k.startsWith('keydb'))) {
    return { kind: 'keydb', version: s.keydb_version ?? redisVersion, ...base }
  }
  if (redisVersion !== null) return { kind: 'redis', version: redisVersion, ...base }
  return { kind: 'unknown', version: null, ...base, redisCompatVersion: null }
}

const ENGINE_NAMES: Record<ServerKind, string> = {
  redis: 'Redis',
  valkey: 'Valkey',
  keydb: 'KeyDB',
  dragonfly: 'Dragonfly',
  unknown: 'The server'
}

/**
 * The engine's name as people write it, for messages and headings ("Valkey refused 3 commands",
 * "Valkey memory"). Without a snapshot the product's default, Redis; a server that could not be
 * told apart is "The server", since calling it Redis could be wrong.
 */
export function engineName(server: Pick<ServerInfo, 'kind'> | null | undefined): string {
  return server ? ENGINE_NAMES[server.kind] : 'Redis'
}

export interface DbKeys {
  keys: number
  expires: number
  avgTtl: number | null
}

/** Parses the keyspace section (`db0:keys=3,expires=1,avg_ttl=0`) into `{ 0: {...} }`. */
export function parseKeyspace(section: Record<string, string> | undefined): Record<string, DbKeys> {
  const out: Record<string, DbKeys> = {}
  for (const [field, value] of Object.entries(section ?? {})) {
    const m = /^db(\d+)$/.exec(field)
    if (!m) continue
    const kv = parseKeyValueList(value)
    out[m[1]] = { keys: kv.keys ?? 0, expires: kv.expires ?? 0, avgTtl: kv.avg_ttl ?? null }
  }
  return out
}

/** Parses errorstats (`errorstat_OOM:count=3`) into `{ OOM: 3 }`. */
export function parseErrorstats(section: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [field, value] of Object.entries(section)) {
    if (!field.startsWith('errorstat_')) continue
    out[field.slice('errorstat_'.length)] = parseKeyValueList(value).count ?? 0
  }
  return out
}

export interface CommandStat {
  calls: number
  usec: number
  /** Calls refused before running (OOM, ACL, ...): Redis 6.2+, else null. */
  rejectedCalls: number | null
  failedCalls: number | null
}

/** Parses commandstats (`cmdstat_set:calls=3,usec=10,...,rejected_calls=1,failed_calls=0`). */
export function parseCommandstats(section: Record<string, string>): Record<string, CommandStat> {
  const out: Record<string, CommandStat> = {}
  for (const [field, value] of Object.entries(section)) {
    if (!field.startsWith('cmdstat_')) continue
    const kv = parseKeyValueList(value)
    out[field.slice('cmdstat_'.length)] = {
      calls: kv.calls ?? 0,
      usec: kv.usec ?? 0,
      rejectedCalls: kv.rejected_calls ?? null,
      failedCalls: kv.failed_calls ?? null
    }
  }
  return out
}

/**
 * What is known to differ on an engine this project cannot run in its tests, as notes for the
 * report, so a reader does not take missing or different figures for the step's doing. Empty for
 * Redis and Valkey, which the engine suite runs against.
 */
export function engineLimits(server: Pick<ServerInfo, 'kind'> | null | undefined): string[] {
  switch (server?.kind) {
    case 'dragonfly':
      return [
        'Dragonfly: its MEMORY USAGE answers are not per-key byte counts, so key sizes and prefix shares are rough weights there, not bytes; ' +
          'its INFO has no dataset/overhead split and no fragmentation or allocator figures, and it has no MEMORY DOCTOR.',
        'Dragonfly answers an OOM with "ERR Out of memory", counted under ERR rather than OOM in its error counters: run the tests through the run input so the guard counts those replies in their output.'
      ]
    case 'keydb':
      return ["KeyDB reports Redis 6.2's INFO fields: the newer memory fields (rehashing overhead, muzzy pages, evicted scripts, buffer-limit disconnections) are not reported, and the guard has not been tested against it."]
    case 'unknown':
      return ['The server does not say which engine it is (no redis_version or server_name in INFO): figures it does not report are shown as not reported.']
    default:
      return []
  }
}
