/**
 * Several instances and cluster nodes in one report, as data: one row of figures per node, the
 * totals, and findings that always name the instance (and node) they are about, since memory
 * and OOM are per node: one full shard refuses writes while the cluster's total looks fine.
 * Pure: snapshots and key analyses in, figures and sentences out (plain text; key prefixes and
 * hash tags in them come from Redis, so the renderer escapes them like any key name).
 */
import { plural, restarted, type CheckResult, type Judgement, type Verdict } from './checks.js'
import type { MergedGroup, HashTagFigure } from '../keys/cluster.js'
import { keyName } from '../keys/prefix.js'
import { describeNode, type ClusterNodeInfo, type FailoverCheck, type NodeRole } from '../redis/topology.js'
import { hostPort } from '../redis/target.js'
import { formatBytes, formatCount } from '../core/size.js'
import type { Snapshot } from '../observe/snapshot.js'

/** What the engine has for one node (or for an instance that is one server) after the step. */
export interface NodeSnapshots {
  instance: string
  /** The node's place in its cluster; null when the instance is one server. */
  node: (ClusterNodeInfo & { host: string; port: number }) | null
  before: Snapshot | null
  /** Null when the node could not be reached after the step. */
  after: Snapshot | null
  /**
   * The node's judgement, made once with the step's thresholds (judgeMulti judges every node as
   * one server): its peak, OOM errors and evictions are what the row shows. Null when not judged.
   */
  judged: NodeJudgement | null
}

/** What a row takes from its node's judgement. */
export type NodeJudgement = Pick<Judgement, 'oomErrors' | 'evictedKeys'> & { peak: Pick<Judgement['peak'], 'bytes'> | null }

/** One row of the report. Null figures are unknown ("not reported" or "not reached"), never 0. */
export interface NodeFigures {
  instance: string
  /** `host:port` of a cluster node; null for an instance that is one server. */
  address: string | null
  /** `127.0.0.1:7001 (master, slots 0-5460)`; null for an instance that is one server. */
  node: string | null
  role: NodeRole | null
  reached: boolean
  restarted: boolean
  usedMemory: number | null
  /** The step's peak (sampled when the node was sampled; see stepPeak). */
  peakMemory: number | null
  maxmemory: number | null
  /** used_memory_dataset, or used − startup where the server does not split it: what the keys take. */
  datasetBytes: number | null
  oomErrors: number | null
  evictedKeys: number | null
  /** Keys in all DBs after the step. */
  keys: number | null
}

/** Sums over the rows. `complete` is false when a node was not reached or lacked a figure. */
export interface Totals {
  nodes: number
  unreached: number
  usedMemory: number | null
  /** Sum of the limits; null when a node has no maxmemory (so the whole has no limit). */
  maxmemory: number | null
  oomErrors: number | null
  evictedKeys: number | null
  /** Masters only: replicas hold copies of their masters' keys. */
  keys: number | null
  complete: boolean
}

/** Figures of one node: read from its "after" snapshot, and from its judgement (made once, by the caller). */
export function nodeFigures(n: NodeSnapshots): NodeFigures {
  const base = {
    instance: n.instance,
    address: n.node ? hostPort(n.node) : null,
    node: n.node ? describeNode(n.node) : null,
    role: n.node?.role ?? null
  }
  if (n.after === null) {
    return { ...base, reached: false, restarted: false, usedMemory: null, peakMemory: null, maxmemory: null, datasetBytes: null, oomErrors: null, evictedKeys: null, keys: null }
  }
  const j = n.judged
  const mem = n.after.memory
  const dataset = mem.usedMemoryDataset ?? (mem.usedMemory !== null && mem.usedMemoryStartup !== null ? Math.max(0, mem.usedMemory - mem.usedMemoryStartup) : null)
  return {
    ...base,
    reached: true,
    restarted: restarted(n.before, n.after),
    usedMemory: mem.usedMemory,
    peakMemory: j?.peak?.bytes ?? null,
    // 0 means "no limit" to Redis: unknown as a limit, not a limit of zero bytes.
    maxmemory: mem.maxmemory === null || mem.maxmemory === 0 ? null : mem.maxmemory,
    datasetBytes: dataset,
    oomErrors: j?.oomErrors ?? null,
    evictedKeys: j?.evictedKeys ?? null,
    keys: Object.values(n.after.keyspace).reduce((s, d) => s + d.keys, 0)
  }
}

