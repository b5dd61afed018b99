/** A throwaway redis-server on a free port, for `run` when no Redis is there: started, used once, stopped. */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../errors.js'
import { freePort } from '../net.js'
import { waitForPing } from '../provision/ready.js'

export interface ThrowawayRedis {
  url: string
  port: number
  pid: number | undefined
  /** Stops the server (SIGTERM, then SIGKILL after 3 s) and removes its folder. Safe to call twice. */
  stop(): Promise<void>
}


const START_TIMEOUT_MS = 10_000

/** Starts redis-server bound to 127.0.0.1 with no persistence, and waits until it accepts connections. */
export async function startThrowaway(binary = 'redis-server'): Promise<ThrowawayRedis> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'redis-memory-guard-'))
  // Its own process group, so Ctrl-C in the terminal reaches the command but not this server:
  // it must outlive the command for the "after" snapshot, and is stopped by us.
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true
  })
  let log = ''
  const keep = (d: Buffer): void => {
    log = (log + d.toString()).slice(-4000)
  }
  child.stdout?.on('data', keep)
  child.stderr?.on('data', keep)
  const spawned = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    child.once('spawn', () => resolve(null))
    child.once('error', (err: NodeJS.ErrnoException) => resolve(err))
  })
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true })
  if (spawned) {
    removeDir()
    throw new UserError(
      spawned.code === 'ENOENT'
        ? `No Redis is listening and ${binary} is not installed, so no throwaway server could be started. Start Redis (e.g. podman run -d -p 6379:6379 redis:7) or give --url or --container.`
        : `Could not start ${binary}: ${spawned.message}`
    )
  }

  // If the CLI dies unexpectedly, the server must not outlive it.
  const onExit = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  process.once('exit', onExit)

  const gone = async (): Promise<string | null> =>
    child.exitCode !== null || child.signalCode !== null ? `${binary} exited at start: ${lastLines(log)}` : null
  const ready = await waitForPing({ host: '127.0.0.1', port, timeoutMs: START_TIMEOUT_MS, intervalMs: 25, gone })
  if (!ready.ready) {
    await stopChild(child)
    process.removeListener('exit', onExit)
    removeDir()
    throw new UserError(
      ready.gone ? `The throwaway ${ready.reason}` : `The throwaway ${binary} on port ${port} did not answer PING within 10 s (${ready.reason}): ${lastLines(log)}`
    )
  }

  let stopped: Promise<void> | null = null
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: child.pid,
    stop() {
      stopped ??= (async () => {
        await stopChild(child)
        process.removeListener('exit', onExit)
        removeDir()
      })()
      return stopped
    }
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000)
  await exited
  clearTimeout(timer)
}

function lastLines(log: string): string {
  return log.trim().split('\n').slice(-3).join(' | ') || '(no output)'
}
