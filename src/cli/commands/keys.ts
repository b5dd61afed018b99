/** `keys`: the key analysis on its own: prefixes by memory and by count, the largest keys, keys per database. */
import { DEFAULT_THRESHOLDS } from '../../judge/checks.js'
import { judgeWatch, observeWatch } from '../../step/watch.js'
import { UsageError } from '../args.js'
import { ExitCode, emit, keySettings, outputFormat, type Context } from '../context.js'
import { renderKeys } from '../terminal.js'
import { observed, watchSetup } from '../watch.js'

export async function keysCommand(ctx: Context): Promise<number> {
  if (ctx.args.positionals.length > 0 || ctx.args.rest.length > 0) {
    throw new UsageError(`keys takes no arguments besides options (got "${[...ctx.args.positionals, ...ctx.args.rest].join(' ')}").`, 'keys')
  }
  outputFormat(ctx)
  const settings = keySettings(ctx)
  if (!settings.enabled) throw new UsageError('--key-scan-budget 0 turns the key analysis off, which leaves keys nothing to do. Use e.g. 10s.', 'keys')
  const record = await observeWatch(await observed(ctx, settings), watchSetup(ctx, settings, ''), { keys: true })
  await emit(ctx, await judgeWatch(record, DEFAULT_THRESHOLDS, { cli: 'keys' }), (r) => renderKeys(r, ctx.log.out))
  // Listing keys judges nothing, so it never fails.
  return ExitCode.Ok
}
