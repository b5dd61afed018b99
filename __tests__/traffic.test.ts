/**
 * The step's own traffic, told apart from the guard's: a step whose tests used another Redis is
 * said to have sent nothing, and error replies counted for the step leave out the guard's own
 * connections (the sampler's and the snapshots'). Real servers, through the bundled CLI and action.
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { runJob } from './helpers/action-runner.js'
import { runCli, writeKeys } from './helpers/cli-runner.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommands } from './helpers/resp.js'

const redis = redisPerFile()
const UNTOUCHED = /The step sent no command to this Redis besides the guard's own/

describe('a step that never touched the watched Redis', () => {
  it('says so when the command wrote to another Redis, and not when it wrote to the watched one', async () => {
    const [watched, other] = await Promise.all([redis(), redis()])
    const elsewhere = await runCli(['run', '--url', watched.url, '--json', '--sample-interval', '100ms', '--', ...writeKeys('5', 'elsewhere')], {
      REDIS_URL: other.url
    })
    const report = JSON.parse(elsewhere.stdout)
    expect(report.traffic).toEqual({ stepCalls: 0, commands: [] })
    // A warning in the report (the verdict stays what the checks say: nothing failed).
    expect(report.warnings.filter((n: string) => UNTOUCHED.test(n))).toHaveLength(1)
    expect(report.verdict).toBe('pass')
    const terminal = await runCli(['run', '--url', watched.url, '--', ...writeKeys('1', 'elsewhere')], { REDIS_URL: other.url })
    expect(terminal.stdout).toMatch(UNTOUCHED)
    const markdown = await runCli(['run', '--url', watched.url, '--markdown', '--', ...writeKeys('1', 'elsewhere')], { REDIS_URL: other.url })
    expect(markdown.stdout).toMatch(/> \[!WARNING\]\n> The step sent no command to this Redis besides the guard's own/)

    const here = await runCli(['run', '--url', watched.url, '--json', '--', ...writeKeys('5', 'here')], { REDIS_URL: watched.url })
    const hereReport = JSON.parse(here.stdout)
    expect(hereReport.traffic.stepCalls).toBeGreaterThanOrEqual(5)
    expect(hereReport.traffic.commands).toContain('set')
    expect(hereReport.warnings ?? []).toEqual([])
  }, 60_000)
})

describe("the step's error replies", () => {
  it("count exactly the step's errors, not the guard's connections, through the action's main and post steps", async () => {
    const r = await redis()
    const { post } = await runJob({ 'redis-url': r.url, 'sample-interval': '100ms' }, async () => {
      const replies = await redisCommands(r.port, [['SET', 's', 'x'], ['INCR', 's'], ['NOSUCHCOMMAND'], ['LPUSH', 's', 'y']])
      expect(replies.filter((x) => x instanceof Error)).toHaveLength(3)
      await new Promise((res) => setTimeout(res, 400))
    })
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    expect(report.errorReplies).toEqual({ total: 3, byPrefix: { ERR: 2, WRONGTYPE: 1 } })
    expect(report.traffic.commands).toEqual(expect.arrayContaining(['set', 'incr']))
    expect(report.sampling.summary.count).toBeGreaterThan(1)
  }, 60_000)
})
