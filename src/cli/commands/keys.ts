/** `keys`: the key analysis on its own: prefixes by memory and by count, the largest keys, keys per database. */
import { DEFAULT_THRESHOLDS } from '../../judge/checks.js'
import { judgeStep, observeNow } from '../../step/engine.js'
import { UsageError } from '../args.js'
import { ExitCode, cliHost, connectTimeout, emit, keySettings, locateRedis, outputFormat, type Context } from '../context.js'
import { renderKeys } from '../terminal.js'
import { judgeMulti } from '../../step/multi.js'
import { observeSeveral } from '../multi.js'

export async function keysCommand(ctx: Context): Promise<number> {
  if (ctx.args.positionals.length > 0 || ctx.args.rest.length > 0) {
    throw new UsageError(`keys takes no arguments besides options (got "${[...ctx.args.positionals, ...ctx.args.rest].join(' ')}").`, 'keys')
  }
  outputFormat(ctx)
  const settings = keySettings(ctx)
  if (!settings.enabled) throw new UsageError('--key-scan-budget 0 turns the key analysis off, which leaves keys nothing to do. Use e.g. 10s.', 'keys')
  const located = await observeSeveral(ctx, async () => (await locateRedis(ctx, false)).target, settings, true)
  const several = located.several
  if (several) {
    await emit(ctx, judgeMulti(several, DEFAULT_THRESHOLDS, { cli: 'keys' }), (r) => renderKeys(r, ctx.log.out))
    return ExitCode.Ok
  }
  const target = located.target ?? (await locateRedis(ctx, false)).target
  const record = await observeNow({ target, connectTimeoutMs: connectTimeout(ctx), keys: settings }, cliHost(ctx), { keys: true })
  await emit(ctx, judgeStep(record, DEFAULT_THRESHOLDS, { cli: 'keys' }), (r) => renderKeys(r, ctx.log.out))
  // Listing keys judges nothing, so it never fails.
  return ExitCode.Ok
}
