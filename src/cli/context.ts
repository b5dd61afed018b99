/** What every command gets (its parsed arguments, the logger, the environment) and the CLI's side of the shared steps. */
import type { Thresholds } from '../judge/checks.js'
import { readKeySettings, type KeySettings } from '../keys/settings.js'
import { readCauseSettings, type CauseSettings } from '../explain/settings.js'
import { Input, ProvisionInput, readConnectTimeout, readSampleInterval, readThresholds, readTlsSettings } from '../config/options.js'
import { TlsInput, withTls, type TlsSettings } from '../redis/tls.js'
import { startBinary, stopBinary } from '../provision/binary.js'
import { targetFor } from '../provision/index.js'
import { readProvisionSettings } from '../provision/settings.js'
import { hostPort, parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { renderSummary } from '../render/markdown.js'
import type { Report } from '../report/schema.js'
import type { StepConfig } from '../step/engine.js'
import { writeReportFile } from '../step/files.js'
import { plainLogText } from '../core/log-text.js'
import type { StepHost } from '../core/host.js'
import { UsageError, flag, stringOption, type CommandName, type ParsedArgs } from './args.js'
import type { Logger } from './log.js'
import { containerAddress, containerTarget, defaultUrl, isLocalHost, probe } from './target.js'

/** On a laptop nobody waits 30 s for a Redis that is not running; the action's default suits CI's starting containers. */
export const CLI_CONNECT_TIMEOUT_MS = 5000
/** On a laptop runs are short and bursts matter: sample more often than the action's 500 ms. */
export const CLI_SAMPLE_INTERVAL_MS = 100
/** The sampler stops itself after this long even if the CLI died without stopping it. */
const CLI_SAMPLER_MAX_LIFE_MS = 24 * 3_600_000
/** How long a throwaway server may take to answer PING. */
const THROWAWAY_START_MS = 10_000

/**
 * Exit codes: the command's own code when `run`'s command failed; else these. 127 (as a shell
 * says) when the command could not be started.
 */
export const ExitCode = { Ok: 0, Fail: 1, Usage: 2, Unreachable: 3, Internal: 4, NotStarted: 127 } as const

export interface Context {
  command: CommandName
  args: ParsedArgs
  log: Logger
  env: NodeJS.ProcessEnv
  /** Hears the report before it is printed (the demo checks that it shows what it should). */
  onReport?: (report: Report) => void
}

/** How the CLI names an option in messages: its flag. */
export function flagName(name: string): string {
  return name === Input.RedisUrl ? '--url' : `--${name}`
}

/** The step engine's host: status lines to stderr, progress lines that overwrite each other on a terminal. */
export function cliHost(ctx: Context): StepHost {
  const debug = flag(ctx.args, 'debug') || ctx.env.ACTIONS_STEP_DEBUG === 'true'
  return {
    // The CLI runs in workflows too: text from Redis in a line must not start a workflow command.
    info: (line) => ctx.log.info(plainLogText(line)),
    warn: (line) => ctx.log.warn(plainLogText(line)),
    debug: (line) => (debug ? ctx.log.info(plainLogText(line)) : undefined),
    progress: (line) => ctx.log.progress(line),
    endProgress: () => ctx.log.endProgress(),
    group: (_title, fn) => fn(),
    optionName: flagName,
    // On a terminal the scan's progress line overwrites itself, so it may come often.
    ...(ctx.log.interactive ? { progressEveryMs: 250 } : {})
  }
}

const get = (ctx: Context) => (name: string) => stringOption(ctx.args, name)

export function thresholds(ctx: Context): Thresholds {
  return readThresholds(get(ctx), flagName)
}

export function connectTimeout(ctx: Context): number {
  return readConnectTimeout(get(ctx), CLI_CONNECT_TIMEOUT_MS, flagName)
}

/** The key analysis's options, read by the action's own reader (same names as its inputs). */
export function keySettings(ctx: Context): KeySettings {
  return readKeySettings(get(ctx), flagName)
}

/** --junit-report, and --max-peak-memory for the moment snapshots (the action's reader). */
export function causeSettings(ctx: Context): CauseSettings {
  return readCauseSettings(get(ctx), thresholds(ctx).maxPeakMemory, flagName)
}

/** The TLS flags (file paths, also handed to the sampler). */
export function tlsSettings(ctx: Context): TlsSettings {
  return readTlsSettings((n) => (n === TlsInput.Insecure ? (flag(ctx.args, n) ? 'true' : '') : stringOption(ctx.args, n)), flagName)
}

export function sampleInterval(ctx: Context): number {
  return readSampleInterval(get(ctx), CLI_SAMPLE_INTERVAL_MS, flagName)
}

/** The step engine's configuration from the flags. */
export function stepConfig(ctx: Context, target: RedisTarget, workDir: string, keys: KeySettings): StepConfig {
  return {
    target,
    connectTimeoutMs: connectTimeout(ctx),
    keys,
    sampling: { intervalMs: sampleInterval(ctx), maxLifeMs: CLI_SAMPLER_MAX_LIFE_MS, ...(target.tls ? { tls: tlsSettings(ctx) } : {}) },
    workDir,
    cause: causeSettings(ctx)
  }
}

/** Which output was asked for; --json and --markdown exclude each other. */
export function outputFormat(ctx: Context): 'terminal' | 'json' | 'markdown' {
  const json = flag(ctx.args, 'json')
  const markdown = flag(ctx.args, 'markdown')
  if (json && markdown) throw new UsageError('Give --json or --markdown, not both.', ctx.command)
  return json ? 'json' : markdown ? 'markdown' : 'terminal'
}

export interface Located {
  target: RedisTarget
  /** Set when `run` started its own server; the caller stops it. */
  throwaway: { stop(): Promise<void> } | null
}

/**
 * Finds Redis: --container, --url, or the default URL. `run` starts a throwaway server with
 * --throwaway, or when nothing listens on the default URL on this machine.
 */
export async function locateRedis(ctx: Context, allowThrowaway: boolean): Promise<Located> {
  const url = stringOption(ctx.args, 'url')
  const container = stringOption(ctx.args, 'container')
  if (allowThrowaway && flag(ctx.args, 'throwaway')) {
    if (url !== '' || container !== '') throw new UsageError('--throwaway starts its own server: give it without --url and --container.', ctx.command)
    return startThrowaway(ctx, 'As asked (--throwaway)')
  }
  if (container !== '') {
    const address = await containerAddress(container)
    const target = withTls(containerTarget(address, url || undefined), tlsSettings(ctx), flagName)
    ctx.log.info(`Container "${container}" (${address.runtime}) publishes Redis at ${hostPort(target)}.`)
    return { target, throwaway: null }
  }
  if (url !== '') return { target: withTls(parseRedisUrl(url, '--url'), tlsSettings(ctx), flagName), throwaway: null }
  const fromEnv = Boolean(ctx.env.REDIS_URL?.trim())
  const target = withTls(parseRedisUrl(defaultUrl(ctx.env), fromEnv ? 'REDIS_URL' : '--url'), tlsSettings(ctx), flagName)
  if (allowThrowaway && isLocalHost(target.host) && (await probe(target.host, target.port)) === 'refused') {
    return startThrowaway(ctx, `Nothing listens on ${target.display}${fromEnv ? ' (REDIS_URL)' : ''}`)
  }
  return { target, throwaway: null }
}

/** A redis-server on a free port, started like the action's binary mode; stopped by the caller, or when the CLI exits. */
async function startThrowaway(ctx: Context, why: string): Promise<Located> {
  const host = cliHost(ctx)
  const settings = readProvisionSettings((name) =>
    name === ProvisionInput.Mode ? 'binary' : name === ProvisionInput.Port ? '0' : name === ProvisionInput.RedisServerPath ? stringOption(ctx.args, name) : ''
  )
  const quiet: StepHost = { ...host, info: () => {} }
  const started = await startBinary(settings, THROWAWAY_START_MS, quiet)
  // The server runs in its own process group (Ctrl-C reaches the command, not it); it must still not outlive the CLI.
  const onExit = (): void => {
    try {
      process.kill(started.pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
  process.once('exit', onExit)
  const target = targetFor(started.host, started.port, undefined)
  ctx.log.info(`${why}: started a throwaway ${settings.redisServerPath} at ${target.display} for this run; the command gets it as REDIS_URL. It is stopped afterwards.`)
  let stopped: Promise<void> | null = null
  return {
    target,
    throwaway: {
      stop() {
        stopped ??= stopBinary(started, quiet, { quiet: true }).finally(() => process.removeListener('exit', onExit))
        return stopped
      }
    }
  }
}

/** Prints the report in the asked-for format and writes --report-path; returns the exit code for its verdict. */
export async function emit(ctx: Context, report: Report, terminal: (r: Report) => string): Promise<number> {
  const format = outputFormat(ctx)
  const reportPath = stringOption(ctx.args, Input.ReportPath)
  ctx.onReport?.(report)
  if (reportPath !== '') {
    const problem = await writeReportFile(reportPath, report, '--report-path')
    if (problem) ctx.log.warn(problem)
  }
  if (format === 'json') ctx.log.report(JSON.stringify(report, null, 2))
  else if (format === 'markdown') ctx.log.report(renderSummary(report))
  else ctx.log.report(terminal(report))
  if (reportPath !== '' && format === 'terminal') ctx.log.info(`JSON report written to ${reportPath}.`)
  return report.verdict === 'fail' ? ExitCode.Fail : ExitCode.Ok
}
