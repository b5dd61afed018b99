/**
 * Key analysis over a local 3-master Redis Cluster (started with src/provision/cluster.ts): every
 * master's inventory in parallel against the slowest master's inventory alone. Goal (issue 15):
 * the parallel wall time within 1.3× of the slowest single shard. Each key is written to the master
 * that serves its slot, so MEMORY USAGE answers for it.
 * Usage (through bench/cluster-keys.sh, which builds this with ncc): cluster-keys [keys] [runs]
 */
import { cpus } from 'node:os'
import { createClient } from '@redis/client'
import { takeInventory } from '../src/keys/inventory.js'
import { startCluster, stopCluster, type StartedCluster } from '../src/provision/cluster.js'
import { connect, type RedisConnection } from '../src/redis/connection.js'
import { keySlot } from '../src/redis/keyslot.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { discoverCluster } from '../src/redis/topology.js'

const PREFIXES = ['session', 'user', 'cart', 'cache:html', 'queue:jobs']
const BATCH = 10_000

async function load(cluster: StartedCluster, keys: number): Promise<number[]> {
  const seed = await connect(parseRedisUrl(cluster.seedUrl), { timeoutMs: 5000 })
  const { nodes } = await discoverCluster(seed)
  await seed.close()
  const masters = nodes.filter((n) => n.role === 'master')
  const owner = new Uint8Array(16384)
  masters.forEach((m, i) => m.slots.forEach(([a, b]) => owner.fill(i, a, b + 1)))
  const clients = await Promise.all(
    masters.map(async (m) => {
      const c = createClient({ url: m.target.url })
      c.on('error', () => {})
      await c.connect()
      return c
    })
  )
  const counts = masters.map(() => 0)
  for (let start = 0; start < keys; start += BATCH) {
    const batches = clients.map((c) => c.multi())
    for (let i = start; i < Math.min(keys, start + BATCH); i++) {
      const key = `${PREFIXES[i % PREFIXES.length]}:${i}`
      const at = owner[keySlot(key)]
      batches[at].set(key, 'v'.repeat(20))
      counts[at]++
    }
    await Promise.all(batches.map((b) => b.execAsPipeline()))
  }
  await Promise.all(clients.map((c) => c.close()))
  return counts
}

async function inventory(conn: RedisConnection): Promise<{ seconds: number; keys: number }> {
  const started = Date.now()
  const inv = await takeInventory(conn, { rule: { delimiter: ':', depth: 2 }, ignore: null, budgetMs: 600_000 })
  return { seconds: (Date.now() - started) / 1000, keys: inv.dbs.reduce((s, d) => s + d.scanned, 0) }
}

/** CPU seconds (user + sys) the servers behind `conns` have used so far, from INFO cpu. */
async function serverCpu(conns: RedisConnection[]): Promise<number> {
  let total = 0
  for (const c of conns) {
    const info = await c.info('cpu')
    for (const m of info.matchAll(/^used_cpu_(?:sys|user):([\d.]+)/gm)) total += Number(m[1])
  }
  return total
}

async function main(): Promise<void> {
  const keys = Number(process.argv[2] ?? 1_000_000)
  const runs = Number(process.argv[3] ?? 2)
  const cluster = await startCluster({ masters: 3, replicasPerMaster: 0, timeoutMs: 60_000 })
  try {
    const t0 = Date.now()
    const perMaster = await load(cluster, keys)
    console.log(`loaded ${keys.toLocaleString('en-US')} keys in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${perMaster.join(' / ')} per master`)
    const conns = await Promise.all(cluster.nodes.filter((n) => n.role === 'master').map((n) => connect(parseRedisUrl(n.url), { timeoutMs: 5000 })))
    for (let run = 1; run <= runs; run++) {
      const alone: number[] = []
      for (const c of conns) alone.push((await inventory(c)).seconds)
      const servers0 = await serverCpu(conns)
      const t = Date.now()
      const cpu = process.cpuUsage()
      const together = await Promise.all(conns.map((c) => inventory(c)))
      const parallel = (Date.now() - t) / 1000
      // The three scans share this one thread: its CPU time is a floor under the parallel wall time.
      const used = process.cpuUsage(cpu)
      const serversCpu = (await serverCpu(conns)) - servers0
      const clientCpu = (used.user + used.system) / 1e6
      const slowest = Math.max(...alone)
      const scanned = together.reduce((s, r) => s + r.keys, 0)
      console.log(
        JSON.stringify({
          run,
          aloneSeconds: alone.map((s) => Number(s.toFixed(2))),
          slowestAloneSeconds: Number(slowest.toFixed(2)),
          parallelSeconds: Number(parallel.toFixed(2)),
          ratio: Number((parallel / slowest).toFixed(2)),
          clientCpuSecondsParallel: Number(clientCpu.toFixed(2)),
          // Client and servers together over the cores: the least wall time the parallel walk can take.
          serversCpuSecondsParallel: Number(serversCpu.toFixed(2)),
          cpuBoundSeconds: Number(((clientCpu + serversCpu) / cpus().length).toFixed(2)),
          goal: 1.3,
          scanned,
          loadavg: (await import('node:os')).loadavg().map((l) => Number(l.toFixed(2)))
        })
      )
    }
    await Promise.all(conns.map((c) => c.close()))
  } finally {
    await stopCluster(cluster, { quiet: true })
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
