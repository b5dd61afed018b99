/**
 * The step's part of "name the cause": what the engine records while the command runs (when each
 * new key first appeared, the command's output lines with their times) and what it puts together
 * at the end (what the memory is made of, the JUnit files, the moment snapshots) into `report.cause`.
 * Both front ends get it through the engine; this module only gathers, explain/ decides.
 */
import { describeError } from '../core/errors.js'
import { buildCauseReport, type CauseReport, type FirstSeenInput, type LeakedKeySeen } from '../explain/cause.js'
import { stepErrors } from '../judge/step-errors.js'
import type { SamplingReport } from '../sampler/sample.js'
import { FIRST_SEEN_CLIENT_NAME, FirstSeenRecorder } from '../explain/first-seen.js'
import { formatDuration } from '../core/size.js'
import { findJUnitFiles, readJUnitFiles } from '../explain/junit-files.js'
import { takeMemoryBreakdown, type BreakdownResult } from '../explain/memory.js'
import type { MomentSnapshot } from '../explain/moments.js'
import { OutputTimeline, type TimedLine } from '../explain/output-lines.js'
import type { CauseSettings } from '../explain/settings.js'
import type { KeysReport } from '../keys/report.js'
import type { RedisConnection } from '../redis/connection.js'
import { maskUrlText } from '../redis/target.js'
import type { Snapshot } from '../observe/snapshot.js'
import type { StepHost } from '../core/host.js'

/** When each key that is left was born, or why that is not known. */
export type FirstSeen = FirstSeenInput

/** What was recorded while the command ran. */
export interface StepRecording {
  firstSeen: FirstSeen
  output: Pick<OutputTimeline, 'lineBefore'> | null
}

/** Without a command the guard runs itself, nothing is there to time new keys against. */
export const NOT_RECORDED: FirstSeen = { unavailable: 'new keys are timed only when the guard runs the command (run)' }

/** stdout's and stderr's lines, one timeline each (their partial lines must not mix), asked together. */
class CommandOutput {
  readonly stdout = new OutputTimeline()
  readonly stderr = new OutputTimeline()

  push(chunk: string, at: number, stream: 'stdout' | 'stderr'): void {
    this[stream].push(chunk, at)
  }

  end(at: number): void {
    this.stdout.end(at)
    this.stderr.end(at)
  }

  /** The later of the two streams' last lines before `at`. */
  lineBefore(at: number): TimedLine | null {
    const a = this.stdout.lineBefore(at)
    const b = this.stderr.lineBefore(at)
    if (a === null) return b
    if (b === null) return a
    return b.at > a.at ? b : a
  }
}

/** The recording while the command runs: started before it, stopped after. */
export interface CommandWatch {
  onOutput(chunk: string, atMs: number, stream: 'stdout' | 'stderr'): void
  stop(): Promise<StepRecording>
}

/**
 * Starts timing keys (key tracking pushes, see FirstSeenRecorder) and the output timeline.
 * `open` gives a connection to start from; a recorder that cannot start leaves the reason in the
 * result (keys then have no time: unknown, not a failure). Never throws.
 */
export async function watchCommand(open: () => Promise<RedisConnection>, host: StepHost): Promise<CommandWatch> {
  const output = new CommandOutput()
  let conn: RedisConnection | null = null
  let recorder: FirstSeenRecorder | null = null
  let unavailable: string | null = null
  try {
    conn = await open()
    const started = await FirstSeenRecorder.start(conn)
    if (started instanceof FirstSeenRecorder) recorder = started
    else unavailable = started.unavailable
  } catch (err) {
    unavailable = `no connection for key tracking (${maskUrlText(describeError(err))})`
  } finally {
    // The recorder has its own connection (and opens the next one itself): this one is not held through the step.
    await conn?.close()
  }
  if (unavailable !== null) host.info(`Keys will not be timed: ${unavailable}.`)
  else host.debug(`Timing keys with CLIENT TRACKING ON BCAST NOLOOP on the guard's own connection (${FIRST_SEEN_CLIENT_NAME}).`)
  return {
    onOutput: (chunk, at, stream) => output.push(chunk, at, stream),
    async stop() {
      output.end(Date.now())
      let firstSeen: FirstSeen = { unavailable: unavailable ?? 'not recorded' }
      if (recorder) {
        const result = await recorder.stop()
        firstSeen = { times: result.times, dropped: result.dropped, unobserved: result.unobserved, roundMs: result.roundMs, lags: result.lags }
        for (const u of result.unobserved) {
          host.warn(`Keys were not followed for ${formatDuration(u.to - u.from)} from ${new Date(u.from).toISOString()}: ${u.reason}. Keys born then have no time; the guard reconnected.`)
        }
      }
      return { firstSeen, output }
    }
  }
}

