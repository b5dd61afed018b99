/** `snapshot`: the state of Redis now, judged by the thresholds that apply to one moment. */
import { judgeWatch, observeWatch } from '../../step/watch.js'
import { UsageError } from '../args.js'
import { emit, keySettings, outputFormat, thresholds, type Context } from '../context.js'
import { renderSnapshot } from '../terminal.js'
import { readBaselineOption, withCliBaseline } from '../baseline.js'
import { observed, watchSetup } from '../watch.js'

export async function snapshotCommand(ctx: Context): Promise<number> {
  if (ctx.args.positionals.length > 0 || ctx.args.rest.length > 0) {
    throw new UsageError(`snapshot takes no arguments besides options (got "${[...ctx.args.positionals, ...ctx.args.rest].join(' ')}").`, 'snapshot')
  }
  outputFormat(ctx)
  const limits = thresholds(ctx)
  const baseline = await readBaselineOption(ctx)
  const keys = keySettings(ctx)
  const record = await observeWatch(await observed(ctx, keys), watchSetup(ctx, keys, ''), { keys: false })
  return emit(ctx, withCliBaseline(ctx, await judgeWatch(record, limits, { cli: 'snapshot' }), baseline), (r) => renderSnapshot(r, ctx.log.out))
}
