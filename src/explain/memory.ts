/**
 * What the memory is made of: `MEMORY STATS` split into the dataset and the overhead parts (client
 * buffers, replication and AOF buffers, scripts and functions, the keyspace's own tables, the
 * empty server), the client with the biggest output buffer from `CLIENT LIST`, and sentences that
 * name the cause when keys were not it. Parsing and judging are pure; `takeMemoryBreakdown` is the
 * only I/O.
 *
 * The parts follow Redis's own accounting (`getMemoryOverheadData` in src/object.c): overhead.total
 * is startup + replication backlog + replica and normal client buffers + AOF buffer + Lua and
 * function caches + cluster links + the per-DB hash tables; dataset.bytes is total.allocated
 * minus overhead.total.
 */
import { describeError } from '../core/errors.js'
import { isErrorReply, type RedisConnection } from '../redis/connection.js'
import type { Snapshot } from '../observe/snapshot.js'
import { formatBytes, formatCount } from '../core/size.js'
import { LATENCY_HISTOGRAM_BYTES, latencyHistogramNames } from '../observe/footprint.js'

/** The figures of one `MEMORY STATS` reply this project reads; null = not reported by this server. */
export interface MemoryStats {
  peakAllocated: number | null
  totalAllocated: number | null
  startupAllocated: number | null
  replicationBacklog: number | null
  clientsReplicas: number | null
  clientsNormal: number | null
  clusterLinks: number | null
  aofBuffer: number | null
  luaCaches: number | null
  functionsCaches: number | null
  overheadTotal: number | null
  keysCount: number | null
  datasetBytes: number | null
  /** The main and expires hash tables of every DB (`db.N` entries), summed. */
  keyspaceOverhead: number
}

type StatsValue = number | string | StatsValue[] | Buffer | null

function num(v: StatsValue | undefined): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null
  if (typeof v === 'string' || Buffer.isBuffer(v)) {
    const n = Number(v.toString())
    return v.toString().trim() !== '' && Number.isFinite(n) ? n : null
  }
  return null
}

/** Field → value of a flat `[name, value, name, value, ...]` reply (RESP2), or of a RESP3 map. */
function pairs(reply: unknown): Map<string, StatsValue> {
  const out = new Map<string, StatsValue>()
  if (reply instanceof Map) {
    for (const [k, v] of reply) out.set(String(k), v as StatsValue)
  } else if (Array.isArray(reply)) {
    for (let i = 0; i + 1 < reply.length; i += 2) out.set(String(reply[i]), reply[i + 1] as StatsValue)
  } else if (reply !== null && typeof reply === 'object') {
    for (const [k, v] of Object.entries(reply)) out.set(k, v as StatsValue)
  }
  return out
}

/** Parses the reply of `MEMORY STATS` (Redis 6.0+, Valkey); fields the server lacks are null. */
export function parseMemoryStats(reply: unknown): MemoryStats {
  const f = pairs(reply)
  let keyspaceOverhead = 0
  for (const [name, value] of f) {
    if (!/^db\.\d+$/.test(name)) continue
    // Every table of the DB counts: main, expires, and 7.0's slot-to-keys in cluster mode.
    for (const [, v] of pairs(value)) keyspaceOverhead += num(v) ?? 0
  }
  return {
    peakAllocated: num(f.get('peak.allocated')),
    totalAllocated: num(f.get('total.allocated')),
    startupAllocated: num(f.get('startup.allocated')),
    replicationBacklog: num(f.get('replication.backlog')),
    clientsReplicas: num(f.get('clients.slaves')),
    clientsNormal: num(f.get('clients.normal')),
    clusterLinks: num(f.get('cluster.links')),
    aofBuffer: num(f.get('aof.buffer')),
    luaCaches: num(f.get('lua.caches')),
    functionsCaches: num(f.get('functions.caches')),
    overheadTotal: num(f.get('overhead.total')),
    keysCount: num(f.get('keys.count')),
    datasetBytes: num(f.get('dataset.bytes')),
    keyspaceOverhead
  }
}

