/**
 * What stands behind one URL: a single server, a Redis Cluster (every master and replica, from
 * CLUSTER SHARDS or, on servers before 7.0, CLUSTER NODES), or a Sentinel-managed master (asked
 * of the sentinels, and asked again after the step to see whether it failed over).
 * The parsers are pure; the rest is one command or a few per call, each bounded by the connection.
 */
import { UserError, describeError } from '../core/errors.js'
import { parseInfo } from '../observe/info.js'
import { connect, replyCode, type RedisConnection } from './connection.js'
import { masterTarget, type InstanceSpec, type SentinelAddress, type SentinelSpec } from './instances.js'
import { hostPort, maskUrlText, parseRedisUrl, type RedisTarget } from './target.js'

export type NodeRole = 'master' | 'replica'

/** A slot range, both ends included, as Redis writes them (`0-5460`). */
export type SlotRange = [number, number]

/** One node of a cluster as the cluster describes it. */
export interface ClusterNodeInfo {
  id: string
  host: string
  port: number
  role: NodeRole
  /** For a replica, its master's id (null when the cluster does not say). */
  masterId: string | null
  /** Slots served; empty for replicas (they serve their master's). */
  slots: SlotRange[]
  /** `online`, or why not (`failed`, `loading`, `handshake`, `noaddr`, ...): such a node may not answer. */
  health: string
}

/** A cluster node with the target to connect to it (the seed URL's credentials and TLS). */
export interface ClusterNode extends ClusterNodeInfo {
  target: RedisTarget
}

export interface ClusterTopology {
  /** Where the layout came from: CLUSTER SHARDS (7.0+) or CLUSTER NODES. */
  source: 'shards' | 'nodes'
  /** Masters first, each followed by its replicas; masters in slot order. */
  nodes: ClusterNode[]
}

/** True when INFO cluster says `cluster_enabled:1`; false when it says 0 or the server has no such section. */
export async function isClusterEnabled(conn: RedisConnection): Promise<boolean> {
  let text: string
  try {
    text = await conn.info('cluster')
  } catch (err) {
    // A user that may not run INFO cannot have its server expanded: the step watches the one URL,
    // and the snapshot says what INFO's refusal costs.
    if (replyCode(err) === 'NOPERM') return false
    throw err
  }
  return parseInfo(text).cluster?.cluster_enabled === '1'
}

/**
 * With `cluster: auto`, a URL of any cluster node stands for the whole cluster: its layout, or
 * null for a server that is not in cluster mode (or when `mode` is `off`).
 */
export async function expandCluster(conn: RedisConnection, mode: 'auto' | 'off' = 'auto'): Promise<ClusterTopology | null> {
  if (mode === 'off' || !(await isClusterEnabled(conn))) return null
  return discoverCluster(conn)
}

/** Asks one node for the cluster's layout: CLUSTER SHARDS, or CLUSTER NODES where SHARDS is unknown (before 7.0). */
export async function discoverCluster(conn: RedisConnection): Promise<ClusterTopology> {
  let source: ClusterTopology['source'] = 'shards'
  let infos: ClusterNodeInfo[]
  try {
    infos = parseClusterShards(await conn.command(['CLUSTER', 'SHARDS']))
  } catch (err) {
    if (!/unknown (sub)?command|wrong number of arguments/i.test(describeError(err))) throw err
    source = 'nodes'
    const text = await conn.command(['CLUSTER', 'NODES'])
    infos = parseClusterNodes(typeof text === 'string' ? text : Buffer.isBuffer(text) ? text.toString('utf8') : '')
  }
  const seed = conn.target
  const nodes = orderNodes(infos).map((n) => ({ ...n, target: nodeTarget(seed, n.host, n.port) }))
  return { source, nodes }
}

