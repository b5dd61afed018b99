/**
 * A local Redis Cluster for binary mode (`cluster-nodes: 3`, or `6` with one replica per master)
 * and for tests: redis-server processes started the way binary mode starts one (binary.ts), then
 * joined by the commands `redis-cli --cluster create` sends (slots, config epochs, MEET,
 * REPLICATE), so no redis-cli of a matching version is needed. Every wait is bounded.
 */
import { UserError, describeError } from '../errors.js'
import { QUIET_HOST, type StepHost } from '../step/host.js'
import { parseInfo } from '../info.js'
import { connect, sleep, type RedisConnection } from '../redis/connection.js'
import { parseClusterNodes } from '../redis/topology.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { CLUSTER_SLOTS } from '../redis/keyslot.js'
import { freePort } from '../net.js'
import { formatDuration } from '../size.js'
import { startBinary, stopBinary, type StartedBinary } from './binary.js'
import type { ProvisionSettings } from './settings.js'

export interface ClusterOptions {
  /** Where the nodes' start and stop lines go (default: nowhere). */
  host?: StepHost
  masters: number
  replicasPerMaster: 0 | 1
  redisServerPath?: string
  /** Per node, bytes; undefined leaves the server's setting. */
  maxmemory?: number
  maxmemoryPolicy?: string
  password?: string
  /** More server arguments for every node. */
  redisArgs?: string[]
  /** For the whole start: processes, join and `cluster_state:ok`. */
  timeoutMs?: number
  /** Called with each node as soon as its process runs, so a cancelled job can still stop it. */
  onStarted?: (node: StartedBinary) => void
}

/** One started node with its place in the cluster. */
export interface StartedClusterNode extends StartedBinary {
  role: 'master' | 'replica'
  id: string
  url: string
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

/** `cluster-nodes` → masters and replicas: 3 → 3+0, 6 → 3+3; anything else is refused. */
export function clusterShape(nodes: number, inputName = 'cluster-nodes'): { masters: number; replicasPerMaster: 0 | 1 } {
  if (nodes === 3) return { masters: 3, replicasPerMaster: 0 }
  if (nodes === 6) return { masters: 3, replicasPerMaster: 1 }
  throw new UserError(`${inputName}: "${nodes}" is not a cluster size. Use 3 (three masters) or 6 (three masters with one replica each).`)
}

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

/** Starts the nodes, joins them and waits until every node says `cluster_state:ok`. On failure, stops what it started. */
export async function startCluster(opts: ClusterOptions): Promise<StartedCluster> {
  const started = Date.now()
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const deadline = started + timeoutMs
  if (!Number.isInteger(opts.masters) || opts.masters < 1 || opts.masters > 16) {
    throw new UserError(`cluster-nodes: a cluster needs 1 to 16 masters, not ${opts.masters}. Use 3, or 6 for one replica each.`)
  }
  const total = opts.masters * (1 + opts.replicasPerMaster)
  const settings: ProvisionSettings = {
    mode: 'binary',
    runtime: 'docker',
    image: '',
    containerName: '',
    port: 0,
    maxmemory: opts.maxmemory,
    maxmemoryPolicy: opts.maxmemoryPolicy,
    password: opts.password,
    // nodes.conf goes into each node's own folder (binary mode sets --dir), so nodes never share it.
    redisArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', String(NODE_TIMEOUT_MS), ...(opts.redisArgs ?? [])],
    containerOptions: [],
    redisServerPath: opts.redisServerPath ?? 'redis-server',
    keepContainer: false
  }
  const processes: StartedBinary[] = []
  const conns: RedisConnection[] = []
  try {
    // The cluster bus listens on port + 10000 unless told otherwise, which for a free port the
    // kernel picked is often past 65535 or taken: each node gets a free bus port of its own
    // (cluster-port, Redis 7.0+).
    const busPorts = await Promise.all(Array.from({ length: total }, () => freePort('127.0.0.1')))
    const starts = await Promise.allSettled(
      busPorts.map((bus) =>
        startBinary({ ...settings, redisArgs: [...settings.redisArgs, '--cluster-port', String(bus)] }, Math.max(1000, deadline - Date.now()), opts.host ?? QUIET_HOST, (b) => {
          if (b) {
            processes.push(b)
            opts.onStarted?.(b)
          }
        })
      )
    )
    const failed = starts.find((s): s is PromiseRejectedResult => s.status === 'rejected')
    if (failed) throw failed.reason
    const nodes = starts.map((s) => (s as PromiseFulfilledResult<StartedBinary & { readyMs: number }>).value)
    const targets = nodes.map((n) => targetOf(n, opts.password))
    for (const t of targets) conns.push(await connect(t, { timeoutMs: Math.max(1000, deadline - Date.now()) }))
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
    await Promise.all(nodes.slice(1).map((n, i) => conns[0].command(['CLUSTER', 'MEET', n.host, String(n.port), String(busPorts[i + 1])])))
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
    const out: StartedClusterNode[] = nodes.map((n, i) => ({
      kind: 'binary',
      pid: n.pid,
      dir: n.dir,
      host: n.host,
      port: n.port,
      role: i < opts.masters ? 'master' : 'replica',
      id: ids[i],
      url: targets[i].url
    }))
    return { kind: 'cluster', nodes: out, seedUrl: out[0].url, urls: out.map((n) => n.url), readyMs: Date.now() - started }
  } catch (err) {
    await Promise.all(processes.map((p) => stopBinary(p, opts.host ?? QUIET_HOST, { quiet: true })))
    if (err instanceof UserError) throw err
    throw new UserError(`Could not start a local Redis Cluster of ${total} nodes: ${describeError(err)}`)
  } finally {
    await Promise.all(conns.map((c) => c.close()))
  }
}

/** Stops every node and removes its folder; never throws, so the post step always gets through it. */
export async function stopCluster(cluster: Pick<StartedCluster, 'nodes'>, opts: { quiet?: boolean; host?: StepHost } = {}): Promise<void> {
  await Promise.all(cluster.nodes.map((n) => stopBinary(n, opts.host ?? QUIET_HOST, { quiet: opts.quiet }).catch(() => undefined)))
}

function targetOf(n: StartedBinary, password: string | undefined): RedisTarget {
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
