#!/usr/bin/env node
// What the background sampler costs: redis-benchmark throughput against a fresh redis-server with
// and without the sampler at the default interval, runs alternating so drift hits both sides, plus
// the sampler's own CPU (from /proc/<pid>/stat) and the time Redis spends answering its INFO calls.
//
//   npm run package && node bench/sampler.mjs            # PAIRS=6 REQUESTS=1000000 INTERVAL_MS=500
//
// Goal (issue 4): under 1% throughput and under 1% of one core.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.mjs'

const PAIRS = Number(process.env.PAIRS ?? 6)
const REQUESTS = Number(process.env.REQUESTS ?? 1_000_000)
const INTERVAL_MS = Number(process.env.INTERVAL_MS ?? 500)
const SAMPLER = 'dist/sampler/index.js'
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())

if (!existsSync(SAMPLER)) {
  console.error(`${SAMPLER} is missing: run npm run package first.`)
  process.exit(1)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function cli(port, ...args) {
  return execFileSync('redis-cli', ['-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'ignore'] }).toString()
}

/** CPU ticks (user + system) a process has used so far. */
function cpuTicks(pid) {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return Number(f[11]) + Number(f[12])
}

/** Total microseconds Redis spent in INFO so far. */
function infoUsec(port) {
  const m = /cmdstat_info:calls=(\d+),usec=(\d+)/.exec(cli(port, 'INFO', 'commandstats'))
  return m ? { calls: Number(m[1]), usec: Number(m[2]) } : { calls: 0, usec: 0 }
}

/** Requests per second of each test in one redis-benchmark run, summed over SET and GET. */
function benchmark(port) {
  const out = execFileSync('redis-benchmark', ['-p', String(port), '-t', 'set,get', '-n', String(REQUESTS), '-P', '16', '-q'], {
    stdio: ['ignore', 'pipe', 'ignore']
  }).toString()
  const rates = {}
  for (const line of out.split(/[\r\n]/)) {
    const m = /^(SET|GET): ([\d.]+) requests per second/.exec(line.trim())
    if (m) rates[m[1]] = Number(m[2])
  }
  if (rates.SET === undefined || rates.GET === undefined) throw new Error(`unexpected redis-benchmark output: ${out}`)
  return rates
}

async function startSampler(port, dir) {
  const file = join(dir, `samples-${Date.now()}.jsonl`)
  const config = { url: `redis://127.0.0.1:${port}`, file, intervalMs: INTERVAL_MS, maxLifeMs: 3_600_000 }
  const child = spawn(process.execPath, [SAMPLER], { env: { ...process.env, REDIS_MEMORY_GUARD_SAMPLER: JSON.stringify(config) }, stdio: 'ignore' })
  const deadline = Date.now() + 10_000
  while (!(existsSync(file) && statSync(file).size > 0)) {
    if (Date.now() > deadline) throw new Error('the sampler wrote no sample within 10 s')
    await sleep(20)
  }
  return { child, file }
}

async function stopSampler(child) {
  const exited = new Promise((r) => child.once('exit', r))
  child.kill('SIGTERM')
  await exited
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
const fmt = (n) => Math.round(n).toLocaleString('en-US')

const port = await freePort()
const dir = mkdtempSync(join(tmpdir(), 'rmg-bench-'))
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
try {
  for (let i = 0; ; i++) {
    try {
      cli(port, 'PING')
      break
    } catch {
      if (i > 100) throw new Error('redis-server did not start')
      await sleep(50)
    }
  }
  console.log(`redis-server ${cli(port, 'INFO', 'server').match(/redis_version:(\S+)/)[1]} on port ${port}; redis-benchmark -t set,get -n ${REQUESTS} -P 16; sampler every ${INTERVAL_MS} ms; ${PAIRS} pairs`)
  benchmark(port) // warm-up, not counted

  const without = []
  const withSampler = []
  let samplerTicks = 0
  let samplerMs = 0
  let samples = 0
  let infoCost = { calls: 0, usec: 0 }
  console.log('\nrun  sampler  SET rps      GET rps      sum rps')
  for (let pair = 0; pair < PAIRS; pair++) {
    const order = pair % 2 === 0 ? [false, true] : [true, false]
    for (const sampled of order) {
      let rates
      if (sampled) {
        const { child, file } = await startSampler(port, dir)
        const info0 = infoUsec(port)
        const t0 = Date.now()
        const ticks0 = cpuTicks(child.pid)
        rates = benchmark(port)
        samplerTicks += cpuTicks(child.pid) - ticks0
        samplerMs += Date.now() - t0
        const info1 = infoUsec(port)
        // One of the calls in the window is the bench's own INFO commandstats: leave it out.
        infoCost = { calls: infoCost.calls + info1.calls - info0.calls - 1, usec: infoCost.usec + info1.usec - info0.usec }
        await stopSampler(child)
        samples += readFileSync(file, 'utf8').trim().split('\n').length
        withSampler.push(rates.SET + rates.GET)
      } else {
        rates = benchmark(port)
        without.push(rates.SET + rates.GET)
      }
      console.log(`${String(pair + 1).padEnd(4)} ${(sampled ? 'on' : 'off').padEnd(8)} ${fmt(rates.SET).padEnd(12)} ${fmt(rates.GET).padEnd(12)} ${fmt(rates.SET + rates.GET)}`)
    }
  }
  const mWithout = median(without)
  const mWith = median(withSampler)
  const diff = ((mWith - mWithout) / mWithout) * 100
  const cpuPct = ((samplerTicks / CLK_TCK) * 1000 * 100) / samplerMs
  const infoPerCall = infoCost.calls > 0 ? infoCost.usec / infoCost.calls : 0
  const redisPct = (infoPerCall * (1000 / INTERVAL_MS) * 100) / 1e6
  console.log(`
throughput (median of SET+GET rps): without sampler ${fmt(mWithout)}, with sampler ${fmt(mWith)}, difference ${diff >= 0 ? '+' : ''}${diff.toFixed(2)}%
  spread without: ${fmt(Math.min(...without))} .. ${fmt(Math.max(...without))}; with: ${fmt(Math.min(...withSampler))} .. ${fmt(Math.max(...withSampler))}
sampler CPU: ${(samplerTicks / CLK_TCK).toFixed(2)} s over ${(samplerMs / 1000).toFixed(1)} s of benchmark = ${cpuPct.toFixed(2)}% of one core (${samples} samples)
Redis time serving the sampler's INFO: ${infoPerCall.toFixed(1)} us per call x ${(1000 / INTERVAL_MS).toFixed(1)} calls/s = ${redisPct.toFixed(4)}% of Redis's thread
goal: < 1% throughput and < 1% of one core`)
} finally {
  redis.kill('SIGKILL')
  rmSync(dir, { recursive: true, force: true })
}
