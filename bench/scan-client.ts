/**
 * The key scan's hot path on node-redis against the lean socket of src/keys/raw.ts, on the same
 * keys of the same server, runs interleaved: SCAN with COUNT n, then one MEMORY USAGE per key it
 * returned, the next SCAN sent with that batch (so Redis always has one to walk), every key's
 * bytes summed. Three ways:
 *   lean           src/keys/raw.ts (RawScanner): its own socket and RESP parser
 *   node-redis     @redis/client sendCommand, key names as Buffers (what binary names need), auto-pipelined
 *   node-redis-str the same with replies decoded to strings (wrong for binary names; a lower bound)
 * Prints, per run, wall time and this process's CPU (user + system) and, last, the medians and
 * node-redis over lean. issue 23 keeps the lean socket only while node-redis is at least 1.5×
 * slower here. Usage: scan-client URL [rounds=5] [SCAN-COUNT=1000]
 */
import { createClient, RESP_TYPES } from '@redis/client'
import { RawScanner } from '../src/keys/raw.js'
import { parseRedisUrl } from '../src/redis/target.js'

type Way = 'lean' | 'node-redis' | 'node-redis-str'

interface Run {
  keys: number
  bytes: number
  wallMs: number
  cpuMs: number
}

async function lean(url: string, count: string): Promise<{ keys: number; bytes: number }> {
  const scanner = await RawScanner.open(parseRedisUrl(url, 'url'), 30_000)
  let keys = 0
  let bytes = 0
  try {
    await scanner.start(0, '0', count, true)
    for (;;) {
      const batch = await scanner.next()
      if (batch === null) break
      keys += batch.keys.length
      for (let i = 0; i < batch.bytes.length; i++) bytes += batch.bytes[i]
    }
  } finally {
    scanner.close()
  }
  return { keys, bytes }
}

async function nodeRedis(url: string, count: string, buffers: boolean): Promise<{ keys: number; bytes: number }> {
  const t = parseRedisUrl(url, 'url')
  const client = createClient({ socket: { host: t.host, port: t.port }, disableClientInfo: true, maintNotifications: 'disabled', name: 'redis-memory-guard:bench' })
  client.on('error', () => {})
  await client.connect()
  const opts = buffers ? { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } } : undefined
  const scan = (cursor: string): Promise<[unknown, unknown[]]> => client.sendCommand(['SCAN', cursor, 'COUNT', count], opts) as Promise<[unknown, unknown[]]>
  let keys = 0
  let bytes = 0
  try {
    let pending: Promise<[unknown, unknown[]]> | null = scan('0')
    while (pending !== null) {
      const [next, names]: [unknown, unknown[]] = await pending
      const cursor: string = String(next)
      // The next SCAN and this batch's MEMORY USAGE go out in one tick: node-redis writes them as one pipeline.
      pending = cursor === '0' ? null : scan(cursor)
      const sizes = await Promise.all(names.map((k) => client.sendCommand(['MEMORY', 'USAGE', k as string | Buffer]).catch(() => 0)))
      keys += names.length
      if (buffers) for (const k of names) (k as Buffer).toString('latin1')
      for (const s of sizes) bytes += typeof s === 'number' ? s : 0
    }
  } finally {
    client.destroy()
  }
  return { keys, bytes }
}

async function timed(fn: () => Promise<{ keys: number; bytes: number }>): Promise<Run> {
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const { keys, bytes } = await fn()
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
  const cpu = process.cpuUsage(cpu0)
  return { keys, bytes, wallMs, cpuMs: (cpu.user + cpu.system) / 1000 }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function main(): Promise<void> {
  const [url, roundsArg, countArg] = process.argv.slice(2)
  const rounds = Number(roundsArg ?? 5)
  const count = countArg ?? '1000'
  const ways: Record<Way, () => Promise<{ keys: number; bytes: number }>> = {
    lean: () => lean(url, count),
    'node-redis': () => nodeRedis(url, count, true),
    'node-redis-str': () => nodeRedis(url, count, false)
  }
  const runs: Record<Way, Run[]> = { lean: [], 'node-redis': [], 'node-redis-str': [] }
  const order: Way[] = ['lean', 'node-redis', 'node-redis-str']
  for (let round = 0; round < rounds; round++) {
    // Interleaved, and the order turned each round, so a slow spell of the machine hits every way alike.
    const turn = order.map((_, i) => order[(i + round) % order.length])
    for (const way of turn) {
      const r = await timed(ways[way])
      runs[way].push(r)
      console.log(`  round ${round + 1} ${way.padEnd(14)} ${r.keys} keys, ${(r.bytes / 1e6).toFixed(1)} MB, ${(r.wallMs / 1000).toFixed(2)} s wall, our CPU ${(r.cpuMs / 1000).toFixed(2)} s (${((r.cpuMs * 1000) / r.keys).toFixed(2)} µs/key)`)
    }
  }
  const keysSeen = new Set(order.map((w) => runs[w][0].keys))
  if (keysSeen.size !== 1) console.log(`  note: the ways saw different key counts (${[...keysSeen].join(', ')}): keys changed during the bench`)
  console.log('medians:')
  for (const way of order) {
    const w = median(runs[way].map((r) => r.wallMs))
    const c = median(runs[way].map((r) => r.cpuMs))
    console.log(`  ${way.padEnd(14)} ${(w / 1000).toFixed(2)} s wall, our CPU ${(c / 1000).toFixed(2)} s`)
  }
  const ratio = (way: Way, of: (r: Run) => number): string => (median(runs[way].map(of)) / median(runs.lean.map(of))).toFixed(2)
  console.log(`node-redis over lean: wall ${ratio('node-redis', (r) => r.wallMs)}×, our CPU ${ratio('node-redis', (r) => r.cpuMs)}×`)
  console.log(`node-redis (strings) over lean: wall ${ratio('node-redis-str', (r) => r.wallMs)}×, our CPU ${ratio('node-redis-str', (r) => r.cpuMs)}×`)
}

main().catch((err: unknown) => {
  console.error(err)
  process.exit(1)
})