/** One connection as `CLIENT LIST` describes it (only what buffers tell). */
export interface ClientBuffer {
  id: string
  /** Flags as Redis writes them: `N` normal, `S` replica, `M` master, `P` Pub/Sub subscriber, ... */
  flags: string
  /** The last command it ran, e.g. `subscribe`; untrusted text from the server. */
  cmd: string
  /** Channels and patterns it is subscribed to. */
  subscriptions: number
  /** Output buffer memory (`omem`). */
  outputBytes: number
  /** Query buffer (`qbuf`). */
  queryBytes: number
  /** All the memory of the connection (`tot-mem`, Redis 6.0+); null where not reported. */
  totalBytes: number | null
}

/** Parses `CLIENT LIST`: one line per connection of `name=value` fields. */
export function parseClientList(text: string): ClientBuffer[] {
  const out: ClientBuffer[] = []
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue
    const f = new Map<string, string>()
    for (const part of line.trim().split(' ')) {
      const eq = part.indexOf('=')
      if (eq > 0) f.set(part.slice(0, eq), part.slice(eq + 1))
    }
    if (!f.has('id')) continue
    const n = (name: string): number => {
      const v = Number(f.get(name))
      return Number.isFinite(v) ? v : 0
    }
    const tot = f.has('tot-mem') ? Number(f.get('tot-mem')) : NaN
    out.push({
      id: f.get('id') ?? '',
      flags: f.get('flags') ?? '',
      cmd: f.get('cmd') ?? '',
      subscriptions: n('sub') + n('psub') + n('ssub'),
      outputBytes: n('omem'),
      queryBytes: n('qbuf'),
      totalBytes: Number.isFinite(tot) ? tot : null
    })
  }
  return out
}

/** The parts memory is made of; `dataset` is the keys and their values. */
export type MemoryPartName =
  | 'dataset'
  | 'startup'
  | 'clients-normal'
  | 'clients-replicas'
  | 'replication-backlog'
  | 'aof-buffer'
  | 'scripts'
  | 'keyspace-overhead'
  | 'cluster-links'
  | 'latency-histograms'

export const PART_LABELS: Record<MemoryPartName, string> = {
  dataset: 'keys and values (dataset)',
  startup: 'the empty server (used_memory_startup)',
  'clients-normal': "clients' buffers",
  'clients-replicas': "replicas' output buffers",
  'replication-backlog': 'the replication backlog',
  'aof-buffer': 'the AOF buffer',
  scripts: 'cached scripts and functions',
  'keyspace-overhead': "the keyspace's own hash tables",
  'cluster-links': 'cluster links',
  'latency-histograms': 'latency histograms (one per command name called)'
}

export interface MemoryPart {
  part: MemoryPartName
  bytes: number
  /** Share of total.allocated (0..1). */
  share: number
}

/** Connections of one kind and what they held. */
export interface ClientsFigure {
  count: number
  /** Sum of `omem` over them. */
  outputBytes: number
  /** Sum of `tot-mem` over them (null where not reported). */
  totalBytes: number | null
}

/** What the memory is made of at one moment. */
export interface MemoryBreakdown {
  takenAt: string
  /** total.allocated (= used_memory). */
  usedBytes: number | null
  /** Largest first; parts the server does not report are left out. */
  parts: MemoryPart[]
  /** The biggest part, the empty server left out (it is there before any test runs). */
  biggest: MemoryPart | null
  /** Normal clients and subscribers, from CLIENT LIST; null when it could not be read (see clientsUnavailable). */
  clients: { normal: ClientsFigure; subscribers: ClientsFigure; replicas: ClientsFigure; biggestOutput: ClientBuffer | null } | null
  clientsUnavailable?: string
  /**
   * Redis 7's latency histograms (INFO latencystats: one per command name ever called since the
   * last CONFIG RESETSTAT), which MEMORY STATS counts in the dataset: moved out of it into a part
   * of their own, estimated at LATENCY_HISTOGRAM_BYTES each. Absent before Redis 7.
   */
  latencyHistograms?: { count: number; bytes: number }
}