/** The target of another node: the seed's scheme, user and password, DB 0 (a cluster has only DB 0). */
export function nodeTarget(seed: RedisTarget, host: string, port: number): RedisTarget {
  const user = seed.username === null ? '' : encodeURIComponent(seed.username)
  const pass = seed.password === null ? '' : `:${encodeURIComponent(seed.password)}`
  const auth = user !== '' || pass !== '' ? `${user}${pass}@` : ''
  const hostText = host.includes(':') ? `[${host}]` : host
  return parseRedisUrl(`${seed.tls ? 'rediss' : 'redis'}://${auth}${hostText}:${port}`)
}

/** Masters in slot order, each followed by its replicas; nodes with no master known come last. */
export function orderNodes<T extends ClusterNodeInfo>(nodes: T[]): T[] {
  const firstSlot = (n: ClusterNodeInfo): number => (n.slots.length > 0 ? Math.min(...n.slots.map((s) => s[0])) : Number.MAX_SAFE_INTEGER)
  const masters = nodes.filter((n) => n.role === 'master').sort((a, b) => firstSlot(a) - firstSlot(b) || a.port - b.port)
  const out: T[] = []
  for (const m of masters) {
    out.push(m)
    out.push(...nodes.filter((n) => n.role === 'replica' && n.masterId === m.id).sort((a, b) => a.port - b.port))
  }
  out.push(...nodes.filter((n) => !out.includes(n)))
  return out
}

/**
 * CLUSTER SHARDS (7.0+): a list of shards, each `slots` (flat start/end pairs) and `nodes`
 * (each a flat list of field/value pairs in RESP2, a map in RESP3).
 */
export function parseClusterShards(reply: unknown): ClusterNodeInfo[] {
  if (!Array.isArray(reply)) throw new Error('CLUSTER SHARDS gave no list')
  const nodes: ClusterNodeInfo[] = []
  for (const shardReply of reply) {
    const shard = fields(shardReply)
    const flat = (Array.isArray(shard.slots) ? shard.slots : []).map(Number)
    const slots: SlotRange[] = []
    for (let i = 0; i + 1 < flat.length; i += 2) slots.push([flat[i], flat[i + 1]])
    const members = (Array.isArray(shard.nodes) ? shard.nodes : []).map(fields)
    const master = members.find((m) => text(m.role) === 'master')
    for (const m of members) {
      const role: NodeRole = text(m.role) === 'master' ? 'master' : 'replica'
      const endpoint = text(m.endpoint)
      // `?` or empty: the node does not know how clients reach it; its IP is the best there is.
      const host = endpoint !== '' && endpoint !== '?' ? endpoint : text(m.ip) || text(m.hostname)
      nodes.push({
        id: text(m.id),
        host,
        port: Number(m.port ?? m['tls-port']),
        role,
        masterId: role === 'replica' ? (master ? text(master.id) : null) : null,
        slots: role === 'master' ? slots : [],
        health: text(m.health) || 'online'
      })
    }
  }
  return nodes
}

/**
 * CLUSTER NODES: one line per node,
 * `<id> <ip:port@cport[,hostname]> <flags> <master-id|-> <ping> <pong> <epoch> <link> <slot>...`.
 * Slots in brackets are being migrated or imported and are not served yet.
 */
export function parseClusterNodes(textReply: string): ClusterNodeInfo[] {
  const nodes: ClusterNodeInfo[] = []
  for (const line of textReply.split('\n')) {
    const parts = line.trim().split(' ')
    if (parts.length < 8) continue
    const [id, address, flagText, masterId, , , , link, ...slotTexts] = parts
    const flags = flagText.split(',')
    const addr = /^(.*):(\d+)(?:@\d+)?(?:,(.*))?$/.exec(address)
    if (!addr) continue
    const role: NodeRole = flags.includes('master') ? 'master' : 'replica'
    const slots: SlotRange[] = []
    for (const s of slotTexts) {
      if (s.startsWith('[')) continue
      const [a, b] = s.split('-').map(Number)
      if (Number.isInteger(a)) slots.push([a, Number.isInteger(b) ? b : a])
    }
    const health = flags.includes('fail')
      ? 'failed'
      : flags.includes('fail?')
        ? 'suspected failing'
        : flags.includes('handshake')
          ? 'handshake'
          : flags.includes('noaddr')
            ? 'noaddr'
            : link === 'disconnected' && !flags.includes('myself')
              ? 'disconnected'
              : 'online'
    nodes.push({
      id,
      host: addr[1].replace(/^\[|\]$/g, ''),
      port: Number(addr[2]),
      role,
      masterId: role === 'replica' && masterId !== '-' ? masterId : null,
      slots: role === 'master' ? slots : [],
      health
    })
  }
  return nodes
}

