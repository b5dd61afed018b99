/** Starts real redis-server processes on free ports for tests. Never the machine's own instance on 6379. */
import { afterAll } from '@jest/globals'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface TestRedis {
  port: number
  url: string
  dir: string
  process: ChildProcess
  /** Sends one command with redis-cli semantics over a raw socket; resolves with the raw reply text. */
  stop(): Promise<void>
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.unref()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

/**
 * Starts `redis-server` with extra arguments (e.g. ['--maxmemory', '2mb']) and waits until it answers PING.
 * `port` restarts a server on the port a stopped one had; `server` is another executable that takes
 * redis-server's options (a built Redis 7.4 or valkey-server).
 */
export async function startRedis(args: string[] = [], port?: number, server = 'redis-server'): Promise<TestRedis> {
  port ??= await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'rmg-test-redis-'))
  const child = spawn(
    server,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  await waitForStart(child, port, server)
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    process: child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGKILL')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** True when something on the port answers PING (with or without a password error). */
export async function answersPing(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = new Socket()
    const done = (ok: boolean): void => {
      sock.destroy()
      resolve(ok)
    }
    sock.setTimeout(500, () => done(false))
    sock.once('error', () => done(false))
    sock.once('data', (d) => done(d.toString().startsWith('+PONG') || d.toString().startsWith('-NOAUTH')))
    sock.connect(port, host, () => sock.write('PING\r\n'))
  })
}

/**
 * For one test file: a function that starts a server (as startRedis) and stops every server it
 * started once the file's tests are done.
 */
export function redisPerFile(): (args?: string[], port?: number) => Promise<TestRedis> {
  const servers: TestRedis[] = []
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()))
  })
  return async (args = [], port) => {
    const r = await startRedis(args, port)
    servers.push(r)
    return r
  }
}

/** Waits (at most 10 s) until the started server answers PING on `port`; else kills it and throws with its log. */
export async function waitForStart(child: ChildProcess, port: number, what: string): Promise<void> {
  let log = ''
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()))
  const deadline = Date.now() + 10_000
  while (!(await answersPing(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL')
      throw new Error(`${what} on port ${port} did not start: ${log}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
}
