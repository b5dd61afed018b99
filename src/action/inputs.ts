import * as core from '@actions/core'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Thresholds } from '../judge/checks.js'
import { Input, ProvisionInput, readConnectTimeout, readSampleInterval, readSampleMaxDuration, readThresholds, readTlsSettings } from '../config/options.js'
import { withTls, type TlsSettings } from '../redis/tls.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import type { StepConfig } from '../step/engine.js'
import { readCommentSettings, type CommentSettings } from '../github/comment-settings.js'
import { DEFAULT_REPORT_NAME } from '../step/files.js'
import { parseBoolean, readProvisionSettings, type ProvisionSettings } from '../provision/settings.js'
import { readKeySettings, type KeySettings } from '../keys/settings.js'
import { readBaselineSettings, type BaselineSettings } from '../baseline/settings.js'
import { seriesId } from '../baseline/history.js'
import { readInstanceOptions, type InstanceOptions } from '../config/instance-options.js'
import { readCauseSettings, type CauseSettings } from '../explain/settings.js'
import { UserError } from '../core/errors.js'
import { BaselineInput } from '../baseline/settings.js'

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
  /** export-env: REDIS_URL, REDIS_HOST and REDIS_PORT for the `run` command though the action did not start that Redis. */
  exportEnv: boolean
  /** The key analysis (inventory, leaked keys, prefixes, wrong DB). */
  keys: KeySettings
  /** Starting Redis for the job, or limiting the attached one. */
  provisioning: ProvisionSettings
  /** TLS files for a rediss:// redis-url (paths, so the sampler can load them too). */
  tls: TlsSettings
  /** The base-branch baseline: read on pull requests, recorded on pushes, or a file. */
  baseline: BaselineSettings
  /** The baseline's series: the comment's key (comment-key, else workflow/job/matrix values). */
  baselineSeries: string
  /** `redis-url`'s instances, `cluster` and `cluster-nodes`: more than one Redis. */
  multi: InstanceOptions
  /** Naming the cause: junit-report, and max-peak-memory for the moment snapshots. */
  cause: CauseSettings
}

export type GetInput = (name: string) => string

/** The inputs action.yml declares as booleans (default 'false'). */
const BOOLEAN_INPUTS: ReadonlySet<string> = new Set([ProvisionInput.KeepContainer, BaselineInput.BaselineStrict])

/**
 * One input as the runner passes it (@actions/core trims it). A boolean input is read with
 * getBooleanInput, so it takes YAML 1.2's true/false spellings as a `with:` block does, and is
 * handed on as 'true' or 'false'; left out (only outside the runner, which fills action.yml's
 * default) it reads as its default, false.
 */
export function actionInput(name: string): string {
  const text = core.getInput(name)
  if (!BOOLEAN_INPUTS.has(name) || text === '') return text
  try {
    return String(core.getBooleanInput(name))
  } catch {
    throw new UserError(`${name}: "${text}" is not true or false. Use true or false.`)
  }
}

/** Reads and checks the inputs; a bad one throws a UserError that names it and shows a valid example. */
export function readInputs(getInput: GetInput, env: NodeJS.ProcessEnv = process.env): Settings {
  const tls = readTlsSettings(getInput)
  const multi = readInstanceOptions(getInput)
  // With several instances the single target is the first plain one (it is not used for the step).
  const first = multi.instances.find((i) => i.kind === 'direct')
  const target = withTls(multi.several ? (first?.kind === 'direct' ? first.target : parseRedisUrl('redis://localhost:6379')) : parseRedisUrl(getInput(Input.RedisUrl) || 'redis://localhost:6379', Input.RedisUrl), tls)
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
  return {
    target,
    connectTimeoutMs,
    thresholds,
    reportPath,
    comment,
    sampleIntervalMs,
    sampleMaxDurationMs,
    run,
    exportEnv: parseBoolean(getInput(Input.ExportEnv), Input.ExportEnv),
    keys: readKeySettings(getInput),
    provisioning: readProvisionSettings(getInput, env),
    tls,
    baseline: readBaselineSettings(getInput),
    baselineSeries: seriesId({ commentKey: getInput(Input.CommentKey), matrix: getInput(Input.Matrix) }, env),
    multi,
    cause: readCauseSettings(getInput, thresholds.maxPeakMemory)
  }
}

/** The step's configuration from the inputs, watching `target` (the attached Redis or the one started). */
export function stepConfig(settings: Settings, target: RedisTarget, workDir: string): StepConfig {
  return {
    target,
    connectTimeoutMs: settings.connectTimeoutMs,
    keys: settings.keys,
    // TLS belongs to the given redis-url; a Redis the action started speaks plain redis://.
    sampling: { intervalMs: settings.sampleIntervalMs, maxLifeMs: settings.sampleMaxDurationMs, ...(target.tls ? { tls: settings.tls } : {}) },
    workDir,
    cause: settings.cause
  }
}
