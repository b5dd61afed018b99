/**
 * A local Redis Cluster for binary and container mode (`cluster-nodes: 3`, or `6` with one replica
 * per master) and for tests: nodes started the way one Redis is started (binary.ts, container.ts),
 * then joined by the commands `redis-cli --cluster create` sends (slots, config epochs, MEET,
 * REPLICATE), so no redis-cli of a matching version is needed. Every wait is bounded.
 *
 * Container nodes share the host's network: a node announces the address it listens on, and with
 * published ports that would be 127.0.0.1 inside its own container, where its peers are not.
 */
import { UserError, describeError } from '../core/errors.js'
import { QUIET_HOST, type StepHost } from '../core/host.js'
import { parseInfo } from '../observe/info.js'
import { connect, sleep, type RedisConnection } from '../redis/connection.js'
import { parseClusterNodes } from '../redis/topology.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { CLUSTER_SLOTS } from '../redis/keyslot.js'
import { freePort } from '../core/net.js'
import { formatDuration } from '../core/size.js'
import { startBinary, stopBinary, type StartedBinary } from './binary.js'
import { removeContainer, startContainer, type StartedContainer } from './container.js'
import { withServerDefaults, type RuntimeName } from './runtime.js'
import type { ProvisionSettings } from './settings.js'

// An input's check, so it sits with the inputs; the cluster start reads it from there.
export { clusterShape } from '../config/instance-options.js'

/** Container mode's part of the settings: every node runs in a container of its own. */
export interface ClusterContainers {
  runtime: RuntimeName
  image: string
  /** Node n (from 1) is named `<namePrefix>-<n>`. */
  namePrefix: string
  /** The user's extra `run` arguments, for every node. */
  options: string[]
}

/** A node's client port and cluster bus port on 127.0.0.1. */
export interface NodePorts {
  port: number
  bus: number
}

export interface ClusterOptions {
  /** Where the nodes' start and stop lines go (default: nowhere). */
  host?: StepHost
  masters: number
  replicasPerMaster: 0 | 1
  redisServerPath?: string
  /** Start every node in a container instead of as a redis-server process. */
  containers?: ClusterContainers
  /** Per node, bytes; undefined leaves the server's setting. */
  maxmemory?: number
  maxmemoryPolicy?: string
  password?: string
  /** More server arguments for every node. */
  redisArgs?: string[]
  /** For the whole start: processes, join and `cluster_state:ok`. */
  timeoutMs?: number
  /** Each node's ports; default free ones the kernel picks. */
  ports?: NodePorts[]
  /** Called with every node that runs (or may run) now, whenever that changes, so a cancelled job can still remove them. */
  onStarted?: (nodes: ClusterProcess[]) => void
}

/** A node as started: a redis-server process or a container. */
export type ClusterProcess = StartedBinary | StartedContainer

/** One started node with its place in the cluster. */
export type StartedClusterNode = ClusterProcess & {
  role: 'master' | 'replica'
  /** CLUSTER MYID (a container node's `id` is its container's). */
  nodeId: string
  url: string
}

/** What the state keeps of a cluster: every node to remove (also while it starts), and its URLs once known. */
export interface ClusterState {
  kind: 'cluster'
  nodes: ClusterProcess[]
  seedUrl: string
  urls: string[]
}

/** What the post step needs to remove a cluster, and the URLs the outputs expose. */
export interface StartedCluster {
  kind: 'cluster'
  nodes: StartedClusterNode[]
  /** A master's URL: the `redis-url` output; any node of a cluster leads to all of them. */
  seedUrl: string
  /** Every node's URL, masters first: the `redis-urls` output. */
  urls: string[]
  readyMs: number
}

const DEFAULT_TIMEOUT_MS = 30_000
/** Short, so a test's failover does not wait 15 s; long enough for a busy 2-core runner. */
const NODE_TIMEOUT_MS = 3000
const HOST = '127.0.0.1'

/** Slot ranges of `masters` masters, as even as redis-cli makes them. */
export function slotRanges(masters: number): [number, number][] {
  const ranges: [number, number][] = []
  const per = CLUSTER_SLOTS / masters
  let first = 0
  for (let i = 0; i < masters; i++) {
    const last = i === masters - 1 ? CLUSTER_SLOTS - 1 : Math.round(per * (i + 1)) - 1
    ranges.push([first, last])
    first = last + 1
  }
  return ranges
}

/**
 * The server arguments that make a node a cluster node. The bus listens on port + 10000 unless
 * told otherwise, which for a free port the kernel picked is often past 65535 or taken: each node
 * gets a bus port of its own (cluster-port, Redis 7.0+). nodes.conf goes into the node's own
 * folder (binary mode sets --dir; a container has its own file system), so nodes never share it.
 */
export function clusterArgs(bus: number): string[] {
  return ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT_MS), '--cluster-port', String(bus)]
}

