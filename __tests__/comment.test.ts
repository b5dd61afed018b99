/**
 * The sticky PR comment, end to end: the bundled action against a real redis-server and a
 * GitHub REST server on 127.0.0.1 (GITHUB_API_URL points at it).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runJob } from './helpers/action-runner.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.js'
import { redisCommands } from './helpers/resp.js'
import { startRedis, type TestRedis } from './helpers/redis-server.js'

const ISSUE = 'acme/shop#7'
let github: FakeGitHub
let redis: TestRedis
let eventDir: string

beforeAll(async () => {
  ;[github, redis] = await Promise.all([startFakeGitHub(), startRedis()])
  eventDir = mkdtempSync(join(tmpdir(), 'rmg-event-'))
})
afterAll(async () => {
  await Promise.all([github.close(), redis.stop()])
})
beforeEach(async () => {
  github.comments.clear()
  github.requests.length = 0
  github.failWith = undefined
  await redisCommands(redis.port, [['FLUSHALL']])
})

function env(event = 'pull_request', payload: unknown = { pull_request: { number: 7 } }): Record<string, string> {
  const path = join(eventDir, `${event}-${Math.random().toString(36).slice(2)}.json`)
  writeFileSync(path, JSON.stringify(payload))
  return {
    GITHUB_API_URL: github.url,
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: path,
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_WORKFLOW: 'CI',
    GITHUB_JOB: 'test',
    GITHUB_RUN_ID: '4242',
    GITHUB_SERVER_URL: 'https://github.example'
  }
}

// auto: these tests are about posting and updating, which a quiet run under the default on-change skips.
const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({ 'redis-url': redis.url, 'github-token': 'test-token', comment: 'auto', ...extra })
const annotations = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('::warning') || l.startsWith('::error'))
const writes = (): string[] => github.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`)

describe('sticky PR comment', () => {
  it('creates the comment on the first run and updates the same one on the next', async () => {
    const first = await runJob(inputs(), async () => {}, env())
    expect(first.post.code).toBe(0)
    const list = github.comments.get(ISSUE) ?? []
    expect(list).toHaveLength(1)
    expect(list[0].body.startsWith('<!-- redis-memory-guard:CI/test -->\n')).toBe(true)
    expect(list[0].body).toContain('✅ **Redis memory: pass**')
    expect(list[0].body).toContain('[job summary](https://github.example/acme/shop/actions/runs/4242)')
    expect(first.post.outputs['comment-id']).toBe(String(list[0].id))
    expect(first.post.outputs['comment-url']).toBe(list[0].html_url)
    expect(first.post.outputs['comment-body']).toBe(list[0].body)
    expect(github.requests.every((r) => r.authorization === 'token test-token')).toBe(true)
    const visible = (out: string): string => out.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')
    expect(first.post.stdout).toContain('::add-mask::test-token')
    expect(visible(first.post.stdout + first.post.stderr + first.post.summary)).not.toContain('test-token')
    expect(writes()).toEqual(['POST /repos/acme/shop/issues/7/comments'])

    github.requests.length = 0
    const second = await runJob(inputs({ 'max-leaked-keys': '0' }), async () => {
      await redisCommands(redis.port, [['SET', 'cart:1', 'x'], ['SET', 'cart:2', 'y']])
    }, env())
    expect(second.post.code).toBe(0)
    expect(github.comments.get(ISSUE)).toHaveLength(1)
    expect(writes()).toEqual([`PATCH /repos/acme/shop/issues/comments/${list[0].id}`])
    expect(second.post.outputs['comment-id']).toBe(first.post.outputs['comment-id'])
    expect(list[0].body).toContain('⚠️ **Redis memory: warning** — 2 keys left behind')
    expect(list[0].body).toContain('DB 0: 2')
  })

  it('keeps one comment per comment-key and per matrix leg', async () => {
    await runJob(inputs(), async () => {}, env())
    await runJob(inputs({ 'comment-key': 'integration suite' }), async () => {}, env())
    await runJob(inputs({ matrix: '{"redis":"7","node":20}' }), async () => {}, env())
    await runJob(inputs({ matrix: '{"redis":"6","node":20}' }), async () => {}, env())
    await runJob(inputs({ 'comment-key': 'integration suite' }), async () => {}, env())
    const bodies = (github.comments.get(ISSUE) ?? []).map((c) => c.body.split('\n')[0])
    expect(bodies).toEqual([
      '<!-- redis-memory-guard:CI/test -->',
      '<!-- redis-memory-guard:integration suite -->',
      '<!-- redis-memory-guard:CI/test/node=20,redis=7 -->',
      '<!-- redis-memory-guard:CI/test/node=20,redis=6 -->'
    ])
    expect(github.comments.get(ISSUE)?.[2].body).toContain('### Redis memory · test (node: 20, redis: 7)')
  })

  it('warns once and keeps the job green when the token may not comment (fork, no pull-requests: write)', async () => {
    github.failWith = { status: 403, message: 'Resource not accessible by integration', methods: ['POST', 'PATCH'] }
    // The step uses its Redis, so the comment's 403 is the one warning.
    const { post } = await runJob(inputs(), async () => void (await redisCommands(redis.port, [['SET', 'step', 'x']])), env())
    expect(post.code).toBe(0)
    expect(post.outputs.verdict).toBe('pass')
    const warnings = annotations(post.stdout)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('GitHub answered 403 (Resource not accessible by integration)')
    expect(warnings[0]).toContain('pull-requests: write')
    expect(warnings[0]).toContain('workflow_run')
    expect(post.summary).toContain('Redis memory: pass')
    expect(post.outputs['comment-body']).toContain('<!-- redis-memory-guard:CI/test -->')
    expect(post.outputs['comment-id']).toBe('')
    expect(existsSync(post.outputs['report-path'])).toBe(true)
    expect(post.stderr).not.toMatch(/\n\s+at /)
  })

  it('gives the same warning when GitHub hides the pull request (404) and still fails the job only for Redis', async () => {
    github.failWith = { status: 404, message: 'Not Found' }
    const r = await startRedis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'])
    try {
      const { post } = await runJob({ ...inputs(), 'redis-url': r.url }, async () => {
        const value = 'x'.repeat(64 * 1024)
        for (let i = 0; i < 100; i++) await redisCommands(r.port, [['SET', `big:${i}`, value]])
      }, env())
      expect(post.code).toBe(1)
      const warnings = annotations(post.stdout).filter((l) => l.startsWith('::warning'))
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).toContain('GitHub answered 404')
      expect(post.stdout).toContain('Redis memory check failed: oom')
    } finally {
      await r.stop()
    }
  })

  it('finds its comment on page 2 of 120 and updates it', async () => {
    const bodies = Array.from({ length: 120 }, (_, i) => `comment ${i}`)
    bodies[110] = '<!-- redis-memory-guard:CI/test -->\nold report'
    github.seed(ISSUE, bodies)
    const { post } = await runJob(inputs(), async () => {}, env())
    expect(post.code).toBe(0)
    const list = github.comments.get(ISSUE) ?? []
    expect(list).toHaveLength(120)
    expect(list[110].body).toContain('Redis memory: pass')
    expect(post.outputs['comment-id']).toBe(String(list[110].id))
    const gets = github.requests.filter((r) => r.method === 'GET').map((r) => r.path)
    expect(gets).toHaveLength(2)
    expect(gets[1]).toContain('page=2')
    expect(writes()).toEqual([`PATCH /repos/acme/shop/issues/comments/${list[110].id}`])
  })

  it('on-breach: posts nothing for a pass, posts a failure, then updates it when the run passes again', async () => {
    const mode = { comment: 'on-breach', 'max-leaked-keys': '0', 'fail-on': 'oom,leaked-keys' }
    const pass = await runJob(inputs(mode), async () => {}, env())
    expect(pass.post.code).toBe(0)
    expect(writes()).toEqual([])
    expect(pass.post.outputs['comment-body']).toContain('Redis memory: pass')

    const fail = await runJob(inputs(mode), async () => {
      await redisCommands(redis.port, [['SET', 'left:1', 'x']])
    }, env())
    expect(fail.post.code).toBe(1)
    expect(github.comments.get(ISSUE)?.[0].body).toContain('❌ **Redis memory: fail**')

    await redisCommands(redis.port, [['FLUSHALL']])
    const again = await runJob(inputs(mode), async () => {}, env())
    expect(again.post.code).toBe(0)
    expect(github.comments.get(ISSUE)).toHaveLength(1)
    expect(github.comments.get(ISSUE)?.[0].body).toContain('✅ **Redis memory: pass**')
  })

  it('does not comment outside pull requests or when comment is off', async () => {
    const push = await runJob(inputs(), async () => {}, env('push', { ref: 'refs/heads/main' }))
    expect(push.post.stdout).toContain('No PR comment: the push event is not a pull request.')
    await runJob(inputs({ comment: 'off' }), async () => {}, env())
    expect(github.requests).toEqual([])
    expect(push.post.outputs['comment-body']).toContain('Redis memory: pass')
  })

  it('rejects a bad comment input with one line', async () => {
    const { main } = await runJob(inputs({ comment: 'always' }), async () => {}, env())
    expect(main.code).toBe(1)
    expect(annotations(main.stdout)).toEqual([expect.stringContaining('comment: "always" is not valid. Use on-change, auto, on-breach or off.')])
  })
})
