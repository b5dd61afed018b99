import * as core from '@actions/core'
import { worthCommenting } from '../baseline/apply.js'
import type { Report } from '../report/schema.js'
import { commentMarker, explainGitHubError, lookUpComment, pullRequestNumber, readEventPayload, upsertComment, type CommentLookup, type CommentSettings } from '../github/comment.js'
import { Output } from './constants.js'

/**
 * Posts or updates the sticky PR comment and sets the comment-id and comment-url outputs.
 * Never throws and never fails the job: the report is already in the summary and the outputs.
 */
export async function publishComment(
  report: Report,
  body: string,
  settings: CommentSettings,
  env: NodeJS.ProcessEnv = process.env,
  lookup?: Promise<CommentLookup | null>
): Promise<void> {
  const posted = await postOrUpdate(report, body, settings, env, lookup)
  core.setOutput(Output.CommentId, posted?.id ?? '')
  core.setOutput(Output.CommentUrl, posted?.url ?? '')
}

/**
 * Begins looking for the sticky comment, so the post step does it while it scans the keys; null
 * when no comment will be posted (publishComment then says why). A failed lookup is reported by
 * publishComment, as one of its own would be.
 */
export function startCommentLookup(settings: CommentSettings, env: NodeJS.ProcessEnv = process.env): Promise<CommentLookup | null> | null {
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (settings.mode === 'off' || !settings.token || !owner || !repo) return null
  const lookup = (async () => {
    const issueNumber = pullRequestNumber(env.GITHUB_EVENT_NAME, await readEventPayload(env))
    if (issueNumber === null) return null
    core.setSecret(settings.token)
    return lookUpComment({ token: settings.token, owner, repo, issueNumber, marker: commentMarker(settings.key) })
  })()
  // Awaited later by publishComment; until then a rejection must not count as unhandled.
  lookup.catch(() => {})
  return lookup
}

async function postOrUpdate(
  report: Report,
  body: string,
  settings: CommentSettings,
  env: NodeJS.ProcessEnv,
  lookup?: Promise<CommentLookup | null>
): Promise<{ id?: number; url?: string } | null> {
  if (settings.mode === 'off') return null
  const issueNumber = pullRequestNumber(env.GITHUB_EVENT_NAME, await readEventPayload(env))
  if (issueNumber === null) {
    core.info(`No PR comment: the ${env.GITHUB_EVENT_NAME || 'current'} event is not a pull request.`)
    return null
  }
  const [owner, repo] = (env.GITHUB_REPOSITORY ?? '').split('/')
  if (!owner || !repo) {
    core.warning('Could not post the PR comment: GITHUB_REPOSITORY is not set (owner/repo).')
    return null
  }
  if (!settings.token) {
    core.warning('Could not post the PR comment: github-token is empty. Leave it unset to use the job token, or pass a token with pull-requests: write.')
    return null
  }
  core.setSecret(settings.token)
  try {
    const result = await upsertComment({
      token: settings.token,
      owner,
      repo,
      issueNumber,
      marker: commentMarker(settings.key),
      body,
      // on-breach and on-change post nothing new for a quiet run, but still update an old comment so it never shows a stale result.
      create: settings.mode === 'auto' || (settings.mode === 'on-change' ? worthCommenting(report) : report.verdict !== 'pass')
    }, lookup)
    if (result.action === 'skipped') {
      core.info(
        settings.mode === 'on-change'
          ? 'No PR comment: every check passed and no figure changed beyond its usual range (comment: on-change).'
          : 'No PR comment: the verdict is pass and comment is on-breach.'
      )
      return null
    }
    core.info(`PR comment ${result.action}: ${result.url}`)
    return result
  } catch (err) {
    core.warning(explainGitHubError(err), { title: 'Redis Memory Guard: PR comment' })
    return null
  }
}
