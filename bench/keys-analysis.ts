/**
 * One run of the project's key analysis, for bench/keys.sh: `before` takes the inventory and writes
 * the key file (the main step's work); `after` reads it back and takes the inventory with the
 * leaked-key diff (the post step's work). Prints one JSON line: seconds, keys, groups, peak RSS.
 * Usage: keys-analysis URL raw|lua|pipeline|auto before|after KEY-FILE [SCAN-COUNT]
 */
import { connect } from '../src/redis/connection.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { takeInventory, type MethodChoice } from '../src/keys/inventory.js'
import { LeakCollector } from '../src/keys/diff.js'
import { KeyFileWriter, readKeyFile } from '../src/keys/store.js'

async function main(): Promise<void> {
  const [url, method, mode, keyFile, countArg] = process.argv.slice(2)
  const count = countArg ? Number(countArg) : undefined
  const conn = await connect(parseRedisUrl(url, 'url'), { timeoutMs: 5000 })
  const started = Date.now()
  const rule = { delimiter: ':', depth: 2 }
  let leaked: number | null = null
  let inventory
  if (mode === 'before') {
    const writer = new KeyFileWriter(keyFile)
    inventory = await takeInventory(conn, { rule, ignore: null, budgetMs: 600_000, method: method as MethodChoice, count, onKey: (db, key) => writer.add(db, key) })
    await writer.close()
  } else {
    const leaks = new LeakCollector(await readKeyFile(keyFile))
    inventory = await takeInventory(conn, {
      rule,
      ignore: null,
      budgetMs: 600_000,
      method: method as MethodChoice,
      count,
      needTtl: (db, key) => leaks.isNew(db, key),
      onKey: (db, key, prefix, bytes, ttl) => (ttl === null ? undefined : leaks.add(db, key, prefix, bytes, ttl))
    })
    leaked = leaks.result().count
  }
  const seconds = (Date.now() - started) / 1000
  await conn.close()
  const keys = inventory.dbs.reduce((s, d) => s + d.scanned, 0)
  console.log(
    JSON.stringify({
      mode,
      method: inventory.method,
      seconds,
      keys,
      leaked,
      groups: inventory.groups.length,
      top: inventory.groups.slice(0, 5).map((g) => `${g.prefix} ${g.keys} ${g.bytes}`),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      cpuSeconds: Math.round((process.cpuUsage().user + process.cpuUsage().system) / 1e4) / 100
    })
  )
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
