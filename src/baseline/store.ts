/**
 * The history files on the data branch, through the REST API alone: the contents API reads and
 * writes one JSON file per series, the refs API creates the branch on the first push, and the
 * compare API finds a pull request's merge base. The GitHub edge of the baseline; the GitHub client
 * is imported only when a baseline is read or written, so runs without one never load it.
 */
import type { getOctokit } from '@actions/github'
import { describeError } from '../core/errors.js'
import { retry, RetriesUsedUp } from '../core/retry.js'
import { failureText, gitHubFailure } from '../github/failure.js'
import { appendEntry, emptySeries, parseHistory, serializeSeries, type HistoryEntry, type HistorySeries } from './history.js'

type Octokit = ReturnType<typeof getOctokit>

/** Writes retried after a conflict; each retry re-reads the file, so every writer's entry lands. */
export const MAX_WRITE_ATTEMPTS = 6
/** All requests of one read or write together, so a hanging API cannot hold the job. */
export const DEFAULT_BUDGET_MS = 30_000

export interface GitHubApi {
  octokit: Octokit
  owner: string
  repo: string
  /** Aborts every request when the budget is spent. */
  signal: AbortSignal
  deadline: number
}

/** A client for one repository, bounded by `budgetMs` for everything it does. */
export async function openGitHubApi(opts: { token: string; owner: string; repo: string; apiUrl?: string; budgetMs?: number }): Promise<GitHubApi> {
  const { getOctokit } = await import('@actions/github')
  const budgetMs = opts.budgetMs ?? DEFAULT_BUDGET_MS
  const signal = AbortSignal.timeout(budgetMs)
  // baseUrl is read here, not when @actions/github loaded, so GITHUB_API_URL set later still counts.
  const baseUrl = (opts.apiUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '')
  const octokit = getOctokit(opts.token, { baseUrl, request: { signal } })
  return { octokit, owner: opts.owner, repo: opts.repo, signal, deadline: Date.now() + budgetMs }
}

const statusOf = (err: unknown): number | undefined => {
  const s = (err as { status?: unknown } | null)?.status
  return typeof s === 'number' ? s : undefined
}

export interface StoredSeries {
  series: HistorySeries
  /** The file's blob sha, which a write must name to replace it. */
  sha: string
}

/** Reads a series file from the data branch; null when the file or the branch does not exist yet. */
export async function readSeries(api: GitHubApi, dataBranch: string, path: string): Promise<StoredSeries | null> {
  let data: unknown
  try {
    ;({ data } = await api.octokit.rest.repos.getContent({ owner: api.owner, repo: api.repo, path, ref: dataBranch }))
  } catch (err) {
    if (statusOf(err) === 404) return null
    throw err
  }
  const file = data as { type?: string; content?: string; encoding?: string; sha?: string }
  if (Array.isArray(data) || file.type !== 'file' || typeof file.sha !== 'string') {
    throw new Error(`${path} on ${dataBranch} is not a file`)
  }
  if (file.encoding !== 'base64' || typeof file.content !== 'string') {
    // Over 1 MB the contents API leaves the content out; serializeSeries keeps files well under that.
    throw new Error(`${path} on ${dataBranch} is too large for the contents API (over 1 MB)`)
  }
  const text = Buffer.from(file.content, 'base64').toString('utf8')
  return { series: parseHistory(text, `${path} on ${dataBranch}`), sha: file.sha }
}

/** The merge base of `base...head`, or null when GitHub does not know one (e.g. unrelated histories). */
export async function findMergeBase(api: GitHubApi, base: string, head: string): Promise<string | null> {
  try {
    const { data } = await api.octokit.rest.repos.compareCommitsWithBasehead({ owner: api.owner, repo: api.repo, basehead: `${base}...${head}`, per_page: 1 })
    return data.merge_base_commit?.sha ?? null
  } catch (err) {
    if (statusOf(err) === 404) return null
    throw err
  }
}

/**
 * Creates the data branch at the tip of `fromBranch` when it does not exist. Returns true when this
 * call created it; a concurrent writer creating it first (422) is fine.
 */
export async function ensureBranch(api: GitHubApi, dataBranch: string, fromBranch: string): Promise<boolean> {
  const where = { owner: api.owner, repo: api.repo }
  try {
    await api.octokit.rest.git.getRef({ ...where, ref: `heads/${dataBranch}` })
    return false
  } catch (err) {
    if (statusOf(err) !== 404) throw err
  }
  const { data: from } = await api.octokit.rest.git.getRef({ ...where, ref: `heads/${fromBranch}` })
  try {
    await api.octokit.rest.git.createRef({ ...where, ref: `refs/heads/${dataBranch}`, sha: from.object.sha })
    return true
  } catch (err) {
    if (statusOf(err) === 422) return false
    throw err
  }
}

