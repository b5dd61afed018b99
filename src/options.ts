/**
 * The threshold and connection options, shared by the action's inputs and the CLI's flags: the
 * same names, read and checked by the same code, so `max-used-memory: 100mb` in a workflow and
 * `--max-used-memory 100mb` on a laptop cannot drift apart.
 */
import { DEFAULT_THRESHOLDS, parseFailOn, type Thresholds } from './checks.js'
import { UserError } from './errors.js'
import { parseDuration, parseNumber, parseSize } from './size.js'

/** The options' names: the action's inputs and the CLI's flags (`--max-used-memory`), spelled once. */
export enum Input {
  RedisUrl = 'redis-url',
  ConnectTimeout = 'connect-timeout',
  MaxUsedMemory = 'max-used-memory',
  MaxPeakMemory = 'max-peak-memory',
  MaxMemoryPercent = 'max-memory-percent',
  MaxFragmentationRatio = 'max-fragmentation-ratio',
  MaxLeakedKeys = 'max-leaked-keys',
  FailOn = 'fail-on',
  ReportPath = 'report-path',
  Comment = 'comment',
  CommentKey = 'comment-key',
  Matrix = 'matrix',
  GithubToken = 'github-token',
  SampleInterval = 'sample-interval',
  SampleMaxDuration = 'sample-max-duration',
  Run = 'run'
}

/** Inputs for starting Redis for the job (or limiting the attached one); see src/provision/. */
export enum ProvisionInput {
  Mode = 'mode',
  ContainerRuntime = 'container-runtime',
  Image = 'image',
  ContainerName = 'container-name',
  Port = 'port',
  Maxmemory = 'maxmemory',
  MaxmemoryPolicy = 'maxmemory-policy',
  Password = 'password',
  RedisArgs = 'redis-args',
  ContainerOptions = 'container-options',
  RedisServerPath = 'redis-server-path',
  KeepContainer = 'keep-container'
}

/** Looks an option up by its name (e.g. `max-used-memory`); empty string when not given. */
export type GetValue = (name: string) => string

/** How a name is shown in error messages: `max-used-memory` for the action, `--max-used-memory` for the CLI. */
export type Label = (name: string) => string

/** The options that set thresholds, in the order help texts list them. */
export const THRESHOLD_OPTIONS = [
  Input.MaxUsedMemory,
  Input.MaxPeakMemory,
  Input.MaxMemoryPercent,
  Input.MaxFragmentationRatio,
  Input.MaxLeakedKeys,
  Input.FailOn
] as const

export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000

/** Reads and checks the thresholds; a bad value throws a UserError naming the option and showing a valid example. */
export function readThresholds(get: GetValue, label: Label = (n) => n): Thresholds {
  const percentText = get(Input.MaxMemoryPercent)
  const ratioText = get(Input.MaxFragmentationRatio)
  return {
    maxUsedMemory: parseSize(get(Input.MaxUsedMemory), label(Input.MaxUsedMemory)),
    maxPeakMemory: parseSize(get(Input.MaxPeakMemory), label(Input.MaxPeakMemory)),
    maxMemoryPercent:
      percentText.trim() === ''
        ? DEFAULT_THRESHOLDS.maxMemoryPercent
        : parseNumber(percentText, label(Input.MaxMemoryPercent), { example: '90', min: 1, max: 100 }),
    maxFragmentationRatio:
      ratioText.trim() === ''
        ? DEFAULT_THRESHOLDS.maxFragmentationRatio
        : parseNumber(ratioText, label(Input.MaxFragmentationRatio), { example: '1.5', min: 1 }),
    maxLeakedKeys: parseNumber(get(Input.MaxLeakedKeys), label(Input.MaxLeakedKeys), { example: '0', min: 0, integer: true }),
    failOn: parseFailOn(get(Input.FailOn), label(Input.FailOn))
  }
}

/** Reads `connect-timeout` in milliseconds, with the caller's default when not given. */
export function readConnectTimeout(get: GetValue, defaultMs = DEFAULT_CONNECT_TIMEOUT_MS, label: Label = (n) => n): number {
  return parseDuration(get(Input.ConnectTimeout), label(Input.ConnectTimeout)) ?? defaultMs
}

/** Faster than this, sampling would cost Redis more than it tells. */
export const MIN_SAMPLE_INTERVAL_MS = 50
export const DEFAULT_SAMPLE_INTERVAL_MS = 500

/** Reads `sample-interval` in milliseconds: at least 50 ms, or 0 to turn sampling off. */
export function readSampleInterval(get: GetValue, defaultMs = DEFAULT_SAMPLE_INTERVAL_MS, label: Label = (n) => n): number {
  const name = label(Input.SampleInterval)
  const ms = parseDuration(get(Input.SampleInterval), name) ?? defaultMs
  if (ms !== 0 && ms < MIN_SAMPLE_INTERVAL_MS) {
    throw new UserError(`${name}: ${ms} ms is too often. Use at least 50ms, e.g. 500ms, or 0 to turn sampling off.`)
  }
  return ms
}
