/**
 * The step engine: what a watched step observes, judges and reports, written once. The action's
 * main and post steps, its `run` input and every CLI command call these functions; the front ends
 * only read their options, pass a StepHost for the lines, and print or publish the report.
 *
 *   begin: connect → key inventory → "before" snapshot → start sampling
 *   end:   stop sampling → "after" snapshot → key analysis → one StepRecord
 *   judge: StepRecord + thresholds → Report
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LimitsRefused, StepObservations, Thresholds } from '../judge/checks.js'
import { applyLimits, limitsTag, type AttachedLimits } from '../provision/attach.js'
import { CLIENT_NAME as GUARD_CLIENT_NAME } from '../redis/connection.js'
import type { ProvisionSettings } from '../provision/settings.js'
import { describeError } from '../core/errors.js'
import { listClients } from '../observe/clients.js'
import { footprintBefore, footprintStart, waitForGuardClientsGone, warmGuardCommands } from '../observe/footprint.js'
import { FIRST_SEEN_CLIENT_NAME } from '../explain/first-seen.js'
import { deniedCommand } from '../observe/permissions.js'
import { momentConfig, type CauseReport } from '../explain/cause.js'
import type { CauseSettings } from '../explain/settings.js'
import { analyseKeysAfter, analyseKeysNow, describeInventory, recordKeysBefore, type KeyAnalysis } from '../keys/run.js'
import type { KeySettings } from '../keys/settings.js'
import { ProtocolError } from '../keys/resp.js'
import { connect, withTimeout, type RedisConnection } from '../redis/connection.js'
import { hostPort, type RedisTarget } from '../redis/target.js'
import { buildReport } from '../report/build.js'
import type { Report } from '../report/schema.js'
import { commandEnv, exportLine, runCommand, type CommandRun, type CommandSpec } from '../run/command.js'
import type { CommandReport } from '../run/output.js'
import { formatBytes } from '../core/size.js'
import { takeSnapshot, totalKeys, type Snapshot } from '../observe/snapshot.js'
import { BEFORE_FILE, FILE_TIMEOUT_MS } from './files.js'
import { keyScanLog, type StepHost } from '../core/host.js'
import { explainStep, watchCommand, type StepRecording } from './cause.js'
import type { LeakedKeySeen } from '../explain/cause.js'

/** Leaked keys kept with their sizes for counting them per test (the first-seen recorder's own cap). */
const MAX_LEAKED_SEEN = 100_000
import { collectSamples, startStepSampler, stopStepSampler, type SampledStep, type SamplerHandle, type SamplingOptions } from './sampling.js'

/** What the engine needs to watch one step. */
export interface StepConfig {
  target: RedisTarget
  connectTimeoutMs: number
  keys: KeySettings
  sampling: SamplingOptions
  /** The step's own folder: the "before" snapshot and key names, and the samples. */
  workDir: string
  /** Naming the cause: junit-report and the limit the moment snapshots watch; absent = defaults (no JUnit files). */
  cause?: CauseSettings
}

/** What `beginStep` leaves for `endStep`, as plain data: the action's main step hands it to its post step. */
export interface BegunStep {
  workDir: string
  sampler: SamplerHandle | null
  /** Limits the server refused to take with CONFIG SET: the report says the step ran without them. */
  limitsRefused?: LimitsRefused
}

/** Everything one step observed: what `judgeStep` turns into a report. */
export interface StepRecord {
  target: RedisTarget
  before: Snapshot | null
  after: Snapshot | null
  /** Problems that kept part of the step from being observed. */
  errors: string[]
  sampled: SampledStep
  keys: KeyAnalysis | null
  command?: CommandReport
  /** Commands the key scan was refused with NOPERM (the snapshots carry their own). */
  denied?: string[]
  /** `key-scope` as given: without the key names, the per-DB count cannot keep to it. */
  keyScope?: string[]
  /** What the memory was made of, what held it at the moments that mattered, which test left each leaked key. */
  cause?: CauseReport
  /** Attach mode's limits that CONFIG SET could not apply to this server. */
  limitsRefused?: LimitsRefused
}