/** Totals over rows (of one instance, or of all). */
export function totalsOf(rows: NodeFigures[]): Totals {
  let complete = true
  const sum = (pick: (r: NodeFigures) => number | null, which: NodeFigures[] = rows): number | null => {
    let total = 0
    let any = false
    for (const r of which) {
      const v = pick(r)
      if (v === null) complete = false
      else {
        total += v
        any = true
      }
    }
    return any ? total : null
  }
  const reached = rows.filter((r) => r.reached)
  const unreached = rows.length - reached.length
  if (unreached > 0) complete = false
  return {
    nodes: rows.length,
    unreached,
    usedMemory: sum((r) => r.usedMemory),
    // One node without a limit means the whole has none; that is a setting, not a figure missing.
    maxmemory: reached.length === 0 || reached.some((r) => r.maxmemory === null) ? null : reached.reduce((s, r) => s + (r.maxmemory as number), 0),
    oomErrors: sum((r) => r.oomErrors),
    evictedKeys: sum((r) => r.evictedKeys),
    keys: sum(
      (r) => r.keys,
      rows.filter((r) => r.role !== 'replica')
    ),
    complete
  }
}

/** How a row is named in a sentence: `queue`, or `cluster 127.0.0.1:7001 (master, slots 0-5460)`. */
export function rowName(r: Pick<NodeFigures, 'instance' | 'node'>): string {
  return r.node === null ? r.instance : `${r.instance} ${r.node}`
}

/**
 * One sentence per thing worth knowing about each row, each starting with the row's name:
 * OOM errors, evictions, a restart, a node not reached, a figure that could not be read.
 */
export function nodeFindings(rows: NodeFigures[]): string[] {
  const out: string[] = []
  for (const r of rows) {
    const name = rowName(r)
    if (!r.reached) {
      out.push(`${name}: could not be reached after the step; its figures are unknown.`)
      continue
    }
    if (r.oomErrors === null) out.push(`${name}: OOM errors unknown (this server does not count them, or there is no "before" snapshot).`)
    else if (r.oomErrors > 0) out.push(`${name}: ${plural(r.oomErrors, 'OOM error')}.`)
    if (r.evictedKeys !== null && r.evictedKeys > 0) out.push(`${name}: ${plural(r.evictedKeys, 'key')} evicted.`)
    if (r.restarted) out.push(`${name}: restarted during the step; its counters count from the restart.`)
  }
  return out
}

/**
 * For a cluster whose memory is per shard: OOM on some masters while the cluster as a whole is far
 * below the sum of maxmemory. Null when no master refused writes.
 */
export function shardOomFinding(instance: string, rows: NodeFigures[]): string | null {
  const masters = rows.filter((r) => r.instance === instance && r.role === 'master')
  const full = masters.filter((r) => (r.oomErrors ?? 0) > 0)
  if (full.length === 0) return null
  const t = totalsOf(masters)
  const errors = full.reduce((s, r) => s + (r.oomErrors ?? 0), 0)
  const where = full.map((r) => r.address).join(', ')
  const total =
    t.usedMemory !== null && t.maxmemory !== null
      ? `, while the masters together used ${formatBytes(t.usedMemory)} of ${formatBytes(t.maxmemory)} maxmemory (${Math.round((100 * t.usedMemory) / t.maxmemory)}%)`
      : ''
  return (
    `${instance}: ${plural(errors, 'OOM error')} on ${full.length} of ${masters.length} masters (${where})${total}: ` +
    `memory is per shard, so one full shard refuses writes for its slots however much room the others have.`
  )
}

/** A prefix that puts a node over its share, with how much of the prefix that node holds. */
export interface ImbalancePrefix {
  db: number
  prefix: string
  /** On the heavy node. */
  keys: number
  bytes: number
  /** Of the prefix's bytes (keys where there are no bytes) over all masters, the part on the heavy node, 0–1. */
  share: number
}

