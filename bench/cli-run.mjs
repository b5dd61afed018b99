// What wrapping a test command in `redis-memory-guard run` costs: the same key-writing command
// run bare and under `run` (sampling every 100 ms and 50 ms; with and without the key analysis,
// whose scan after the command covers every key written), against a redis-server started here.
// Usage: npm run package && node bench/cli-run.mjs [keys=200000] [rounds=5]
import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const keys = process.argv[2] ?? '200000'
const rounds = Number(process.argv[3] ?? '5')
const cli = join(process.cwd(), 'dist', 'cli', 'index.js')
const writer = join(process.cwd(), '__tests__', 'fixtures', 'write-keys.mjs')

const port = await new Promise((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const p = srv.address().port
    srv.close(() => resolve(p))
  })
})
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

const flush = () => execFileSync('redis-cli', ['-p', String(port), 'FLUSHALL'], { stdio: 'ignore' })
function timed(argv) {
  flush()
  const t = process.hrtime.bigint()
  const r = spawnSync(argv[0], argv.slice(1), { env: { ...process.env, REDIS_URL: url }, encoding: 'utf8' })
  const ms = Number(process.hrtime.bigint() - t) / 1e6
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  return { ms, stdout: r.stdout }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

const bare = [process.execPath, writer, keys, 'bench', '100']
const cases = [
  ['bare command', bare],
  ['run, no key analysis', [process.execPath, cli, 'run', '--url', url, '--json', '--key-scan-budget', '0', '--', ...bare]],
  ['run, sampling every 100ms', [process.execPath, cli, 'run', '--url', url, '--json', '--', ...bare]],
  ['run, sampling every 50ms', [process.execPath, cli, 'run', '--url', url, '--json', '--sample-interval', '50ms', '--', ...bare]]
]
console.log(`redis-memory-guard run overhead: ${keys} SETs of 100 bytes, ${rounds} rounds each, median wall time`)
try {
  for (const [name, argv] of cases) {
    const times = []
    let samples = null
    for (let i = 0; i < rounds; i++) {
      const r = timed(argv)
      times.push(r.ms)
      if (name !== 'bare command') samples = JSON.parse(r.stdout).sampling.summary.count
    }
    console.log(`${name.padEnd(28)} ${median(times).toFixed(0).padStart(6)} ms${samples === null ? '' : `   (${samples} samples in the last round)`}`)
  }
} finally {
  server.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
