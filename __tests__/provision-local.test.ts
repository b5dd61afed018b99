/**
 * Binary mode and attach-mode limits end to end, through the bundled action, with real
 * redis-server processes. `npm run package` must have built dist/ first.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { newJob, runJob } from './helpers/action-runner.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { startRedis, type TestRedis } from './helpers/redis-server.js'

const servers: TestRedis[] = []
const pids: number[] = []
async function redis(args: string[] = []): Promise<TestRedis> {
  const r = await startRedis(args)
  servers.push(r)
  return r
}
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
  for (const pid of pids) if (running(pid)) process.kill(pid, 'SIGKILL')
})

/** True while the process runs; a zombie (exited, not yet reaped) does not count. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z'
}

const visible = (out: string): string => out.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')
const annotations = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('::warning') || l.startsWith('::error'))

describe('binary mode', () => {
  it('starts redis-server with the limits, waits for PING, and stops it in post', async () => {
    const inputs = { mode: 'binary', port: '0', maxmemory: '20mb', 'maxmemory-policy': 'allkeys-lfu', password: 'bin-pw' }
    const job = newJob()
    const main = await job.step('main', inputs)
    expect(annotations(main.stdout)).toEqual([])
    expect(main.code).toBe(0)
    const started = JSON.parse(main.state.provisioned)
    pids.push(started.pid)
    const port = Number(main.outputs['redis-port'])
    expect(started).toMatchObject({ kind: 'binary', host: '127.0.0.1', port })
    expect(main.outputs['redis-url']).toBe(`redis://:bin-pw@127.0.0.1:${port}`)
    expect(main.outputs['container-id']).toBe('')
    expect(running(started.pid)).toBe(true)
    expect(existsSync(started.dir)).toBe(true)
    expect(started.dir.startsWith(job.runnerTemp)).toBe(true)
    const during = await redisCommands(port, [['AUTH', 'bin-pw'], ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'maxmemory-policy'], ['CONFIG', 'GET', 'dir']])
    expect(during).toEqual(['OK', ['maxmemory', '20971520'], ['maxmemory-policy', 'allkeys-lfu'], ['dir', started.dir]])

    const post = await job.step('post', inputs, main.state)
    expect(post.code).toBe(0)
    expect(post.outputs.verdict).toBe('pass')
    expect(JSON.parse(readFileSync(post.outputs['report-path'], 'utf8')).before.memory.maxmemory).toBe(20971520)
    expect(post.stdout).toContain(`Stopped redis-server (pid ${started.pid}) on 127.0.0.1:${port}.`)
    expect(running(started.pid)).toBe(false)
    expect(existsSync(started.dir)).toBe(false)
    for (const text of [main.stdout, main.stderr, post.stdout, post.stderr, post.summary]) expect(visible(text)).not.toContain('bin-pw')
  })

  it('leaves the server running with keep-container: true', async () => {
    const inputs = { mode: 'binary', port: '0', 'keep-container': 'true' }
    const { main, post } = await runJob(inputs)
    const started = JSON.parse(main.state.provisioned)
    pids.push(started.pid)
    expect(post.stdout).toContain(`keep-container is true: redis-server (pid ${started.pid}) keeps running at 127.0.0.1:${started.port}.`)
    expect(await redisCommand(started.port, 'PING')).toBe('PONG')
  })

  it('says when the port is taken', async () => {
    const other = await redis()
    const { main } = await runJob({ mode: 'binary', port: String(other.port) })
    expect(main.code).toBe(1)
    expect(annotations(main.stdout)).toEqual([
      `::error::port: ${other.port} is already in use on this machine. Set port to 0 for a free port, or free port ${other.port}.`
    ])
  })

  it('prints the log and fails in one line when redis-server stops at once', async () => {
    const { main } = await runJob({ mode: 'binary', port: '0', 'redis-args': '--no-such-option 1' })
    expect(main.code).toBe(1)
    expect(main.stdout).toContain('::group::Last log lines of redis-server')
    expect(main.stdout).toContain('Bad directive or wrong number of arguments')
    expect(annotations(main.stdout)).toEqual([
      '::error::redis-server exited with code 1 before answering PING. Its last log lines are above; check redis-args.'
    ])
  })

  it('says when redis-server-path points nowhere', async () => {
    const { main } = await runJob({ mode: 'binary', port: '0', 'redis-server-path': '/nonexistent/redis-server' })
    expect(main.code).toBe(1)
    expect(annotations(main.stdout)).toEqual([
      '::error::redis-server-path: "/nonexistent/redis-server" does not exist. Give the path of a redis-server (or valkey-server) executable.'
    ])
    expect(main.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('attach mode with limits', () => {
  it('applies maxmemory and maxmemory-policy with CONFIG SET and sets the old values back in post', async () => {
    const r = await redis()
    let during: unknown[] = []
    const { main, post } = await runJob({ 'redis-url': r.url, maxmemory: '30mb', 'maxmemory-policy': 'allkeys-lfu' }, async () => {
      during = await redisCommands(r.port, [['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'maxmemory-policy'], ['SET', 'step', 'used it']])
    })
    expect(main.code).toBe(0)
    expect(main.stdout).toContain('Set maxmemory to 31457280 with CONFIG SET (was 0); the post step sets it back.')
    expect(during).toEqual([['maxmemory', '31457280'], ['maxmemory-policy', 'allkeys-lfu'], 'OK'])
    expect(main.outputs['redis-url']).toBe(r.url)
    expect(main.outputs['redis-port']).toBe(String(r.port))
    expect(post.code).toBe(0)
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    expect(report.after.memory.maxmemory).toBe(31457280)
    expect(post.stdout).toContain('Set maxmemory back to 0.')
    const after = await redisCommands(r.port, [['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'maxmemory-policy']])
    expect(after).toEqual([['maxmemory', '0'], ['maxmemory-policy', 'noeviction']])
    expect(annotations(main.stdout + post.stdout)).toEqual([])
  })

  it('warns clearly and goes on where CONFIG is renamed, and does not call the share of a limit it could not set fine', async () => {
    const r = await redis(['--rename-command', 'CONFIG', ''])
    const { main, post } = await runJob({ 'redis-url': r.url, maxmemory: '30mb' })
    expect(main.code).toBe(0)
    const warnings = annotations(main.stdout)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`Could not set maxmemory with CONFIG SET on redis://127.0.0.1:${r.port}: ERR unknown command 'CONFIG'`)
    expect(warnings[0]).toContain('CONFIG may be disabled or renamed on this server')
    expect(post.code).toBe(0)
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    const percent = report.checks.find((c: { check: string }) => c.check === 'memory-percent')
    expect(percent.status).toBe('unknown')
    expect(percent.message).toMatch(/^Could not be checked: maxmemory could not be set with CONFIG SET \(ERR unknown command 'CONFIG'/)
    expect(report.errors).toHaveLength(1)
    expect(report.errors[0]).toMatch(/^maxmemory could not be set with CONFIG SET .*: this server ran with its own\.$/)
    expect(post.outputs.verdict).toBe('warn')
    expect(post.stdout).not.toContain('back to')
  })
})
