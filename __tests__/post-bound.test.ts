/**
 * The post step's time bound (src/action/post-bound.ts): computed from the inputs by one formula,
 * logged, and kept. Against a real redis-server stopped (SIGSTOP) after the main step, the bundled
 * post step ends within the bound, still writes the summary and names every check it could not
 * make; and the end of a step cut by its deadline says so, with the bound's reason, in every
 * check it leaves unknown.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { newJob, stepState } from './helpers/action-runner.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommands } from './helpers/resp.js'
import { readInputs } from '../src/action/inputs.js'
import { boundReason, postStepBound } from '../src/action/post-bound.js'
import { RESTORE_CONNECT_MS } from '../src/provision/index.js'
import { SAMPLER_STOP_GRACE_MS } from '../src/sampler/control.js'
import { FILE_TIMEOUT_MS } from '../src/step/files.js'
import { FIRST_SAMPLE_WAIT_MS } from '../src/step/sampling.js'
import { endStep, judgeStep } from '../src/step/engine.js'
import { DEFAULT_THRESHOLDS } from '../src/judge/checks.js'
import { QUIET_HOST } from '../src/core/host.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { COMMAND_TIMEOUT_MS, connect } from '../src/redis/connection.js'
import { readKeySettings } from '../src/keys/settings.js'

const redis = redisPerFile()

interface Judged {
  verdict: string
  errors: string[]
  checks: { check: string; status: string; reason?: string }[]
}

describe('the post step against a Redis stopped (SIGSTOP) after the main step', () => {
  it('ends within the bound the formula gives for its inputs, writes the summary and names the checks it could not make', async () => {
    const r = await redis()
    const inputs = { 'redis-url': r.url, 'connect-timeout': '5s', 'sample-interval': '100ms', maxmemory: '100mb' }
    const job = newJob()
    try {
      const main = await job.step('main', inputs)
      expect(main.code).toBe(0)
      expect(stepState(main).sampler).not.toBeNull()
      await redisCommands(r.port, [['SET', 'during', 'x']])
      r.process.kill('SIGSTOP')
      const started = Date.now()
      const post = await job.step('post', inputs, main.state)
      const postMs = Date.now() - started

      // The formula, by hand, for these inputs: sampler stop, three file reads, connect-timeout 5 s,
      // the "after" snapshot's command, key-scan-budget (10 s by default) and its last batch, the JSON
      // report, setting maxmemory back (connect and a command), the work folder. No comment, no baseline API.
      const byHand =
        FIRST_SAMPLE_WAIT_MS + SAMPLER_STOP_GRACE_MS + 3 * FILE_TIMEOUT_MS + 5000 + COMMAND_TIMEOUT_MS + (10_000 + COMMAND_TIMEOUT_MS) +
        FILE_TIMEOUT_MS +
        (RESTORE_CONNECT_MS + COMMAND_TIMEOUT_MS) +
        FILE_TIMEOUT_MS
      const bound = postStepBound(readInputs((name) => (inputs as Record<string, string>)[name] ?? ''), {
        mainFailed: false,
        begun: true,
        provisioned: JSON.parse(main.state.provisioned ?? 'null'),
        comment: false,
        baselineApi: false
      })
      expect(bound.totalMs).toBe(byHand)
      // The post step computed the same bound and said so.
      const said = /This post step ends within (\d+) s/.exec(post.stdout)
      expect(Number(said?.[1])).toBe(Math.ceil(byHand / 1000))
      // Node's start and the bundle's load come before the bound's clock starts: a little slack.
      expect(postMs).toBeLessThanOrEqual(bound.totalMs + 3000)
      process.stdout.write(`post step against a stopped Redis: ${postMs} ms, bound ${bound.totalMs} ms\n`)

      const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8')) as Judged
      expect(report.verdict).toBe('fail')
      // No check is left out or passed: each is unknown, with why.
      expect(report.checks.map((c) => c.check).sort()).toEqual(['evictions', 'fragmentation', 'leaked-keys', 'memory-percent', 'oom', 'peak-memory', 'used-memory'])
      for (const c of report.checks) {
        expect(c.status).toBe('unknown')
        expect(c.reason).toContain(`no snapshot after the step (Could not reach Redis at 127.0.0.1:${r.port} within 5.0 s`)
      }
      expect(post.summary).toContain('Redis memory: fail')
      expect(post.summary).toContain('no snapshot after the step')
      expect(post.summary).toMatch(/oom not checked|unknown/i)
      expect(post.summary).toContain(`Could not reach Redis at 127.0.0.1:${r.port}`)
    } finally {
      r.process.kill('SIGCONT')
    }
  }, 180_000)
})

describe('the end of a step cut by its deadline', () => {
  it('stops at the deadline, says the bound was reached, and leaves every check unknown with that reason', async () => {
    const r = await redis()
    r.process.kill('SIGSTOP')
    try {
      const reason = "the post step's time bound of 2 s was reached"
      const started = Date.now()
      const record = await endStep(
        {
          target: parseRedisUrl(r.url),
          connectTimeoutMs: 30_000,
          keys: readKeySettings(() => ''),
          sampling: { intervalMs: 0, maxLifeMs: 60_000 },
          workDir: ''
        },
        null,
        QUIET_HOST,
        // Without the deadline the connect would be tried for 30 s.
        { connectTimeoutMs: 30_000, beginFailed: true, deadline: { at: started + 1500, reason } }
      )
      const elapsed = Date.now() - started
      expect(elapsed).toBeGreaterThanOrEqual(1400)
      expect(elapsed).toBeLessThan(2500)
      expect(record.after).toBeNull()
      expect(record.errors).toContain(`No snapshot after the step: ${reason} while connecting to Redis at 127.0.0.1:${r.port} for the "after" snapshot.`)
      const report = judgeStep(record, DEFAULT_THRESHOLDS)
      expect(report.verdict).toBe('fail')
      expect(report.checks.length).toBeGreaterThan(0)
      for (const c of report.checks) {
        expect(c.status).toBe('unknown')
        expect(c.reason).toContain(reason)
      }
    } finally {
      r.process.kill('SIGCONT')
    }
  }, 30_000)

  it('a connection given up at the cut sends nothing more: no command, no new connection', async () => {
    const r = await redis()
    const conn = await connect(parseRedisUrl(r.url), { timeoutMs: 5000 })
    expect(await conn.command(['PING'])).toBe('PONG')
    conn.abort("the post step's time bound of 2 s was reached")
    await expect(conn.command(['PING'])).rejects.toThrow(`the post step's time bound of 2 s was reached: no more commands to Redis at 127.0.0.1:${r.port}`)
    await expect(conn.duplicate('scan')).rejects.toThrow('no more commands')
    // Only the test's own connection is left on the server.
    let clients = 0
    for (let i = 0; i < 40; i++) {
      clients = String((await redisCommands(r.port, [['CLIENT', 'LIST']]))[0]).trim().split('\n').length
      if (clients === 1) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(clients).toBe(1)
    await conn.close()
  })

  it('names the bound and its share in one reason', () => {
    const bound = { totalMs: 62_400, observeMs: 40_000, connectMs: 5000, parts: [] }
    expect(boundReason(bound)).toBe("the post step's time bound of 63 s was reached")
    expect(boundReason(bound, { ms: 40_000, what: "the step's end" })).toBe("the post step's time bound of 63 s was reached (40 s of it for the step's end)")
  })
})
