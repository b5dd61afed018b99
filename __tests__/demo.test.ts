/**
 * `redis-memory-guard demo`, the README's first command: on a machine with only Node and
 * redis-server it must show a failing report (OOM, keys left behind) and exit 0, and leave no
 * server running.
 */
import { describe, expect, it } from '@jest/globals'
import { runCli } from './helpers/cli-runner.js'
import { answersPing, redisPerFile } from './helpers/redis-server.js'
import { redisCommands } from './helpers/resp.js'

const redis = redisPerFile()

/** The port of the throwaway server, from the demo's own status line. */
const portOf = (stderr: string): number => Number(/at 127\.0\.0\.1:(\d+) with maxmemory/.exec(stderr)?.[1])

describe('demo', () => {
  it('shows the run failed on OOM with keys left behind, exits 0, and stops its server', async () => {
    // A REDIS_URL in the user's shell must not draw the app away from the throwaway server.
    const other = await redis()
    const r = await runCli(['demo', '--no-color'], { REDIS_URL: other.url })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('PASS caches product pages')
    expect(r.stdout).toMatch(/OOM/)
    expect(r.stdout).toContain('session:*')
    expect(r.stdout).toContain('cache:page:*')
    expect(r.stderr).toContain('demo: every "test" passed, yet the guard failed the run')
    const port = portOf(r.stderr)
    expect(port).toBeGreaterThan(0)
    expect(await answersPing(port)).toBe(false)
    expect(await redisCommands(other.port, [['DBSIZE']])).toEqual([0])
  })

  it('prints the JSON report alone on stdout with --json', async () => {
    const r = await runCli(['demo', '--json'])
    expect(r.code).toBe(0)
    const report = JSON.parse(r.stdout)
    expect(report.verdict).toBe('fail')
    expect(report.checks.find((c: { check: string }) => c.check === 'oom').status).toBe('fail')
    expect(report.checks.find((c: { check: string }) => c.check === 'leaked-keys').measured).toBeGreaterThanOrEqual(40)
    expect(r.stderr).toContain('PASS signs users in')
  })

  it('says in one line when the server it was given does not exist', async () => {
    const r = await runCli(['demo', '--redis-server-path', '/nonexistent/valkey-server'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('"/nonexistent/valkey-server" does not exist')
  })
})
