/** A baseline the user keeps: a saved JSON report or a history file (`baseline: PATH`, `--baseline FILE`). */
import { UserError } from '../core/errors.js'
import { NotRegularFileError, readRegularFile } from '../core/regular-file.js'
import { TOP_N } from '../keys/report.js'
import type { Report } from '../report/schema.js'
import { TOOL_NAME } from '../core/version.js'
import { entryFromReport, historyFromJson, HISTORY_FORMAT, HISTORY_VERSION, type HistorySeries } from './history.js'

/** The series id of a baseline made from a single report file. */
export const REPORT_FILE_SERIES = 'report file'

/** Reads a JSON report or a history file as a series; a report becomes a series of one entry. */
export async function loadBaselineFile(path: string, name = 'baseline'): Promise<HistorySeries> {
  let text: string
  try {
    text = await readRegularFile(path)
  } catch (err) {
    const code = (err as { code?: unknown }).code
    const why = err instanceof NotRegularFileError ? `${err.kind}, not a ${err.kind === 'a directory' ? '' : 'regular '}file` : code === 'ENOENT' ? 'no such file' : String(code ?? err)
    // Only the action's `baseline` input also takes auto and off; `history` and --baseline take a file.
    const choices = name === 'baseline' ? ', or auto or off' : ''
    throw new UserError(`${name}: cannot read "${path}" (${why}). Give the path of a JSON report or history file${choices}.`)
  }
  return baselineFromText(text, `${name}: ${path}`)
}

/** The same, from the file's text; `source` names the file in errors. */
export function baselineFromText(text: string, source: string): HistorySeries {
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (err) {
    throw new UserError(`${source}: not JSON (${(err as Error).message}). Expected a redis-memory-guard JSON report or history file.`)
  }
  const o = data as Record<string, unknown> | null
  if (typeof o === 'object' && o !== null && o.format === HISTORY_FORMAT) return historyFromJson(o, source)
  const tool = (o as { tool?: { name?: unknown } } | null)?.tool
  if (typeof o !== 'object' || o === null || tool?.name !== TOOL_NAME || typeof o.schemaVersion !== 'number') {
    throw new UserError(`${source}: neither a redis-memory-guard JSON report nor a history file.`)
  }
  let entry
  try {
    entry = entryFromReport(o as unknown as Report, { commit: null, branch: null, runId: null }, TOP_N)
  } catch {
    throw new UserError(`${source}: the JSON report is incomplete (written by another version?); save a new one with report-path or --json.`)
  }
  // Through the history reader, so a report with figures of the wrong type fails here with a clear line.
  return historyFromJson({ format: HISTORY_FORMAT, version: HISTORY_VERSION, series: REPORT_FILE_SERIES, entries: [entry] }, source)
}
