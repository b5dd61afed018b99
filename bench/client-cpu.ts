/**
 * Our CPU per key in a sampled "after" scan with Redis out of the figure, for bench/speed.sh: the
 * SCAN replies of the whole keyspace are recorded from the server first (not timed), then fed to
 * the scan's own per-key path (the RESP parser, the prefix, the sample choice, the tally and the
 * leaked-key lookup) in chunks as the socket gave them, several rounds. Prints one line per round
 * and the best, in µs of process CPU (user + system) per key.
 * Usage: client-cpu URL [rounds=5] [SCAN-COUNT=5000]
 */
import { connect as netConnect } from 'node:net'
import { RespParser, encodeCommand, type RespValue } from '../src/keys/raw.js'
import { SampleChooser } from '../src/keys/sampling.js'
import { KeyTally, DEFAULT_TALLY } from '../src/keys/tally.js'
import { LeakCollector } from '../src/keys/diff.js'
import { parseRedisUrl } from '../src/redis/target.js'

/** Every SCAN reply of DB 0 as the socket delivered it, chunk by chunk. */
async function record(url: string, count: number): Promise<Buffer[]> {
  const target = parseRedisUrl(url, 'url')
  const sock = netConnect({ host: target.host, port: target.port })
  await new Promise((resolve, reject) => sock.once('connect', resolve).once('error', reject))
  const chunks: Buffer[] = []
  let cursor = '0'
  do {
    const reply = await new Promise<RespValue>((resolve) => {
      const parser = new RespParser(resolve)
      sock.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        parser.push(chunk)
      })
      sock.write(encodeCommand(['SCAN', cursor, 'COUNT', String(count)]))
    })
    sock.removeAllListeners('data')
    cursor = (reply as RespValue[])[0] as string
  } while (cursor !== '0')
  sock.destroy()
  return chunks
}

async function main(): Promise<void> {
  const [url, roundsArg, countArg] = process.argv.slice(2)
  const chunks = await record(url, Number(countArg ?? 5000))
  const rule = { delimiter: ':', depth: 1 }
  let best = Infinity
  for (let round = 0; round < Number(roundsArg ?? 5); round++) {
    const tally = new KeyTally({ rule, ...DEFAULT_TALLY })
    // An empty "before": every key is new, as after a step that wrote them all (the dearest case).
    const leaks = new LeakCollector(new Map())
    const isNew = (db: number, key: string): boolean => leaks.isNew(db, key)
    const chooser = new SampleChooser(0, rule, (d, p) => tally.sampleOf(d, p), isNew)
    let n = 0
    const cpu0 = process.cpuUsage()
    const parser = new RespParser((v) => {
      const keys = (v as RespValue[])[1] as string[]
      for (let j = 0; j < keys.length; j++) {
        const key = keys[j]
        const how = chooser.choose(key)
        const prefix = tally.add(0, key, how === 0 ? -1 : 100, how, chooser.lastPrefix)
        if (isNew(0, key)) leaks.add(0, key, prefix, 100, -1)
        n++
      }
    })
    for (const c of chunks) parser.push(c)
    const cpu = process.cpuUsage(cpu0)
    const perKey = (cpu.user + cpu.system) / n
    best = Math.min(best, perKey)
    console.log(`  round ${round + 1}: ${n} keys, ${perKey.toFixed(3)} µs of our CPU per key`)
  }
  console.log(`  best: ${best.toFixed(3)} µs per key (parse, prefix, sample choice, tally, leaked-key lookup; Redis not included)`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
