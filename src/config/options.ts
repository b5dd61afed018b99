/**
 * The threshold and connection options, shared by the action's inputs and the CLI's flags: the
 * same names, read and checked by the same code, so `max-used-memory: 100mb` in a workflow and
 * `--max-used-memory 100mb` on a laptop cannot drift apart.
 */
import { DEFAULT_THRESHOLDS, parseFailOn, type Thresholds } from '../judge/checks.js'
import { UserError } from '../core/errors.js'
import { parseDuration, parseNumber, parseSize } from '../core/size.js'
import { TlsInput, type TlsSettings } from '../redis/tls.js'

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
  Run = 'run',
  ExportEnv = 'export-env',
  Cluster = 'cluster'
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
  KeepContainer = 'keep-container',
  ClusterNodes = 'cluster-nodes'
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
/** A Redis that is not up an hour after the job asked for it will not come: waiting longer only burns runner time. */
export const MAX_CONNECT_TIMEOUT_MS = 3_600_000
/** Sampling less often than hourly sees nothing a snapshot would not; the bound keeps a typo from meaning "never". */
export const MAX_SAMPLE_INTERVAL_MS = 3_600_000
export const DEFAULT_SAMPLE_MAX_DURATION_MS = 6 * 3_600_000
/**
 * GitHub ends a job on a hosted runner after 6 h and on a self-hosted runner after 5 days (120 h):
 * a sampler living longer could only outlive its job, which is what this bound is there to prevent.
 */
export const MAX_SAMPLE_MAX_DURATION_MS = 120 * 3_600_000
/** Redis holds at most 2^32 keys per instance, so a larger limit on leaked keys is a typo. */
export const MAX_LEAKED_KEYS_LIMIT = 2 ** 32
/** Fragmentation ratios of tiny datasets reach tens; a limit past 1000 could never be breached. */
export const MAX_FRAGMENTATION_RATIO_LIMIT = 1000

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
        : parseNumber(ratioText, label(Input.MaxFragmentationRatio), { example: '1.5', min: 1, max: MAX_FRAGMENTATION_RATIO_LIMIT }),
    maxLeakedKeys: parseNumber(get(Input.MaxLeakedKeys), label(Input.MaxLeakedKeys), { example: '0', min: 0, max: MAX_LEAKED_KEYS_LIMIT, integer: true }),
    failOn: parseFailOn(get(Input.FailOn), label(Input.FailOn))
  }
}

/** Reads `connect-timeout` in milliseconds, with the caller's default when not given. */
export function readConnectTimeout(get: GetValue, defaultMs = DEFAULT_CONNECT_TIMEOUT_MS, label: Label = (n) => n): number {
  return parseDuration(get(Input.ConnectTimeout), label(Input.ConnectTimeout), MAX_CONNECT_TIMEOUT_MS) ?? defaultMs
}

/** Faster than this, sampling would cost Redis more than it tells. */
export const MIN_SAMPLE_INTERVAL_MS = 50
export const DEFAULT_SAMPLE_INTERVAL_MS = 500

/** Reads `sample-interval` in milliseconds: at least 50 ms, or 0 to turn sampling off. */
export function readSampleInterval(get: GetValue, defaultMs = DEFAULT_SAMPLE_INTERVAL_MS, label: Label = (n) => n): number {
  const name = label(Input.SampleInterval)
  const ms = parseDuration(get(Input.SampleInterval), name, MAX_SAMPLE_INTERVAL_MS) ?? defaultMs
  if (ms !== 0 && ms < MIN_SAMPLE_INTERVAL_MS) {
    throw new UserError(`${name}: ${ms} ms is too often. Use at least 50ms, e.g. 500ms, or 0 to turn sampling off.`)
  }
  return ms
}

/** Reads `sample-max-duration` in milliseconds: more than 0 and at most 120h (the longest job GitHub runs). */
export function readSampleMaxDuration(get: GetValue, defaultMs = DEFAULT_SAMPLE_MAX_DURATION_MS, label: Label = (n) => n): number {
  const name = label(Input.SampleMaxDuration)
  const ms = parseDuration(get(Input.SampleMaxDuration), name, MAX_SAMPLE_MAX_DURATION_MS) ?? defaultMs
  if (ms <= 0) throw new UserError(`${name}: must be longer than 0, e.g. 6h or 90m.`)
  return ms
}

/** YAML's booleans as the runner passes them (core.getBooleanInput takes the same). */
const TRUE_WORDS = ['true', 'True', 'TRUE']
const FALSE_WORDS = ['false', 'False', 'FALSE']

/**
 * Reads `tls-ca-file`, `tls-cert-file`, `tls-key-file` and `tls-insecure`. Only checks the form
 * here; `withTls` (src/redis/tls.ts) reads the files and refuses them with a `redis://` URL.
 */
export function readTlsSettings(get: GetValue, label: Label = (n) => n): TlsSettings {
  const path = (name: string): string | null => get(name).trim() || null
  const caFile = path(TlsInput.CaFile)
  const certFile = path(TlsInput.CertFile)
  const keyFile = path(TlsInput.KeyFile)
  if ((certFile === null) !== (keyFile === null)) {
    const [given, missing] = certFile !== null ? [TlsInput.CertFile, TlsInput.KeyFile] : [TlsInput.KeyFile, TlsInput.CertFile]
    throw new UserError(`${label(given)} is set without ${label(missing)}: a client certificate needs both, e.g. ${label(TlsInput.CertFile)}: client.crt and ${label(TlsInput.KeyFile)}: client.key.`)
  }
  const insecureText = get(TlsInput.Insecure).trim()
  if (insecureText !== '' && !TRUE_WORDS.includes(insecureText) && !FALSE_WORDS.includes(insecureText)) {
    throw new UserError(`${label(TlsInput.Insecure)}: "${insecureText}" is not true or false. Use true only for a test server with a self-signed certificate.`)
  }
  return { caFile, certFile, keyFile, insecure: TRUE_WORDS.includes(insecureText) }
}
