/**
 * The baseline end to end, minus the step engine: reports measured on a real redis-server, stored
 * on a data branch and read back through the GitHub REST stand-in on 127.0.0.1 (contents, refs and
 * compare endpoints with GitHub's sha conflicts), by the same octokit the comments use.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_THRESHOLDS } from '../src/judge/checks.js'
import { entryFromReport, parseHistory, seriesPath, type HistorySeries } from '../src/baseline/history.js'
import { readBaselineSettings, runContext, type BaselineSettings } from '../src/baseline/settings.js'
import { loadBaselineFile } from '../src/baseline/file.js'
import { baselineStep, compareWithSeries, type BaselineOutcome } from '../src/baseline/step.js'
import { explainBaselineError, MAX_WRITE_ATTEMPTS, openGitHubApi, recordEntry } from '../src/baseline/store.js'
import { analyseKeysAfter, recordKeysBefore } from '../src/keys/run.js'
import { readKeySettings } from '../src/keys/settings.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { buildReport } from '../src/report/build.js'
import type { Report } from '../src/report/schema.js'
import { takeSnapshot } from '../src/observe/snapshot.js'
import { startFakeGitHub, type FakeGitHub, type FakeRepo } from './helpers/fake-github.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'
import { redisCommands } from './helpers/resp.js'
import type { RedisConnection } from '../src/redis/connection.js'
import type { TestRedis } from './helpers/redis-server.js'

const REPO = 'acme/shop'
const DATA = 'redis-memory-guard-data'
const SERIES = 'CI/test'
const PATH = seriesPath(SERIES)
const startRedis = connectedRedisPerFile()
let github: FakeGitHub
let repo: FakeRepo
let redis: { r: TestRedis; conn: RedisConnection }

beforeAll(async () => {
  ;[github, redis] = await Promise.all([startFakeGitHub(), startRedis()])
})
afterAll(async () => {
  await github.close()
})
beforeEach(async () => {
  github.repos.clear()
  github.requests.length = 0
  github.failWith = undefined
  github.contentsLatencyMs = 0
  repo = github.seedRepo(REPO)
  await redisCommands(redis.r.port, [['FLUSHALL']])
})

/** One watched step on the real server: snapshots and key inventories around `work`. */
async function measure(work: [string, ...string[]][]): Promise<Report> {
  const { conn, r } = redis
  const keySettings = readKeySettings(() => '')
  const workDir = mkdtempSync(join(tmpdir(), 'rmg-baseline-step-'))
  // Each measured step starts from an empty Redis, as each CI job would.
  await redisCommands(r.port, [['FLUSHALL']])
  const before = await takeSnapshot(conn)
  await recordKeysBefore(conn, keySettings, workDir, { log: () => {} })
  if (work.length > 0) await redisCommands(r.port, work)
  const after = await takeSnapshot(conn)
  const { keys, observations } = await analyseKeysAfter(conn, keySettings, workDir, { before, after }, { log: () => {} })
  return buildReport({ target: parseRedisUrl(r.url, 'redis-url'), before, after, thresholds: DEFAULT_THRESHOLDS, observations, keys })
}

const sets = (prefix: string, n: number, bytes: number): [string, ...string[]][] => Array.from({ length: n }, (_, i) => ['SET', `${prefix}:${i}`, 'v'.repeat(bytes)])
const sha = (n: number): string => n.toString(16).padStart(40, '0')

function pushContext(commit: string, runId: string) {
  return runContext(
    { GITHUB_REPOSITORY: REPO, GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: commit, GITHUB_RUN_ID: runId },
    { repository: { default_branch: 'main' } }
  )
}

