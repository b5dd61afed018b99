/** `diff`: two saved reports (or snapshots) judged as one step, with the thresholds given now. */
import { readRegularFile } from '../../core/regular-file.js'
import { UserError, describeError } from '../../core/errors.js'
import type { RedisTarget } from '../../redis/target.js'
import { READABLE_SCHEMA_VERSIONS, type Report } from '../../report/schema.js'
import { judgeStep } from '../../step/engine.js'
import type { Snapshot } from '../../observe/snapshot.js'
import { COMMANDS, UsageError } from '../args.js'
import { emit, outputFormat, thresholds, type Context } from '../context.js'
import { renderReport } from '../terminal.js'
import { readBaselineOption, withCliBaseline } from '../baseline.js'

interface Saved {
  /** The state at the end of what the file describes. */
  state: Snapshot
  report: Report | null
}

function isSnapshot(x: unknown): x is Snapshot {
  return typeof x === 'object' && x !== null && 'memory' in x && 'keyspace' in x && 'takenAt' in x
}

/** Reads a report or a bare snapshot (the action's before.json). Pure apart from the file read. */
export function savedState(text: string, path: string): Saved {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new UserError(`${path} is not JSON (${describeError(err)}). Give a report written by --report-path or --json.`)
  }
  if (typeof data === 'object' && data !== null && 'schemaVersion' in data) {
    const report = data as Report
    if (!READABLE_SCHEMA_VERSIONS.includes(report.schemaVersion)) {
      throw new UserError(`${path} is a report of schema version ${String(report.schemaVersion)}; this version reads ${READABLE_SCHEMA_VERSIONS.join(' and ')}.`)
    }
    const state = report.after ?? report.before
    if (!isSnapshot(state)) throw new UserError(`${path} is a report without any snapshot (its run could not reach Redis).`)
    return { state, report }
  }
  if (isSnapshot(data)) return { state: data, report: null }
  throw new UserError(`${path} is neither a report nor a snapshot of redis-memory-guard. Give a file written by --report-path or --json.`)
}

async function load(path: string): Promise<Saved> {
  let text: string
  try {
    text = await readRegularFile(path)
  } catch (err) {
    throw new UserError(`Cannot read ${path}: ${describeError(err)}`)
  }
  return savedState(text, path)
}

function targetOf(saved: Saved[]): RedisTarget {
  const t = saved.map((s) => s.report?.target).find((x) => x !== undefined)
  const url = t?.url ?? 'unknown'
  return { url, display: url, host: t?.host ?? 'unknown', port: t?.port ?? 0, db: t?.db ?? 0, username: null, password: null, tls: false }
}

export async function diffCommand(ctx: Context): Promise<number> {
  const files = [...ctx.args.positionals, ...ctx.args.rest]
  if (files.length !== 2) {
    throw new UsageError(`diff needs two files, got ${files.length}. Usage: redis-memory-guard ${COMMANDS.diff.usage}`, 'diff')
  }
  outputFormat(ctx)
  const limits = thresholds(ctx)
  const baseline = await readBaselineOption(ctx)
  const [before, after] = await Promise.all(files.map(load))
  if (after.report !== null && after.report.after === null) {
    throw new UserError(`${files[1]} has no snapshot after its step, so there is nothing to compare.`)
  }
  const record = { target: targetOf([after, before]), before: before.state, after: after.state, errors: [], sampled: { observations: {} }, keys: null }
  const report = judgeStep(record, limits, { cli: 'diff', diff: { before: files[0], after: files[1] } })
  return emit(ctx, withCliBaseline(ctx, report, baseline), (r) => renderReport(r, ctx.log.out))
}
