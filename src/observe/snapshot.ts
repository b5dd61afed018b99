import {
  detectServer,
  numberField,
  parseCommandstats,
  parseErrorstats,
  parseInfo,
  parseKeyspace,
  type CommandStat,
  type DbKeys,
  type InfoSections,
  type ServerInfo
} from './info.js'
import { isGuardClient, type ClientListing } from './clients.js'
import type { GuardFootprint } from './footprint.js'
import { deniedCommand } from './permissions.js'
import type { RedisConnection } from '../redis/connection.js'

/** Memory figures from INFO memory; null means "not reported by this server", never 0. */
export interface MemoryFigures {
  usedMemory: number | null
  usedMemoryRss: number | null
  usedMemoryPeak: number | null
  usedMemoryDataset: number | null
  usedMemoryOverhead: number | null
  usedMemoryStartup: number | null
  maxmemory: number | null
  maxmemoryPolicy: string | null
  memFragmentationRatio: number | null
  memFragmentationBytes: number | null
  /** The allocator's own fragmentation (active over allocated); Redis 7.4+ counts small bins only. */
  allocatorFragRatio: number | null
  allocatorFragBytes: number | null
  /**
   * Pages the allocator holds resident beyond its active ones (`allocator_rss_*`), and RSS outside
   * the allocator altogether (`rss_overhead_*`: the binary, libraries, stacks). Neither is
   * fragmentation of the data. Absent in snapshots of earlier versions.
   */
  allocatorRssRatio?: number | null
  allocatorRssBytes?: number | null
  rssOverheadRatio?: number | null
  rssOverheadBytes?: number | null
  memClientsNormal: number | null
  totalSystemMemory: number | null
  /**
   * Memory of the second hash table while a DB's keyspace rehashes (Redis 7.4+, Valkey 8+): high
   * right after a bulk load, and gone once rehashing ends. Null on older servers.
   */
  memOverheadDbHashtableRehashing: number | null
  /** Bytes jemalloc holds as "muzzy" pages, given back lazily (Redis 7.4+, Valkey 8+). */
  allocatorMuzzy: number | null
}

/** One moment of one Redis: what the checks and the report need, nothing else. */
export interface Snapshot {
  takenAt: string
  server: ServerInfo
  uptimeSeconds: number | null
  /** Restarts between two snapshots show as a new run id. */
  runId: string | null
  memory: MemoryFigures
  connectedClients: number | null
  evictedKeys: number | null
  expiredKeys: number | null
  totalErrorReplies: number | null
  totalCommandsProcessed: number | null
  /** Lua scripts evicted from the script cache (Redis 7.4+, Valkey 8+); null on older servers. */
  evictedScripts: number | null
  /** Clients dropped for a query buffer over client-query-buffer-limit (Redis 7.4+, Valkey 8+). */
  clientQueryBufferLimitDisconnections: number | null
  /** Clients dropped for an output buffer over client-output-buffer-limit (Redis 7.4+, Valkey 8+). */
  clientOutputBufferLimitDisconnections: number | null
  /** Error counts by prefix (`OOM`, `ERR`, ...); null where the server has no errorstats (Redis < 6.2). */
  errorstats: Record<string, number> | null
  /** Per-command counters; null where the server does not report commandstats. */
  commandstats: Record<string, CommandStat> | null
  /** Keys per database number. */
  keyspace: Record<string, DbKeys>
  /** MEMORY DOCTOR's text, when asked for and supported. */
  memoryDoctor?: string | null
  /**
   * Commands the server refused with NOPERM while taking this snapshot (`info`, `memory`): their
   * figures are missing because the user may not read them, not because the server lacks them.
   */
  denied?: string[]
  /** CLIENT LIST with the guard's own connection id, taken by the step engine for the shared-Redis hint. */
  clients?: ClientListing
  /** On the "before" snapshot: what the guard itself added to the server before it (see footprint.ts). */
  guard?: GuardFootprint
}

/** The INFO sections one snapshot reads. */
export const SNAPSHOT_SECTIONS = ['server', 'clients', 'memory', 'stats', 'keyspace', 'errorstats', 'commandstats'] as const

