/**
 * The sticky PR comment: one per workflow, job and matrix leg, found again by a hidden marker and
 * updated in place on every push. The GitHub edge of the product; the text comes from the pure
 * renderer. Nothing here fails the job: a token that may not comment gives one warning.
 */
import { getOctokit } from '@actions/github'
import { readFile } from 'node:fs/promises'
import { describeError } from '../errors.js'

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

/** Finds the comment with `marker` on any page and updates it, or creates one. */
export async function upsertComment(req: UpsertRequest): Promise<UpsertResult> {
  const octokit = getOctokit(req.token, { request: { signal: AbortSignal.timeout(req.timeoutMs ?? 60_000) } })
  const where = { owner: req.owner, repo: req.repo }
  let existing: { id: number } | undefined
  for await (const page of octokit.paginate.iterator(octokit.rest.issues.listComments, { ...where, issue_number: req.issueNumber, per_page: 100 })) {
    existing = page.data.find((c) => typeof c.body === 'string' && c.body.includes(req.marker))
    if (existing) break
  }
  if (existing) {
    const { data } = await octokit.rest.issues.updateComment({ ...where, comment_id: existing.id, body: req.body })
    return { action: 'updated', id: data.id, url: data.html_url }
  }
  if (!req.create) return { action: 'skipped' }
  const { data } = await octokit.rest.issues.createComment({ ...where, issue_number: req.issueNumber, body: req.body })
  return { action: 'created', id: data.id, url: data.html_url }
}

/** One line for a failed GitHub call: for 401/403/404, which permission is missing and how to grant it. */
export function explainGitHubError(err: unknown): string {
  const e = err as { status?: unknown; response?: { data?: { message?: unknown } } } | null
  const status = e?.status
  // Octokit appends the documentation link to the message; GitHub's own words are shorter.
  const apiMessage = e?.response?.data?.message
  const detail = typeof apiMessage === 'string' && apiMessage ? apiMessage : describeError(err)
  const after = 'The job summary, the JSON report and the comment-body output still have the report.'
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
  return `Could not post the PR comment: ${detail}. ${after}`
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