/** Splits MEMORY STATS into parts and adds what CLIENT LIST says about the buffers. Pure. */
export function buildBreakdown(
  stats: MemoryStats,
  clients: ClientBuffer[] | null,
  takenAt: Date = new Date(),
  clientsUnavailable?: string,
  histogramCount: number | null = null
): MemoryBreakdown {
  const used = stats.totalAllocated
  const scripts = stats.luaCaches === null && stats.functionsCaches === null ? null : (stats.luaCaches ?? 0) + (stats.functionsCaches ?? 0)
  // Redis updates the clients' figure of MEMORY STATS in its cron, so just after a buffer grew it
  // is counted as dataset (used minus overhead). CLIENT LIST's tot-mem is live: where it says more,
  // the difference moves from the dataset to the clients.
  let clientsNormal = stats.clientsNormal
  let dataset = stats.datasetBytes
  const live = clients?.filter((c) => !c.flags.includes('S')).reduce((sum, c) => sum + (c.totalBytes ?? c.outputBytes), 0) ?? null
  if (live !== null && clientsNormal !== null && dataset !== null && live > clientsNormal) {
    const shift = Math.min(live - clientsNormal, dataset)
    clientsNormal += shift
    dataset -= shift
  }
  // The histograms sit inside dataset.bytes (they are allocated outside the overhead MEMORY STATS lists).
  let histograms: number | null = null
  if (histogramCount !== null && histogramCount > 0 && dataset !== null) {
    histograms = Math.min(histogramCount * LATENCY_HISTOGRAM_BYTES, dataset)
    dataset -= histograms
  }
  const raw: [MemoryPartName, number | null][] = [
    ['dataset', dataset],
    ['startup', stats.startupAllocated],
    ['clients-normal', clientsNormal],
    ['clients-replicas', stats.clientsReplicas],
    ['replication-backlog', stats.replicationBacklog],
    ['aof-buffer', stats.aofBuffer],
    ['scripts', scripts],
    ['keyspace-overhead', stats.keyspaceOverhead],
    ['cluster-links', stats.clusterLinks],
    ['latency-histograms', histograms]
  ]
  const parts: MemoryPart[] = raw
    .filter((p): p is [MemoryPartName, number] => p[1] !== null)
    .map(([part, bytes]) => ({ part, bytes, share: used && used > 0 ? bytes / used : 0 }))
    .sort((a, b) => b.bytes - a.bytes)
  const biggest = parts.find((p) => p.part !== 'startup' && p.bytes > 0) ?? null
  let clientFigures: MemoryBreakdown['clients'] = null
  if (clients) {
    const kind = (c: ClientBuffer): 'replicas' | 'subscribers' | 'normal' =>
      c.flags.includes('S') ? 'replicas' : c.flags.includes('P') || c.subscriptions > 0 ? 'subscribers' : 'normal'
    const empty = (): ClientsFigure => ({ count: 0, outputBytes: 0, totalBytes: 0 })
    const figs = { normal: empty(), subscribers: empty(), replicas: empty() }
    let biggestOutput: ClientBuffer | null = null
    for (const c of clients) {
      const f = figs[kind(c)]
      f.count++
      f.outputBytes += c.outputBytes
      f.totalBytes = f.totalBytes === null || c.totalBytes === null ? null : f.totalBytes + c.totalBytes
      if (c.outputBytes > 0 && (biggestOutput === null || c.outputBytes > biggestOutput.outputBytes)) biggestOutput = c
    }
    clientFigures = { ...figs, biggestOutput }
  }
  return {
    takenAt: takenAt.toISOString(),
    usedBytes: used,
    parts,
    biggest,
    clients: clientFigures,
    ...(clientsUnavailable ? { clientsUnavailable } : {}),
    ...(histogramCount !== null && histograms !== null ? { latencyHistograms: { count: histogramCount, bytes: histograms } } : {})
  }
}