/** Distinct free ports, two per node, picked one after another so no two are the same. */
async function freeNodePorts(count: number): Promise<NodePorts[]> {
  const seen = new Set<number>()
  const pick = async (): Promise<number> => {
    // Bounded: the kernel hands out a port it just handed out only by rare chance.
    for (let i = 0; i < 20; i++) {
      const p = await freePort(HOST)
      if (!seen.has(p)) {
        seen.add(p)
        return p
      }
    }
    throw new Error('no distinct free ports for the cluster nodes')
  }
  const out: NodePorts[] = []
  for (let i = 0; i < count; i++) out.push({ port: await pick(), bus: await pick() })
  return out
}

/** Starts the nodes, joins them and waits until every node says `cluster_state:ok`. On failure, removes what it started. */
export async function startCluster(opts: ClusterOptions): Promise<StartedCluster> {
  const started = Date.now()
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const deadline = started + timeoutMs
  const host = opts.host ?? QUIET_HOST
  if (!Number.isInteger(opts.masters) || opts.masters < 1 || opts.masters > 16) {
    throw new UserError(`cluster-nodes: a cluster needs 1 to 16 masters, not ${opts.masters}. Use 3, or 6 for one replica each.`)
  }
  const total = opts.masters * (1 + opts.replicasPerMaster)
  // Slot i holds node i while it runs or may run, so a failed start removes exactly what it started.
  const running: (ClusterProcess | null)[] = Array.from({ length: total }, () => null)
  const report = (i: number, n: ClusterProcess | null): void => {
    running[i] = n
    opts.onStarted?.(running.filter((r): r is ClusterProcess => r !== null))
  }
  const conns: RedisConnection[] = []
  try {
    const ports = opts.ports ?? (await freeNodePorts(total))
    if (ports.length !== total) throw new Error(`${ports.length} ports for ${total} nodes`)
    const start = (i: number): Promise<ClusterProcess & { readyMs: number }> => startNode(opts, i, ports[i], Math.max(1000, deadline - Date.now()), host, (n) => report(i, n))
    // The first container alone: it pulls the image if needed, and a runtime that is missing or
    // down is then one line, not one per node.
    const first = opts.containers ? await Promise.allSettled([start(0)]) : []
    const starts = first.some((s) => s.status === 'rejected') ? first : [...first, ...(await Promise.allSettled(ports.slice(first.length).map((_, j) => start(first.length + j))))]
    const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed) throw failed.reason
    const nodes = starts.map((s) => (s as PromiseFulfilledResult<ClusterProcess & { readyMs: number }>).value)
    const targets = nodes.map((n) => targetOf(n, opts.password))
    for (const t of targets) conns.push(await connect(t, { timeoutMs: Math.max(1000, deadline - Date.now()), role: 'setup' }))
    const ids = (await Promise.all(conns.map((c) => c.command(['CLUSTER', 'MYID'])))).map(String)
    if (opts.password) {
      // Replicas authenticate to their master with masterauth; set here so it never appears in a process list or log line.
      await Promise.all(conns.map((c) => c.command(['CONFIG', 'SET', 'masterauth', opts.password as string])))
    }
    const masters = conns.slice(0, opts.masters)
    const ranges = slotRanges(opts.masters)
    await Promise.all(masters.map((c, i) => addSlots(c, ranges[i])))
    // Distinct epochs up front, as redis-cli does, so the nodes need not settle collisions first.
    await Promise.all(masters.map((c, i) => c.command(['CLUSTER', 'SET-CONFIG-EPOCH', String(i + 1)])))
    // MEET must name the bus port, else the node assumes port + 10000.
    await Promise.all(nodes.slice(1).map((n, i) => conns[0].command(['CLUSTER', 'MEET', n.host, String(n.port), String(ports[i + 1].bus)])))
    await waitFor(deadline, 'every node to know every other', async () => {
      const views = await Promise.all(conns.map((c) => clusterNodesOf(c)))
      const lacking = views.map((v, i) => (v.length === total && v.every((n) => n.health === 'online') ? null : `${nodes[i].port} knows ${v.filter((n) => n.health === 'online').length} of ${total}`))
      return lacking.filter((l) => l !== null).join(', ') || null
    })
    const replicaOf = (i: number): number => (i - opts.masters) % opts.masters
    await Promise.all(conns.slice(opts.masters).map((c, j) => c.command(['CLUSTER', 'REPLICATE', ids[replicaOf(opts.masters + j)]])))
    await waitFor(deadline, 'cluster_state:ok on every node', async () => {
      const states = await Promise.all(conns.map(async (c) => clusterState(String(await c.command(['CLUSTER', 'INFO'])))))
      const notOk = states.map((s, i) => (s === 'ok' ? null : `${nodes[i].port} says ${s}`)).filter((l) => l !== null)
      if (notOk.length > 0) return notOk.join(', ')
      if (opts.replicasPerMaster === 0) return null
      const links = (await Promise.all(conns.slice(opts.masters).map((c) => c.info('replication')))).map((l) => parseInfo(l).replication?.master_link_status)
      const down = links.map((l, j) => (l === 'up' ? null : `replica ${nodes[opts.masters + j].port} not synced with its master`)).filter((l) => l !== null)
      return down.join(', ') || null
    })
    const out: StartedClusterNode[] = nodes.map((n, i) => ({ ...withoutReadyMs(n), role: i < opts.masters ? 'master' : 'replica', nodeId: ids[i], url: targets[i].url }))
    return { kind: 'cluster', nodes: out, seedUrl: out[0].url, urls: out.map((n) => n.url), readyMs: Date.now() - started }
  } catch (err) {
    await stopCluster({ nodes: running.filter((r): r is ClusterProcess => r !== null) }, { quiet: true, host })
    // Gone now: the post step has nothing left to remove.
    opts.onStarted?.([])
    if (err instanceof UserError) throw err
    throw new UserError(`Could not start a local Redis Cluster of ${total} nodes: ${describeError(err)}`)
  } finally {
    await Promise.all(conns.map((c) => c.close()))
  }
}

