/**
 * The PR comment when GitHub misbehaves: rate limits, HTML error pages, success without JSON.
 * Real HTTP against a GitHub REST server on 127.0.0.1 that answers exactly as scripted.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.js'

type CommentModule = typeof import('../src/github/comment.js')

const ISSUE = 'acme/shop#7'
let github: FakeGitHub
let api: CommentModule
const savedApiUrl = process.env.GITHUB_API_URL

beforeAll(async () => {
  github = await startFakeGitHub()
  // @actions/github reads GITHUB_API_URL when it is loaded, as on a runner.
  process.env.GITHUB_API_URL = github.url
  api = await import('../src/github/comment.js')
})
afterAll(async () => {
  if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL
  else process.env.GITHUB_API_URL = savedApiUrl
  await github.close()
})
beforeEach(() => {
  github.comments.clear()
  github.requests.length = 0
  github.answers.length = 0
})

const request = (extra: { timeoutMs?: number } = {}): Parameters<CommentModule['upsertComment']>[0] => ({
  token: 'test-token',
  owner: 'acme',
  repo: 'shop',
  issueNumber: 7,
  marker: '<!-- redis-memory-guard:CI/test -->',
  body: '<!-- redis-memory-guard:CI/test -->\nreport',
  create: true,
  ...extra
})

/** The error upsertComment failed with (the test fails if it did not fail). */
async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('upsertComment succeeded, but it should have failed')
}

const HTML_502 = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title><style>body{font:x}</style></head>\n<body><h1>Bad Gateway</h1><p>The proxy got no answer.</p></body></html>\n'

describe('GitHub API answers as documented', () => {
  it('finds its comment on page 2 of 120 and updates it', async () => {
    github.seed(ISSUE, Array.from({ length: 110 }, (_, i) => `comment ${i}`))
    github.seed(ISSUE, ['<!-- redis-memory-guard:CI/test -->\nold report'])
    github.seed(ISSUE, Array.from({ length: 9 }, (_, i) => `later ${i}`))
    const result = await api.upsertComment(request())
    expect(result.action).toBe('updated')
    const list = github.comments.get(ISSUE) ?? []
    expect(list).toHaveLength(120)
    expect(list[110].body).toBe('<!-- redis-memory-guard:CI/test -->\nreport')
    expect(result.url).toBe(list[110].html_url)
  })
})

describe('the comment\'s time budgets', () => {
  it('posts with a budget of its own when the lookup, begun early, has spent its budget while the step ended', async () => {
    github.seed(ISSUE, ['<!-- redis-memory-guard:CI/test -->\nold report'])
    // The post step begins the lookup while it scans the keys; here the scan and the baseline outlast the lookup's budget.
    const lookup = api.lookUpComment({ ...request({ timeoutMs: 400 }) })
    await new Promise((r) => setTimeout(r, 600))
    const result = await api.upsertComment(request({ timeoutMs: 400 }), lookup)
    expect(result.action).toBe('updated')
    expect(github.comments.get(ISSUE)?.[0].body).toBe('<!-- redis-memory-guard:CI/test -->\nreport')
    expect(github.requests.map((r) => r.method)).toEqual(['GET', 'PATCH'])
  })

  it('still bounds the post itself: a GitHub that does not answer costs at most its budget', async () => {
    const lookup = api.lookUpComment({ ...request({ timeoutMs: 2000 }) })
    await lookup
    github.latencyMs = 5000
    try {
      const started = Date.now()
      const err = await failure(api.upsertComment(request({ timeoutMs: 500 }), lookup))
      expect(Date.now() - started).toBeLessThan(3000)
      expect(api.explainGitHubError(err)).toContain('did not answer within the time budget')
    } finally {
      github.latencyMs = 0
    }
  })
})