/** The result of asking: a breakdown, or null and why not (no MEMORY STATS, or not allowed). */
export interface BreakdownResult {
  breakdown: MemoryBreakdown | null
  reason?: string
}


/**
 * Asks MEMORY STATS and CLIENT LIST (pipelined). A refusal (ACL, a server without the command)
 * gives null with the reason; CLIENT LIST refused alone leaves the breakdown without the clients.
 * Errors other than refusals (Redis gone, timeouts) are thrown: they are not facts about memory.
 */
export async function takeMemoryBreakdown(conn: RedisConnection): Promise<BreakdownResult> {
  const [stats, list, latency] = await Promise.allSettled([conn.command(['MEMORY', 'STATS']), conn.command(['CLIENT', 'LIST']), conn.info('latencystats')])
  if (stats.status === 'rejected') {
    const message = describeError(stats.reason)
    // An error reply is the server (or the ACL) saying no; a timeout or a lost connection is not a fact about memory.
    if (!isErrorReply(stats.reason)) throw stats.reason
    return { breakdown: null, reason: `MEMORY STATS was refused (${message})` }
  }
  let clients: ClientBuffer[] | null = null
  let clientsUnavailable: string | undefined
  if (list.status === 'fulfilled') {
    const text = typeof list.value === 'string' ? list.value : Buffer.isBuffer(list.value) ? list.value.toString('latin1') : ''
    // Our own connection is not one of the step's clients.
    clients = parseClientList(text).filter((c) => c.cmd !== 'client|list' && c.cmd !== 'client')
  } else {
    const message = describeError(list.reason)
    if (!isErrorReply(list.reason)) throw list.reason
    clientsUnavailable = `CLIENT LIST was refused (${message})`
  }
  const histograms = latency.status === 'fulfilled' ? (latencyHistogramNames(latency.value)?.length ?? null) : null
  return { breakdown: buildBreakdown(parseMemoryStats(stats.value), clients, new Date(), clientsUnavailable, histograms) }
}

/** Which explanation a sentence gives, so the renderer and the JSON can tell them apart. */
export type ExplanationKind =
  | 'biggest-part'
  | 'not-keys'
  | 'maxmemory-near-empty-server'
  | 'volatile-policy-without-ttl'
  | 'non-evictable-memory'
  | 'breakdown-unavailable'
  | 'dataset-cross-check'

export interface Explanation {
  kind: ExplanationKind
  text: string
}

export interface ExplainInput {
  /** INFO at the moment explained (after the step, or at a moment snapshot). */
  snapshot: Snapshot
  breakdown: BreakdownResult
  /** What happened in the step: OOM errors and evictions (after − before); null = not known. */
  oomErrors: number | null
  evictedKeys: number | null
  /** The keys' own bytes (sum of MEMORY USAGE, or its sampled estimate) and how many, from the key analysis: the dataset is checked against them. */
  keyTotal?: { bytes: number; keys: number } | null
}

/** Share of maxmemory taken by the empty server past which "maxmemory is barely above the empty server". */
export const STARTUP_SHARE_OF_MAXMEMORY = 0.5
/** Overhead parts at or above this share of maxmemory leave too little for keys, evicting or not. */
const NON_EVICTABLE_SHARE = 0.8

function pct(share: number): string {
  return `${Math.round(share * 100)}%`
}

/**
 * Sentences that say what the memory is made of and, where keys were not the cause, what was.
 * Pure; the order is from the most to the least telling.
 */