/** Builds a snapshot from parsed INFO sections. Pure, so every server's quirks can be tested with text. */
export function snapshotFromInfo(sections: InfoSections, takenAt: Date = new Date()): Snapshot {
  const mem = sections.memory
  const stats = sections.stats
  const server = sections.server
  return {
    takenAt: takenAt.toISOString(),
    server: detectServer(server, mem),
    uptimeSeconds: numberField(server, 'uptime_in_seconds'),
    runId: server?.run_id ?? null,
    memory: {
      usedMemory: numberField(mem, 'used_memory'),
      usedMemoryRss: numberField(mem, 'used_memory_rss'),
      usedMemoryPeak: numberField(mem, 'used_memory_peak'),
      usedMemoryDataset: numberField(mem, 'used_memory_dataset'),
      usedMemoryOverhead: numberField(mem, 'used_memory_overhead'),
      usedMemoryStartup: numberField(mem, 'used_memory_startup'),
      maxmemory: numberField(mem, 'maxmemory'),
      maxmemoryPolicy: mem?.maxmemory_policy ?? null,
      memFragmentationRatio: numberField(mem, 'mem_fragmentation_ratio'),
      memFragmentationBytes: numberField(mem, 'mem_fragmentation_bytes'),
      allocatorFragRatio: numberField(mem, 'allocator_frag_ratio'),
      allocatorFragBytes: numberField(mem, 'allocator_frag_bytes'),
      allocatorRssRatio: numberField(mem, 'allocator_rss_ratio'),
      allocatorRssBytes: numberField(mem, 'allocator_rss_bytes'),
      rssOverheadRatio: numberField(mem, 'rss_overhead_ratio'),
      rssOverheadBytes: numberField(mem, 'rss_overhead_bytes'),
      memClientsNormal: numberField(mem, 'mem_clients_normal'),
      totalSystemMemory: numberField(mem, 'total_system_memory'),
      memOverheadDbHashtableRehashing: numberField(mem, 'mem_overhead_db_hashtable_rehashing'),
      allocatorMuzzy: numberField(mem, 'allocator_muzzy')
    },
    connectedClients: numberField(sections.clients, 'connected_clients'),
    evictedKeys: numberField(stats, 'evicted_keys'),
    expiredKeys: numberField(stats, 'expired_keys'),
    totalErrorReplies: numberField(stats, 'total_error_replies'),
    totalCommandsProcessed: numberField(stats, 'total_commands_processed'),
    evictedScripts: numberField(stats, 'evicted_scripts'),
    clientQueryBufferLimitDisconnections: numberField(stats, 'client_query_buffer_limit_disconnections'),
    clientOutputBufferLimitDisconnections: numberField(stats, 'client_output_buffer_limit_disconnections'),
    // Redis < 6.2 answers INFO errorstats with nothing: that is "no such counter", not "zero errors".
    errorstats: sections.errorstats !== undefined ? parseErrorstats(sections.errorstats) : null,
    commandstats: sections.commandstats !== undefined ? parseCommandstats(sections.commandstats) : null,
    keyspace: parseKeyspace(sections.keyspace)
  }
}

/** Reads the INFO sections a snapshot needs, one command each (the client pipelines them). */
export async function readSections(conn: RedisConnection, denied?: string[]): Promise<InfoSections> {
  // Only a NOPERM refusal is read as a missing section (and named as a denial). A timeout or any
  // other failure is not "not reported by this server": the figures were not read, so the snapshot
  // fails with the reason and its checks are unknown, never judged on empty sections.
  const refused = (err: unknown): string => {
    const command = deniedCommand(err)
    if (!command) throw err
    if (denied && !denied.includes(command)) denied.push(command)
    return ''
  }
  const texts = await Promise.all(SNAPSHOT_SECTIONS.map((s) => conn.info(s).catch(refused)))
  const sections: InfoSections = {}
  SNAPSHOT_SECTIONS.forEach((name, i) => {
    const parsed = parseInfo(texts[i])
    // A section that came back empty is absent, except keyspace, which is empty when there are no keys.
    if (parsed[name] !== undefined) sections[name] = parsed[name]
    else if (name === 'keyspace' && texts[i].trim() !== '') sections[name] = {}
  })
  return sections
}

/** Takes a snapshot of the Redis behind `conn`; `withDoctor` also asks MEMORY DOCTOR. */
export async function takeSnapshot(conn: RedisConnection, opts: { withDoctor?: boolean } = {}): Promise<Snapshot> {
  const denied: string[] = []
  const snapshot = snapshotFromInfo(await readSections(conn, denied))
  if (opts.withDoctor) snapshot.memoryDoctor = await memoryDoctor(conn, denied)
  if (denied.length > 0) snapshot.denied = denied
  return snapshot
}

async function memoryDoctor(conn: RedisConnection, denied: string[]): Promise<string | null> {
  try {
    const reply = await conn.command(['MEMORY', 'DOCTOR'])
    if (typeof reply === 'string') return reply
    if (Buffer.isBuffer(reply)) return reply.toString('utf8')
    return null
  } catch (err) {
    const command = deniedCommand(err)
    if (command && !denied.includes(command)) denied.push(command)
    return null
  }
}

/** Total keys over all databases, or null without a snapshot (or when the user may not run INFO: no keyspace is not zero keys). */
export function totalKeys(s: Snapshot | null): number | null {
  if (!s || s.denied?.includes('info')) return null
  return Object.values(s.keyspace).reduce((sum, db) => sum + db.keys, 0)
}

/** True when the two snapshots come from different server runs (Redis restarted in between). */
export function restarted(before: Snapshot | null, after: Snapshot): boolean {
  return before !== null && before.runId !== null && after.runId !== null && before.runId !== after.runId
}

/** How much a counter grew; after a restart the counter started from zero, so its value is the growth. */
export function counterDelta(before: number | null | undefined, after: number | null | undefined, restart: boolean): number | null {
  if (after === null || after === undefined) return null
  if (restart) return after
  if (before === null || before === undefined) return null
  return Math.max(0, after - before)
}

/**
 * The suite's connected clients at a snapshot: INFO's connected_clients less the guard's own
 * connections (by name in CLIENT LIST). Null without the figure; `guard` is null when CLIENT LIST
 * could not be read, and then `suite` still includes the guard's connections.
 */
export function suiteClients(s: Snapshot | null): { suite: number; guard: number | null } | null {
  if (!s || s.connectedClients === null) return null
  const listing = s.clients
  if (!listing || listing.unavailable !== undefined) return { suite: s.connectedClients, guard: null }
  const guard = listing.clients.filter(isGuardClient).length
  return { suite: Math.max(0, s.connectedClients - guard), guard }
}

/** The error replies of a step: counter growth between two snapshots (judge/step-errors.ts computes it). */
export interface ErrorCounts {
  /** Growth of `total_error_replies`; null where the server does not report it. */
  total: number | null
  /** Growth of each `errorstat_<PREFIX>` with any; null where the server has no errorstats (Redis < 6.2). */
  byPrefix: Record<string, number> | null
}
