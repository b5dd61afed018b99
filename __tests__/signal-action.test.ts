/**
 * Signal, not noise (issue 25), end to end: the bundled action against real redis-servers and the
 * GitHub REST stand-in on 127.0.0.1 (GITHUB_API_URL). The PR comment stays quiet for the same work,
 * speaks with the change in its headline when keys are left behind, an idle server's process is
 * not fragmentation, and a failed command is in the headline and never the base of a later PR.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { connect as netConnect, type Socket } from 'node:net'
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
  eventDir = mkdtempSync(join(tmpdir(), 'rmg-signal-event-'))
})
afterAll(async () => {
  await Promise.all([github.close(), redis.stop()])
})
beforeEach(async () => {
  github.comments.clear()
  github.requests.length = 0
  repo = github.seedRepo(REPO)
  await redisCommands(redis.port, [['FLUSHALL']])
})

const sha = (n: number): string => n.toString(16).padStart(40, 'b')

const env = (event: 'push' | 'pull_request', extra: { ref?: string; sha: string; payload?: unknown }): Record<string, string> =>
  jobEnv(github, eventDir, REPO, event, extra)
const pushEnv = (n: number): Record<string, string> => env('push', { sha: sha(n) })
const prEnv = (head: string): Record<string, string> =>
  env('pull_request', {
    ref: 'refs/pull/7/merge',
    sha: head,
    payload: { repository: { default_branch: 'main' }, pull_request: { number: 7, base: { ref: 'main' }, head: { sha: head } } }
  })
const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({ 'redis-url': redis.url, 'github-token': 'test-token', ...extra })

/** `n` keys under `prefix` of `size` bytes each, the first `bigger` of them `grow` bytes larger. */
const leave =
  (prefix: string, n: number, size: number, bigger = 0, grow = 0) =>
  async (): Promise<void> => {
    for (let from = 0; from < n; from += 500) {
      const batch = Array.from({ length: Math.min(500, n - from) }, (_, j) => {
        const i = from + j
        return ['SET', `${prefix}${i}`, 'x'.repeat(size + (i < bigger ? grow : 0))]
      })
      await redisCommands(redis.port, batch)
    }
  }
const comments = (): { body: string }[] => github.comments.get(ISSUE) ?? []
const reportOf = (step: { outputs: Record<string, string> }) => JSON.parse(readFileSync(step.outputs['report-path'], 'utf8'))
const seriesEntries = (): { commit: string; commandFailed?: number | null }[] => {
  const files = repo.files.get('redis-memory-guard-data')
  const path = files ? [...files.keys()].find((p) => p.startsWith('redis-memory-guard/')) : undefined
  return path ? JSON.parse(github.fileText(REPO, 'redis-memory-guard-data', path) ?? 'null').entries : []
}

describe('the PR comment speaks when something changed', () => {
  it('posts nothing for a PR that does the same work as its base, about 2% more memory', async () => {
    // 3,000 keys of 1,000 bytes: about 4 MB used. The PR makes 120 values 1 KB larger: about
    // 2% more, past the 64 KB floor, within the 5% band of a one-run history.
    // A first job on this server creates what stays after FLUSHALL (Redis 7's latency histograms,
    // about 25 KB per command name): without it the push would start from less than the PR.
    await runJob({ 'redis-url': redis.url }, leave('cart:', 3000, 1000))
    await redisCommands(redis.port, [['FLUSHALL']])
    const push = await runJob(inputs(), leave('cart:', 3000, 1000), pushEnv(1))
    expect(push.post.code).toBe(0)
    await redisCommands(redis.port, [['FLUSHALL']])
    repo.mergeBases.set(`main...${sha(20)}`, sha(1))
    const pr = await runJob(inputs(), leave('cart:', 3000, 1000, 120, 1000), prEnv(sha(20)))
    expect(pr.post.code).toBe(0)
    const report = reportOf(pr.post)
    const used = report.baseline.comparison.figures.find((f: { figure: string }) => f.figure === 'used-after')
    // The change is real and beyond the old 64 KB floor, but within the short history's 5%.
    expect(used.change).toBeGreaterThan(64 * 1024)
    expect(Math.abs(used.percent)).toBeLessThan(4)
    expect(used.withinUsualRange).toBe(true)
    expect(report.baseline.comparison.changed).toBe(false)
    expect(comments()).toHaveLength(0)
    expect(pr.post.stdout).toContain('No PR comment')
    expect(pr.post.summary).toContain('The history is short (1 recorded run of main, fewer than 5)')
  }, 120_000)

  it('posts for a PR that leaves 1,000 more keys, with that in the headline', async () => {
    await runJob(inputs(), leave('cart:', 20, 100), pushEnv(2))
    await redisCommands(redis.port, [['FLUSHALL']])
    repo.mergeBases.set(`main...${sha(21)}`, sha(2))
    const pr = await runJob(
      inputs(),
      async () => {
        await leave('cart:', 20, 100)()
        await leave('job:', 1000, 100)()
      },
      prEnv(sha(21))
    )
    expect(pr.post.code).toBe(0)
    const list = comments()
    expect(list).toHaveLength(1)
    const headline = list[0].body.split('\n').find((l) => l.includes('**Redis memory:'))
    expect(headline).toMatch(/^✅ \*\*Redis memory: pass\*\* — \+1,000 keys left behind against main/)
    expect(list[0].body).toContain('The history is short (1 recorded run of main, fewer than 5)')
  }, 120_000)
})

