/** `run`: the step engine around one command: snapshot → command with sampling → snapshot → judge → report. */
import type { ChildProcess } from 'node:child_process'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { exitCodeOf, type CommandRun } from '../../run/command.js'
import type { Report } from '../../report/schema.js'
import { judgeWatch, runWatch, type Watched } from '../../step/watch.js'
import { instanceOptions, startThrowawayCluster, watchSetup } from '../watch.js'
import { makeWorkDir } from '../../step/files.js'
import { COMMANDS, UsageError, flag } from '../args.js'
import { Input } from '../../config/options.js'
import { ExitCode, causeSettings, connectTimeout, emit, keySettings, locateRedis, outputFormat, sampleInterval, stepConfig, thresholds, type Context, type Located } from '../context.js'
import { renderReport } from '../terminal.js'
import { readBaselineOption, withCliBaseline } from '../baseline.js'

const USAGE = `Usage: redis-memory-guard ${COMMANDS.run.usage}`

export async function runCommand(ctx: Context): Promise<number> {
  const { rest, positionals } = ctx.args
  if (positionals.length > 0) {
    throw new UsageError(`Put the command after --, e.g. redis-memory-guard run -- ${positionals.join(' ')}. ${USAGE}`, 'run')
  }
  if (rest.length === 0) throw new UsageError(`run needs a command after --, e.g. redis-memory-guard run -- npm test. ${USAGE}`, 'run')
  // Check every option before anything starts.
  const format = outputFormat(ctx)
  const limits = thresholds(ctx)
  const keys = keySettings(ctx)
  sampleInterval(ctx)
  connectTimeout(ctx)
  const baseline = await readBaselineOption(ctx)
  const several = instanceOptions(ctx)
  causeSettings(ctx)

  const live: LiveParts = { child: null, throwaway: null }
  const stopSignals = handleSignals(ctx, live)
  try {
    // Several instances, Sentinel or a throwaway cluster: one step per node (src/step/multi.ts).
    let cluster: Awaited<ReturnType<typeof startThrowawayCluster>> | null = null
    if (several.clusterNodes !== 0) {
      cluster = await startThrowawayCluster(ctx, several.clusterNodes)
      live.throwaway = cluster
    }
    const located = cluster === null && !several.several ? await locateRedis(ctx, true) : null
    if (located) live.throwaway = located.throwaway
    const startedForRun = cluster !== null || located?.throwaway != null
    const workDir = await makeWorkDir(tmpdir(), 'the temp folder (TMPDIR)')
    try {
      const watched: Watched = located
        ? { kind: 'one', config: stepConfig(ctx, located.target, workDir, keys) }
        : { kind: 'several', specs: cluster ? cluster.specs : several.instances }
      const { record, command } = await runWatch(watched, watchSetup(ctx, keys, workDir), {
        command: { argv: rest },
        env: ctx.env,
        startedForRun,
        exportEnv: flag(ctx.args, Input.ExportEnv),
        // With --json or --markdown, stdout carries only the report.
        stdout: format === 'terminal' ? process.stdout : process.stderr,
        onSpawn: (child) => (live.child = child)
      })
      return await finish(ctx, async () => withCliBaseline(ctx, await judgeWatch(record, limits, { cli: 'run', throwawayServer: startedForRun }), baseline), command)
    } finally {
      await rm(workDir, { recursive: true, force: true })
    }
  } finally {
    await live.throwaway?.stop()
    stopSignals()
  }
}

/**
 * The end of `run`, one or several Redis: 127 when the command could not start; else the report,
 * and the command's own exit code when it failed, or the verdict's.
 */
async function finish(ctx: Context, judge: () => Promise<Report>, command: CommandRun): Promise<number> {
  if (command.startError) {
    ctx.log.error(`${command.startError} ${USAGE}`)
    return ExitCode.NotStarted
  }
  const code = await emit(ctx, await judge(), (r) => renderReport(r, ctx.log.out))
  const commandCode = exitCodeOf(command)
  if (commandCode === 0) return code
  ctx.log.error(`The command ${command.signal ? `was stopped by ${command.signal}` : `exited with code ${command.exitCode}`}; the report was written all the same.`)
  return commandCode
}

/** What is running on the user's behalf, so a signal can end it cleanly. */
interface LiveParts {
  child: ChildProcess | null
  throwaway: Located['throwaway']
}

const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 } as const

/**
 * While the command runs, runCommand passes signals on to the command's process group: the command
 * ends, and the report and the clean-up still happen. Outside the command a signal
 * stops the throwaway server and exits at once. Returns a function that removes the handlers.
 */
function handleSignals(ctx: Context, live: LiveParts): () => void {
  const handlers = (Object.keys(SIGNAL_NUMBERS) as (keyof typeof SIGNAL_NUMBERS)[]).map((signal) => {
    const handler = (): void => {
      // While the command runs, runCommand passes the signal on to its process group, and the step ends normally.
      if (live.child !== null && live.child.exitCode === null && live.child.signalCode === null) return
      ctx.log.error(`Stopped by ${signal}.`)
      void Promise.resolve(live.throwaway?.stop()).finally(() => process.exit(128 + SIGNAL_NUMBERS[signal]))
    }
    process.on(signal, handler)
    return () => process.removeListener(signal, handler)
  })
  return () => handlers.forEach((remove) => remove())
}