/** One node, started the way binary or container mode starts one Redis, with the cluster's arguments. */
async function startNode(
  opts: ClusterOptions,
  i: number,
  ports: NodePorts,
  timeoutMs: number,
  host: StepHost,
  onStarted: (n: ClusterProcess | null) => void
): Promise<ClusterProcess & { readyMs: number }> {
  const c = opts.containers
  const settings: ProvisionSettings = {
    mode: c ? 'container' : 'binary',
    runtime: c?.runtime ?? 'docker',
    image: c?.image ?? '',
    containerName: c ? `${c.namePrefix}-${i + 1}` : '',
    port: ports.port,
    maxmemory: opts.maxmemory,
    maxmemoryPolicy: opts.maxmemoryPolicy,
    password: opts.password,
    // A container shares the host's network: its node must listen on a port of its own, on 127.0.0.1 only.
    redisArgs: withServerDefaults(opts.redisArgs ?? [], [...(c ? ['--port', String(ports.port), '--bind', HOST] : []), ...clusterArgs(ports.bus)]),
    containerOptions: c?.options ?? [],
    redisServerPath: opts.redisServerPath ?? 'redis-server',
    // A node that does not come up is removed with the rest: a half-started cluster is of no use.
    keepContainer: false
  }
  // The ports are the cluster's own picks, not the `port` input (which cluster-nodes ignores): name them.
  const portInUse = (port: number): string =>
    `cluster-nodes: port ${port} or its cluster bus port ${ports.bus} on 127.0.0.1 was taken by another process while node ${c ? settings.containerName : i + 1} started${c ? " (the nodes share the host's network)" : ''}. Run the step again: the ports are picked anew.`
  if (!c) return startBinary(settings, timeoutMs, host, onStarted, { portInUse })
  return startContainer(settings, timeoutMs, host, onStarted, { hostNetwork: true, portInUse })
}

/** The node as the state keeps it: how long it took to start is the cluster's figure, not the node's. */
function withoutReadyMs(n: ClusterProcess & { readyMs?: number }): ClusterProcess {
  const { readyMs: _readyMs, ...rest } = n
  return rest
}

/** Stops or removes every node (and a binary node's folder); never throws, so the post step always gets through it. */
export async function stopCluster(cluster: { nodes: ClusterProcess[] }, opts: { quiet?: boolean; host?: StepHost } = {}): Promise<void> {
  const host = opts.host ?? QUIET_HOST
  const lines = opts.quiet ? { ...host, info: () => {} } : host
  await Promise.all(cluster.nodes.map((n) => (n.kind === 'container' ? removeContainer(n, lines) : stopBinary(n, host, { quiet: opts.quiet })).catch(() => undefined)))
}

function targetOf(n: ClusterProcess, password: string | undefined): RedisTarget {
  const auth = password ? `:${encodeURIComponent(password)}@` : ''
  return parseRedisUrl(`redis://${auth}${n.host}:${n.port}`)
}

/** ADDSLOTSRANGE where the server has it (7.0+), else ADDSLOTS with every slot. */
async function addSlots(conn: RedisConnection, [first, last]: [number, number]): Promise<void> {
  try {
    await conn.command(['CLUSTER', 'ADDSLOTSRANGE', String(first), String(last)])
  } catch (err) {
    if (!/unknown subcommand|unknown command/i.test(describeError(err))) throw err
    const slots = Array.from({ length: last - first + 1 }, (_, i) => String(first + i))
    await conn.command(['CLUSTER', 'ADDSLOTS', ...slots])
  }
}

/** `cluster_state` from CLUSTER INFO (INFO cluster has only `cluster_enabled`). */
function clusterState(text: string): string {
  return /^cluster_state:(\S+)/m.exec(text)?.[1] ?? 'nothing'
}

async function clusterNodesOf(conn: RedisConnection): Promise<ReturnType<typeof parseClusterNodes>> {
  const reply = await conn.command(['CLUSTER', 'NODES'])
  return parseClusterNodes(typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString('utf8') : '')
}

async function waitFor(deadline: number, what: string, lacking: () => Promise<string | null>): Promise<void> {
  const started = Date.now()
  for (;;) {
    const missing = await lacking()
    if (missing === null) return
    if (Date.now() + 100 > deadline) throw new UserError(`The local Redis Cluster did not reach ${what} within ${formatDuration(Date.now() - started)} (${missing}).`)
    await sleep(100)
  }
}