export interface BeginOptions {
  /** Work on the connection before anything is recorded (the cluster probe). */
  prepare?: (conn: RedisConnection) => Promise<void>
  /** Attach mode: maxmemory / maxmemory-policy to set with CONFIG SET before anything is recorded. */
  limits?: Pick<ProvisionSettings, 'maxmemory' | 'maxmemoryPolicy'>
  /** Hears what was set, as soon as it was, so a job cancelled right after still sets it back. */
  onLimits?: (applied: AttachedLimits) => void
  /** The sampler must outlive this process: the action's main step ends long before the tests do. */
  samplerOutlivesProcess?: boolean
}

/** Connects with retries, saying so in the log; the error names the option to change. */
export function openConnection(target: RedisTarget, timeoutMs: number, host: StepHost): Promise<RedisConnection> {
  return connect(target, {
    timeoutMs,
    role: 'snapshot',
    onRetry: (attempt, reason) => host.info(`Attempt ${attempt}: ${reason}; retrying`),
    optionName: host.optionName
  })
}

/**
 * The start of the step. The key inventory comes before the "before" snapshot, so the guard's own
 * commands and script cache are not counted as the step's. Throws a UserError when Redis cannot be
 * reached; a failed key inventory is a warning (leaked keys are then counted per DB, without names).
 */
export async function beginStep(config: StepConfig, host: StepHost, opts: BeginOptions = {}): Promise<{ begun: BegunStep; before: Snapshot }> {
  const conn = await host.group(`Connecting to Redis at ${hostPort(config.target)}`, () => openConnection(config.target, config.connectTimeoutMs, host))
  let before: Snapshot
  let limitsRefused: LimitsRefused | null = null
  let applied: AttachedLimits | null = null
  try {
    // Read first, so that what the guard adds before the "before" snapshot is measured as its own.
    const start = await footprintStart(conn)
    await opts.prepare?.(conn)
    if (opts.limits) {
      const outcome = await applyLimits(conn, opts.limits, host)
      if (outcome.applied) opts.onLimits?.(outcome.applied)
      applied = outcome.applied
      limitsRefused = outcome.refused
    }
    if (config.keys.enabled) {
      try {
        const inv = await host.group('Key inventory before the step', () => recordKeysBefore(conn, config.keys, config.workDir, keyScanLog(host)))
        host.endProgress()
        host.info(describeInventory(inv))
      } catch (err) {
        host.endProgress()
        host.warn(`The key inventory before the step failed (${describeError(err)}): leaked keys will be counted per DB, without names.`)
      }
    }
    // The latency histograms of the guard's later commands exist before the snapshot, so a step that does nothing changes nothing.
    await warmGuardCommands(conn)
    await waitForGuardClientsGone(conn, (name) => /:(keys|scan)$/.test(name))
    before = await takeSnapshot(conn)
    before.guard = await footprintBefore(conn, start, before.memory.usedMemory)
    // Who else is connected now: a client of another job on a shared Redis is already there.
    before.clients = await listClients(conn)
    await withTimeout(writeFile(join(config.workDir, BEFORE_FILE), JSON.stringify(before)), FILE_TIMEOUT_MS, 'writing the "before" snapshot')
    const used = before.memory.usedMemory
    host.info(
      `Before: ${before.server.kind} ${before.server.version ?? ''}, used memory ${used === null ? 'not reported' : formatBytes(used)}, ${totalKeys(before) ?? 'an unknown number of'} keys.`
    )
  } finally {
    await conn.close()
  }
  // Moment snapshots look at keys, so they follow the key analysis's settings (off with key-scan-budget 0).
  const moments = config.keys.enabled ? { moments: momentConfig(config.keys, config.cause?.maxPeakMemory, before) } : {}
  // The sampler's connection says what this job changed, so another job sharing this Redis restores in the right order.
  const tag = applied ? { clientName: `${GUARD_CLIENT_NAME}:sampler:${limitsTag(applied)}` } : {}
  const sampling = { ...config.sampling, ...moments, ...tag }
  const sampler = await startStepSampler(config.target, config.workDir, sampling, host, opts.samplerOutlivesProcess ?? false)
  return { begun: { workDir: config.workDir, sampler, ...(limitsRefused ? { limitsRefused } : {}) }, before }
}