export interface RecordRequest {
  dataBranch: string
  path: string
  seriesId: string
  entry: HistoryEntry
  /** Where a missing data branch starts from (the default branch). */
  fromBranch: string
  /** The data branch's commit message. */
  message: string
  maxAttempts?: number
}

export interface RecordResult {
  series: HistorySeries
  attempts: number
  /** Writes that lost a race (409/422) and were re-read and retried. */
  conflicts: number
  createdBranch: boolean
}

/** Re-read and retry: another writer changed the file (409), created it (422), or the branch went (404). */
const RETRY_STATUSES = new Set([404, 409, 422, 500, 502, 503, 504])

/**
 * Appends one entry to the series file: read, append, write with the read sha; on a conflict read
 * again and append again, so two jobs pushing at once both land. Bounded by attempts and the budget.
 */
export async function recordEntry(api: GitHubApi, req: RecordRequest): Promise<RecordResult> {
  const maxAttempts = req.maxAttempts ?? MAX_WRITE_ATTEMPTS
  let createdBranch = false
  let conflicts = 0
  // Only a failed write is retried: a read that fails, or a file of another series, ends it.
  let failedWrite: unknown
  const write = async (attempt: number): Promise<RecordResult> => {
    const stored = await readSeries(api, req.dataBranch, req.path)
    if (!stored && attempt === 1) createdBranch = await ensureBranch(api, req.dataBranch, req.fromBranch)
    if (stored && stored.series.series !== req.seriesId) {
      throw new Error(`${req.path} on ${req.dataBranch} holds the series "${stored.series.series}", not "${req.seriesId}"`)
    }
    const series = appendEntry(stored?.series ?? emptySeries(req.seriesId), req.entry)
    try {
      await api.octokit.rest.repos.createOrUpdateFileContents({
        owner: api.owner,
        repo: api.repo,
        path: req.path,
        branch: req.dataBranch,
        message: req.message,
        content: Buffer.from(serializeSeries(series), 'utf8').toString('base64'),
        ...(stored ? { sha: stored.sha } : {})
      })
      return { series, attempts: attempt, conflicts, createdBranch }
    } catch (err) {
      const status = statusOf(err)
      if (status === 409 || status === 422) conflicts++
      if (status === 404) createdBranch = (await ensureBranch(api, req.dataBranch, req.fromBranch)) || createdBranch
      failedWrite = err
      throw err
    }
  }
  try {
    return await retry(write, {
      attempts: maxAttempts,
      deadline: api.deadline,
      // Jittered backoff so two writers that collided do not collide again in step.
      delayMs: (err, attempt) => (err === failedWrite && RETRY_STATUSES.has(statusOf(err) ?? 0) ? Math.min(100 * 2 ** (attempt - 1), 1000) * (0.5 + Math.random()) : null)
    })
  } catch (err) {
    if (!(err instanceof RetriesUsedUp)) throw err
    throw new Error(`gave up after ${maxAttempts} attempts or the time budget: ${describeError(err.last)}`)
  }
}

/** One line for a failed baseline read or write, naming the permission when that is the cause. */
export function explainBaselineError(err: unknown, action: 'read' | 'write', dataBranch: string): string {
  const f = gitHubFailure(err)
  const status = f.status
  const verb = action === 'read' ? 'read' : 'record'
  const complete = action === 'read' ? 'The report is complete, without the comparison.' : 'The report itself is complete.'
  const head = `Could not ${verb} the Redis memory baseline on the branch ${dataBranch}: ${failureText(f)}.`
  if (status === null && f.noAnswer !== null) return `${head} Check the runner's network or proxy (and GITHUB_API_URL on GitHub Enterprise). ${complete}`
  if (f.rateLimit === 'primary') {
    return `${head} GitHub's API rate limit for this token is used up; this is not a missing permission, and the next run after the reset compares again. ${complete}`
  }
  if (f.rateLimit === 'secondary') return `${head} GitHub's secondary rate limit: too many requests in a short time, e.g. many matrix legs at once. ${complete}`
  if (status !== null && status >= 500) return `${head} A fault on GitHub's side (or a proxy before it). ${complete}`
  if (action === 'write' && (status === 403 || status === 404)) {
    return `${head} Recording needs "permissions: contents: write" on the push job (only there; pull requests need only contents: read). The report itself is complete.`
  }
  if (status === 401) return `${head} The github-token input is not a valid token; leave it unset to use the job's token.`
  if (action === 'read' && (status === 403 || status === 404)) {
    return `${head} Reading needs "permissions: contents: read". The report is complete, without the comparison.`
  }
  return `${head} ${complete}`
}
