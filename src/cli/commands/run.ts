/** `run`: snapshot → run the command while sampling → snapshot → judge → report → clean up. */
import { spawn, type ChildProcess } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { UserError, describeError } from '../../errors.js'
import { buildReport } from '../../report.js'
import type { Thresholds } from '../../checks.js'
import { maskUrlText, type RedisTarget } from '../../redis/target.js'
import { readSampleInterval } from '../../options.js'
import { takeSnapshot, type Snapshot } from '../../snapshot.js'
import { COMMANDS, UsageError, stringOption } from '../args.js'
import { ExitCode, emit, keyScanLog, keySettings, locateRedis, open, outputFormat, thresholds, type Context } from '../context.js'
import { analyseKeysAfter, recordKeysBefore, type KeyAnalysis } from '../../keys/run.js'
import type { KeySettings } from '../../keys/settings.js'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MAX_QUOTED_LINES, OomLineScanner, type CommandReport } from '../../run/output.js'
import { CLI_SAMPLE_INTERVAL_MS, startSampling } from '../sampling.js'
import { renderReport, shellLine } from '../terminal.js'
import type { ThrowawayRedis } from '../throwaway.js'

const USAGE = `Usage: redis-memory-guard ${COMMANDS.run.usage}`

function sampleInterval(ctx: Context): number {
  return readSampleInterval((name) => stringOption(ctx.args, name), CLI_SAMPLE_INTERVAL_MS, (n) => `--${n}`)
}

export async function runCommand(ctx: Context): Promise<number> {
  const { rest, positionals } = ctx.args
  if (positionals.length > 0) {
    throw new UsageError(`Put the command after --, e.g. redis-memory-guard run -- ${positionals.join(' ')}. ${USAGE}`, 'run')
  }
  if (rest.length === 0) throw new UsageError(`run needs a command after --, e.g. redis-memory-guard run -- npm test. ${USAGE}`, 'run')
  // Check every option before anything starts.
  const format = outputFormat(ctx)
  const limits = thresholds(ctx)
  const intervalMs = sampleInterval(ctx)
  const keys = keySettings(ctx)

  const live: LiveParts = { child: null, throwaway: null }
  const stopSignals = handleSignals(ctx, live)
  try {
    const { target, throwaway } = await locateRedis(ctx, true)
    live.throwaway = throwaway
    try {
      return await watch(ctx, target, throwaway !== null, live, { format, limits, intervalMs, keys })
    } finally {
      await throwaway?.stop()
    }
  } finally {
    stopSignals()
  }
}

