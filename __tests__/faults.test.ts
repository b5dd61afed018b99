/**
 * Faults a job meets, through the bundled action and CLI with real redis-server processes: a
 * password that only redis-args knows, Redis killed, stopped (SIGSTOP) or restarted during the
 * step, the sampler killed. Each ends within its bounds, writes its summary, and never passes
 * when the guard could not see.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { newJob, runJob, stepState } from './helpers/action-runner.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommands } from './helpers/resp.js'
import { runCli } from './helpers/cli-runner.js'

const redis = redisPerFile()
const pids: number[] = []
afterAll(() => {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
})

const errorLines = (stdout: string): string[] => stdout.split('\n').filter((l) => l.startsWith('::error::'))

describe('a Redis the guard started with a password only redis-args knows', () => {
  it('names the password input, not redis-url, and stops at once', async () => {
    const started = Date.now()
    const { main, post } = await runJob({ mode: 'binary', port: '0', 'redis-args': '--requirepass s3cret', 'connect-timeout': '20s' })
    for (const pid of [Number(JSON.parse(main.state.provisioned ?? 'null')?.pid)]) if (pid > 0) pids.push(pid)
    expect(main.code).toBe(1)
    const errors = errorLines(main.stdout)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('Give the same value in password')
    expect(errors[0]).not.toContain('redis://:PASSWORD@')
    // Waiting cannot fix a missing password: no retries up to connect-timeout.
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(main.stdout).not.toContain('s3cret')
    expect(post.stdout).not.toContain('s3cret')
  }, 60_000)
})

interface Judged {
  verdict: string
  errors: string[]
  restart: { restarted: boolean } | null
  checks: { check: string; status: string }[]
}

/** Runs main, `fault`, then post on a fresh server; how long post took, and its report. */
async function faultJob(fault: (r: Awaited<ReturnType<typeof redis>>, samplerPid: number | null) => Promise<void>, serverArgs: string[] = []) {
  const r = await redis(serverArgs)
  let samplerPid: number | null = null
  const inputs = { 'redis-url': r.url, 'sample-interval': '100ms', 'connect-timeout': '2s' }
  const job = newJob()
  const main = await job.step('main', inputs)
  expect(main.code).toBe(0)
  samplerPid = stepState(main).sampler?.pid ?? null
  if (samplerPid) pids.push(samplerPid)
  await redisCommands(r.port, [['SET', 'during', 'x']])
  await fault(r, samplerPid)
  const started = Date.now()
  const post = await job.step('post', inputs, main.state)
  const postMs = Date.now() - started
  const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8')) as Judged
  return { r, post, postMs, report }
}

describe('faults during the step, through the bundled action', () => {
  it('Redis killed: post ends within its bounds, writes the summary and fails', async () => {
    const { post, postMs, report } = await faultJob(async (r) => {
      r.process.kill('SIGKILL')
      await new Promise((res) => r.process.once('exit', res))
    })
    expect(postMs).toBeLessThan(20_000)
    expect(report.verdict).toBe('fail')
    expect(post.outputs.verdict).toBe('fail')
    expect(report.errors.some((e) => e.startsWith('No snapshot after the step'))).toBe(true)
    expect(post.summary).toContain('Redis memory: fail')
  }, 60_000)

  it('Redis stopped (SIGSTOP): post gives up within its bounds instead of hanging, and fails', async () => {
    let stopped: Awaited<ReturnType<typeof redis>> | null = null
    try {
      const { post, postMs, report } = await faultJob(async (r) => {
        stopped = r
        r.process.kill('SIGSTOP')
      })
      // connect-timeout 2s, each command 10 s at most, the sampler's stop bounded: far from a hung job.
      expect(postMs).toBeLessThan(30_000)
      expect(report.verdict).toBe('fail')
      expect(post.summary).toContain('Redis memory: fail')
      expect(post.summary.length).toBeGreaterThan(100)
    } finally {
      ;(stopped as Awaited<ReturnType<typeof redis>> | null)?.process.kill('SIGCONT')
    }
  }, 60_000)

  it('Redis restarted: the restart is stated in the summary and the report', async () => {
    const { post, report } = await faultJob(async (r) => {
      r.process.kill('SIGKILL')
      await new Promise((res) => r.process.once('exit', res))
      await redis([], r.port)
      await redisCommands(r.port, [['SET', 'after-restart', 'x']])
      await new Promise((res) => setTimeout(res, 300))
    })
    expect(report.restart?.restarted).toBe(true)
    expect(post.summary).toMatch(/restarted during the step/)
  }, 60_000)

  it('the sampler killed: post ends, says the samples stopped, and does not pass', async () => {
    const { post, postMs, report } = await faultJob(async (_r, pid) => {
      expect(pid).not.toBeNull()
      process.kill(pid as number, 'SIGKILL')
      await new Promise((res) => setTimeout(res, 300))
    })
    expect(postMs).toBeLessThan(20_000)
    expect(report.verdict).not.toBe('pass')
    expect(report.errors.join(' ')).toContain('The background sampler stopped')
    expect(post.summary.length).toBeGreaterThan(100)
  }, 60_000)
})

describe('faults during the step, through the CLI', () => {
  it('Redis killed by the command: run ends within connect-timeout, prints the report and fails', async () => {
    const r = await redis()
    const started = Date.now()
    const res = await runCli(['run', '--url', r.url, '--json', '--connect-timeout', '2s', '--', 'bash', '-c', `kill -9 ${r.process.pid}`])
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(res.code).not.toBe(0)
    const report = JSON.parse(res.stdout) as Judged
    expect(report.verdict).toBe('fail')
    expect(report.errors.some((e) => e.startsWith('No snapshot after the step'))).toBe(true)
  }, 60_000)
})

