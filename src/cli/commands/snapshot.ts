/** `snapshot`: the state of Redis now, judged by the thresholds that apply to one moment. */
import { judgeStep, observeNow } from '../../step/engine.js'
import { UsageError } from '../args.js'
import { cliHost, connectTimeout, emit, keySettings, locateRedis, outputFormat, thresholds, type Context } from '../context.js'
import { renderSnapshot } from '../terminal.js'
import { readBaselineOption, withCliBaseline } from '../baseline.js'
import { judgeMulti } from '../../step/multi.js'
import { observeSeveral } from '../multi.js'

export async function snapshotCommand(ctx: Context): Promise<number> {
  if (ctx.args.positionals.length > 0 || ctx.args.rest.length > 0) {
    throw new UsageError(`snapshot takes no arguments besides options (got "${[...ctx.args.positionals, ...ctx.args.rest].join(' ')}").`, 'snapshot')
  }
  outputFormat(ctx)
  const limits = thresholds(ctx)
  const baseline = await readBaselineOption(ctx)
  const located = await observeSeveral(ctx, async () => (await locateRedis(ctx, false)).target, keySettings(ctx), false)
  const several = located.several
  if (several) return emit(ctx, withCliBaseline(ctx, judgeMulti(several, limits, { cli: 'snapshot' }), baseline), (r) => renderSnapshot(r, ctx.log.out))
  const target = located.target ?? (await locateRedis(ctx, false)).target
  const record = await observeNow({ target, connectTimeoutMs: connectTimeout(ctx), keys: keySettings(ctx) }, cliHost(ctx), { keys: false })
  return emit(ctx, withCliBaseline(ctx, judgeStep(record, limits, { cli: 'snapshot' }), baseline), (r) => renderSnapshot(r, ctx.log.out))
}
