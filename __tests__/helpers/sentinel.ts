/** Starts a real Sentinel (`redis-server <config> --sentinel`) on a free port for tests, watching one master. */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, waitForStart } from './redis-server.js'

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
  try {
    await waitForStart(child, port, 'sentinel')
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
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
