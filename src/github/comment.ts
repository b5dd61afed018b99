/**
 * The sticky PR comment: one per workflow, job and matrix leg, found again by a hidden marker and
 * updated in place on every push. The GitHub edge of the product; the text comes from the pure
 * renderer. Nothing here fails the job: a token that may not comment gives one warning.
 */
import type { getOctokit } from '@actions/github'
import { readFile } from 'node:fs/promises'
import { retry, RetriesUsedUp } from '../core/retry.js'
import { failureText, gitHubFailure, summariseBody } from './failure.js'

export { commentMarker, readCommentSettings, type CommentSettings } from './comment-settings.js'

/** The pull request a `pull_request` or `pull_request_target` event is about, or null for other events. */
export function pullRequestNumber(eventName: string | undefined, payload: unknown): number | null {
  if (eventName !== 'pull_request' && eventName !== 'pull_request_target') return null
  const n = (payload as { pull_request?: { number?: unknown } } | null)?.pull_request?.number
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null
}

/** The run's page, where the full job summary is; undefined outside GitHub Actions. */
export function runPageUrl(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (!env.GITHUB_REPOSITORY || !env.GITHUB_RUN_ID) return undefined
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')
  return `${server}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
}

export interface UpsertRequest {
  token: string
  owner: string
  repo: string
  issueNumber: number
  marker: string
  body: string
  /** False: only update a comment that exists (on-breach mode with a passing verdict). */
  create: boolean
  /** Bounds all requests together, so a hanging API cannot hold the job. */
  timeoutMs?: number
}

export interface UpsertResult {
  action: 'created' | 'updated' | 'skipped'
  id?: number
  url?: string
}

/** Pages of 100 comments looked through at most: 5000 comments, far more than any pull request has. */
const MAX_PAGES = 50
/** The wait before the one retry after a 5xx: enough for a load balancer to pick another backend. */
const SERVER_ERROR_BACKOFF_MS = 1000
/**
 * The lookup's requests together (with their retries), from the lookup's start; and, again, the
 * update or create (with its retry), from when the body is ready. The lookup begins while the keys
 * are scanned: one budget for both made a long step end (a big key scan, the baseline) leave no
 * time to post, and the comment was given up.
 */
export const COMMENT_BUDGET_MS = 60_000

/**
 * GitHub answered with success, but not with what the API promises (e.g. a proxy's HTML page with
 * a 200). Not a permission problem; the comment may or may not be there.
 */
export class GitHubAnswerError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'GitHubAnswerError'
  }
}

/** The comment with the marker, looked up before the body is known (see lookUpComment). */
export interface CommentLookup {
  octokit: ReturnType<typeof getOctokit>
  existing: { id: number } | undefined
  /** When all calls of this upsert must be done by. */
  deadline: number
}

/**
 * Finds the comment with `marker` on any page. The post step starts this while it still scans
 * the keys, so the lookup's round trips cost no time of their own; upsertComment takes its result.
 */
export async function lookUpComment(req: Omit<UpsertRequest, 'body' | 'create'>): Promise<CommentLookup> {
  const timeoutMs = req.timeoutMs ?? COMMENT_BUDGET_MS
  const deadline = Date.now() + timeoutMs
  // Loaded only when a comment is posted: octokit is most of the post bundle, and most runs post none.
  const { getOctokit } = await import('@actions/github')
  // From the lookup's start, so loading the client does not lengthen the budget.
  const octokit = getOctokit(req.token, { request: { signal: AbortSignal.timeout(Math.max(0, deadline - Date.now())) } })
  const where = { owner: req.owner, repo: req.repo }
  let existing: { id: number } | undefined
  for (let page = 1; page <= MAX_PAGES && !existing; page++) {
    const { status, data } = await withOneRetry(
      () => octokit.rest.issues.listComments({ ...where, issue_number: req.issueNumber, per_page: 100, page }),
      deadline
    )
    if (!Array.isArray(data)) {
      throw new GitHubAnswerError(`Could not look for the PR comment: GitHub answered ${status} to listing comments, but not with a JSON list (${summariseBody(data)})`)
    }
    existing = (data as unknown[]).map(commentOf).find((c) => c !== null && c.body.includes(req.marker)) ?? undefined
    if (data.length < 100) break
  }
  return { octokit, existing, deadline }
}

/**
 * Finds the comment with `marker` on any page (or takes `lookup`, begun earlier) and updates it,
 * or creates one. Each call gets one retry for a 5xx or a secondary rate limit, and all calls and
 * waits together stay inside `timeoutMs`, so a GitHub outage costs the job at most that long.
 */
export async function upsertComment(req: UpsertRequest, lookup?: Promise<CommentLookup | null>): Promise<UpsertResult> {
  const { octokit, existing } = (await lookup) ?? (await lookUpComment(req))
  // The write's own budget, from now (the lookup's may have been spent while the step ended).
  const deadline = Date.now() + (req.timeoutMs ?? COMMENT_BUDGET_MS)
  const request = { signal: AbortSignal.timeout(Math.max(0, deadline - Date.now())) }
  const where = { owner: req.owner, repo: req.repo, request }
  if (existing) {
    const id = existing.id
    const { status, data } = await withOneRetry(() => octokit.rest.issues.updateComment({ ...where, comment_id: id, body: req.body }), deadline)
    const updated = commentOf(data)
    if (!updated) {
      throw new GitHubAnswerError(`Could not confirm the PR comment: GitHub answered ${status} to updating it, but not with the comment as JSON (${summariseBody(data)}); it may not be updated`)
    }
    return { action: 'updated', id: updated.id, url: updated.url }
  }
  if (!req.create) return { action: 'skipped' }
  const { status, data } = await withOneRetry(
    () => octokit.rest.issues.createComment({ ...where, issue_number: req.issueNumber, body: req.body }),
    deadline
  )
  const created = commentOf(data)
  if (!created) {
    throw new GitHubAnswerError(`Could not confirm the PR comment: GitHub answered ${status} to creating it, but not with the comment as JSON (${summariseBody(data)}); it may not be there`)
  }
  return { action: 'created', id: created.id, url: created.url }
}

/** A comment as the API gives it, or null for anything else (a string, an HTML page, a half object). */
function commentOf(data: unknown): { id: number; url: string; body: string } | null {
  const c = data as { id?: unknown; html_url?: unknown; body?: unknown } | null
  if (typeof c !== 'object' || c === null || typeof c.id !== 'number' || typeof c.html_url !== 'string') return null
  return { id: c.id, url: c.html_url, body: typeof c.body === 'string' ? c.body : '' }
}

/** Errors of calls that failed again on their retry, so the message can say it was tried twice. */
const failedTwice = new WeakSet<object>()

/** Runs `call`, and once more after the wait `retryDelayMs` asks for, if that wait ends before `deadline`. */
async function withOneRetry<T>(call: () => Promise<T>, deadline: number): Promise<T> {
  try {
    return await retry(call, { attempts: 2, deadline, delayMs: retryDelayMs })
  } catch (err) {
    if (!(err instanceof RetriesUsedUp)) throw err
    // The API's own error goes on, so the warning can name its status and headers.
    if (err.attempts > 1 && typeof err.last === 'object' && err.last !== null) failedTwice.add(err.last)
    throw err.last
  }
}

interface FailedCall {
  status?: unknown
  response?: { headers?: Record<string, string | number | undefined>; data?: unknown }
}

function headerOf(err: unknown, name: string): string | undefined {
  const value = (err as FailedCall | null)?.response?.headers?.[name]
  return value === undefined ? undefined : String(value)
}

/**
 * How long to wait before the one retry a failed call gets, or null when waiting cannot help: a
 * 5xx gets a short pause, a secondary rate limit (403/429 with `retry-after`) the pause GitHub
 * asks for. A used-up primary rate limit resets only within the hour, and 4xx answers do not change.
 */
export function retryDelayMs(err: unknown): number | null {
  const status = (err as FailedCall | null)?.status
  if (typeof status !== 'number') return null
  if (status >= 500 && status <= 599) return SERVER_ERROR_BACKOFF_MS
  if ((status === 403 || status === 429) && headerOf(err, 'x-ratelimit-remaining') !== '0') {
    const after = Number(headerOf(err, 'retry-after'))
    if (headerOf(err, 'retry-after') !== undefined && Number.isFinite(after) && after >= 0) return after * 1000
  }
  return null
}

export { summariseBody } from './failure.js'

/**
 * One line for a failed GitHub call: a used-up rate limit with the time it resets, a secondary rate
 * limit, a fault on GitHub's side, or for 401/403/404 which permission is missing and how to grant it.
 */
export function explainGitHubError(err: unknown, now = Date.now()): string {
  const after = 'The job summary, the JSON report and the comment-body output still have the report.'
  if (err instanceof GitHubAnswerError) return `${err.message}. ${after}`
  const f = gitHubFailure(err)
  const { status, detail } = f
  const twice = typeof err === 'object' && err !== null && failedTwice.has(err) ? ', also on the one retry' : ''
  if (status === null && f.noAnswer !== null) {
    // Nothing answered: not a fault GitHub reported, and no permission is in question.
    return `Could not post the PR comment: ${failureText(f)}${twice}. Check the runner's network or proxy (and GITHUB_API_URL on GitHub Enterprise). ${after}`
  }
  if (f.rateLimit === 'primary') {
    const reset = Number(headerOf(err, 'x-ratelimit-reset'))
    const when = Number.isFinite(reset) && reset > 0 ? resetText(reset * 1000, now) : 'within the hour'
    return (
      `Could not post the PR comment: GitHub's API rate limit for this token is used up (${status}: ${detail}); it resets ${when}. ` +
      `This is not a missing permission: the next run after the reset posts the comment. ${after}`
    )
  }
  if (f.rateLimit === 'secondary') {
    const wait = headerOf(err, 'retry-after')
    return (
      `Could not post the PR comment: GitHub's secondary rate limit refused it (${status}${wait !== undefined ? `, retry after ${wait} s` : ''}: ${detail})${twice}. ` +
      `Too many requests in a short time, e.g. many matrix legs at once. ${after}`
    )
  }
  if (status !== null && status >= 500 && status <= 599) {
    return `Could not post the PR comment: GitHub answered ${status}, a fault on GitHub's side (${detail})${twice}. ${after}`
  }
  if (status === 403 || status === 404) {
    return (
      `Could not post the PR comment: GitHub answered ${status} (${detail}). The token lacks the pull-requests: write permission. ` +
      'Add "permissions: pull-requests: write" to the job (or the workflow). Pull requests from forks always get a read-only token: ' +
      `post their comment from a workflow_run workflow (see the README, "Comments on pull requests from forks"). ${after}`
    )
  }
  if (status === 401) {
    return `Could not post the PR comment: GitHub answered 401 (${detail}). The github-token input is not a valid token; leave it unset to use the job's token. ${after}`
  }
  return `Could not post the PR comment: ${failureText(f)}. ${after}`
}

/** `at 14:05:00 UTC (in 12 min)` for a reset time in ms since the epoch. */
function resetText(resetMs: number, now: number): string {
  const at = new Date(resetMs).toISOString().slice(11, 19)
  const minutes = Math.max(0, Math.ceil((resetMs - now) / 60_000))
  return `at ${at} UTC (in ${minutes} min)`
}

/** Reads the event payload the runner wrote (GITHUB_EVENT_PATH); {} when there is none. */
export async function readEventPayload(env: NodeJS.ProcessEnv = process.env): Promise<unknown> {
  if (!env.GITHUB_EVENT_PATH) return {}
  try {
    return JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8'))
  } catch {
    return {}
  }
}