describe('GitHub API faults', () => {
  it('names a used-up rate limit and when it resets, not a missing permission, and does not retry it', async () => {
    const reset = Math.floor(Date.now() / 1000) + 12 * 60
    github.answers.push({
      status: 403,
      body: JSON.stringify({ message: 'API rate limit exceeded for installation ID 1.', documentation_url: 'https://docs.github.com/rest' }),
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset), 'x-ratelimit-limit': '1000' }
    })
    const err = await failure(api.upsertComment(request()))
    const line = api.explainGitHubError(err)
    const at = new Date(reset * 1000).toISOString().slice(11, 19)
    expect(line).toContain(`GitHub's API rate limit for this token is used up (403: API rate limit exceeded for installation ID 1.); it resets at ${at} UTC (in 12 min).`)
    expect(line).not.toContain('pull-requests: write')
    expect(line.split('\n')).toHaveLength(1)
    expect(github.requests).toHaveLength(1)
  })

  it('warns when a 2xx answer to creating the comment is not JSON, instead of "created: undefined"', async () => {
    github.answers.push({ status: 201, body: '<html><body>Created, probably</body></html>', headers: { 'content-type': 'text/html' }, methods: ['POST'] })
    const err = await failure(api.upsertComment(request()))
    expect(err).toBeInstanceOf(api.GitHubAnswerError)
    const line = api.explainGitHubError(err)
    expect(line).toMatch(/^Could not confirm the PR comment: GitHub answered 201 to creating it, but not with the comment as JSON \(an HTML page: "Created, probably"\); it may not be there\./)
    expect(line).not.toContain('undefined')
    // A POST that may have worked is not sent again: that could post the comment twice.
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(1)
  })

  it('warns when a 200 list of comments is broken JSON', async () => {
    github.answers.push({ status: 200, body: '[{"id": 1, "body": "trunc', methods: ['GET'] })
    const line = api.explainGitHubError(await failure(api.upsertComment(request())))
    expect(line).toContain('Could not look for the PR comment: GitHub answered 200 to listing comments, but not with a JSON list ("[{"id": 1, "body": "trunc")')
  })

  it('sums up an HTML 5xx in one line, after one retry', async () => {
    for (let i = 0; i < 2; i++) github.answers.push({ status: 502, body: HTML_502, headers: { 'content-type': 'text/html; charset=utf-8' } })
    const err = await failure(api.upsertComment(request()))
    const line = api.explainGitHubError(err)
    expect(line).toBe(
      'Could not post the PR comment: GitHub answered 502, a fault on GitHub\'s side (an HTML page: "502 Bad Gateway"), also on the one retry. ' +
        'The job summary, the JSON report and the comment-body output still have the report.'
    )
    expect(github.requests).toHaveLength(2)
  })

  it('posts the comment when a 5xx is followed by a good answer', async () => {
    github.answers.push({ status: 503, body: HTML_502, headers: { 'content-type': 'text/html' }, methods: ['GET'] })
    const result = await api.upsertComment(request())
    expect(result.action).toBe('created')
    expect(github.comments.get(ISSUE)?.[0].body).toContain('report')
    expect(github.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'POST'])
  })

  it('waits as long as a secondary rate limit asks, then posts', async () => {
    github.answers.push({
      status: 429,
      body: JSON.stringify({ message: 'You have exceeded a secondary rate limit.' }),
      headers: { 'retry-after': '1' },
      methods: ['POST']
    })
    const started = Date.now()
    const result = await api.upsertComment(request())
    expect(result.action).toBe('created')
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    expect(github.requests.filter((r) => r.method === 'POST')).toHaveLength(2)
  })

  it('names a secondary rate limit that holds on the retry', async () => {
    for (let i = 0; i < 2; i++) {
      github.answers.push({ status: 403, body: JSON.stringify({ message: 'You have exceeded a secondary rate limit.' }), headers: { 'retry-after': '0' } })
    }
    const line = api.explainGitHubError(await failure(api.upsertComment(request())))
    expect(line).toContain("GitHub's secondary rate limit refused it (403, retry after 0 s: You have exceeded a secondary rate limit.), also on the one retry.")
    expect(line).not.toContain('pull-requests: write')
  })

  it('does not wait past its total time bound for a retry', async () => {
    github.answers.push({ status: 429, body: JSON.stringify({ message: 'You have exceeded a secondary rate limit.' }), headers: { 'retry-after': '120' } })
    const started = Date.now()
    const line = api.explainGitHubError(await failure(api.upsertComment(request({ timeoutMs: 5000 }))))
    expect(Date.now() - started).toBeLessThan(5000)
    expect(github.requests).toHaveLength(1)
    expect(line).toContain('retry after 120 s')
    expect(line).not.toContain('also on the one retry')
  })
})
