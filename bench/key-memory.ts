/**
 * One key analysis with a given key-memory mode, for bench/speed.sh: the inventory the main step
 * takes (raw pipelined scan), timed inside the process. Prints one JSON line: seconds, our CPU
 * (process.cpuUsage) in total and per key, peak RSS, keys measured, and every prefix with its
 * bytes and the half width of its 95% interval (0 when exact).
 * Usage: key-memory URL exact|sampled|auto [SCAN-COUNT]
 */
import { connect } from '../src/redis/connection.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { takeInventory } from '../src/keys/inventory.js'
import type { KeyMemoryMode } from '../src/keys/sampling.js'

async function main(): Promise<void> {
  const [url, mode, countArg] = process.argv.slice(2)
  const conn = await connect(parseRedisUrl(url, 'url'), { timeoutMs: 5000 })
  const cpu0 = process.cpuUsage()
  const started = Date.now()
  const inventory = await takeInventory(conn, {
    rule: { delimiter: ':', depth: 1 },
    ignore: null,
    budgetMs: 3_600_000,
    method: 'raw',
    keyMemory: mode as KeyMemoryMode,
    ...(countArg ? { count: Number(countArg) } : {})
  })
  const seconds = (Date.now() - started) / 1000
  const cpu = process.cpuUsage(cpu0)
  await conn.close()
  const keys = inventory.dbs.reduce((s, d) => s + d.scanned, 0)
  const cpuSeconds = (cpu.user + cpu.system) / 1e6
  console.log(
    JSON.stringify({
      mode,
      method: inventory.method,
      seconds,
      keys,
      measured: inventory.sampled?.measuredKeys ?? keys,
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      cpuUsPerKey: Math.round((cpuSeconds / Math.max(1, keys)) * 1e6 * 100) / 100,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      groups: inventory.groups.map((g) => ({ prefix: g.prefix, keys: g.keys, bytes: Math.round(g.bytes), margin: Math.round(g.margin ?? 0) }))
    })
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
