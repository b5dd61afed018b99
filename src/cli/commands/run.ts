/** `run`: snapshot → run the command while sampling → snapshot → judge → report → clean up. */
import { spawn } from 'node:child_process'
import { StringDecoder } from 'node:string_decoder'
import { UserError, describeError } from '../../errors.js'
import { buildReport } from '../../report.js'
import { maskUrlText } from '../../redis/target.js'
import { parseDuration } from '../../size.js'
import { takeSnapshot, type Snapshot } from '../../snapshot.js'
import { COMMANDS, UsageError, stringOption } from '../args.js'
import { ExitCode, emit, locateRedis, open, outputFormat, thresholds, type Context } from '../context.js'
import { OomLineCounter } from '../oom-lines.js'
import { DEFAULT_SAMPLE_INTERVAL_MS, MAX_SAMPLE_INTERVAL_MS, MIN_SAMPLE_INTERVAL_MS, startSampling } from '../sampler.js'
import { renderReport, type CommandRecord } from '../terminal.js'

const USAGE = `Usage: redis-memory-guard ${COMMANDS.run.usage}`

function sampleInterval(ctx: Context): number {
  const ms = parseDuration(stringOption(ctx.args, 'sample-interval'), '--sample-interval') ?? DEFAULT_SAMPLE_INTERVAL_MS
  if (ms < MIN_SAMPLE_INTERVAL_MS || ms > MAX_SAMPLE_INTERVAL_MS) {
    throw new UsageError(`--sample-interval: must be between 10ms and 10s, e.g. 100ms.`, 'run')
  }
  return ms
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

  const { target, throwaway } = await locateRedis(ctx, true)
  try {
    const conn = await open(ctx, target)
    try {
      const before = await takeSnapshot(conn)
      const sampler = startSampling(conn, intervalMs)
      const oom = new OomLineCounter()
      const ran = await runChild(rest, ctx, throwaway ? target.url : null, format !== 'terminal', oom).then(
        (record) => ({ record }),
        (error: unknown) => ({ error })
      )
      const sampling = await sampler.stop()
      if ('error' in ran) throw ran.error
      const command = ran.record
      const errors: string[] = []
      let after: Snapshot | null = null
      try {
        after = await takeSnapshot(conn, { withDoctor: true })
      } catch (err) {
        errors.push(`No snapshot after the command: ${describeError(err)}`)
      }
      const report = buildReport({
        target,
        before,
        after,
        thresholds: limits,
        observations: { sampledPeak: sampling.peak ?? undefined, outputOomLines: command.outputOomLines },
        errors,
        extra: { cli: 'run', command, sampling, throwawayServer: throwaway !== null }
      })
      const code = await emit(ctx, report, (r) => renderReport(r, ctx.log.out, command))
      if (command.exitCode !== 0 && format !== 'terminal') {
        ctx.log.error(`The command ${command.signal ? `was stopped by ${command.signal}` : `exited with code ${command.exitCode}`}.`)
      }
      return command.exitCode === 0 ? code : ExitCode.Fail
    } finally {
      await conn.close()
    }
  } finally {
    await throwaway?.stop()
  }
}

/**
 * Runs the command with its output passed through (to stderr when stdout carries the report) and
 * scanned for OOM lines. Ctrl-C reaches the command from the terminal; we stay alive to clean up.
 */
function runChild(argv: string[], ctx: Context, redisUrl: string | null, outputToStderr: boolean, oom: OomLineCounter): Promise<CommandRecord> {
  const started = Date.now()
  const env = redisUrl ? { ...ctx.env, REDIS_URL: redisUrl } : ctx.env
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['inherit', 'pipe', 'pipe'], env })
    const forward = (signal: NodeJS.Signals) => (): void => {
      if (child.exitCode === null) child.kill(signal)
    }
    const onInt = (): void => {} // the terminal sends SIGINT to the command too
    const onTerm = forward('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
    const cleanup = (): void => {
      process.removeListener('SIGINT', onInt)
      process.removeListener('SIGTERM', onTerm)
    }
    const pass = (from: NodeJS.ReadableStream, to: NodeJS.WritableStream): void => {
      const decoder = new StringDecoder('utf8')
      from.on('data', (d: Buffer) => {
        oom.push(decoder.write(d))
        to.write(d)
      })
    }
    pass(child.stdout, outputToStderr ? process.stderr : process.stdout)
    pass(child.stderr, process.stderr)
    child.once('error', (err: NodeJS.ErrnoException) => {
      cleanup()
      reject(
        err.code === 'ENOENT'
          ? new UsageError(`Command not found: ${argv[0]}. ${USAGE}`, 'run')
          : new UserError(`Could not start ${argv[0]}: ${err.message}`)
      )
    })
    child.once('close', (code, signal) => {
      cleanup()
      // URLs in the arguments may carry passwords; the report keeps them masked.
      resolve({ argv: argv.map(maskUrlText), exitCode: code, signal, durationMs: Date.now() - started, outputOomLines: oom.end() })
    })
  })
}
