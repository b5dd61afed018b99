/**
 * The base-branch baseline end to end: the bundled action against real redis-servers and the
 * GitHub REST stand-in on 127.0.0.1 (GITHUB_API_URL): pushes record, pull requests compare.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newJob, runJob } from './helpers/action-runner.js'
import { jobEnv, startFakeGitHub, type FakeGitHub, type FakeRepo } from './helpers/fake-github.js'
import { redisCommands } from './helpers/resp.js'
import { startRedis, type TestRedis } from './helpers/redis-server.js'

const REPO = 'acme/shop'
const ISSUE = 'acme/shop#7'
let github: FakeGitHub
let redis: TestRedis
let eventDir: string
let repo: FakeRepo

beforeAll(async () => {
  ;[github, redis] = await Promise.all([startFakeGitHub(), startRedis()])
  eventDir = mkdtempSync(join(tmpdir(), 'rmg-baseline-event-'))
})
afterAll(async () => {
  await Promise.all([github.close(), redis.stop()])
})
beforeEach(async () => {
  github.comments.clear()
  github.requests.length = 0
  github.failWith = undefined
  repo = github.seedRepo(REPO)
  await redisCommands(redis.port, [['FLUSHALL']])
})

const sha = (n: number): string => n.toString(16).padStart(40, 'a')

const env = (event: 'push' | 'pull_request', extra: { ref?: string; sha: string; payload?: unknown }): Record<string, string> =>
  jobEnv(github, eventDir, REPO, event, extra)

const prEnv = (head: string): Record<string, string> =>
  env('pull_request', {
    ref: 'refs/pull/7/merge',
    sha: head,
    payload: { repository: { default_branch: 'main' }, pull_request: { number: 7, base: { ref: 'main' }, head: { sha: head } } }
  })

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({ 'redis-url': redis.url, 'github-token': 'test-token', ...extra })
const SERIES_DIR = 'redis-memory-guard/'
const seriesFile = (): { path: string; json: { entries: { commit: string; leakedKeys: number; usedAfter: number }[] } } | null => {
  const files = repo.files.get('redis-memory-guard-data')
  const path = files ? [...files.keys()].find((p) => p.startsWith(SERIES_DIR)) : undefined
  return path ? { path, json: JSON.parse(github.fileText(REPO, 'redis-memory-guard-data', path) ?? 'null') } : null
}
/** Leaves `n` keys of about `size` bytes under `prefix`: what a test that forgets to clean up does. */
const leave = (prefix: string, n: number, size = 1000) => async (): Promise<void> => {
  await redisCommands(redis.port, Array.from({ length: n }, (_, i) => ['SET', `${prefix}${i}`, 'x'.repeat(size)]))
}