/** One master holding most of an instance's bytes or keys. */
export interface Imbalance {
  instance: string
  address: string
  measure: 'bytes' | 'keys'
  /** The node's part of the masters' total, 0–1. */
  share: number
  value: number
  total: number
  prefixes: ImbalancePrefix[]
  finding: string
}

export interface ImbalanceOptions {
  /** Prefixes merged over the masters (mergeInventories), keyed by the node's `host:port`. */
  merged?: MergedGroup[]
  /** Below these totals a skew is noise (an empty cluster's few bookkeeping bytes). */
  minBytes?: number
  minKeys?: number
}

/**
 * A master is "heavy" when it holds at least half of the masters' dataset bytes (or keys) and at
 * least 1.5× an even share: for three masters, half; for two, three quarters.
 */
export function findImbalance(rows: NodeFigures[], opts: ImbalanceOptions = {}): Imbalance[] {
  const out: Imbalance[] = []
  const instances = [...new Set(rows.map((r) => r.instance))]
  for (const instance of instances) {
    const masters = rows.filter((r) => r.instance === instance && r.role === 'master' && r.reached && r.address !== null)
    if (masters.length < 2) continue
    const threshold = Math.max(0.5, 1.5 / masters.length)
    for (const measure of ['bytes', 'keys'] as const) {
      const value = (r: NodeFigures): number | null => (measure === 'bytes' ? r.datasetBytes : r.keys)
      if (masters.some((r) => value(r) === null)) continue
      const total = masters.reduce((s, r) => s + (value(r) as number), 0)
      const floor = measure === 'bytes' ? (opts.minBytes ?? 1024 * 1024) : (opts.minKeys ?? 1000)
      if (total < floor) continue
      const heavy = masters.reduce((a, b) => ((value(b) as number) > (value(a) as number) ? b : a))
      const share = (value(heavy) as number) / total
      if (share < threshold) continue
      // Bytes and keys usually point at the same node; one finding for it is enough.
      if (out.some((o) => o.instance === instance && o.address === heavy.address)) continue
      const prefixes = heavyPrefixes(heavy.address as string, opts.merged ?? [])
      const amount = measure === 'bytes' ? `${formatBytes(value(heavy) as number)} of ${formatBytes(total)}` : `${formatCount(value(heavy) as number)} of ${plural(total, 'key')}`
      const why = prefixes.length > 0 ? `; mostly ${prefixes.map((p) => `${keyName(p.prefix).key} (${Math.round(p.share * 100)}% of it there)`).join(', ')}` : ''
      out.push({
        instance,
        address: heavy.address as string,
        measure,
        share,
        value: value(heavy) as number,
        total,
        prefixes,
        finding: `${instance}: master ${heavy.address} holds ${Math.round(share * 100)}% of the masters' ${measure === 'bytes' ? 'data' : 'keys'} (${amount})${why}.`
      })
    }
  }
  return out
}

/** Prefixes mostly on `address`, largest there first (at most 5). */
function heavyPrefixes(address: string, merged: MergedGroup[]): ImbalancePrefix[] {
  const withBytes = merged.some((g) => g.bytes > 0)
  return merged
    .map((g) => {
      const here = g.byNode[address] ?? { keys: 0, bytes: 0 }
      const share = withBytes ? (g.bytes > 0 ? here.bytes / g.bytes : 0) : g.keys > 0 ? here.keys / g.keys : 0
      return { db: g.db, prefix: g.prefix, keys: here.keys, bytes: here.bytes, share }
    })
    .filter((p) => p.share >= 0.5 && (withBytes ? p.bytes > 0 : p.keys > 0))
    .sort((a, b) => (withBytes ? b.bytes - a.bytes : b.keys - a.keys))
    .slice(0, 5)
}

/**
 * Hash tags that pin many keys to one slot: at least `minKeys` keys and `minShare` of all keys
 * scanned. `nodes` maps the slot to the master serving it.
 */
