/**
 * `demo`: the product at work in a few seconds, with nothing but Node and redis-server. Starts a
 * throwaway redis-server with a small maxmemory, runs a little app under `run` whose "tests" all
 * pass while it leaves keys behind and has writes refused for OOM, and prints the report.
 * Everything goes through `run` (one engine); the server and the app's folder are removed after.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ProvisionInput } from '../../config/options.js'
import { startBinary, stopBinary } from '../../provision/binary.js'
import { readProvisionSettings } from '../../provision/settings.js'
import type { Report } from '../../report/schema.js'
import type { StepHost } from '../../core/host.js'
import { flag, parseCommandArgs, stringOption } from '../args.js'
import { ExitCode, cliHost, type Context } from '../context.js'
import { runCommand } from './run.js'

/** Small enough that the app's cached pages pass it within a second. */
const DEMO_MAXMEMORY = '4mb'
const SERVER_START_MS = 10_000

/**
 * The watched app, plain Node with no packages (it runs from wherever the CLI is): RESP over a
 * socket, one command at a time. It prints lines as a test runner would, so the report can place
 * each leaked prefix after the line that preceded it. Every wait is bounded.
 */
export const DEMO_APP = `'use strict'
const net = require('node:net')
const { randomUUID } = require('node:crypto')
const url = new URL(process.env.REDIS_URL)
const socket = net.connect(Number(url.port), url.hostname)
setTimeout(() => { console.error('demo app: Redis did not answer within 20 s'); process.exit(1) }, 20000).unref()
socket.on('error', (err) => { console.error('demo app: ' + err.message); process.exit(1) })
const waiting = []
let buffer = ''
socket.on('data', (data) => {
  buffer += data
  for (let end = buffer.indexOf('\\r\\n'); end >= 0; end = buffer.indexOf('\\r\\n')) {
    waiting.shift()(buffer.slice(0, end))
    buffer = buffer.slice(end + 2)
  }
})
const send = (...words) => new Promise((reply) => {
  waiting.push(reply)
  socket.write('*' + words.length + '\\r\\n' + words.map((w) => '$' + Buffer.byteLength(w) + '\\r\\n' + w + '\\r\\n').join(''))
})
const sleep = (ms) => new Promise((done) => setTimeout(done, ms))

async function main() {
  await new Promise((connected) => socket.once('connect', connected))
  for (let i = 0; i < 40; i++) await send('SET', 'session:' + randomUUID(), JSON.stringify({ user: i }))
  console.log('PASS signs users in (40 sessions, stored without a TTL)')
  await sleep(300)
  for (let i = 0; i < 20; i++) await send('SET', 'upload:tmp:' + i, 'x'.repeat(1000))
  for (let i = 0; i < 20; i++) await send('DEL', 'upload:tmp:' + i)
  console.log('PASS uploads a file (its temporary keys deleted)')
  await sleep(300)
  const page = 'x'.repeat(64 * 1024)
  let stored = 0
  let refused = 0
  for (let i = 0; i < 200 && refused < 5; i++) {
    const reply = await send('SET', 'cache:page:' + i, page)
    if (reply.startsWith('-')) {
      if (refused === 0) console.log('cache write failed: ' + reply.slice(1))
      refused++
    } else stored++
    if (i % 10 === 9) await sleep(50)
  }
  console.log('PASS caches product pages (' + stored + ' stored, ' + refused + ' refused; the test ignores the errors)')
  socket.end()
}
main().catch((err) => { console.error('demo app: ' + err.message); process.exit(1) })
`

export async function demoCommand(ctx: Context): Promise<number> {
  const quiet: StepHost = { ...cliHost(ctx), info: () => {} }
  const settings = readProvisionSettings((name) =>
    name === ProvisionInput.Mode
      ? 'binary'
      : name === ProvisionInput.Port
        ? '0'
        : name === ProvisionInput.Maxmemory
          ? DEMO_MAXMEMORY
          : name === ProvisionInput.MaxmemoryPolicy
            ? 'noeviction'
            : name === ProvisionInput.RedisServerPath
              ? stringOption(ctx.args, name)
              : ''
  )
  const appDir = await mkdtemp(join(tmpdir(), 'redis-memory-guard-demo-'))
  let server: Awaited<ReturnType<typeof startBinary>> | null = null
  // The server runs in its own process group: it must not outlive the CLI, whatever ends it.
  const onExit = (): void => {
    if (server === null) return
    try {
      process.kill(server.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  process.once('exit', onExit)
  try {
    const app = join(appDir, 'leaky-app.cjs')
    await writeFile(app, DEMO_APP)
    server = await startBinary(settings, SERVER_START_MS, quiet)
    const url = `redis://${server.host}:${server.port}`
    ctx.log.info(
      `demo: started a throwaway ${settings.redisServerPath} at ${server.host}:${server.port} with maxmemory ${DEMO_MAXMEMORY} (noeviction); ` +
        'running a small app whose three "tests" pass while it leaves keys behind and has writes refused.'
    )
    const output = flag(ctx.args, 'json') ? ['--json'] : flag(ctx.args, 'markdown') ? ['--markdown'] : []
    const passOn = [...output, ...(flag(ctx.args, 'no-color') ? ['--no-color'] : []), ...(flag(ctx.args, 'debug') ? ['--debug'] : [])]
    const args = parseCommandArgs('run', ['--url', url, '--max-leaked-keys', '0', ...passOn, '--', process.execPath, app])
    let report: Report | null = null
    // The app must talk to the throwaway server, whatever REDIS_URL the user's shell has.
    const code = await runCommand({ ...ctx, command: 'run', args, env: { ...ctx.env, REDIS_URL: url }, onReport: (r) => (report = r) })
    return judgeDemo(ctx, report, code)
  } finally {
    if (server !== null) await stopBinary(server, quiet, { quiet: true })
    server = null
    process.removeListener('exit', onExit)
    await rm(appDir, { recursive: true, force: true })
  }
}

/** The demo worked when the report failed the run on OOM: then it exits 0, else it says what went wrong. */
function judgeDemo(ctx: Context, report: Report | null, code: number): number {
  const oom = (report as Report | null)?.checks.find((c) => c.check === 'oom')
  if (report === null || oom?.status !== 'fail' || code !== ExitCode.Fail) {
    ctx.log.error(
      `demo: the report did not come out as expected (verdict ${report?.verdict ?? 'none'}, oom check ${oom?.status ?? 'absent'}, exit ${code}); please report it with the output above.`
    )
    return code === ExitCode.Ok || code === ExitCode.Fail ? ExitCode.Internal : code
  }
  ctx.log.info(
    'demo: every "test" passed, yet the guard failed the run: Redis refused writes (oom) and keys were left behind. ' +
      'The same report goes to the job summary and the PR comment in the action. Next: redis-memory-guard run -- npm test'
  )
  return ExitCode.Ok
}
