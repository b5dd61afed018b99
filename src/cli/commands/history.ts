/** `history`: a baseline history (or a saved report) as a table, newest first, or as JSON. */
import { loadBaselineFile } from '../../baseline/file.js'
import { historyTable } from '../../baseline/history.js'
import { formatBytes, formatCount } from '../../core/size.js'
import { COMMANDS, UsageError } from '../args.js'
import { ExitCode, outputFormat, type Context } from '../context.js'
import { safeText, table } from '../terminal.js'

export async function historyCommand(ctx: Context): Promise<number> {
  const files = [...ctx.args.positionals, ...ctx.args.rest]
  if (files.length !== 1) {
    throw new UsageError(`history needs one file, got ${files.length}. Usage: redis-memory-guard ${COMMANDS.history.usage}`, 'history')
  }
  const format = outputFormat(ctx)
  const series = await loadBaselineFile(files[0], 'history')
  const rows = historyTable(series)
  if (format === 'json') {
    ctx.log.report(JSON.stringify({ series: series.series, entries: rows }, null, 2))
    return ExitCode.Ok
  }
  const c = ctx.log.out
  const bytes = (n: number | null): string => (n === null ? 'n/a' : formatBytes(n))
  const num = (n: number | null): string => (n === null ? 'n/a' : formatCount(n))
  const lines = [`${c.bold('Redis memory history')} ${c.dim('·')} ${safeText(series.series)} ${c.dim(`· ${rows.length} run${rows.length === 1 ? '' : 's'}, newest first`)}`, '']
  if (rows.length === 0) {
    lines.push('No runs recorded yet.')
  } else {
    const cells = [['Date', 'Commit', 'Branch', 'Engine', 'maxmemory', 'Peak', 'Used after', 'Keys left', 'OOM', 'Evicted', 'Verdict']]
    for (const r of rows) {
      cells.push([
        r.date.slice(0, 16).replace('T', ' '),
        r.commit ?? '—',
        safeText(r.branch ?? '—'),
        safeText(r.engine ?? 'n/a'),
        r.maxmemory === 0 ? 'none' : bytes(r.maxmemory),
        bytes(r.peak),
        bytes(r.usedAfter),
        num(r.leakedKeys),
        num(r.oomErrors),
        num(r.evictedKeys),
        // A run whose command failed is marked: it is a baseline only when no other exists.
        r.commandFailed === null ? r.verdict : `${r.verdict}, command failed (exit ${r.commandFailed})`
      ])
    }
    lines.push(table(cells, c, [4, 5, 6, 7, 8, 9]))
  }
  ctx.log.report(lines.join('\n'))
  return ExitCode.Ok
}
