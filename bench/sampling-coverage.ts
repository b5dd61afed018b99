/**
 * How often the sampled key memory's stated 95% intervals hold the exact figure, over many hash
 * seeds. Redis seeds its key hash afresh at every start, so each seed is a fresh redis-server
 * (started here on a free port, never the machine's own) loaded with the mixed keyspace of
 * bench/speed.sh (bench/mixed-keyspace.lua: strings, hashes, lists, sets, sorted sets, streams),
 * then scanned twice: key-memory sampled and exact. Prints, per seed and in all, how many prefix
 * totals lie within their interval, and the worst miss in standard errors.
 *
 * Usage: node scripts/build-bench.mjs bench/sampling-coverage.ts "$tmp" && node "$tmp/index.js" [keys] [seeds]   (default 200000 keys, 12 seeds)
 * key-memory sampled is forced, so a keyspace below AUTO_EXACT_UP_TO is sampled too: 200k keys
 * keep a run to ~5 minutes on 2 shared cores; 1M keys x 7 seeds took 35 minutes there.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type RedisConnection } from '../src/redis/connection.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { takeInventory } from '../src/keys/inventory.js'
import { Z_95 } from '../src/keys/sampling.js'

const KEYS = Number(process.argv[2] ?? 200_000)
const SEEDS = Number(process.argv[3] ?? 12)
const SHARES: [string, string, number][] = [
  ['string', 'session', 0.3],
  ['hash', 'user', 0.2],
  ['list', 'queue', 0.15],
  ['set', 'tags', 0.15],
  ['zset', 'rank', 0.1],
  ['stream', 'events', 0.1]
]
const LOAD = readFileSync(new URL('./mixed-keyspace.lua', import.meta.url), 'utf8')

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

async function startServer(): Promise<{ child: ChildProcess; port: number; dir: string }> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'rmg-coverage-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
  return { child, port, dir }
}

async function load(conn: RedisConnection): Promise<void> {
  for (const [type, prefix, share] of SHARES) {
    const n = Math.round(KEYS * share)
    for (let from = 1; from <= n; from += 50_000) {
      await conn.command(['EVAL', LOAD, '0', type, prefix, String(from), String(Math.min(n, from + 49_999))])
    }
  }
}

async function oneSeed(seed: number): Promise<{ inside: number; total: number; worstZ: number }> {
  const { child, port, dir } = await startServer()
  try {
    const conn = await connect(parseRedisUrl(`redis://127.0.0.1:${port}`, 'url'), { timeoutMs: 10_000, commandTimeoutMs: 120_000 })
    try {
      await load(conn)
      const scan = (keyMemory: 'sampled' | 'exact') =>
        takeInventory(conn, { rule: { delimiter: ':', depth: 1 }, ignore: null, budgetMs: 600_000, method: 'raw', keyMemory })
      const sampled = await scan('sampled')
      const exact = await scan('exact')
      const truth = new Map(exact.groups.map((g) => [g.prefix, g.bytes]))
      let inside = 0
      let worstZ = 0
      const cells: string[] = []
      for (const g of sampled.groups) {
        const x = truth.get(g.prefix) ?? 0
        const margin = g.margin ?? 0
        const off = g.bytes - x
        const z = margin > 0 ? (Math.abs(off) / margin) * Z_95 : off === 0 ? 0 : Number.POSITIVE_INFINITY
        worstZ = Math.max(worstZ, z)
        const ok = Math.abs(off) <= margin
        if (ok) inside++
        cells.push(`${g.prefix} ${ok ? 'in' : 'OUT'} (${z.toFixed(2)} se, ±${((margin / x) * 100).toFixed(2)}%)`)
      }
      console.log(`seed ${seed + 1}: ${inside}/${sampled.groups.length} within; ${cells.join('; ')}`)
      return { inside, total: sampled.groups.length, worstZ }
    } finally {
      await conn.close()
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((r) => child.once('exit', r))
    rmSync(dir, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  console.log(`${KEYS} keys in ${SHARES.length} prefixes, ${SEEDS} seeds (fresh redis-server each), key-memory sampled against exact`)
  let inside = 0
  let total = 0
  let worst = 0
  const started = Date.now()
  for (let s = 0; s < SEEDS; s++) {
    const r = await oneSeed(s)
    inside += r.inside
    total += r.total
    worst = Math.max(worst, r.worstZ)
  }
  console.log(`coverage: ${inside} of ${total} intervals hold the exact figure (${((inside / total) * 100).toFixed(1)}%, stated 95%); worst miss ${worst.toFixed(2)} standard errors; ${((Date.now() - started) / 1000).toFixed(0)} s`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