export interface EndOptions {
  /** Problems found before the end (e.g. the action's main step failed); they go into the report. */
  errors?: string[]
  /** The command that ran during the step, when the guard ran it. */
  command?: CommandReport
  /** The Redis to look at now; null when there is none of ours (a mode that starts Redis started none). */
  target?: RedisTarget | null
  /** How long to try to reach Redis for the "after" snapshot (default: the config's connect timeout). */
  connectTimeoutMs?: number
  /** Whether the begin part is known to have failed: then a missing "before" snapshot is no news. */
  beginFailed?: boolean
  /** Sees every key the "after" scan sees (a cluster's hash tag tally). */
  seeKey?: (db: number, key: string, bytes: number) => void
  /** What was recorded while the command ran (new keys' times, output lines); absent when the guard ran none. */
  recording?: StepRecording
  /** When the end must be done by (the action's post step's time bound); absent = each call's own bounds only. */
  deadline?: EndDeadline
}

/** How long a connect may go on past a deadline that cuts it, so it ends soon after the cut and not by its own bound. */
const CUT_GRACE_MS = 1000

/** When a step's end must be done by (epoch ms), and the words for it once reached. */
export interface EndDeadline {
  at: number
  /** e.g. `the post step's time bound of 63 s was reached`. */
  reason: string
}

/**
 * The end of the step: stop sampling (first, whatever else fails: it must not outlive the step),
 * then the "after" snapshot with MEMORY DOCTOR and the key analysis on one connection. Never throws:
 * what could not be observed becomes a line in `errors`. With `deadline`, what is not done by then
 * is cut: the connection is dropped, and what is missing is said with the deadline's reason.
 */
export async function endStep(config: StepConfig, begun: BegunStep | null, host: StepHost, opts: EndOptions = {}): Promise<StepRecord> {
  const errors = [...(opts.errors ?? [])]
  const refused = begun?.limitsRefused
  if (refused) errors.push(`${refused.settings.join(' and ')} could not be set with CONFIG SET (${refused.reason}): this server ran with its own.`)
  const target = opts.target === undefined ? config.target : opts.target
  // What the end has so far; at a cut, the record is made of this as it stands.
  const got: EndProgress = { phase: 'stopping the background sampler', before: null, sampled: { observations: {} }, after: null, keys: null, denied: [], cause: undefined, conn: null }
  const work = endStepWork(config, begun, host, opts, target, got, errors).catch((err: unknown) => {
    errors.push(`The end of the step failed: ${describeError(err)}`)
  })
  let cut = false
  if (opts.deadline) {
    let timer: NodeJS.Timeout | undefined
    const reached = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, opts.deadline!.at - Date.now()))))
    cut = await Promise.race([work.then(() => false), reached])
    clearTimeout(timer)
  } else {
    await work
  }
  const record = (errs: string[]): StepRecord => ({
    target: target ?? config.target,
    before: got.before,
    after: got.after,
    errors: errs,
    sampled: got.sampled,
    keys: got.keys,
    ...(opts.command ? { command: opts.command } : {}),
    ...(got.denied.length > 0 ? { denied: [...got.denied] } : {}),
    ...(config.keys.scopePatterns?.length ? { keyScope: config.keys.scopePatterns } : {}),
    ...(got.cause ? { cause: got.cause } : {}),
    ...(refused ? { limitsRefused: refused } : {})
  })
  if (!cut || !opts.deadline) return record(errors)
  // The work goes on in the background until its own bounds end it; the record is taken now, and
  // its connection dropped so nothing more is asked of Redis.
  got.conn?.abort(opts.deadline.reason)
  host.endProgress()
  const reason = opts.deadline.reason
  const errs = [...errors]
  if (got.after === null) errs.push(`No snapshot after the step: ${reason} while ${got.phase}.`)
  else if (config.keys.enabled && begun && got.keys === null && got.phase === 'analysing the keys') errs.push(`The key analysis was not made: ${reason} while it ran.`)
  else errs.push(`The end of the step was cut while ${got.phase}: ${reason}.`)
  host.warn(`${reason[0].toUpperCase()}${reason.slice(1)} while ${got.phase}: the rest of the step's end was not done.`)
  return record(errs)
}

/** What endStep has gathered so far, and what it is doing now (for the line at a cut). */
interface EndProgress {
  phase: string
  before: Snapshot | null
  sampled: SampledStep
  after: Snapshot | null
  keys: KeyAnalysis | null
  denied: string[]
  cause: CauseReport | undefined
  conn: RedisConnection | null
}

