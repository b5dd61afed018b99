/**
 * What went wrong with a GitHub API call, told apart once for the comment and the baseline:
 * octokit gives status 500 both to GitHub's own 500 and to a call that never got an answer (a
 * refused connection, a timeout), so "GitHub answered 500" was said when GitHub said nothing.
 */
import { describeError } from '../core/errors.js'

export interface GitHubFailure {
  /** The HTTP status GitHub (or a proxy before it) answered with; null when nothing answered. */
  status: number | null
  /** Why nothing answered: the budget ran out, the connection was refused, or another network fault; null for an answer or an error of ours. */
  noAnswer: 'timeout' | 'refused' | 'network' | null
  /** A used-up rate limit (primary: resets within the hour) or a secondary one (retry-after). */
  rateLimit: 'primary' | 'secondary' | null
  /** GitHub's own words, a summary of a non-JSON body, or the network error: one short line. */
  detail: string
}

interface FailedCall {
  name?: unknown
  status?: unknown
  message?: unknown
  cause?: { name?: unknown; code?: unknown; message?: unknown; cause?: { code?: unknown } }
  response?: { status?: unknown; headers?: Record<string, string | number | undefined>; data?: unknown }
}

/** A response header of a failed call, or undefined. */
export function failureHeader(err: unknown, name: string): string | undefined {
  const value = (err as FailedCall | null)?.response?.headers?.[name]
  return value === undefined ? undefined : String(value)
}

/** Classifies a failed octokit call. */
export function gitHubFailure(err: unknown): GitHubFailure {
  const e = (typeof err === 'object' && err !== null ? err : {}) as FailedCall
  const answered = e.response !== undefined && e.response !== null
  const status = answered && typeof e.status === 'number' ? e.status : null
  let noAnswer: GitHubFailure['noAnswer'] = null
  let detail: string
  const fromOctokit = typeof e.status === 'number' || e.cause !== undefined || e.name === 'TimeoutError'
  if (!answered && !fromOctokit) {
    detail = oneLine(describeError(err))
  } else if (!answered) {
    const code = e.cause?.cause?.code ?? e.cause?.code
    const timedOut = e.name === 'TimeoutError' || e.cause?.name === 'TimeoutError' || e.cause?.name === 'AbortError' || code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT'
    noAnswer = timedOut ? 'timeout' : code === 'ECONNREFUSED' ? 'refused' : 'network'
    detail = noAnswer === 'timeout' ? 'no answer within the time budget' : noAnswer === 'refused' ? 'the connection was refused (ECONNREFUSED)' : `no answer (${typeof code === 'string' ? code : oneLine(describeError(err))})`
  } else {
    const data = e.response?.data
    const apiMessage = (data as { message?: unknown } | null | undefined)?.message
    detail = typeof apiMessage === 'string' && apiMessage ? oneLine(apiMessage) : typeof data === 'string' ? summariseBody(data) : oneLine(describeError(err))
  }
  let rateLimit: GitHubFailure['rateLimit'] = null
  if (status === 403 || status === 429) {
    if (failureHeader(err, 'x-ratelimit-remaining') === '0') rateLimit = 'primary'
    else if (failureHeader(err, 'retry-after') !== undefined || /secondary rate limit/i.test(detail)) rateLimit = 'secondary'
    else if (status === 429 || /rate limit/i.test(detail)) rateLimit = 'secondary'
  }
  return { status, noAnswer, rateLimit, detail }
}

/** "GitHub answered 502 (an HTML page: "Bad gateway")" or "GitHub did not answer (…)". */
export function failureText(f: GitHubFailure): string {
  if (f.status === null && f.noAnswer === null) return f.detail
  if (f.status === null) return f.noAnswer === 'timeout' ? `GitHub's API did not answer within the time budget` : `GitHub's API could not be reached: ${f.detail}`
  return `GitHub answered ${f.status} (${f.detail})`
}

/** Text from an API: one line, no longer than a sentence, so a body is never pasted whole. */
function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim()
  return flat.length > 200 ? `${flat.slice(0, 199)}…` : flat
}

/**
 * One short line for a body that is not GitHub's JSON: the title of an HTML page or its text
 * without tags, at most 120 chars. The body comes from whatever answered, so it is never pasted whole.
 */
export function summariseBody(data: unknown): string {
  if (typeof data !== 'string') return data instanceof ArrayBuffer || data === undefined || data === null ? 'an empty or binary body' : `a ${typeof data} body`
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(data)?.[1]
  const isHtml = /<(!doctype|html|head|body)\b/i.test(data)
  const text = (title ?? (isHtml ? data.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]*>/g, ' ') : data)).replace(/\s+/g, ' ').trim()
  if (text === '') return isHtml ? 'an HTML page' : 'an empty body'
  const short = text.length > 120 ? `${text.slice(0, 119)}…` : text
  return isHtml ? `an HTML page: "${short}"` : `"${short}"`
}
