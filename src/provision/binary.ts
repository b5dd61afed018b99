import { spawn } from 'node:child_process'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../core/errors.js'
import { ProvisionInput } from '../config/options.js'
import { freePort, portIsFree } from '../core/net.js'
import { sleep } from '../redis/connection.js'
import { formatDuration } from '../core/size.js'
import { waitForPing } from './ready.js'
import { limitArgs, maskArgs, withServerDefaults } from './runtime.js'
import type { ProvisionSettings } from './settings.js'
import type { StepHost } from '../core/host.js'

/** What the post step needs to stop a redis-server the main step started. */
export interface StartedBinary {
  kind: 'binary'
  pid: number
  dir: string
  host: string
  port: number
}

const HOST = '127.0.0.1'
const LOG_FILE = 'redis.log'

/**
 * Server arguments for binary mode. A config file (a first argument that is not an option) must
 * come first for redis-server; then the action's defaults, then the user's options, which can
 * override the defaults (later wins), then the limits and password from their own inputs.
 */
export function binaryArgs(s: Pick<ProvisionSettings, 'redisArgs' | 'maxmemory' | 'maxmemoryPolicy' | 'password'>, port: number, dir: string): string[] {
  const defaults = ['--port', String(port), '--bind', HOST, '--dir', dir, '--daemonize', 'no', '--save', '', '--appendonly', 'no']
  return [...withServerDefaults(s.redisArgs, defaults), ...limitArgs(s)]
}

/** Starts redis-server in the background, its files in a temporary folder, and waits for PING. */
export async function startBinary(
  s: ProvisionSettings,
  timeoutMs: number,
  host: StepHost,
  onStarted: (b: StartedBinary | null) => void = () => {},
  /** The line for a taken port when the port is not the `port` input's (a cluster node's port). */
  opts: { portInUse?: (port: number) => string } = {}
): Promise<StartedBinary & { readyMs: number }> {
  const port = s.port === 0 ? await freePort(HOST) : s.port
  const taken = (): UserError => (opts.portInUse ? new UserError(opts.portInUse(port)) : portInUse(host, port))
  // Else the readiness wait would find the other server's PONG and take it for ours.
  if (s.port !== 0 && !(await portIsFree(port, HOST))) {
    throw taken()
  }
  const dir = await mkdtemp(join(process.env.RUNNER_TEMP || tmpdir(), 'redis-memory-guard-server-'))
  const args = binaryArgs(s, port, dir)
  host.info(`${s.redisServerPath} ${maskArgs(args).map((a) => (a === '' ? "''" : a)).join(' ')}`)
  const logPath = join(dir, LOG_FILE)
  const log = openSync(logPath, 'a')
  // Detached with its output in a file, so the server outlives the main step's process.
  const child = spawn(s.redisServerPath, args, { detached: true, stdio: ['ignore', log, log] })
  closeSync(log)
  let exited: string | null = null
  child.on('exit', (code, signal) => (exited = signal ? `redis-server was killed by ${signal}` : `redis-server exited with code ${code}`))
  const spawned = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    child.once('spawn', () => resolve(null))
    child.once('error', (err: NodeJS.ErrnoException) => resolve(err))
  })
  if (spawned) {
    await rm(dir, { recursive: true, force: true })
    if (spawned.code === 'ENOENT') {
      throw new UserError(
        s.redisServerPath === 'redis-server'
          ? `redis-server is not on PATH. Install Redis first (sudo apt-get install -y redis-server, or brew install redis) or set ${host.optionName(ProvisionInput.RedisServerPath)}.`
          : `${host.optionName(ProvisionInput.RedisServerPath)}: "${s.redisServerPath}" does not exist. Give the path of a redis-server (or valkey-server) executable.`
      )
    }
    throw new UserError(`Could not start ${s.redisServerPath}: ${spawned.message}`)
  }
  child.unref()
  const started: StartedBinary = { kind: 'binary', pid: child.pid as number, dir, host: HOST, port }
  onStarted(started)

  const ready = await waitForPing({ host: HOST, port, timeoutMs, gone: async () => exited })
  if (!ready.ready) {
    const tail = logTail(logPath, 30)
    await host.group(`Last log lines of redis-server`, async () => host.info(tail || '(no log output)'))
    if (s.keepContainer) host.info(`keep-container is true: redis-server (pid ${started.pid}) and ${dir} stay for inspection.`)
    else {
      await stopBinary(started, host, { quiet: true })
      onStarted(null)
    }
    if (/Address already in use/i.test(tail)) throw taken()
    throw new UserError(
      ready.gone
        ? `${ready.reason} before answering PING. Its last log lines are above; check redis-args.`
        : `redis-server did not answer PING on ${HOST}:${port} within ${formatDuration(timeoutMs)} (${ready.reason}). Its last log lines are above.`
    )
  }
  return { ...started, readyMs: ready.ms }
}

/** How long a started redis-server gets to exit on SIGTERM before SIGKILL. */
export const BINARY_STOP_MS = 5000

/**
 * Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its folder. Checks first that
 * the pid still belongs to a redis-server, since a pid can be reused once its process is gone.
 */
export async function stopBinary(b: StartedBinary, host: StepHost, opts: { quiet?: boolean } = {}): Promise<void> {
  const cmdline = `/proc/${b.pid}/cmdline`
  const procFs = existsSync('/proc/self/cmdline')
  let alive = isAlive(b.pid)
  if (alive && procFs) {
    const title = await readFile(cmdline, 'utf8').catch(() => '')
    // Valkey and KeyDB name their process after themselves (valkey-server 127.0.0.1:6379).
    if (!/redis|valkey|keydb/i.test(title)) {
      alive = false
      if (!opts.quiet) host.warn(`Process ${b.pid} is no longer the redis-server this action started; not stopping it.`)
    }
  }
  if (alive) {
    signal(b.pid, 'SIGTERM')
    const deadline = Date.now() + BINARY_STOP_MS
    while (isAlive(b.pid) && Date.now() < deadline) await sleep(50)
    if (isAlive(b.pid)) signal(b.pid, 'SIGKILL')
    if (!opts.quiet) host.info(`Stopped redis-server (pid ${b.pid}) on ${b.host}:${b.port}.`)
  } else if (!opts.quiet) {
    host.info(`redis-server (pid ${b.pid}) had already stopped.`)
  }
  try {
    await rm(b.dir, { recursive: true, force: true })
  } catch (err) {
    if (!opts.quiet) host.warn(`Could not remove ${b.dir}: ${(err as Error).message}`)
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    // A stopped process whose parent has not reaped it yet (a zombie) still takes signals.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true
    // EPERM: it exists but is not ours.
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch {
    // gone in between
  }
}

function logTail(path: string, lines: number): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } catch {
    return ''
  }
}

function portInUse(host: StepHost, port: number): UserError {
  const name = host.optionName(ProvisionInput.Port)
  return new UserError(`${name}: ${port} is already in use on this machine. Set ${name} to 0 for a free port, or free port ${port}.`)
}
