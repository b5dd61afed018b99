/** Starts a real Sentinel (`redis-server <config> --sentinel`) on a free port for tests, watching one master. */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { answersPing, freePort } from './redis-server.js'

export interface TestSentinel {
  port: number
  stop(): Promise<void>
}

/**
 * A sentinel that watches `masterName` at 127.0.0.1:`masterPort` with a quorum of one, so one
 * sentinel alone can run a failover; short timeouts keep a test's failover within seconds.
 */
export async function startSentinel(masterName: string, masterPort: number): Promise<TestSentinel> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'rmg-test-sentinel-'))
  const config = join(dir, 'sentinel.conf')
  // Sentinel rewrites its config file as it learns, so it must be a writable file of its own.
  writeFileSync(
    config,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 1`,
      `sentinel down-after-milliseconds ${masterName} 2000`,
      `sentinel failover-timeout ${masterName} 10000`,
      `sentinel parallel-syncs ${masterName} 1`,
      ''
    ].join('\n')
  )
  const child = spawn('redis-server', [config, '--sentinel'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let log = ''
  child.stdout?.on('data', (d: Buffer) => (log += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (log += d.toString()))
  const deadline = Date.now() + 10_000
  while (!(await answersPing(port))) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL')
      rmSync(dir, { recursive: true, force: true })
      throw new Error(`sentinel on port ${port} did not start: ${log}`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    port,
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