/** Counter growth during the step; after a restart (the counter went down) the new run's count. */
function grown(before: number | null | undefined, after: number | null | undefined): number | null {
  if (after === null || after === undefined) return null
  if (before === null || before === undefined) return null
  return after >= before ? after - before : after
}

export interface ExplainInput {
  settings: CauseSettings | undefined
  before: Snapshot | null
  after: Snapshot
  keys: KeysReport | null
  moments: MomentSnapshot[]
  recording: StepRecording | null
  /** When the step (the command, or the sampling) started: the zero of "12.4 s into the step". */
  stepStartedAt: string | null
  /** Where relative junit-report paths start. */
  cwd: string
  /** The step's samples, for placing its events and memory on the tests' timeline. */
  sampling?: SamplingReport | null
  /** When the command the guard ran ended (no test ran later). */
  commandEndedAt?: number | null
  /** Every leaked key the scan after the step found, for counting them per test. */
  leakedSeen?: LeakedKeySeen[] | null
}

/**
 * `report.cause` on the "after" connection: MEMORY STATS and CLIENT LIST, the JUnit files, and
 * what was recorded. Never throws: a failure becomes the reason inside the section, or one error line.
 */
export async function explainStep(conn: RedisConnection, input: ExplainInput, errors: string[]): Promise<CauseReport | undefined> {
  let breakdown: BreakdownResult
  try {
    breakdown = await takeMemoryBreakdown(conn)
  } catch (err) {
    breakdown = { breakdown: null, reason: `MEMORY STATS failed (${maskUrlText(describeError(err))})` }
  }
  let junit: { windows: ReturnType<typeof readJUnitFiles>['windows']; notes: string[] } | null = null
  const patterns = input.settings?.junitReport ?? []
  if (patterns.length > 0) {
    const found = findJUnitFiles(patterns, input.cwd)
    const startedAt = input.stepStartedAt ? Date.parse(input.stepStartedAt) : null
    const read = readJUnitFiles(found.files, { startedAt, commandEndedAt: input.commandEndedAt ?? null })
    junit = { windows: read.windows, notes: [...found.notes, ...read.notes] }
  }
  try {
    return buildCauseReport({
      stepStartedAt: input.stepStartedAt,
      after: input.after,
      breakdown,
      oomErrors: grown(input.before?.errorstats?.OOM ?? (input.before?.errorstats ? 0 : null), input.after.errorstats?.OOM ?? (input.after.errorstats ? 0 : null)),
      evictedKeys: grown(input.before?.evictedKeys, input.after.evictedKeys),
      moments: input.moments,
      keys: input.keys,
      firstSeen: input.recording?.firstSeen ?? NOT_RECORDED,
      output: input.recording?.output ?? null,
      junit,
      sampling: input.sampling ? { intervalMs: input.sampling.intervalMs, samples: input.sampling.samples } : null,
      before: input.before,
      leakedSeen: input.leakedSeen ?? null,
      errorCounts: stepErrors(input.before, input.after)
    })
  } catch (err) {
    errors.push(`What caused the memory use could not be worked out: ${describeError(err)}`)
    return undefined
  }
}