export function explainMemory(input: ExplainInput): Explanation[] {
  const { snapshot, breakdown: result } = input
  const out: Explanation[] = []
  const mem = snapshot.memory
  const maxmemory = mem.maxmemory && mem.maxmemory > 0 ? mem.maxmemory : null
  const startup = mem.usedMemoryStartup

  // An empty server that nearly fills maxmemory explains an OOM before any part does.
  if (maxmemory !== null && startup !== null && startup >= STARTUP_SHARE_OF_MAXMEMORY * maxmemory) {
    out.push({
      kind: 'maxmemory-near-empty-server',
      text:
        `maxmemory is barely above the empty server: ${formatBytes(maxmemory)} allowed, ${formatBytes(startup)} used by Redis with no data ` +
        `(used_memory_startup, ${pct(startup / maxmemory)} of maxmemory), leaving ${formatBytes(Math.max(0, maxmemory - startup))} for keys and clients. Raise maxmemory.`
    })
  }

  const policy = mem.maxmemoryPolicy ?? ''
  const oom = (input.oomErrors ?? 0) > 0
  if (oom && policy.startsWith('volatile-')) {
    const expires = Object.values(snapshot.keyspace).reduce((s, d) => s + d.expires, 0)
    const keys = Object.values(snapshot.keyspace).reduce((s, d) => s + d.keys, 0)
    if (expires === 0) {
      out.push({
        kind: 'volatile-policy-without-ttl',
        text:
          `Evicting could not prevent OOM: maxmemory-policy ${policy} evicts only keys with a TTL, and none of the ${formatCount(keys)} keys had one ` +
          `(INFO keyspace: expires=0). Give the keys a TTL or use an allkeys-* policy.`
      })
    }
  }

  const b = result.breakdown
  if (!b) {
    out.push({ kind: 'breakdown-unavailable', text: `What the memory is made of is not known: ${result.reason ?? 'MEMORY STATS gave no answer'}.` })
    return out
  }
  const used = b.usedBytes ?? mem.usedMemory
  const dataset = b.parts.find((p) => p.part === 'dataset')?.bytes ?? null
  const biggest = b.biggest
  if (biggest && used) {
    out.push({ kind: 'biggest-part', text: `The biggest part of the ${formatBytes(used)} used: ${PART_LABELS[biggest.part]}, ${formatBytes(biggest.bytes)} (${pct(biggest.share)}).` })
  }

  // Keys were not the cause when something that is no key outweighs them.
  // Histograms outweigh the keys on every near-empty Redis 7: that is worth saying only when memory ran short.
  const pressed = oom || (input.evictedKeys ?? 0) > 0
  const quietHistograms = biggest?.part === 'latency-histograms' && !pressed
  if (biggest && biggest.part !== 'dataset' && !quietHistograms && (dataset === null || biggest.bytes > dataset)) {
    out.push({ kind: 'not-keys', text: notKeysSentence(biggest, b, dataset, input.keyTotal ?? null) })
  }
  const crossCheck = datasetCrossCheck(b, dataset, input.keyTotal ?? null, pressed)
  if (crossCheck) out.push({ kind: 'dataset-cross-check', text: crossCheck })

  // With an evicting policy and OOM anyway: memory that no eviction frees.
  if (oom && maxmemory !== null && policy !== 'noeviction' && !out.some((e) => e.kind === 'volatile-policy-without-ttl') && used !== null && dataset !== null) {
    const fixed = used - dataset
    if (fixed >= NON_EVICTABLE_SHARE * maxmemory) {
      out.push({
        kind: 'non-evictable-memory',
        text:
          `Evicting keys could not prevent OOM: ${formatBytes(fixed)} of the ${formatBytes(used)} used is not keys (${pct(fixed / maxmemory)} of maxmemory ${formatBytes(maxmemory)}), ` +
          `and evicting frees only keys (${formatBytes(dataset)})` +
          (b.latencyHistograms && b.latencyHistograms.bytes > 0 ? `; the ${formatCount(b.latencyHistograms.count)} latency histograms (~${formatBytes(b.latencyHistograms.bytes)}) are never evicted.` : '.')
      })
    }
  }
  return out
}