export function hashTagFindings(
  instance: string,
  tags: HashTagFigure[],
  totalKeys: number,
  nodes: ClusterNodeInfo[] = [],
  opts: { minKeys?: number; minShare?: number } = {}
): string[] {
  const minKeys = opts.minKeys ?? 100
  const minShare = opts.minShare ?? 0.1
  return tags
    .filter((t) => t.keys >= minKeys && totalKeys > 0 && t.keys / totalKeys >= minShare)
    .map((t) => {
      const owner = nodes.find((n) => n.role === 'master' && n.slots.some(([a, b]) => t.slot >= a && t.slot <= b))
      const on = owner ? ` on ${hostPort(owner)}` : ''
      return `${instance}: hash tag {${keyName(t.tag).key}} pins ${plural(t.keys, 'key')} (${Math.round((100 * t.keys) / totalKeys)}% of all) to slot ${t.slot}${on}.`
    })
}

/** The sentence for a Sentinel failover found by asking the sentinels again; null when the master stayed. */
export function failoverFinding(instance: string, check: FailoverCheck): string | null {
  if (!check.failedOver) return null
  return (
    `${instance}: the master failed over from ${hostPort(check.previous)} to ${hostPort(check.current)} during the step; ` +
    `figures after it are the new master's, and counters of the old one are not included.`
  )
}

/** Everything the engine gathered over all instances, for one call that yields the report's data. */
export interface InstancesInput {
  nodes: NodeSnapshots[]
  /** Per cluster instance: prefixes merged over its masters (mergeInventories). */
  merged?: Record<string, MergedGroup[]>
  /** Per cluster instance: the hash tag tally's top tags and the keys it counted. */
  hashTags?: Record<string, { tags: HashTagFigure[]; totalKeys: number }>
  /** Per Sentinel instance: what asking the sentinels again after the step found. */
  failovers?: Record<string, FailoverCheck>
}

export interface InstanceSummary {
  name: string
  /** True when the instance is a cluster (its rows name nodes). */
  cluster: boolean
  totals: Totals
}

/** The report's data for several instances: one row per node, totals per instance and overall, and the findings, each naming its instance. */
export interface InstancesSummary {
  rows: NodeFigures[]
  instances: InstanceSummary[]
  total: Totals
  imbalance: Imbalance[]
  findings: string[]
}

/** Figures, totals and findings for every instance, in the order the instances were given. */
export function summarizeInstances(input: InstancesInput): InstancesSummary {
  const rows = input.nodes.map(nodeFigures)
  const names = [...new Set(rows.map((r) => r.instance))]
  const findings: string[] = []
  const imbalance: Imbalance[] = []
  const instances: InstanceSummary[] = names.map((name) => {
    const own = rows.filter((r) => r.instance === name)
    const cluster = own.some((r) => r.node !== null)
    const failover = input.failovers?.[name]
    const failoverText = failover ? failoverFinding(name, failover) : null
    if (failoverText) findings.push(failoverText)
    const shard = cluster ? shardOomFinding(name, own) : null
    findings.push(...nodeFindings(own))
    if (shard) findings.push(shard)
    if (cluster) {
      const found = findImbalance(own, { merged: input.merged?.[name] })
      imbalance.push(...found)
      findings.push(...found.map((f) => f.finding))
      const tags = input.hashTags?.[name]
      const nodes = input.nodes.filter((n) => n.instance === name && n.node !== null).map((n) => n.node as ClusterNodeInfo)
      if (tags) findings.push(...hashTagFindings(name, tags.tags, tags.totalKeys, nodes))
    }
    return { name, cluster, totals: totalsOf(own) }
  })
  return { rows, instances, total: totalsOf(rows), imbalance, findings }
}

/** One node's verdict and checks, as the report lists them under `instances.nodes`. */
export interface NodeReport {
  instance: string
  /** `host:port` of a cluster node; null for an instance that is one server. */
  address: string | null
  target: string
  verdict: Verdict
  checks: CheckResult[]
  errors: string[]
}

/** `report.instances`: per-node figures and verdicts, totals, imbalance and findings naming the instance. */
export interface InstancesReport extends InstancesSummary {
  nodes: NodeReport[]
  /** How `max-used-memory` was applied: to each node, and to the total of all of them. */
  totalLimit: { maxUsedMemory: number | null; usedMemory: number | null; status: CheckResult['status'] } | null
}
