/**
 * GitHub failures told by their true cause (no answer ≠ "GitHub answered 500", a rate limit ≠ a
 * missing permission, an HTML page summarised), and a history of another series refused. Real HTTP
 * against the GitHub stand-in on 127.0.0.1, a port nobody listens on, and one that never answers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appendEntry, emptySeries, entryFromReport, seriesPath, serializeSeries } from '../src/baseline/history.js'
import { readBaselineSettings, runContext } from '../src/baseline/settings.js'
import { baselineStep, type BaselineOutcome } from '../src/baseline/step.js'
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github.js'
import { freePort } from './helpers/redis-server.js'
import { passReport } from './helpers/reports.js'

type CommentModule = typeof import('../src/github/comment.js')

const REPO = 'acme/shop'
const DATA = 'redis-memory-guard-data'
const SERIES = 'CI/test'
const HTML_502 = '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body><h1>Bad Gateway</h1><p>The proxy got no answer.</p></body></html>\n'

let github: FakeGitHub
let silent: Server
const held: Socket[] = []
let silentUrl: string
let api: CommentModule
const savedApiUrl = process.env.GITHUB_API_URL

beforeAll(async () => {
  github = await startFakeGitHub()
  // Accepts connections and never answers: a GitHub (or proxy) that hangs.
  silent = createServer((s) => void held.push(s))
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()))
  const address = silent.address()
  silentUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  // @actions/github reads GITHUB_API_URL when it is loaded, as on a runner.
  process.env.GITHUB_API_URL = silentUrl
  api = await import('../src/github/comment.js')
})
afterAll(async () => {
  if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL
  else process.env.GITHUB_API_URL = savedApiUrl
  for (const s of held) s.destroy()
  await new Promise((r) => silent.close(r))
  await github.close()
})
beforeEach(() => {
  github.repos.clear()
  github.requests.length = 0
  github.answers.length = 0
  github.seedRepo(REPO)
})

function prContext() {
  return runContext(
    { GITHUB_REPOSITORY: REPO, GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: 'e'.repeat(40), GITHUB_RUN_ID: '9' },
    { repository: { default_branch: 'main' }, pull_request: { number: 7, base: { ref: 'main' }, head: { sha: 'f'.repeat(40) } } }
  )
}

async function readBaseline(apiUrl: string, baseline = '', budgetMs = 20_000): Promise<BaselineOutcome> {
  const settings = readBaselineSettings((n) => (n === 'baseline' ? baseline : ''))
  return baselineStep({ report: passReport(), settings, context: prContext(), seriesId: SERIES, token: 'test-token', failOn: new Set(), apiUrl, budgetMs })
}

/** A history file of `series` with one entry. */
function historyText(series: string): string {
  return serializeSeries(appendEntry(emptySeries(series), entryFromReport(passReport(), { commit: 'a'.repeat(40), branch: 'main', runId: '1' }, 10)))
}

describe('GitHub failures name their true cause', () => {
  it('a refused connection is not "GitHub answered 500"', async () => {
    const closed = await freePort()
    const out = await readBaseline(`http://127.0.0.1:${closed}`)
    expect(out.warnings).toHaveLength(1)
    expect(out.warnings[0]).toContain("GitHub's API could not be reached: the connection was refused")
    expect(out.warnings[0]).toContain('ECONNREFUSED')
    expect(out.warnings[0]).not.toMatch(/answered 500|contents: read/)
  })

  it('a GitHub that never answers is a timeout, for the baseline and for the comment', async () => {
    const out = await readBaseline(silentUrl, '', 500)
    expect(out.warnings[0]).toContain("GitHub's API did not answer within the time budget")
    expect(out.warnings[0]).not.toContain('answered')
    let err: unknown
    try {
      await api.upsertComment({ token: 't', owner: 'acme', repo: 'shop', issueNumber: 7, marker: '<!-- m -->', body: '<!-- m -->\nr', create: true, timeoutMs: 500 })
    } catch (e) {
      err = e
    }
    const line = api.explainGitHubError(err)
    expect(line).toContain("Could not post the PR comment: GitHub's API did not answer within the time budget")
    expect(line).not.toMatch(/answered 500|pull-requests: write/)
  })

  it('a rate-limited baseline read is not "needs contents: read"', async () => {
    github.answers.push({
      status: 403,
      body: JSON.stringify({ message: 'API rate limit exceeded for installation ID 1.' }),
      headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 600) },
      methods: ['GET']
    })
    const out = await readBaseline(github.url)
    expect(out.warnings[0]).toContain('GitHub answered 403 (API rate limit exceeded for installation ID 1.)')
    expect(out.warnings[0]).toContain('rate limit for this token is used up; this is not a missing permission')
    expect(out.warnings[0]).not.toContain('contents: read')
  })

  it('a 502 HTML page is summarised by its title, not pasted', async () => {
    github.answers.push({ status: 502, body: HTML_502, headers: { 'content-type': 'text/html' }, methods: ['GET'] })
    github.answers.push({ status: 502, body: HTML_502, headers: { 'content-type': 'text/html' }, methods: ['GET'] })
    const out = await readBaseline(github.url)
    expect(out.warnings[0]).toContain('GitHub answered 502 (an HTML page: "502 Bad Gateway")')
    expect(out.warnings[0]).not.toMatch(/<html|<h1>|\n/)
  })
})

describe('a history of another series is refused', () => {
  it('from a file, with a warning naming both series keys', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmg-edges-history-'))
    const file = join(dir, 'history.json')
    writeFileSync(file, historyText('CI/other-job'))
    const out = await readBaseline(github.url, file)
    expect(out.comparison).toBeNull()
    expect(out.warnings).toEqual([
      `Baseline not compared: ${file} is the history of the series "CI/other-job", and this job's series is "CI/test". Give the history file of this job, or set comment-key to the same key in both jobs.`
    ])
    // The same file of this job's own series is compared.
    writeFileSync(file, historyText(SERIES))
    const own = await readBaseline(github.url, file)
    expect(own.warnings).toEqual([])
    expect(own.comparison).not.toBeNull()
  })

  it('from the data branch, when the file at the path of this series holds another series', async () => {
    const repo = github.repos.get(REPO)
    if (!repo) throw new Error('no repo')
    repo.branches.set(DATA, 'd'.repeat(40))
    const content = Buffer.from(historyText('CI/other-job'))
    repo.files.set(DATA, new Map([[seriesPath(SERIES), { content, sha: createHash('sha1').update(content).digest('hex') }]]))
    const out = await readBaseline(github.url)
    expect(out.comparison).toBeNull()
    expect(out.warnings[0]).toContain(`${seriesPath(SERIES)} on ${DATA} is the history of the series "CI/other-job", and this job's series is "CI/test"`)
  })
})