/** `0-5460, 10923-16383` for messages. */
export function describeSlots(slots: SlotRange[]): string {
  return slots.map(([a, b]) => (a === b ? String(a) : `${a}-${b}`)).join(', ')
}

/** A node as the report names it: `127.0.0.1:7001 (master, slots 0-5460)`. */
export function describeNode(n: ClusterNodeInfo): string {
  const where = hostPort(n)
  if (n.role === 'replica') return `${where} (replica)`
  return n.slots.length > 0 ? `${where} (master, slots ${describeSlots(n.slots)})` : `${where} (master, no slots)`
}

// ---------------------------------------------------------------- Sentinel

/** The master a sentinel named, and which sentinel said so. */
export interface SentinelResolution {
  host: string
  port: number
  target: RedisTarget
  sentinel: SentinelAddress
  /**
   * The master's replicas the sentinel knows and considers up: snapshot them too from the start,
   * so the one promoted in a failover has a "before" of its own.
   */
  replicas: { host: string; port: number; target: RedisTarget }[]
}

export interface SentinelOptions {
  /** Per sentinel: how long to try to reach it before asking the next. */
  timeoutMs: number
}

/**
 * Asks the sentinels in the given order for the master's address (SENTINEL
 * get-master-addr-by-name); the first that knows it answers. Fails with one line when none is
 * reachable or none knows a master of that name.
 */
export async function resolveSentinelMaster(spec: SentinelSpec, opts: SentinelOptions): Promise<SentinelResolution> {
  const problems: string[] = []
  for (const s of spec.sentinels) {
    let conn: RedisConnection | null = null
    try {
      conn = await connect(parseRedisUrl(`${spec.tls ? 'rediss' : 'redis'}://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`, 'redis-url'), {
        timeoutMs: opts.timeoutMs,
        commandTimeoutMs: opts.timeoutMs,
        role: 'discovery'
      })
      const reply = await conn.command(['SENTINEL', 'GET-MASTER-ADDR-BY-NAME', spec.masterName])
      if (Array.isArray(reply) && reply.length >= 2) {
        const host = String(reply[0])
        const port = Number(String(reply[1]))
        const replicas = await sentinelReplicas(conn, spec)
        return { host, port, target: masterTarget(spec, host, port), sentinel: s, replicas }
      }
      problems.push(`${hostPort(s)} knows no master "${spec.masterName}"`)
    } catch (err) {
      problems.push(`${hostPort(s)}: ${maskUrlText(describeError(err))}`)
    } finally {
      await conn?.close()
    }
  }
  throw new UserError(
    `redis-url: no sentinel named the master "${spec.masterName}" (${problems.join('; ')}). ` +
      `Check the sentinels' addresses and the master's name (sentinel monitor <name> in their config).`
  )
}

/** SENTINEL REPLICAS, without those flagged down or disconnected; empty when the sentinel refuses the command. */
async function sentinelReplicas(conn: RedisConnection, spec: SentinelSpec): Promise<SentinelResolution['replicas']> {
  let reply: unknown
  try {
    reply = await conn.command(['SENTINEL', 'REPLICAS', spec.masterName])
  } catch {
    return []
  }
  if (!Array.isArray(reply)) return []
  return reply
    .map(fields)
    .filter((r) => !/s_down|o_down|disconnected/.test(text(r.flags)))
    .map((r) => ({ host: text(r.ip), port: Number(text(r.port)) }))
    .filter((r) => r.host !== '' && Number.isInteger(r.port))
    .map((r) => ({ ...r, target: masterTarget(spec, r.host, r.port) }))
}