/**
 * The dataset against the keys' own bytes: what MEMORY STATS calls data but no key holds (Redis 7's
 * latency histograms above all) is said, so "data" is not read as "keys". Null when they agree
 * (within 20%, and 64 KB after an OOM or eviction, 1 MB otherwise) or either is unknown.
 */
function datasetCrossCheck(b: MemoryBreakdown, dataset: number | null, keys: { bytes: number; keys: number } | null, pressed: boolean): string | null {
  if (keys === null || dataset === null) return null
  const h = b.latencyHistograms
  const reported = dataset + (h?.bytes ?? 0)
  const gap = reported - keys.bytes
  // Without OOM or evictions, a gap under 1 MB is the usual state of a small server, not news.
  if (gap < (pressed ? 64 * 1024 : 1024 * 1024) || gap < 0.2 * reported) return null
  const histText = h && h.bytes > 0 ? `: ${formatCount(h.count)} latency histograms (INFO latencystats, ~${formatBytes(h.bytes)})` : ''
  const rest = reported - (h?.bytes ?? 0) - keys.bytes
  const restText = rest >= 64 * 1024 ? `${histText ? ', and ' : ': '}${formatBytes(rest)} of allocator rounding and structures Redis does not list` : ''
  return `MEMORY STATS counts ${formatBytes(reported)} as data, but the ${formatCount(keys.keys)} keys themselves hold ${formatBytes(keys.bytes)} (MEMORY USAGE): ${formatBytes(gap)} is not keys${histText}${restText}.`
}

function notKeysSentence(biggest: MemoryPart, b: MemoryBreakdown, dataset: number | null, keyTotal: { bytes: number; keys: number } | null = null): string {
  const keys = dataset === null ? '' : ` (keys and values: ${formatBytes(dataset)})`
  if (biggest.part === 'latency-histograms') {
    const n = b.latencyHistograms?.count ?? 0
    const count = keyTotal ? `, ${formatCount(keyTotal.keys)} keys of ${formatBytes(keyTotal.bytes)}` : ''
    return (
      `Keys were not the cause: ${formatCount(n)} latency histograms held ~${formatBytes(biggest.bytes)}${keys.replace(/\)$/, `${count})`)}. ` +
      `Redis 7 allocates one (~${formatBytes(LATENCY_HISTOGRAM_BYTES)}) the first time each command name is called (INFO latencystats lists them) and keeps it until CONFIG RESETSTAT; eviction cannot free them. ` +
      `Run the test server with latency-tracking no (CONFIG SET latency-tracking no, or --latency-tracking no), or send CONFIG RESETSTAT between suites.`
    )
  }
  if (biggest.part === 'clients-normal' && b.clients) {
    const c = b.clients
    const withOutput = [c.normal, c.subscribers].reduce((s, f) => s + f.count, 0)
    const big = c.biggestOutput
    const who = big && (big.flags.includes('P') || big.subscriptions > 0) ? 'a subscriber that does not read its messages' : 'a slow consumer'
    const bigText = big ? `, the biggest output buffer ${formatBytes(big.outputBytes)} (client id ${big.id}, last command ${big.cmd || 'unknown'})` : ''
    const whose = withOutput === 1 ? "the 1 client's" : `the ${formatCount(withOutput)} clients'`
    return `Keys were not the cause: ${whose} buffers held ${formatBytes(biggest.bytes)}${bigText}: ${who}${keys}.`
  }
  if (biggest.part === 'clients-normal') {
    return `Keys were not the cause: clients' buffers held ${formatBytes(biggest.bytes)}: a slow consumer or big replies${keys}. ${b.clientsUnavailable ?? ''}`.trim()
  }
  return `Keys were not the cause: ${PART_LABELS[biggest.part]} held ${formatBytes(biggest.bytes)}${keys}.`
}
