/** `snapshot`: the state of Redis now, judged by the thresholds that apply to one moment. */
import { buildReport } from '../../report.js'
import { takeSnapshot } from '../../snapshot.js'
import { UsageError } from '../args.js'
import { emit, locateRedis, open, outputFormat, thresholds, type Context } from '../context.js'
import { renderSnapshot } from '../terminal.js'

export async function snapshotCommand(ctx: Context): Promise<number> {
  if (ctx.args.positionals.length > 0 || ctx.args.rest.length > 0) {
    throw new UsageError(`snapshot takes no arguments besides options (got "${[...ctx.args.positionals, ...ctx.args.rest].join(' ')}").`, 'snapshot')
  }
  outputFormat(ctx)
  const limits = thresholds(ctx)
  const { target } = await locateRedis(ctx, false)
  const conn = await open(ctx, target)
  try {
    const now = await takeSnapshot(conn, { withDoctor: true })
    const report = buildReport({ target, before: null, after: now, thresholds: limits, extra: { cli: 'snapshot' } })
    return await emit(ctx, report, (r) => renderSnapshot(r, ctx.log.out))
  } finally {
    await conn.close()
  }
}