/** What is running on the user's behalf, so a signal can end it cleanly. */
interface LiveParts {
  child: ChildProcess | null
  throwaway: ThrowawayRedis | null
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const

/**
 * While the command runs, Ctrl-C reaches it from the terminal and SIGTERM/SIGHUP are passed on:
 * the command ends, and the report and the clean-up still happen. Outside the command a signal
 * stops the throwaway server and exits at once. Returns a function that removes the handlers.
 */
function handleSignals(ctx: Context, live: LiveParts): () => void {
  const handlers = (Object.keys(SIGNAL_NUMBERS) as (keyof typeof SIGNAL_NUMBERS)[]).map((signal) => {
    const handler = (): void => {
      if (live.child !== null && live.child.exitCode === null) {
        if (signal !== 'SIGINT') live.child.kill(signal)
        return
      }
      ctx.log.error(`Stopped by ${signal}.`)
      void Promise.resolve(live.throwaway?.stop()).finally(() => process.exit(128 + SIGNAL_NUMBERS[signal]))
    }
    process.on(signal, handler)
    return () => process.removeListener(signal, handler)
  })
  return () => handlers.forEach((remove) => remove())
}

/** snapshot → command with sampling → snapshot → report. */
async function watch(
  ctx: Context,
  target: RedisTarget,
  throwaway: boolean,
  live: LiveParts,
  opts: { format: 'terminal' | 'json' | 'markdown'; limits: Thresholds; intervalMs: number; keys: KeySettings }
): Promise<number> {
  const conn = await open(ctx, target)
  const keyDir = await mkdtemp(join(tmpdir(), 'redis-memory-guard-keys-'))
  try {
    const before = await takeSnapshot(conn)
    const errors: string[] = []
    let keysRecorded = false
    if (opts.keys.enabled) {
      try {
        await recordKeysBefore(conn, opts.keys, keyDir, keyScanLog(ctx))
        keysRecorded = true
      } catch (err) {
        errors.push(`Key analysis before the command failed: ${describeError(err)}`)
      }
      ctx.log.endProgress()
    }
    const sampling = await startSampling(target, opts.intervalMs, ctx.log)
    // The command gets the watched Redis as REDIS_URL, unless it already has a REDIS_URL of its own
    // (a throwaway server always replaces it: the URL it had pointed at nothing).
    const exported = throwaway || !ctx.env.REDIS_URL?.trim() ? target.url : null
    const ran = await runChild(ctx.args.rest, ctx, exported, opts.format !== 'terminal', (child) => (live.child = child)).then(
      (record) => ({ record }),
      (error: unknown) => ({ error })
    )
    const sampled = await sampling.finish(before, errors)
    if ('error' in ran) throw ran.error
    const command = ran.record
    let after: Snapshot | null = null
    try {
      after = await takeSnapshot(conn, { withDoctor: true })
    } catch (err) {
      errors.push(`No snapshot after the command: ${describeError(err)}`)
    }
    let analysis: KeyAnalysis | null = null
    if (after !== null && keysRecorded) {
      try {
        analysis = await analyseKeysAfter(conn, opts.keys, keyDir, { before, after }, keyScanLog(ctx))
      } catch (err) {
        errors.push(`Key analysis after the command failed: ${describeError(err)}`)
      }
      ctx.log.endProgress()
    }
    const report = buildReport({
      target,
      before,
      after,
      thresholds: opts.limits,
      observations: {
        ...(sampled?.summary.peak ? { sampledPeak: sampled.summary.peak } : {}),
        ...(analysis?.observations ?? {}),
        outputOomLines: command.oomLines
      },
      ...(analysis ? { keys: analysis.keys } : {}),
      errors,
      sampling: sampled,
      command,
      extra: { cli: 'run', throwawayServer: throwaway }
    })
    const code = await emit(ctx, report, (r) => renderReport(r, ctx.log.out))
    if (command.exitCode !== 0 && opts.format !== 'terminal') {
      ctx.log.error(`The command ${command.signal ? `was stopped by ${command.signal}` : `exited with code ${command.exitCode}`}.`)
    }
    return command.exitCode === 0 ? code : ExitCode.Fail
  } finally {
    await conn.close()
    await rm(keyDir, { recursive: true, force: true })
  }
}

/**
 * Runs the command with its output passed through (to stderr when stdout carries the report) and
 * scanned for OOM lines. Ctrl-C reaches the command from the terminal; we stay alive to clean up.
 */
function runChild(
  argv: string[],
  ctx: Context,
  redisUrl: string | null,
  outputToStderr: boolean,
  onSpawn: (child: ChildProcess) => void
): Promise<CommandReport> {
  const started = new Date()
  const env = redisUrl ? { ...ctx.env, REDIS_URL: redisUrl } : ctx.env
  // One scanner per stream: lines of stdout and stderr interleave.
  const scanners = { out: new OomLineScanner(), err: new OomLineScanner() }
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['inherit', 'pipe', 'pipe'], env })
    onSpawn(child)
    const pass = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream, scanner: OomLineScanner): void => {
      const decoder = new StringDecoder('utf8')
      from.on('data', (d: Buffer) => {
        to.write(d)
        scanner.push(decoder.write(d))
      })
      from.on('end', () => scanner.push(decoder.end()))
    }
    pass(child.stdout, outputToStderr ? process.stderr : process.stdout, scanners.out)
    pass(child.stderr, process.stderr, scanners.err)
    child.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'ENOENT'
          ? new UsageError(`Command not found: ${argv[0]}. ${USAGE}`, 'run')
          : new UserError(`Could not start ${argv[0]}: ${err.message}`)
      )
    })
    child.once('close', (code, signal) => {
      scanners.out.end()
      scanners.err.end()
      resolve({
        // URLs in the arguments may carry passwords; the report keeps them masked.
        command: maskUrlText(shellLine(argv)),
        exitCode: code,
        signal,
        startedAt: started.toISOString(),
        durationMs: Date.now() - started.getTime(),
        oomLines: scanners.out.count + scanners.err.count,
        oomQuotes: [...scanners.out.quotes, ...scanners.err.quotes].slice(0, MAX_QUOTED_LINES)
      })
    })
  })
}