async function endStepWork(config: StepConfig, begun: BegunStep | null, host: StepHost, opts: EndOptions, target: RedisTarget | null, got: EndProgress, errors: string[]): Promise<void> {
  const stopped = await stopStepSampler(begun?.sampler ?? null, host)
  got.phase = 'reading the "before" snapshot and the samples'
  const before = await readBefore(begun, errors, opts.beginFailed ?? false)
  got.before = before
  got.sampled = await collectSamples(begun?.sampler ?? null, before, stopped, errors, host)
  const leakedSeen: LeakedKeySeen[] = []
  if (target === null) {
    errors.push('No snapshot after the step: no Redis was started for it.')
    return
  }
  try {
    got.phase = `connecting to Redis at ${hostPort(target)} for the "after" snapshot`
    const connectMs = opts.connectTimeoutMs ?? config.connectTimeoutMs
    // Past a deadline the connect is not tried on in the background for long: the cut comes first, this soon after.
    const conn = await openConnection(target, opts.deadline ? Math.min(connectMs, Math.max(0, opts.deadline.at - Date.now()) + CUT_GRACE_MS) : connectMs, host)
    got.conn = conn
    try {
      got.phase = 'taking the "after" snapshot'
      // The sampler's and the key tracking's connections, closed a moment ago, must not count as the step's memory.
      const samplerPid = begun?.sampler?.pid
      await waitForGuardClientsGone(conn, (name) => (samplerPid !== undefined && name.endsWith(`:${samplerPid}`)) || name === FIRST_SEEN_CLIENT_NAME)
      const after = await takeSnapshot(conn, { withDoctor: true })
      after.clients = await listClients(conn)
      got.after = after
      if (config.keys.enabled && begun) {
        got.phase = 'analysing the keys'
        try {
          got.keys = await host.group('Key inventory after the step', () =>
            analyseKeysAfter(conn, config.keys, begun.workDir, { before, after }, keyScanLog(host), opts.seeKey, (db, key, bytes) => {
              // Kept whether timed or not, so keys no test can be named for are counted too; capped like the recorder.
              if (leakedSeen.length < MAX_LEAKED_SEEN) leakedSeen.push({ db, key, bytes })
            })
          )
        } catch (err) {
          errors.push(`The key analysis failed: ${describeError(err)}`)
          const command = deniedCommand(err)
          if (command) got.denied.push(command)
        }
        host.endProgress()
      }
      got.phase = 'naming the cause'
      const keys = got.keys
      got.cause = await explainStep(
        conn,
        {
          settings: config.cause,
          before,
          after,
          keys: keys?.keys ?? null,
          moments: got.sampled.moments ?? [],
          recording: opts.recording ?? null,
          // The sampler's start is the zero the sampling section counts from too.
          stepStartedAt: (begun?.sampler?.hold ? undefined : begun?.sampler?.startedAt) ?? opts.command?.startedAt ?? before?.takenAt ?? null,
          cwd: process.cwd(),
          sampling: got.sampled.sampling ?? null,
          commandEndedAt: opts.command ? Date.parse(opts.command.startedAt) + opts.command.durationMs : null,
          // Past the cap the list is not every leaked key: then only the examples are counted.
          leakedSeen: keys?.keys.leaked && leakedSeen.length < MAX_LEAKED_SEEN ? leakedSeen : null
        },
        errors
      )
      got.phase = 'closing the connection'
    } finally {
      await conn.close()
    }
  } catch (err) {
    errors.push(`No snapshot after the step: ${describeError(err)}`)
  }
}

async function readBefore(begun: BegunStep | null, errors: string[], beginFailed: boolean): Promise<Snapshot | null> {
  if (!begun) {
    if (!beginFailed) errors.push('No "before" snapshot: the start of the step did not run.')
    return null
  }
  try {
    return JSON.parse(await withTimeout(readFile(join(begun.workDir, BEFORE_FILE), 'utf8'), FILE_TIMEOUT_MS, 'reading the "before" snapshot')) as Snapshot
  } catch {
    if (!beginFailed) errors.push('No "before" snapshot: the start of the step did not save one.')
    return null
  }
}

/**
 * One moment instead of a step (the CLI's `snapshot` and `keys`): a snapshot with MEMORY DOCTOR
 * and, when asked, the key analysis. There is no "before", so nothing is judged as a change.
 */
