#!/usr/bin/env node
// How long the action's main step (container mode, podman, image present) takes until Redis
// answers PING, next to the runtime's own `podman run -d` and `podman run -d` + PING.
// Goal: the action adds under 1 s to the runtime's own time.
//
//   npm run package && node bench/startup.mjs [runs=5] [image=localhost/redis:test] [redis-args]
//
// The default image is the one scripts/setup-podman.sh builds (it is run when the image is missing).
import { execFile, execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { performance } from 'node:perf_hooks'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort } from './free-port.mjs'

const run = promisify(execFile)
const RUNS = Number(process.argv[2] ?? 5)
const IMAGE = process.argv[3] ?? 'localhost/redis:test'
// The local image runs the plain server: name it and turn protected mode off (see README).
const SERVER = process.argv[4] ?? (IMAGE === 'localhost/redis:test' ? '/usr/bin/redis-server --protected-mode no' : '')
const POLL_MS = 5
const PREFIX = `rmg-bench-${process.pid}`

if (!existsSync('dist/main/index.js')) {
  console.error('dist/main/index.js is missing: run npm run package first.')
  process.exit(1)
}
if (IMAGE === 'localhost/redis:test') execFileSync('bash', ['scripts/setup-podman.sh', IMAGE], { stdio: ['ignore', 'ignore', 'inherit'] })

function ping(port) {
  return new Promise((resolve) => {
    const sock = new Socket()
    const done = (ok) => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(500, () => done(false))
    sock.once('error', () => done(false))
    sock.once('close', () => done(false))
    sock.once('data', (d) => done(d.toString().startsWith('+PONG')))
    sock.connect(port, '127.0.0.1', () => sock.write('PING\r\n'))
  })
}

/** Polls PING every POLL_MS until it answers; resolves with the time it did. */
async function untilPong(port, deadline) {
  for (;;) {
    if (await ping(port)) return performance.now()
    if (performance.now() > deadline) throw new Error(`no PONG on ${port}`)
    await new Promise((r) => setTimeout(r, POLL_MS))
  }
}

async function remove(name) {
  await run('podman', ['rm', '--force', '--volumes', name]).catch(() => {})
}

/** Plain runtime: `podman run -d`, then PING until it answers. */
async function plainRun(i) {
  const port = await freePort()
  const name = `${PREFIX}-plain-${i}`
  const server = SERVER ? SERVER.split(' ') : []
  const t0 = performance.now()
  const pong = untilPong(port, t0 + 30_000)
  await run('podman', ['run', '-d', '--name', name, '-p', `127.0.0.1:${port}:6379`, IMAGE, ...server])
  const runMs = performance.now() - t0
  const readyMs = (await pong) - t0
  await remove(name)
  return { runMs, readyMs }
}

/** The `name<<DELIM` records that @actions/core writes to GITHUB_STATE. */
function savedState(path) {
  const state = {}
  for (const m of readFileSync(path, 'utf8').matchAll(/^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) state[m[1]] = m[3]
  return state
}

/** The bundled main step in container mode: from its start until Redis answers, and until it exits. */
async function actionRun(i) {
  const port = await freePort()
  const name = `${PREFIX}-action-${i}`
  const temp = mkdtempSync(join(tmpdir(), 'rmg-bench-'))
  for (const file of ['state', 'output']) writeFileSync(join(temp, file), '')
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    RUNNER_TEMP: temp,
    GITHUB_STATE: join(temp, 'state'),
    GITHUB_OUTPUT: join(temp, 'output'),
    'INPUT_MODE': 'container',
    'INPUT_CONTAINER-RUNTIME': 'podman',
    'INPUT_IMAGE': IMAGE,
    'INPUT_CONTAINER-NAME': name,
    'INPUT_PORT': String(port),
    'INPUT_REDIS-ARGS': SERVER
  }
  const t0 = performance.now()
  const child = spawn(process.execPath, ['dist/main/index.js'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  const exited = new Promise((r) => child.on('close', (code) => r({ code, at: performance.now() })))
  const pong = untilPong(port, t0 + 30_000).then((at) => ({ at }))
  const first = await Promise.race([pong, exited])
  if (!('at' in first) || 'code' in first) {
    await remove(name)
    throw new Error(`main step ended before Redis answered:\n${out}`)
  }
  const readyMs = first.at - t0
  const { code, at } = await exited
  // The post step, as the runner would run it: it stops the background sampler and removes the container.
  const postEnv = { ...env }
  for (const [key, value] of Object.entries(savedState(join(temp, 'state')))) postEnv[`STATE_${key}`] = value
  await run(process.execPath, ['dist/post/index.js'], { env: postEnv }).catch(() => {})
  await remove(name)
  rmSync(temp, { recursive: true, force: true })
  if (code !== 0) throw new Error(`main step failed:\n${out}`)
  return { readyMs, mainMs: at - t0 }
}

/** The bundle's own start: the main step with a bad input stops right after reading its inputs. */
async function bundleStart() {
  const temp = mkdtempSync(join(tmpdir(), 'rmg-bench-'))
  writeFileSync(join(temp, 'state'), '')
  const t0 = performance.now()
  await run(process.execPath, ['dist/main/index.js'], { env: { PATH: process.env.PATH, GITHUB_STATE: join(temp, 'state'), INPUT_MODE: 'none' } }).catch(() => {})
  rmSync(temp, { recursive: true, force: true })
  return performance.now() - t0
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const f = (ms) => `${ms.toFixed(0).padStart(6)} ms`

const { stdout: version } = await run('podman', ['--version'])
console.log(`${version.trim()}, image ${IMAGE} present, ${RUNS} runs each (alternating), PING polled every ${POLL_MS} ms\n`)
// One warm-up of each, not counted: the first run after a while pays for cold caches.
await plainRun('warm')
await actionRun('warm')

const plain = []
const action = []
const starts = []
for (let i = 0; i < RUNS; i++) {
  if (i % 2 === 0) {
    plain.push(await plainRun(i))
    action.push(await actionRun(i))
  } else {
    action.push(await actionRun(i))
    plain.push(await plainRun(i))
  }
  starts.push(await bundleStart())
}

console.log('run  podman run -d  podman run+PING  action main→PING  action main exits')
for (let i = 0; i < RUNS; i++) {
  console.log(`${String(i + 1).padStart(3)}  ${f(plain[i].runMs)}     ${f(plain[i].readyMs)}        ${f(action[i].readyMs)}         ${f(action[i].mainMs)}`)
}
const m = {
  run: median(plain.map((p) => p.runMs)),
  plainReady: median(plain.map((p) => p.readyMs)),
  actionReady: median(action.map((a) => a.readyMs)),
  main: median(action.map((a) => a.mainMs))
}
console.log(`med  ${f(m.run)}     ${f(m.plainReady)}        ${f(m.actionReady)}         ${f(m.main)}`)
const over = m.actionReady - m.plainReady
console.log(`\nThe action adds ${over.toFixed(0)} ms (median) to the runtime's own run + PING (${m.plainReady.toFixed(0)} ms);`)
console.log(`${(m.actionReady - m.run).toFixed(0)} ms over podman run -d alone. Goal: under 1000 ms. ${over < 1000 ? 'Met.' : 'NOT met.'}`)
console.log(`Of that, starting node with the bundle (main step that stops at its inputs): ${median(starts).toFixed(0)} ms (median).`)
