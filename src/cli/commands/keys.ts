/** `keys`: the keys on their own. Until the key analysis (prefixes, largest keys) exists, keys per database. */
import { buildReport } from '../../report.js'
import { takeSnapshot } from '../../snapshot.js'
import { DEFAULT_THRESHOLDS } from '../../checks.js'
import { UsageError } from '../args.js'
import { emit, locateRedis, open, outputFormat, type Context } from '../context.js'
import { keyspaceTable, safeText } from '../terminal.js'

export const NO_ANALYSIS_NOTE =
  'Prefixes and largest keys are not analysed by this version: it shows the key counts per database from INFO keyspace.'

export async function keysCommand(ctx: Context): Promise<number> {
  if (ctx.args.positionals.length > 0 || ctx.args.rest.length > 0) {
    throw new UsageError(`keys takes no arguments besides options (got "${[...ctx.args.positionals, ...ctx.args.rest].join(' ')}").`, 'keys')
  }
  outputFormat(ctx)
  const { target } = await locateRedis(ctx, false)
  const conn = await open(ctx, target)
  try {
    const now = await takeSnapshot(conn)
    const report = buildReport({
      target,
      before: null,
      after: now,
      thresholds: DEFAULT_THRESHOLDS,
      extra: { cli: 'keys', keyAnalysis: null, keyAnalysisNote: NO_ANALYSIS_NOTE }
    })
    const c = ctx.log.out
    await emit(ctx, report, (r) =>
      [`${c.bold('Keys')} ${c.dim('·')} ${safeText(r.server?.kind ?? 'redis')} at ${r.target.url}`, '', keyspaceTable(now, c), '', c.dim(NO_ANALYSIS_NOTE)].join('\n')
    )
    // Listing keys judges nothing, so it never fails.
    return 0
  } finally {
    await conn.close()
  }
}
