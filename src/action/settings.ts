import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Thresholds } from '../checks.js'
import { readConnectTimeout, readThresholds } from '../options.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { readCommentSettings, type CommentSettings } from '../github/comment-settings.js'
import { DEFAULT_REPORT_NAME, Input } from './constants.js'

/** Everything the action's inputs say, checked and typed. */
export interface Settings {
  target: RedisTarget
  connectTimeoutMs: number
  thresholds: Thresholds
  reportPath: string
  comment: CommentSettings
}

export type GetInput = (name: string) => string

/** Reads and checks the inputs; a bad one throws a UserError that names it and shows a valid example. */
export function readSettings(getInput: GetInput, env: NodeJS.ProcessEnv = process.env): Settings {
  const target = parseRedisUrl(getInput(Input.RedisUrl) || 'redis://localhost:6379', Input.RedisUrl)
  const connectTimeoutMs = readConnectTimeout(getInput)
  const thresholds = readThresholds(getInput)
  const reportPath = getInput(Input.ReportPath).trim() || join(env.RUNNER_TEMP || tmpdir(), DEFAULT_REPORT_NAME)
  const comment = readCommentSettings(
    { comment: getInput(Input.Comment), commentKey: getInput(Input.CommentKey), matrix: getInput(Input.Matrix), githubToken: getInput(Input.GithubToken) },
    env
  )
  return { target, connectTimeoutMs, thresholds, reportPath, comment }
}
