import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Thresholds } from '../checks.js'
import { readConnectTimeout, readSampleInterval, readSampleMaxDuration, readThresholds } from '../options.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { readCommentSettings, type CommentSettings } from '../github/comment-settings.js'
import { DEFAULT_REPORT_NAME, Input } from './constants.js'
import { readKeySettings, type KeySettings } from '../keys/settings.js'

/** Everything the action's inputs say, checked and typed. */
export interface Settings {
  target: RedisTarget
  connectTimeoutMs: number
  thresholds: Thresholds
  reportPath: string
  comment: CommentSettings
  /** How often the background sampler looks at Redis; 0 turns sampling off. */
  sampleIntervalMs: number
  /** The sampler's longest life, so an orphan exits on its own. */
  sampleMaxDurationMs: number
  /** The command to run and watch (the `run` input); empty for attach mode. */
  run: string
  /** The key analysis (inventory, leaked keys, prefixes, wrong DB). */
  keys: KeySettings
}

export { MIN_SAMPLE_INTERVAL_MS } from '../options.js'

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
  const sampleIntervalMs = readSampleInterval(getInput)
  const sampleMaxDurationMs = readSampleMaxDuration(getInput)
  const run = getInput(Input.Run).trim()
  return { target, connectTimeoutMs, thresholds, reportPath, comment, sampleIntervalMs, sampleMaxDurationMs, run, keys: readKeySettings(getInput) }
}