describe('fragmentation', () => {
  it('is not a warning on a fresh server filled to 6 MB, and says which figure was judged', async () => {
    const fresh = await startRedis()
    try {
      const fill = async (): Promise<void> => {
        for (let from = 0; from < 5000; from += 500) {
          await redisCommands(fresh.port, Array.from({ length: 500 }, (_, j) => ['SET', `fill:${from + j}`, 'x'.repeat(1000)]))
        }
      }
      const { post } = await runJob({ 'redis-url': fresh.url }, fill)
      expect(post.code).toBe(0)
      const report = reportOf(post)
      expect(report.after.memory.usedMemory).toBeGreaterThan(5 * 1024 * 1024)
      const frag = report.checks.find((c: { check: string }) => c.check === 'fragmentation')
      expect(frag.status).not.toBe('warn')
      expect(frag.message).toContain('allocator_frag_ratio')
      expect(report.verdict).toBe('pass')
      expect(post.summary).not.toMatch(/memory: (pass|warning)\*\* — [^\n]*fragmentation/)
      // The RSS over used memory is the process, and is not what the check judged.
      expect(report.after.memory.memFragmentationRatio).toBeGreaterThan(1)
      expect(frag.measured).toBe(report.after.memory.allocatorFragRatio)
    } finally {
      await fresh.stop()
    }
  }, 90_000)
})

describe('a failed command', () => {
  it('is in the headline, is recorded with its mark, and is not the base of a later PR', async () => {
    const run = (keys: number, exit: number): string =>
      `for i in $(seq 1 ${keys}); do echo "SET order:$i x"; done | redis-cli -p ${redis.port} >/dev/null; exit ${exit}`
    const good = await newJob().step('main', inputs({ run: run(5, 0) }), {}, pushEnv(3))
    expect(good.code).toBe(0)
    await redisCommands(redis.port, [['FLUSHALL']])

    const failed = await newJob().step('main', inputs({ run: run(5, 3) }), {}, pushEnv(4))
    expect(failed.code).toBe(3)
    // The memory verdict stays a pass; the headline says the command failed.
    expect(failed.outputs.verdict).toBe('pass')
    expect(failed.summary).toMatch(/✅ \*\*Redis memory: pass\*\* — the command failed \(exit 3\)/)
    expect(seriesEntries().map((e) => [e.commit, e.commandFailed])).toEqual([
      [sha(3), null],
      [sha(4), 3]
    ])
    await redisCommands(redis.port, [['FLUSHALL']])

    // The PR's merge base is the failed push: it is compared with the good one instead.
    repo.mergeBases.set(`main...${sha(22)}`, sha(4))
    const pr = await newJob().step('main', inputs({ run: run(5, 2) }), {}, prEnv(sha(22)))
    expect(pr.code).toBe(2)
    const report = reportOf(pr)
    expect(report.baseline.comparison.baseline.entry.commit).toBe(sha(3))
    expect(report.baseline.summary).toContain(`the merge base ${sha(4).slice(0, 7)} was skipped: its command failed`)
    const list = comments()
    expect(list).toHaveLength(1)
    const headline = list[0].body.split('\n').find((l) => l.includes('**Redis memory:'))
    expect(headline).toMatch(/^✅ \*\*Redis memory: pass\*\* — the command failed \(exit 2\)/)
  }, 150_000)
})

describe('the clients row', () => {
  it("counts the suite's connections only, and says how many of the guard's were left out", async () => {
    const fresh = await startRedis()
    const sockets: Socket[] = []
    try {
      // Two connections the suite opens during the step and keeps (a pool).
      const open = async (): Promise<void> => {
        for (let i = 0; i < 2; i++) {
          const s = netConnect({ host: '127.0.0.1', port: fresh.port })
          sockets.push(s)
          await new Promise<void>((resolve, reject) => {
            s.once('data', () => resolve())
            s.once('error', reject)
            s.write('PING\r\n')
          })
        }
      }
      const { post } = await runJob({ 'redis-url': fresh.url }, open)
      expect(post.code).toBe(0)
      const report = reportOf(post)
      const guardAfter = report.after.clients.clients.filter((c: { name: string }) => c.name.startsWith('redis-memory-guard')).length
      // The guard's connection that took the snapshot named itself, and is left out.
      expect(guardAfter).toBeGreaterThanOrEqual(1)
      expect(report.after.connectedClients).toBe(2 + guardAfter)
      expect(post.summary).toMatch(new RegExp(`\\| Connected clients \\(the guard's own \\d+ before, ${guardAfter} after left out\\) \\| 0 \\| 2 \\| \\+2 \\|`))
    } finally {
      for (const s of sockets) s.destroy()
      await fresh.stop()
    }
  }, 90_000)
})
