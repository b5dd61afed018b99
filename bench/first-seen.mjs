// What key tracking for first-seen times (CLIENT TRACKING ON BCAST NOLOOP on the guard's own
// connection, plus a MEMORY USAGE probe per invalidated key) costs a write-heavy step:
// redis-benchmark SET, bare and under `redis-memory-guard run`, interleaved, on a redis-server
// started here. Two key spaces: one hot key (every write invalidates the same name, so a round
// asks once per burst) and random keys (every write a different name).
// Usage: npm run package && node bench/first-seen.mjs [requests=200000] [rounds=5]
import { spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.mjs'

const requests = process.argv[2] ?? '200000'
const rounds = Number(process.argv[3] ?? '5')
const cli = join(process.cwd(), 'dist', 'cli', 'index.js')

const port = await freePort()
const dir = mkdtempSync(join(tmpdir(), 'rmg-bench-'))
const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
const url = `redis://127.0.0.1:${port}`
for (let i = 0; i < 100; i++) {
  const ok = await new Promise((r) => {
    const s = new Socket()
    s.once('error', () => r(false))
    s.connect(port, '127.0.0.1', () => (s.destroy(), r(true)))
  })
  if (ok) break
  await new Promise((r) => setTimeout(r, 50))
}

/** redis-benchmark's SET requests per second (its CSV line). */
function benchmark(extra, guarded) {
  spawnSync('redis-cli', ['-p', String(port), 'FLUSHALL'], { stdio: 'ignore' })
  const args = ['-p', String(port), '-t', 'set', '-n', requests, '-c', '20', '-P', '1', '--csv', ...extra]
  const r = guarded
    ? spawnSync(process.execPath, [cli, 'run', '--url', url, '--key-scan-budget', '0', '--', 'redis-benchmark', ...args], { encoding: 'utf8' })
    : spawnSync('redis-benchmark', args, { encoding: 'utf8' })
  const line = r.stdout.split('\n').find((l) => l.startsWith('"SET"'))
  if (!line) throw new Error(`no SET line: ${r.stdout}${r.stderr}`)
  return Number(line.split(',')[1].replace(/"/g, ''))
}

/** The used CPU seconds of the server (utime + stime, from /proc), to see what the tracking costs Redis itself. */
function serverCpu() {
  const text = spawnSync('cat', [`/proc/${server.pid}/stat`], { encoding: 'utf8' }).stdout
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return (Number(f[11]) + Number(f[12])) / 100
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
try {
  for (const [label, extra] of [
    ['one hot key', []],
    ['random keys (-r 100000)', ['-r', '100000']]
  ]) {
    const bare = []
    const guarded = []
    const cpu = { bare: [], guarded: [] }
    for (let i = 0; i < rounds; i++) {
      // Interleaved, so a machine that gets busier over the run weighs on both alike.
      for (const g of i % 2 === 0 ? [false, true] : [true, false]) {
        const c0 = serverCpu()
        const rps = benchmark(extra, g)
        const c = serverCpu() - c0
        ;(g ? guarded : bare).push(rps)
        ;(g ? cpu.guarded : cpu.bare).push(c)
      }
    }
    const b = median(bare)
    const g = median(guarded)
    console.log(`${label}: ${requests} SETs, 20 clients, ${rounds} rounds each, interleaved`)
    console.log(`  bare:    median ${b.toFixed(0)} req/s  (${bare.map((x) => x.toFixed(0)).join(', ')}); server CPU median ${median(cpu.bare).toFixed(2)} s`)
    console.log(`  guarded: median ${g.toFixed(0)} req/s  (${guarded.map((x) => x.toFixed(0)).join(', ')}); server CPU median ${median(cpu.guarded).toFixed(2)} s`)
    console.log(`  change:  ${(((g - b) / b) * 100).toFixed(1)}% throughput`)
  }
} finally {
  server.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
