#!/usr/bin/env node
// The action's fixed cost: main + post (attach mode, 1,000 keys, default inputs) against the floor
// measured in the same run, rounds alternating so drift hits both: two node starts (`node -e 0`)
// and two `redis-cli INFO`, the least any main + post pair must do. Every process gets the same
// environment (the runner's variables, nothing inherited from this shell: NODE_OPTIONS or
// NODE_EXTRA_CA_CERTS would slow one side's Node starts and not the other's). A second between
// main and post stands for the tests and is not counted in main + post; the sampler's CPU in it
// is, scaled to a 60 s step. Prints medians, the ratio, the share of a 60 s step and the load.
//
//   npm run package && node bench/fixed-cost.mjs [rounds=7]
//   under Node 24: PATH="$(dirname "$(node scripts/node-runtime.mjs 24)"):$PATH" node bench/fixed-cost.mjs
//
// Goals (issue 23): main + post ≤ 5× the floor; the guard's cost on a 60 s step under 1%.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { freePort } from './free-port.mjs'

const ROUNDS = Number(process.argv[2] ?? 7)
const STEP_MS = 60_000
// STEP_60=0 leaves out the one 60 s step at the end.
const STEP_60 = process.env.STEP_60 !== '0'
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())
if (!existsSync('dist/main/index.js') || !existsSync('dist/post/index.js')) {
  console.error('dist/ is missing: run npm run package first.')
  process.exit(1)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const load = () => loadavg()[0].toFixed(2) + (loadavg()[0] > cpus().length ? ' (noisy)' : '')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * CPU ms of this process's children that have ended and been waited for (cutime + cstime of
 * /proc/self/stat): read before and after one child, the child's own CPU, which a loaded machine
 * does not inflate as it does wall time. A detached grandchild (the sampler) is not in it.
 */
function childrenCpuMs() {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / CLK_TCK
}

/** Runs a process to its end; resolves with its wall time and CPU time in ms and its exit code. */
function timed(cmd, args, env) {
  const t0 = performance.now()
  const c0 = childrenCpuMs()
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: performance.now() - t0, cpu: childrenCpuMs() - c0, code, err }))
  })
}

/** `name<<DELIM\nvalue\nDELIM` entries of a runner command file. */
function commandFile(path) {
  const out = {}
  for (const m of readFileSync(path, 'utf8').matchAll(/^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) out[m[1]] = m[3]
  return out
}

const work = mkdtempSync(join(tmpdir(), 'rmg-fixed-cost-'))
const port = await freePort()
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work], { stdio: 'ignore' })
// Stopped with Ctrl-C, the bench still stops its redis-server and removes its folder.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    redis.kill()
    rmSync(work, { recursive: true, force: true })
    process.exit(130)
  })
}
try {
  for (let i = 0; i < 100; i++) {
    try {
      execFileSync('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore' })
      break
    } catch {
      await sleep(50)
    }
  }
  execFileSync('redis-cli', ['-p', String(port), 'eval', "for i = 1, 1000 do redis.call('SET', 'bench:' .. i, i) end", '0'], { stdio: 'ignore' })

  let n = 0
  /** A step's environment, as the runner gives it: the floor's processes get the same one. */
  function stepEnv(state = {}) {
    n++
    const files = { GITHUB_STATE: join(work, `state-${n}`), GITHUB_OUTPUT: join(work, `output-${n}`), GITHUB_STEP_SUMMARY: join(work, `summary-${n}.md`) }
    for (const f of Object.values(files)) writeFileSync(f, '')
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: work, GITHUB_ACTIONS: 'true', ...files, 'INPUT_REDIS-URL': `redis://127.0.0.1:${port}` }
    for (const [k, v] of Object.entries(state)) env[`STATE_${k}`] = v
    return { env, files }
  }
  async function step(name, state) {
    const { env, files } = stepEnv(state)
    const r = await timed(process.execPath, [join('dist', name, 'index.js')], env)
    if (r.code !== 0) throw new Error(`${name} exited ${r.code}: ${r.err}`)
    return { ms: r.ms, cpu: r.cpu, state: commandFile(files.GITHUB_STATE) }
  }

  /** CPU ms the sampler has used so far (/proc/<pid>/stat utime + stime), or null off Linux. */
  function cpuMs(pid) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK
    } catch {
      return null
    }
  }

  const floor = []
  const action = []
  const mains = []
  const posts = []
  const floorCpu = []
  const actionCpu = []
  const inherited = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS'].filter((k) => process.env[k])
  console.log(`fixed cost under Node ${process.version}, ${ROUNDS} rounds, 1,000 keys; load before ${load()}`)
  if (inherited.length > 0) console.log(`  not passed on to any process: ${inherited.join(', ')} (set in this shell)`)
  for (let i = 0; i < ROUNDS; i++) {
    let f = 0
    let fc = 0
    for (let j = 0; j < 2; j++) {
      const { env } = stepEnv()
      for (const r of [await timed(process.execPath, ['-e', '0'], env), await timed('redis-cli', ['-p', String(port), 'INFO'], env)]) {
        f += r.ms
        fc += r.cpu
      }
    }
    floor.push(f)
    floorCpu.push(fc)
    const main = await step('main', {})
    await sleep(1000)
    const post = await step('post', main.state)
    mains.push(main.ms)
    posts.push(post.ms)
    action.push(main.ms + post.ms)
    actionCpu.push(main.cpu + post.cpu)
    console.log(
      `  round ${i + 1}: floor ${f.toFixed(0)} ms (CPU ${fc.toFixed(0)} ms); main ${main.ms.toFixed(0)} ms + post ${post.ms.toFixed(0)} ms = ` +
        `${(main.ms + post.ms).toFixed(0)} ms (CPU ${(main.cpu + post.cpu).toFixed(0)} ms) (load ${load()})`
    )
  }
  const ratio = median(action) / median(floor)
  console.log(
    `median wall: floor ${median(floor).toFixed(0)} ms; main ${median(mains).toFixed(0)} ms + post ${median(posts).toFixed(0)} ms = ${median(action).toFixed(0)} ms; ` +
      `${ratio.toFixed(2)}× the floor (goal ≤ 5×)`
  )
  console.log(
    `median CPU: floor ${median(floorCpu).toFixed(0)} ms; main + post ${median(actionCpu).toFixed(0)} ms; ${(median(actionCpu) / median(floorCpu)).toFixed(2)}× the floor; load after ${load()}`
  )

  // One real 60 s step: main, a minute of the sampler watching, post; the sampler's CPU is read just before post stops it.
  if (STEP_60) {
    const main = await step('main', {})
    const sampler = JSON.parse(main.state.step ?? 'null')?.sampler ?? null
    await sleep(STEP_MS)
    const samplerCpu = sampler ? cpuMs(sampler.pid) : null
    const post = await step('post', main.state)
    const wall = main.ms + post.ms
    const cpu = main.cpu + post.cpu + (samplerCpu ?? 0)
    const pct = (ms) => `${((ms / STEP_MS) * 100).toFixed(2)}%`
    console.log(
      `60 s step: main + post ${wall.toFixed(0)} ms wall = ${pct(wall)} of the step (goal < 1%); ` +
        `CPU: main + post ${(main.cpu + post.cpu).toFixed(0)} ms + sampler ${samplerCpu === null ? 'n/a' : `${samplerCpu.toFixed(0)} ms`} = ${pct(cpu)} of one core over the step; load ${load()}`
    )
  }
} finally {
  redis.kill()
  rmSync(work, { recursive: true, force: true })
}
