import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_THRESHOLDS, parseFailOn, type Thresholds } from '../checks.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { parseDuration, parseNumber, parseSize } from '../size.js'
import { readCommentSettings, type CommentSettings } from '../github/comment-settings.js'
import { DEFAULT_REPORT_NAME, Input } from './constants.js'
import { readKeySettings, type KeySettings } from '../keys/settings.js'

/** Everything the action's inputs say, checked and typed. */
export interface Settings {
  target: RedisTarget
  connectTimeoutMs: number
  thresholds: Thresholds
  reportPath: string
  /** The key analysis (inventory, leaked keys, prefixes, wrong DB). */
  keys: KeySettings
  comment: CommentSettings
}

export type GetInput = (name: string) => string

/** Reads and checks the inputs; a bad one throws a UserError that names it and shows a valid example. */
export function readSettings(getInput: GetInput, env: NodeJS.ProcessEnv = process.env): Settings {
  const target = parseRedisUrl(getInput(Input.RedisUrl) || 'redis://localhost:6379', Input.RedisUrl)
  const connectTimeoutMs = parseDuration(getInput(Input.ConnectTimeout), Input.ConnectTimeout) ?? 30_000
  const percentText = getInput(Input.MaxMemoryPercent)
  const ratioText = getInput(Input.MaxFragmentationRatio)
  const thresholds: Thresholds = {
    maxUsedMemory: parseSize(getInput(Input.MaxUsedMemory), Input.MaxUsedMemory),
    maxPeakMemory: parseSize(getInput(Input.MaxPeakMemory), Input.MaxPeakMemory),
    maxMemoryPercent:
      percentText.trim() === ''
        ? DEFAULT_THRESHOLDS.maxMemoryPercent
        : parseNumber(percentText, Input.MaxMemoryPercent, { example: '90', min: 1, max: 100 }),
    maxFragmentationRatio:
      ratioText.trim() === ''
        ? DEFAULT_THRESHOLDS.maxFragmentationRatio
        : parseNumber(ratioText, Input.MaxFragmentationRatio, { example: '1.5', min: 1 }),
    maxLeakedKeys: parseNumber(getInput(Input.MaxLeakedKeys), Input.MaxLeakedKeys, { example: '0', min: 0, integer: true }),
    failOn: parseFailOn(getInput(Input.FailOn), Input.FailOn)
  }
  const reportPath = getInput(Input.ReportPath).trim() || join(env.RUNNER_TEMP || tmpdir(), DEFAULT_REPORT_NAME)
  const comment = readCommentSettings(
    { comment: getInput(Input.Comment), commentKey: getInput(Input.CommentKey), matrix: getInput(Input.Matrix), githubToken: getInput(Input.GithubToken) },
    env
  )
  return { target, connectTimeoutMs, thresholds, reportPath, comment, keys: readKeySettings(getInput) }
}
