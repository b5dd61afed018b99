/** What every command gets: its parsed arguments, the logger and the environment; and the shared steps. */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { Input } from '../action/constants.js'
import type { Thresholds } from '../checks.js'
import { describeError } from '../errors.js'
import { readConnectTimeout, readThresholds } from '../options.js'
import { connect, type RedisConnection } from '../redis/connection.js'
import { hostPort, parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { renderSummary } from '../render/markdown.js'
import type { Report } from '../report.js'
import { UsageError, flag, stringOption, type CommandName, type ParsedArgs } from './args.js'
import { readKeySettings, type KeySettings } from '../keys/settings.js'
import type { Logger } from './log.js'
import { containerAddress, containerTarget, defaultUrl, isLocalHost, probe } from './target.js'
import { startThrowaway, type ThrowawayRedis } from './throwaway.js'

/** On a laptop nobody waits 30 s for a Redis that is not running; the action's default suits CI's starting containers. */
export const CLI_CONNECT_TIMEOUT_MS = 5000

export const ExitCode = { Ok: 0, Fail: 1, Usage: 2 } as const

export interface Context {
  command: CommandName
  args: ParsedArgs
  log: Logger
  env: NodeJS.ProcessEnv
}

const label = (name: string): string => `--${name}`

export function thresholds(ctx: Context): Thresholds {
  return readThresholds((name) => stringOption(ctx.args, name), label)
}

export function connectTimeout(ctx: Context): number {
  return readConnectTimeout((name) => stringOption(ctx.args, name), CLI_CONNECT_TIMEOUT_MS, label)
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
  throwaway: ThrowawayRedis | null
}

/** Finds Redis: --container, --url, or the default URL; `run` may start a throwaway server when nothing listens locally. */
export async function locateRedis(ctx: Context, allowThrowaway: boolean): Promise<Located> {
  const url = stringOption(ctx.args, 'url')
  const container = stringOption(ctx.args, 'container')
  if (container !== '') {
    const address = await containerAddress(container)
    const target = containerTarget(address, url || undefined)
    ctx.log.info(`Container "${container}" (${address.runtime}) publishes Redis at ${hostPort(target)}.`)
    return { target, throwaway: null }
  }
  if (url !== '') return { target: parseRedisUrl(url, '--url'), throwaway: null }
  const fromEnv = Boolean(ctx.env.REDIS_URL?.trim())
  const target = parseRedisUrl(defaultUrl(ctx.env), fromEnv ? 'REDIS_URL' : '--url')
  if (allowThrowaway && isLocalHost(target.host) && (await probe(target.host, target.port)) === 'refused') {
    const throwaway = await startThrowaway()
    const local = parseRedisUrl(`${throwaway.url}${target.db ? `/${target.db}` : ''}`)
    ctx.log.info(
      `Nothing listens on ${target.display}${fromEnv ? ' (REDIS_URL)' : ''}: started a throwaway redis-server at ${local.display} ` +
        `for this run; the command gets it as REDIS_URL. It is stopped afterwards.`
    )
    return { target: local, throwaway }
  }
  return { target, throwaway: null }
}

export async function open(ctx: Context, target: RedisTarget): Promise<RedisConnection> {
  return connect(target, { timeoutMs: connectTimeout(ctx) })
}

/** Prints the report in the asked-for format and writes --report-path; returns the exit code for its verdict. */
export async function emit(ctx: Context, report: Report, terminal: (r: Report) => string): Promise<number> {
  const format = outputFormat(ctx)
  const reportPath = stringOption(ctx.args, Input.ReportPath)
  if (reportPath !== '') {
    try {
      await mkdir(dirname(reportPath), { recursive: true })
      await writeFile(reportPath, JSON.stringify(report, null, 2) + '\n')
    } catch (err) {
      ctx.log.warn(`Could not write the JSON report to ${reportPath}: ${describeError(err)}`)
    }
  }
  if (format === 'json') ctx.log.report(JSON.stringify(report, null, 2))
  else if (format === 'markdown') ctx.log.report(renderSummary(report))
  else ctx.log.report(terminal(report))
  if (reportPath !== '' && format === 'terminal') ctx.log.info(`JSON report written to ${reportPath}.`)
  return report.verdict === 'fail' ? ExitCode.Fail : ExitCode.Ok
}

/** The key analysis's options, read by the action's own reader (same names as its inputs). */
export function keySettings(ctx: Context): KeySettings {
  return readKeySettings((name) => stringOption(ctx.args, name))
}

/** Where the key scan's lines go: its progress lines overwrite each other on a terminal, the rest are status lines. */
export function keyScanLog(ctx: Context): (line: string) => void {
  return (line) => (/^Key scan: [\d,]+ of ~/.test(line) ? ctx.log.progress(line) : ctx.log.info(line))
}
