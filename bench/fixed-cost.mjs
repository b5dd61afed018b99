#!/usr/bin/env node
// The action's fixed cost: main + post (attach mode, 1,000 keys, default inputs) against the floor
// measured in the same run, rounds alternating so drift hits both: two node starts (`node -e 0`)
// and two `redis-cli INFO`, the least any main + post pair must do. A second between main and
// post stands for the tests and is not counted. Prints medians, the ratio and the load average.
//
//   npm run package && node bench/fixed-cost.mjs [rounds=7]
//
// Goal (issue 14): main + post ≤ 2× the floor.
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { freePort } from './free-port.mjs'

const ROUNDS = Number(process.argv[2] ?? 7)
if (!existsSync('dist/main/index.js') || !existsSync('dist/post/index.js')) {
  console.error('dist/ is missing: run npm run package first.')
  process.exit(1)
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const load = () => loadavg()[0].toFixed(2) + (loadavg()[0] > cpus().length ? ' (noisy)' : '')
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/** Runs a process to its end; resolves with its wall time in ms and its exit code. */
function timed(cmd, args, env = process.env) {
  const t0 = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ ms: performance.now() - t0, code, err }))
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
  async function step(name, state) {
    n++
    const files = { GITHUB_STATE: join(work, `state-${n}`), GITHUB_OUTPUT: join(work, `output-${n}`), GITHUB_STEP_SUMMARY: join(work, `summary-${n}.md`) }
    for (const f of Object.values(files)) writeFileSync(f, '')
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, RUNNER_TEMP: work, GITHUB_ACTIONS: 'true', ...files, 'INPUT_REDIS-URL': `redis://127.0.0.1:${port}` }
    for (const [k, v] of Object.entries(state)) env[`STATE_${k}`] = v
    const r = await timed(process.execPath, [join('dist', name, 'index.js')], env)
    if (r.code !== 0) throw new Error(`${name} exited ${r.code}: ${r.err}`)
    return { ms: r.ms, state: commandFile(files.GITHUB_STATE) }
  }

  const floor = []
  const action = []
  const mains = []
  const posts = []
  console.log(`fixed cost, ${ROUNDS} rounds, 1,000 keys; load before ${load()}`)
  for (let i = 0; i < ROUNDS; i++) {
    let f = 0
    for (let j = 0; j < 2; j++) {
      f += (await timed(process.execPath, ['-e', '0'])).ms
      f += (await timed('redis-cli', ['-p', String(port), 'INFO'])).ms
    }
    floor.push(f)
    const main = await step('main', {})
    await sleep(1000)
    const post = await step('post', main.state)
    mains.push(main.ms)
    posts.push(post.ms)
    action.push(main.ms + post.ms)
    console.log(`  round ${i + 1}: floor ${f.toFixed(0)} ms; main ${main.ms.toFixed(0)} ms + post ${post.ms.toFixed(0)} ms = ${(main.ms + post.ms).toFixed(0)} ms (load ${load()})`)
  }
  const ratio = median(action) / median(floor)
  console.log(
    `median: floor ${median(floor).toFixed(0)} ms; main ${median(mains).toFixed(0)} ms + post ${median(posts).toFixed(0)} ms = ${median(action).toFixed(0)} ms; ` +
      `${ratio.toFixed(2)}× the floor (goal ≤ 2×); load after ${load()}`
  )
} finally {
  redis.kill()
  rmSync(work, { recursive: true, force: true })
}
