import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../errors.js'
import type { Thresholds } from '../checks.js'
import { Input, readConnectTimeout, readSampleInterval, readThresholds } from '../options.js'
import { parseDuration } from '../size.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import type { StepConfig } from '../step/engine.js'
import { readCommentSettings, type CommentSettings } from '../github/comment-settings.js'
import { DEFAULT_REPORT_NAME } from '../step/files.js'
import { readProvisionSettings, type ProvisionSettings } from '../provision/settings.js'
import { readKeySettings, type KeySettings } from '../keys/settings.js'

/** Everything the action's inputs say, checked and typed: read once, in the main and in the post step. */
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
  /** Starting Redis for the job, or limiting the attached one. */
  provisioning: ProvisionSettings
}

export type GetInput = (name: string) => string

/** Reads and checks the inputs; a bad one throws a UserError that names it and shows a valid example. */
export function readInputs(getInput: GetInput, env: NodeJS.ProcessEnv = process.env): Settings {
  const target = parseRedisUrl(getInput(Input.RedisUrl) || 'redis://localhost:6379', Input.RedisUrl)
  const connectTimeoutMs = readConnectTimeout(getInput)
  const thresholds = readThresholds(getInput)
  const reportPath = getInput(Input.ReportPath).trim() || join(env.RUNNER_TEMP || tmpdir(), DEFAULT_REPORT_NAME)
  const comment = readCommentSettings(
    { comment: getInput(Input.Comment), commentKey: getInput(Input.CommentKey), matrix: getInput(Input.Matrix), githubToken: getInput(Input.GithubToken) },
    env
  )
  const sampleIntervalMs = readSampleInterval(getInput)
  const sampleMaxDurationMs = parseDuration(getInput(Input.SampleMaxDuration), Input.SampleMaxDuration) ?? 6 * 3_600_000
  if (sampleMaxDurationMs <= 0) {
    throw new UserError(`${Input.SampleMaxDuration}: must be longer than 0, e.g. 6h or 90m.`)
  }
  const run = getInput(Input.Run).trim()
  return {
    target,
    connectTimeoutMs,
    thresholds,
    reportPath,
    comment,
    sampleIntervalMs,
    sampleMaxDurationMs,
    run,
    keys: readKeySettings(getInput),
    provisioning: readProvisionSettings(getInput, env)
  }
}

/** The step's configuration from the inputs, watching `target` (the attached Redis or the one started). */
export function stepConfig(settings: Settings, target: RedisTarget, workDir: string): StepConfig {
  return {
    target,
    connectTimeoutMs: settings.connectTimeoutMs,
    keys: settings.keys,
    sampling: { intervalMs: settings.sampleIntervalMs, maxLifeMs: settings.sampleMaxDurationMs },
    workDir
  }
}