describe('baseline against the base branch', () => {
  it('records a push to the default branch, appends the next push, and compares a pull request with its merge base', async () => {
    const first = await runJob(inputs(), leave('cart:', 10), env('push', { sha: sha(1) }))
    expect(first.post.code).toBe(0)
    expect(first.post.stdout).toContain('Recorded the baseline in redis-memory-guard/')
    expect(first.post.summary).toContain('### Baseline of main')
    expect(first.post.summary).toContain('Recorded this run as the baseline of main: 1 run in the history on redis-memory-guard-data (branch created).')
    expect(first.post.summary).toContain('too short to chart')
    const stored = seriesFile()
    expect(stored?.json.entries.map((e) => e.commit)).toEqual([sha(1)])
    expect(stored?.json.entries[0].leakedKeys).toBe(10)

    await redisCommands(redis.port, [['FLUSHALL']])
    const second = await runJob(inputs(), leave('cart:', 10), env('push', { sha: sha(2) }))
    expect(second.post.code).toBe(0)
    expect(seriesFile()?.json.entries.map((e) => e.commit)).toEqual([sha(1), sha(2)])

    // The PR leaves 500 more keys of 2 KB under a new prefix: about 1 MB more than its merge base.
    repo.mergeBases.set(`main...${sha(9)}`, sha(1))
    await redisCommands(redis.port, [['FLUSHALL']])
    const pr = await runJob(
      inputs({ 'max-used-increase': '10%,256kb', 'max-leaked-keys-increase': '100', 'fail-on': 'oom,used-increase' }),
      async () => {
        await leave('cart:', 10)()
        await leave('session:', 500, 2000)()
      },
      prEnv(sha(9))
    )
    // Nothing was written on the pull request.
    expect(github.requests.filter((r) => r.method === 'PUT' && r.path.includes('/contents/') && r.body && JSON.stringify(r.body).includes(sha(9)))).toEqual([])
    expect(seriesFile()?.json.entries).toHaveLength(2)
    expect(pr.post.outputs.verdict).toBe('fail')
    expect(pr.post.code).toBe(1)
    const summary = pr.post.summary
    expect(summary).toContain('### Against main')
    expect(summary).toContain(`Compared with the merge base ${sha(1).slice(0, 7)} (main,`)
    expect(summary).toMatch(/\| Keys left behind \| 10 \| 510 \| \+500 \(\+5000%\) \| (❌|⚠️) \|/)
    expect(summary).toMatch(/\| <code>session\\:\\\*<\/code> _new_ \| — \| [\d.]+ (KB|MB) \| \+[\d.]+ (KB|MB) \|/)
    expect(summary).toContain('used-increase')
    // The comment: short, with the change in the headline and the failing checks.
    const list = github.comments.get(ISSUE) ?? []
    expect(list).toHaveLength(1)
    const body = list[0].body
    expect(body).toBe(pr.post.outputs['comment-body'])
    // The headline ranks keys left behind against main first, then used memory after.
    expect(body.split('\n')[2]).toMatch(/^❌ \*\*Redis memory: fail\*\* — \+500 keys left behind against main, used after the step \+[\d.]+ (KB|MB) \(\+\d+%\) against main$/)
    expect(body).toContain('| | main | This PR | Change | |')
    expect(body).toMatch(/\*\*Biggest prefix changes:\*\* <code>session\\:\\\*<\/code> \+[\d.]+ (KB|MB) \(new\)/)
    expect(body).toMatch(/- ❌ \*\*used-increase\*\*: used\\_memory after the step: .* on main → .* here \(\+.*\), over the allowed increase of 10%,256kb/)
    expect(body).toMatch(/- ⚠️ \*\*leaked-keys-increase\*\*: Keys left behind: 10 on main → 510 here \(\+500\), over the allowed increase of 100 keys\./)
    expect(body).toContain('[job summary](https://github.example/acme/shop/actions/runs/')
    expect(body).not.toContain('Keys per database')
    const report = JSON.parse((await import('node:fs')).readFileSync(pr.post.outputs['report-path'], 'utf8'))
    expect(report.baseline.comparison.baseline.source).toBe('merge-base')
    expect(report.checks.map((c: { check: string }) => c.check)).toEqual(expect.arrayContaining(['peak-increase', 'used-increase', 'leaked-keys-increase']))
  }, 120_000)

  it('keeps a quiet pull request quiet (on-change), and a passing comment within 15 lines when one is asked for', async () => {
    // A first job on this server creates what stays after FLUSHALL (Redis 7's latency histograms,
    // about 25 KB per command name): without it the push would start from less than the PR.
    await runJob({ 'redis-url': redis.url }, leave('cart:', 3))
    await redisCommands(redis.port, [['FLUSHALL']])
    await runJob(inputs(), leave('cart:', 3), env('push', { sha: sha(1) }))
    await redisCommands(redis.port, [['FLUSHALL']])
    // Larger values, the same keys: used memory moves by a few KB, within the floor for noise.
    const quiet = await runJob(inputs(), leave('cart:', 3, 5000), prEnv(sha(5)))
    expect(quiet.post.code).toBe(0)
    expect(quiet.post.outputs.verdict).toBe('pass')
    expect(github.comments.get(ISSUE) ?? []).toHaveLength(0)
    expect(quiet.post.stdout).toContain('No PR comment: every check passed and no figure changed beyond its usual range (comment: on-change).')
    expect(quiet.post.summary).toContain(`the newest run of main, ${sha(1).slice(0, 7)}`)
    expect(quiet.post.summary).toMatch(/\| Keys left behind \| 3 \| 3 \| ±0 \|/)
    // One recorded run: the band is 5% of the base figure (more than the 64 KB floor here).
    // (The 15 KB of larger values is within the noise of a shared server: the change may show either sign.)
    expect(quiet.post.summary).toMatch(/\| Used after \| [\d.]+ MB \| [\d.]+ MB \| (±0 B|[+-][\d.]+ K?B \([+-][\d.]+%\)) \| within the usual range \(±[\d.]+ KB\) \|/)
    const body = quiet.post.outputs['comment-body']
    expect(body.trimEnd().split('\n').length).toBeLessThanOrEqual(15)
    expect(body).toContain('✅ **Redis memory: pass**')
    expect(body).toContain('peak as usual against main')

    await redisCommands(redis.port, [['FLUSHALL']])
    const asked = await runJob(inputs({ comment: 'auto' }), leave('cart:', 3), prEnv(sha(5)))
    const posted = github.comments.get(ISSUE) ?? []
    expect(posted).toHaveLength(1)
    expect(posted[0].body.trimEnd().split('\n').length).toBeLessThanOrEqual(15)
    expect(asked.post.code).toBe(0)

    // A quiet run under on-change posts nothing new but updates the comment that is there.
    posted[0].body = '<!-- redis-memory-guard:CI/test -->\nan old result'
    github.requests.length = 0
    await redisCommands(redis.port, [['FLUSHALL']])
    await runJob(inputs(), leave('cart:', 3, 5000), prEnv(sha(5)))
    expect(github.requests.filter((r) => r.method === 'PATCH').map((r) => r.path)).toEqual([`/repos/acme/shop/issues/comments/${posted[0].id}`])
    expect(github.comments.get(ISSUE)).toHaveLength(1)
    expect(posted[0].body).toContain('✅ **Redis memory: pass**')
  }, 120_000)

  it('says plainly when there is no baseline yet, and the increase checks with limits are unknown, not passed', async () => {
    const { post } = await runJob(inputs({ 'max-peak-increase': '10%' }), async () => {}, prEnv(sha(3)))
    expect(post.code).toBe(0)
    expect(post.outputs.verdict).toBe('pass')
    expect(post.summary).toContain('No baseline yet: there is no recorded run of main for this job.')
    expect(post.outputs['comment-body']).toContain('❔ **peak-increase**: Could not compare')
    expect(post.stdout).not.toMatch(/::error/)
  }, 60_000)

  it('compares on a fork pull request whose token may not write: summary and comment-body have the comparison', async () => {
    await runJob(inputs(), leave('cart:', 2), env('push', { sha: sha(1) }))
    github.failWith = { status: 403, message: 'Resource not accessible by integration', methods: ['POST', 'PATCH', 'PUT'] }
    await redisCommands(redis.port, [['FLUSHALL']])
    const { post } = await runJob(inputs({ comment: 'auto' }), leave('cart:', 40), prEnv(sha(8)))
    expect(post.code).toBe(0)
    expect(post.summary).toContain('### Against main')
    expect(post.summary).toMatch(/\| Keys left behind \| 2 \| 40 \| \+38/)
    expect(post.outputs['comment-body']).toContain('| | main | This PR | Change | |')
    expect(post.outputs['comment-id']).toBe('')
    expect(post.stdout).toContain('GitHub answered 403')
  }, 90_000)

  it('says when the engine or maxmemory differ and does not fail the increase checks on it', async () => {
    const small = await startRedis(['--maxmemory', '64mb'])
    try {
      await runJob({ ...inputs(), 'redis-url': small.url }, async () => {}, env('push', { sha: sha(1) }))
      const { post } = await runJob(
        inputs({ 'max-leaked-keys-increase': '0', 'fail-on': 'leaked-keys-increase' }),
        leave('cart:', 5),
        prEnv(sha(4))
      )
      expect(post.code).toBe(0)
      expect(post.outputs.verdict).toBe('warn')
      expect(post.summary).toContain('| | main (maxmemory 64.0 MB) | This PR (maxmemory none) | Change | |')
      expect(post.summary).toContain('Not like for like: maxmemory 64.0 MB on main, none here.')
      expect(post.summary).toContain('so the figures are not like for like and the check does not fail')
    } finally {
      await small.stop()
    }
  }, 90_000)

  it('records the baseline with the run input too, in the main step', async () => {
    const job = newJob()
    const main = await job.step('main', inputs({ run: `redis-cli -p ${redis.port} set leak:run:1 x >/dev/null` }), {}, env('push', { sha: sha(6) }))
    expect(main.code).toBe(0)
    expect(main.stdout).toContain('Recorded the baseline in redis-memory-guard/')
    expect(main.summary).toContain('### Baseline of main')
    expect(seriesFile()?.json.entries.map((e) => [e.commit, e.leakedKeys])).toEqual([[sha(6), 1]])
  }, 60_000)

  it('fails the main step on a bad baseline input with one line naming it and a valid form', async () => {
    const { main } = await runJob(inputs({ 'max-peak-increase': 'lots' }), async () => {}, prEnv(sha(2)))
    expect(main.code).toBe(1)
    const errors = main.stdout.split('\n').filter((l) => l.startsWith('::error'))
    // The runner's command file encodes % as %25 and shows it decoded.
    expect(errors).toEqual([expect.stringContaining('max-peak-increase: "lots" is not valid. Use a percent, a size or both, e.g. 10%25, 5mb, or 10%25,2mb')])
    expect(main.stderr).not.toMatch(/\n\s+at /)
  }, 30_000)
})
