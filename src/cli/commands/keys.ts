/** `keys`: the key analysis on its own: prefixes by memory and by count, the largest keys, keys per database. */
import { describeInventory, reportedKeySettings } from '../../keys/run.js'
import { takeInventory } from '../../keys/inventory.js'
import { buildKeysReport } from '../../keys/report.js'
import { buildReport } from '../../report.js'
import { takeSnapshot } from '../../snapshot.js'
import { DEFAULT_THRESHOLDS } from '../../checks.js'
import { UsageError } from '../args.js'
import { emit, keyScanLog, keySettings, locateRedis, open, outputFormat, type Context } from '../context.js'
import { renderKeys } from '../terminal.js'

/** Progress lines on a terminal come this often during a long scan. */
const PROGRESS_EVERY_MS = 250

export async function keysCommand(ctx: Context): Promise<number> {
  if (ctx.args.positionals.length > 0 || ctx.args.rest.length > 0) {
    throw new UsageError(`keys takes no arguments besides options (got "${[...ctx.args.positionals, ...ctx.args.rest].join(' ')}").`, 'keys')
  }
  outputFormat(ctx)
  const settings = keySettings(ctx)
  if (!settings.enabled) throw new UsageError('--key-scan-budget 0 turns the key analysis off, which leaves keys nothing to do. Use e.g. 10s.', 'keys')
  const { target } = await locateRedis(ctx, false)
  const conn = await open(ctx, target)
  try {
    const now = await takeSnapshot(conn)
    const inventory = await takeInventory(conn, {
      rule: settings.rule,
      ignore: settings.ignore,
      budgetMs: settings.budgetMs,
      log: keyScanLog(ctx),
      progressEveryMs: ctx.log.interactive ? PROGRESS_EVERY_MS : undefined
    })
    ctx.log.endProgress()
    ctx.log.info(describeInventory(inventory))
    const { keys } = buildKeysReport({
      settings: reportedKeySettings(settings),
      before: null,
      after: inventory,
      leaks: null,
      keyspaceBefore: null,
      keyspaceAfter: now.keyspace
    })
    const report = buildReport({ target, before: null, after: now, thresholds: DEFAULT_THRESHOLDS, keys, extra: { cli: 'keys' } })
    await emit(ctx, report, (r) => renderKeys(r, ctx.log.out))
    // Listing keys judges nothing, so it never fails.
    return 0
  } finally {
    await conn.close()
  }
}