/** What asking the sentinels again found. */
export interface FailoverCheck {
  /** True when the sentinels now name another address than `previous`. */
  failedOver: boolean
  previous: { host: string; port: number }
  current: SentinelResolution
}

/**
 * Asks the sentinels again, during or after the step: a new address means a failover, and the
 * snapshots must follow the new master. `previous` is the address the step started with.
 */
export async function checkFailover(spec: SentinelSpec, previous: { host: string; port: number }, opts: SentinelOptions): Promise<FailoverCheck> {
  const current = await resolveSentinelMaster(spec, opts)
  const failedOver = current.host !== previous.host || current.port !== previous.port
  return { failedOver, previous: { host: previous.host, port: previous.port }, current }
}

/** `master` or `replica` as INFO replication says; null when the server does not say. */
export async function replicationRole(conn: RedisConnection): Promise<NodeRole | null> {
  const role = parseInfo(await conn.info('replication')).replication?.role
  return role === 'master' ? 'master' : role === 'slave' || role === 'replica' ? 'replica' : null
}

function fields(reply: unknown): Record<string, unknown> {
  if (reply instanceof Map) return Object.fromEntries([...reply].map(([k, v]) => [text(k), v]))
  if (Array.isArray(reply)) {
    const out: Record<string, unknown> = {}
    for (let i = 0; i + 1 < reply.length; i += 2) out[text(reply[i])] = reply[i + 1]
    return out
  }
  if (reply && typeof reply === 'object') return reply as Record<string, unknown>
  return {}
}

function text(v: unknown): string {
  if (v === null || v === undefined) return ''
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v)
}

// ---------------------------------------------------------------- every node to watch

/** One server the engine snapshots, samples and scans, and the instance it belongs to. */
export interface WatchedNode {
  instance: string
  /** Its place in a cluster; null for an instance that is one server (or a Sentinel master). */
  node: ClusterNode | null
  target: RedisTarget
  /** For a Sentinel instance: where the master was found, to ask again after the step (checkFailover). */
  sentinel?: { spec: SentinelSpec; resolution: SentinelResolution }
}

export interface ResolveOptions {
  /** `auto`: a URL of a cluster node stands for every node of the cluster; `off`: only that node. */
  cluster: 'auto' | 'off'
  connectTimeoutMs: number
  onRetry?: (attempt: number, reason: string) => void
}

/**
 * Turns the parsed `redis-url` into the servers to watch: Sentinel instances become their master,
 * cluster instances every master and replica (masters first), others themselves. Connects once
 * to each instance to ask; the engine opens its own connections to the nodes afterwards.
 */
export async function resolveInstances(specs: InstanceSpec[], opts: ResolveOptions): Promise<WatchedNode[]> {
  const perInstance = await Promise.all(
    specs.map(async (spec): Promise<WatchedNode[]> => {
      if (spec.kind === 'sentinel') {
        const resolution = await resolveSentinelMaster(spec.sentinel, { timeoutMs: opts.connectTimeoutMs })
        return [{ instance: spec.name, node: null, target: resolution.target, sentinel: { spec: spec.sentinel, resolution } }]
      }
      if (opts.cluster === 'off') return [{ instance: spec.name, node: null, target: spec.target }]
      const conn = await connect(spec.target, { timeoutMs: opts.connectTimeoutMs, onRetry: opts.onRetry, role: 'discovery' })
      try {
        const topology = await expandCluster(conn, opts.cluster)
        if (topology === null) return [{ instance: spec.name, node: null, target: spec.target }]
        if (spec.target.db !== 0) {
          throw new UserError(`redis-url (${spec.name}): a Redis Cluster has only database 0, not /${spec.target.db}. Drop the /${spec.target.db} from the URL.`)
        }
        return topology.nodes.map((node) => ({ instance: spec.name, node, target: node.target }))
      } finally {
        await conn.close()
      }
    })
  )
  return perInstance.flat()
}