function prContext(head: string, runId: string) {
  return runContext(
    { GITHUB_REPOSITORY: REPO, GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/7/merge', GITHUB_SHA: 'e'.repeat(40), GITHUB_RUN_ID: runId },
    { repository: { default_branch: 'main' }, pull_request: { number: 7, base: { ref: 'main' }, head: { sha: head } } }
  )
}

async function step(report: Report, context: ReturnType<typeof runContext>, over: { settings?: Partial<BaselineSettings>; token?: string } = {}): Promise<BaselineOutcome> {
  const settings = { ...readBaselineSettings(() => ''), ...over.settings }
  return baselineStep({ report, settings, context, seriesId: SERIES, token: over.token ?? 'test-token', failOn: new Set(['peak-increase']), apiUrl: github.url, budgetMs: 20_000 })
}

const stored = (): HistorySeries => parseHistory(github.fileText(REPO, DATA, PATH) ?? '', 'stored')
const calls = (): string[] => github.requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`)

describe('recording the baseline on pushes', () => {
  it('the first push creates the data branch from the default branch and writes one entry', async () => {
    const report = await measure(sets('cart', 20, 100))
    const out = await step(report, pushContext(sha(1), '11'))
    expect(out.warnings).toEqual([])
    expect(out.plan.action).toBe('write')
    expect(out.recorded).toEqual({ branch: DATA, path: PATH, entries: 1, attempts: 1, conflicts: 0, createdBranch: true })
    const enc = encodeURIComponent(PATH)
    expect(calls()).toEqual([
      `GET /repos/acme/shop/contents/${enc}`,
      `GET /repos/acme/shop/git/ref/heads%2F${DATA}`,
      'GET /repos/acme/shop/git/ref/heads%2Fmain',
      'POST /repos/acme/shop/git/refs',
      `PUT /repos/acme/shop/contents/${enc}`
    ])
    expect(repo.branches.has(DATA)).toBe(true)
    const series = stored()
    expect(series.series).toBe(SERIES)
    expect(series.entries).toHaveLength(1)
    expect(series.entries[0]).toMatchObject({ commit: sha(1), branch: 'main', runId: '11', usedAfter: report.after?.memory.usedMemory, leakedKeys: 20 })
    expect(series.entries[0].prefixes?.list).toEqual([expect.objectContaining({ db: 0, prefix: 'cart:*', keys: 20 })])
    const put = github.requests.find((r) => r.method === 'PUT')?.body as { message: string; branch: string }
    expect(put.branch).toBe(DATA)
    expect(put.message).toBe(`Redis memory baseline: ${SERIES} at ${sha(1).slice(0, 7)} (run 11) [skip ci]`)
    expect(github.requests.every((r) => r.authorization === 'token test-token')).toBe(true)
    // The default branch is untouched: the history lives on the data branch only.
    expect(github.fileText(REPO, 'main', PATH)).toBeUndefined()
  })

  it('keeps every prefix of the key analysis up to 50, not only the top 10 the summary shows', async () => {
    const work = Array.from({ length: 12 }, (_, i) => sets(`svc${i}`, i + 1, 100 * (i + 1))).flat()
    const out = await step(await measure(work), pushContext(sha(1), '11'))
    const prefixes = stored().entries[0].prefixes
    expect(prefixes?.complete).toBe(true)
    expect(prefixes?.memoryUsage).toBe(true)
    expect(prefixes?.list).toHaveLength(12)
    // Largest first: svc11 has the most keys and the largest values.
    expect(prefixes?.list[0]).toMatchObject({ prefix: 'svc11:*', keys: 12 })
    expect(prefixes?.list.every((p) => typeof p.bytes === 'number' && p.bytes > 0)).toBe(true)
    expect(out.entry.prefixes).toEqual(prefixes)
  })

  it('a second push appends to the same file with one read and one write', async () => {
    await step(await measure(sets('cart', 5, 10)), pushContext(sha(1), '11'))
    github.requests.length = 0
    const out = await step(await measure(sets('cart', 8, 10)), pushContext(sha(2), '12'))
    expect(out.recorded).toMatchObject({ entries: 2, attempts: 1, createdBranch: false })
    expect(calls()).toEqual([`GET /repos/acme/shop/contents/${encodeURIComponent(PATH)}`, `PUT /repos/acme/shop/contents/${encodeURIComponent(PATH)}`])
    expect(stored().entries.map((e) => [e.runId, e.leakedKeys])).toEqual([
      ['11', 5],
      ['12', 8]
    ])
  })

  it('two concurrent pushes both land: the loser of the race re-reads and appends again', async () => {
    const report = await measure(sets('cart', 3, 10))
    // Both writers read before either writes: first when the file does not exist yet (422), then over an existing file (409).
    github.contentsLatencyMs = 150
    const first = await Promise.all([step(report, pushContext(sha(1), '21')), step(report, pushContext(sha(2), '22'))])
    expect(first.map((o) => o.warnings)).toEqual([[], []])
    expect(first.map((o) => o.recorded?.conflicts ?? 0).reduce((a, b) => a + b)).toBeGreaterThanOrEqual(1)
    const second = await Promise.all([step(report, pushContext(sha(3), '23')), step(report, pushContext(sha(4), '24'))])
    expect(second.map((o) => o.warnings)).toEqual([[], []])
    expect(second.map((o) => o.recorded?.conflicts ?? 0).reduce((a, b) => a + b)).toBeGreaterThanOrEqual(1)
    expect(github.requests.filter((r) => r.method === 'PUT').length).toBeGreaterThanOrEqual(6)
    expect(stored().entries.map((e) => e.runId).sort()).toEqual(['21', '22', '23', '24'])
  })

  it('a writer that always loses gives up within its attempts and says why, without failing anything', async () => {
    await step(await measure([]), pushContext(sha(1), '11'))
    github.failWith = { status: 409, message: `${PATH} does not match abc`, methods: ['PUT'] }
    github.requests.length = 0
    const started = Date.now()
    const out = await step(await measure([]), pushContext(sha(2), '12'))
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(github.requests.filter((r) => r.method === 'PUT')).toHaveLength(MAX_WRITE_ATTEMPTS)
    expect(out.recorded).toBeNull()
    expect(out.warnings).toEqual([expect.stringMatching(new RegExp(`^Could not record the Redis memory baseline on the branch ${DATA}: gave up after ${MAX_WRITE_ATTEMPTS} attempts`))])
  })

  it('a run that is not a push to a baseline branch neither reads nor writes', async () => {
    const ctx = runContext({ GITHUB_REPOSITORY: REPO, GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/feature/x', GITHUB_SHA: sha(9) }, { repository: { default_branch: 'main' } })
    const out = await step(await measure([]), ctx)
    expect(out.plan.action).toBe('none')
    expect(github.requests).toEqual([])
  })
})

describe('comparing on pull requests', () => {
  it('reads the entry of the merge base, not the newest, and shows the change', async () => {
    await step(await measure(sets('cart', 10, 50)), pushContext(sha(1), '1'))
    await step(await measure(sets('cart', 10, 50)), pushContext(sha(2), '2'))
    // main moved on after the PR branched off: its newest run must not be the baseline.
    await step(await measure(sets('cart', 300, 50)), pushContext(sha(3), '3'))
    repo.mergeBases.set(`main...${'b'.repeat(40)}`, sha(2))
    github.requests.length = 0

    const report = await measure([...sets('cart', 10, 50), ...sets('queue', 2000, 200)])
    const out = await step(report, prContext('b'.repeat(40), '99'), { settings: { limits: { peak: { bytes: 10_000, text: '10000' } } } })
    expect(out.warnings).toEqual([])
    const c = out.comparison
    expect(c?.baseline).toMatchObject({ source: 'merge-base', entry: { commit: sha(2), runId: '2' } })
    expect(c?.summary).toMatch(/^Compared with the merge base 0000000 \(main, \d{4}-\d\d-\d\d\)\.$/)
    const used = c?.figures.find((f) => f.figure === 'used-after')
    expect(used?.base).toBe(out.series?.entries[1].usedAfter)
    expect(used?.current).toBe(report.after?.memory.usedMemory)
    expect(used?.change).toBeGreaterThan(200 * 1000)
    expect(used?.changed).toBe(true)
    expect(c?.figures.find((f) => f.figure === 'leaked-keys')).toMatchObject({ base: 10, current: 2010, change: 2000 })
    expect(c?.prefixes[0]).toMatchObject({ prefix: 'queue:*', isNew: true, currentKeys: 2000, baseKeys: 0 })
    expect(c?.checks.find((x) => x.check === 'peak-increase')?.status).toBe('fail')
    // Reading costs two requests sent together, and a pull request never writes.
    expect(calls().sort()).toEqual([`GET /repos/acme/shop/compare/main...${'b'.repeat(40)}`, `GET /repos/acme/shop/contents/${encodeURIComponent(PATH)}`])
  })

  it('falls back to the newest run of the base branch when the merge base was never recorded, and says so', async () => {
    await step(await measure(sets('cart', 4, 10)), pushContext(sha(1), '1'))
    const out = await step(await measure(sets('cart', 4, 10)), prContext('c'.repeat(40), '99'))
    expect(out.comparison?.baseline?.source).toBe('base-branch')
    expect(out.comparison?.summary).toMatch(/^Compared with the newest run of main, 0000000 \(\d{4}-\d\d-\d\d\)\.$/)
    expect(out.comparison?.figures.find((f) => f.figure === 'leaked-keys')).toMatchObject({ change: 0, changed: false })
  })

  it('a fork with a read-only token still gets the comparison, and its writes are never tried', async () => {
    await step(await measure(sets('cart', 4, 10)), pushContext(sha(1), '1'))
    github.failWith = { status: 403, message: 'Resource not accessible by integration', methods: ['PUT', 'POST', 'PATCH'] }
    github.requests.length = 0
    const out = await step(await measure(sets('cart', 6, 10)), prContext('d'.repeat(40), '99'))
    expect(out.warnings).toEqual([])
    expect(out.comparison?.baseline?.entry.commit).toBe(sha(1))
    expect(out.comparison?.figures.find((f) => f.figure === 'leaked-keys')).toMatchObject({ base: 4, current: 6 })
    expect(github.requests.every((r) => r.method === 'GET')).toBe(true)
  })

  it('a push with a read-only token warns once, naming the permission, and the report stays whole', async () => {
    github.failWith = { status: 403, message: 'Resource not accessible by integration', methods: ['PUT', 'POST'] }
    const report = await measure(sets('cart', 2, 10))
    const verdict = report.verdict
    const out = await step(report, pushContext(sha(1), '1'))
    expect(out.recorded).toBeNull()
    expect(out.warnings).toEqual([
      `Could not record the Redis memory baseline on the branch ${DATA}: GitHub answered 403 (Resource not accessible by integration). ` +
        'Recording needs "permissions: contents: write" on the push job (only there; pull requests need only contents: read). The report itself is complete.'
    ])
    expect(report.verdict).toBe(verdict)
  })

  it('the first run with no baseline says so plainly, without a warning', async () => {
    const out = await step(await measure(sets('cart', 2, 10)), prContext('f'.repeat(40), '99'))
    expect(out.warnings).toEqual([])
    expect(out.series).toBeNull()
    expect(out.comparison?.baseline).toBeNull()
    expect(out.comparison?.summary).toBe('No baseline yet: there is no recorded run of main for this job.')
  })

  it('without a token says what to do instead of calling GitHub', async () => {
    const out = await step(await measure([]), prContext('f'.repeat(40), '99'), { token: '' })
    expect(out.warnings).toEqual(["No github-token: the Redis memory baseline is neither read nor recorded. Leave github-token unset to use the job's token."])
    expect(github.requests).toEqual([])
  })
})

describe('a baseline kept as a file', () => {
  it('compares with a saved JSON report without calling GitHub, on the action and on the CLI alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmg-baseline-file-'))
    const file = join(dir, 'main-report.json')
    writeFileSync(file, JSON.stringify(await measure(sets('cart', 3, 10))))
    const report = await measure(sets('cart', 9, 10))
    const out = await step(report, prContext('a'.repeat(40), '5'), { settings: { mode: 'file', file } })
    expect(out.warnings).toEqual([])
    expect(out.comparison?.baseline).toMatchObject({ source: 'file' })
    expect(out.comparison?.summary).toMatch(/^Compared with the newest run in the file, unknown commit \(\d{4}-\d\d-\d\d\)\.$/)
    expect(out.comparison?.figures.find((f) => f.figure === 'leaked-keys')).toMatchObject({ base: 3, current: 9, change: 6 })
    expect(github.requests).toEqual([])

    const cli = compareWithSeries(report, await loadBaselineFile(file, '--baseline'), { settings: readBaselineSettings(() => ''), failOn: new Set() })
    expect(cli.figures).toEqual(out.comparison?.figures)
    expect(cli.checks).toEqual(out.comparison?.checks)
  })

  it('a missing file is one warning naming the input, and the report goes on', async () => {
    const out = await step(await measure([]), prContext('a'.repeat(40), '5'), { settings: { mode: 'file', file: 'no/such/report.json' } })
    expect(out.comparison).toBeNull()
    expect(out.warnings).toEqual(['baseline: cannot read "no/such/report.json" (no such file). Give the path of a JSON report or history file, or auto or off.'])
  })
})

describe('the store alone', () => {
  it('bounds all requests by the time budget, also against a server that never answers', async () => {
    const entry = entryFromReport(await measure([]), { commit: sha(1), branch: 'main', runId: '1' }, 10)
    github.contentsLatencyMs = 5_000
    const api = await openGitHubApi({ token: 't', owner: 'acme', repo: 'shop', apiUrl: github.url, budgetMs: 300 })
    const started = Date.now()
    const err = await recordEntry(api, { dataBranch: DATA, path: PATH, seriesId: SERIES, entry, fromBranch: 'main', message: 'm' }).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(2_000)
    expect(explainBaselineError(err, 'write', DATA)).toBe(
      `Could not record the Redis memory baseline on the branch ${DATA}: GitHub's API did not answer within the time budget. Check the runner's network or proxy (and GITHUB_API_URL on GitHub Enterprise). The report itself is complete.`
    )
  })
})