export async function observeNow(
  config: Pick<StepConfig, 'target' | 'connectTimeoutMs' | 'keys'>,
  host: StepHost,
  opts: { keys: boolean; prepare?: BeginOptions['prepare'] }
): Promise<StepRecord> {
  const conn = await openConnection(config.target, config.connectTimeoutMs, host)
  try {
    await opts.prepare?.(conn)
    const now = await takeSnapshot(conn, { withDoctor: true })
    const errors: string[] = []
    const denied: string[] = []
    let keys: KeyAnalysis | null = null
    try {
      keys = opts.keys ? await analyseKeysNow(conn, config.keys, now, keyScanLog(host)) : null
    } catch (err) {
      // A refused SCAN is a finding about the user's rights, reported as such, and a reply no Redis
      // sends is a finding about the server; anything else stays fatal.
      const command = deniedCommand(err)
      if (!command && !(err instanceof ProtocolError)) throw err
      errors.push(`The key analysis failed: ${describeError(err)}`)
      if (command) denied.push(command)
    }
    host.endProgress()
    return { target: config.target, before: null, after: now, errors, sampled: { observations: {} }, keys, ...(denied.length > 0 ? { denied } : {}) }
  } finally {
    await conn.close()
  }
}

/** What the step's parts tell the checks, merged once. */
export function observationsOf(record: StepRecord): StepObservations {
  return {
    ...record.sampled.observations,
    ...record.keys?.observations,
    ...(record.command ? { outputOomLines: record.command.oomLines } : {}),
    ...(record.limitsRefused ? { limitsRefused: record.limitsRefused } : {})
  }
}

/** Judges the step: the report every front end prints, publishes or saves. */
export function judgeStep(record: StepRecord, thresholds: Thresholds, extra?: Record<string, unknown>): Report {
  return buildReport({
    target: record.target,
    before: record.before,
    after: record.after,
    thresholds,
    errors: record.errors,
    observations: observationsOf(record),
    sampling: record.sampled.sampling,
    keys: record.keys?.keys,
    command: record.command,
    ...(record.denied ? { denied: record.denied } : {}),
    ...(record.keyScope ? { keyScope: record.keyScope } : {}),
    ...(record.cause ? { cause: record.cause } : {}),
    ...(extra ? { extra } : {})
  })
}

export interface WatchedCommand {
  command: CommandSpec['command']
  /** The environment the command starts from (INPUT_* are dropped, REDIS_URL added: see commandEnv). */
  env: NodeJS.ProcessEnv
  /** The guard started this Redis for the run: REDIS_URL, REDIS_HOST and REDIS_PORT point at it. */
  startedForRun: boolean
  /** export-env: hand the watched Redis to the command as REDIS_URL, REDIS_HOST and REDIS_PORT though the guard did not start it. */
  exportEnv?: boolean
  stdout?: NodeJS.WritableStream
  onSpawn?: CommandSpec['onSpawn']
}

/**
 * A whole step around one command: begin, run it with the sampler watching, end. Used by the
 * action's `run` input and the CLI's `run`. A command that cannot be started still ends the step
 * (the sampler is stopped); its `command.startError` says why.
 */
export async function runStep(
  config: StepConfig,
  host: StepHost,
  watched: WatchedCommand,
  begin: BeginOptions = {}
): Promise<{ begun: BegunStep; record: StepRecord; command: CommandRun }> {
  const { begun } = await beginStep(config, host, begin)
  // Started after the "before" snapshot, so only the command's keys are timed.
  const watch = await watchCommand(() => openConnection(config.target, config.connectTimeoutMs, host), host)
  host.info(exportLine(config.target, watched.startedForRun, watched.exportEnv ?? false))
  host.info('Running the command; the report follows when it ends.')
  // runCommand never rejects, so the recorder is always stopped.
  const command = await runCommand({
    command: watched.command,
    env: commandEnv(watched.env, config.target, watched.startedForRun || (watched.exportEnv ?? false)),
    hide: config.target.password ? [config.target.password] : [],
    stdout: watched.stdout,
    onSpawn: watched.onSpawn,
    onOutput: watch.onOutput
  })
  const recording = await watch.stop()
  const { startError: _startError, ...report } = command
  const record = await endStep(config, begun, host, { command: report, recording })
  return { begun, record, command }
}

