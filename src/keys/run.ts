/**
 * The key analysis as the action runs it: the main step records the "before" inventory and key
 * names in the work folder; the post step scans again, diffs against them and builds `report.keys`.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { StepObservations } from '../judge/checks.js'
import type { RedisConnection } from '../redis/connection.js'
import type { Snapshot } from '../observe/snapshot.js'
import { formatBytes, formatCount, formatDuration } from '../core/size.js'
import { LeakCollector, type KeySets } from './diff.js'
import { takeInventory, type MethodChoice, type ScanOptions } from './inventory.js'
import { buildKeysReport, TOP_N, withKeyDetails, type KeysReport } from './report.js'
import { describeKeys, EncodingSampler, sampleEncodings } from './details.js'
import { describeError } from '../core/errors.js'
import type { KeySettings } from './settings.js'
import { KeyFileWriter, readKeyFile } from './store.js'
import type { Inventory } from './tally.js'

export const KEYS_BEFORE_FILE = 'keys-before.bin'
export const KEYS_BEFORE_SUMMARY = 'keys-before.json'

/** Where the scan's lines go, and how often it reports progress. */
export interface ScanLog {
  log: (line: string) => void
  progressEveryMs?: number
}

function scanOptions(settings: KeySettings, out: ScanLog, method?: MethodChoice): ScanOptions {
  return { rule: settings.rule, ignore: settings.ignore, budgetMs: settings.budgetMs, method, log: out.log, progressEveryMs: out.progressEveryMs, keyMemory: settings.keyMemory }
}

/** One line for the log about an inventory. */
export function describeInventory(inv: Inventory): string {
  const keys = inv.dbs.reduce((s, d) => s + d.scanned, 0)
  const bytes = inv.groups.reduce((s, g) => s + g.bytes, 0)
  const partial = inv.complete ? '' : ' (stopped at key-scan-budget; figures extrapolated by DBSIZE)'
  const sampled = inv.sampled ? ` (sampled: ${formatCount(inv.sampled.measuredKeys)} keys measured)` : ''
  const mem = inv.memoryUsage ? `, ${formatBytes(bytes)} by MEMORY USAGE${sampled}` : ', counts only (no MEMORY USAGE on this server)'
  return `Key inventory: ${formatCount(keys)} keys in ${inv.dbs.length} DBs${mem}, ${inv.groups.length} prefixes, ${formatDuration(inv.durationMs)} (${inv.method})${partial}.`
}

/** The main step's part: scan, and write the key names and the inventory to the work folder. */
export async function recordKeysBefore(conn: RedisConnection, settings: KeySettings, workDir: string, log: ScanLog): Promise<Inventory> {
  const writer = new KeyFileWriter(join(workDir, KEYS_BEFORE_FILE))
  let inv: Inventory
  try {
    inv = await takeInventory(conn, { ...scanOptions(settings, log), onKey: (db, key) => writer.add(db, key) })
  } finally {
    await writer.close()
  }
  await writeFile(join(workDir, KEYS_BEFORE_SUMMARY), JSON.stringify(inv))
  return inv
}

/** Reads what the main step recorded; null when it recorded nothing (key analysis failed or the main step did not run). */
async function readBefore(workDir: string): Promise<{ inventory: Inventory; keys: KeySets | null } | null> {
  if (!workDir) return null
  let inventory: Inventory
  try {
    inventory = JSON.parse(await readFile(join(workDir, KEYS_BEFORE_SUMMARY), 'utf8')) as Inventory
  } catch {
    return null
  }
  // An incomplete "before" scan cannot tell new keys from unseen ones: its names are not used.
  if (!inventory.complete) return { inventory, keys: null }
  try {
    return { inventory, keys: await readKeyFile(join(workDir, KEYS_BEFORE_FILE)) }
  } catch {
    return null
  }
}

/** The key settings as the report states them. */
export function reportedKeySettings(settings: KeySettings): Parameters<typeof buildKeysReport>[0]['settings'] {
  return {
    keyDelimiter: settings.delimiterText,
    prefixDepth: settings.rule.depth,
    ignoreKeys: settings.ignorePatterns,
    expectedDb: settings.expectedDb,
    keyScanBudgetMs: settings.budgetMs,
    ...(settings.keyPatterns.length > 0 ? { keyPatterns: settings.keyPatterns } : {})
  }
}

export interface KeyAnalysis {
  keys: KeysReport
  observations: StepObservations
}

/** The post step's part: scan again, find the leaked keys, and build `report.keys` with what it tells the checks. */
export async function analyseKeysAfter(
  conn: RedisConnection,
  settings: KeySettings,
  workDir: string,
  snapshots: { before: Snapshot | null; after: Snapshot },
  log: ScanLog,
  /** Sees every key the scan sees (a cluster's hash tag tally). */
  seeKey?: (db: number, key: string, bytes: number) => void,
  /** Sees each leaked key once (new since the "before" inventory): the tests that left it are counted from these. */
  seeLeakedKey?: (db: number, key: string, bytes: number | null) => void
): Promise<KeyAnalysis> {
  const before = await readBefore(workDir)
  const leaks = before?.keys ? new LeakCollector(before.keys) : null
  const encodings = new EncodingSampler()
  const scope = settings.scope ?? null
  let outsideScope = 0
  const after = await takeInventory(conn, {
    ...scanOptions(settings, log),
    // Keys left behind are what the user acts on: measured exactly, also when the rest is sampled.
    ...(leaks ? { needTtl: (db: number, key: string) => leaks.isNew(db, key), measureExactly: (db: number, key: string) => leaks.isNew(db, key) } : {}),
    onKey: (db, key, prefix, bytes, ttl, measured) => {
      encodings.add(db, key, prefix)
      seeKey?.(db, key, bytes)
      // Keys without a TTL lookup were there before: only the others can be leaked.
      // Outside key-scope a new key belongs to another job on a shared Redis: counted, not this job's leak.
      if (leaks && ttl !== null) {
        if (scope && !scope.test(key)) outsideScope++
        else if (leaks.add(db, key, prefix, bytes, ttl, measured)) seeLeakedKey?.(db, key, measured ? bytes : null)
      }
    }
  })
  log.log(describeInventory(after))
  const built = buildKeysReport({
    settings: reportedKeySettings(settings),
    before: before?.inventory ?? null,
    after,
    leaks: leaks?.result() ?? null,
    keyspaceBefore: snapshots.before?.keyspace ?? null,
    keyspaceAfter: snapshots.after.keyspace
  })
  const keys = scope ? { ...built.keys, scope: { patterns: settings.scopePatterns ?? [], outsideNewKeys: leaks ? outsideScope : null } } : built.keys
  return { ...built, keys: await describeLargest(conn, keys, after, encodings, log) }
}

/**
 * The largest keys as --bigkeys describes them and the encoding mix of the largest prefixes: a few
 * pipelined commands after the scan. A failure leaves the report as it was, with a log line.
 */
export async function describeLargest(conn: RedisConnection, keys: KeysReport, after: Inventory, encodings: EncodingSampler, log: ScanLog): Promise<KeysReport> {
  if (!after.memoryUsage) return keys
  try {
    const top = new Set(after.groups.slice(0, TOP_N).map((g) => `${g.db}\n${g.prefix}`))
    const [details, mixes] = await Promise.all([
      describeKeys(conn, after.topKeys.slice(0, TOP_N)),
      sampleEncodings(conn, encodings, { only: (db, prefix) => top.has(`${db}\n${prefix}`) })
    ])
    // Largest prefixes first, as topPrefixesByMemory lists them.
    const order = [...top]
    mixes.sort((a, b) => order.indexOf(`${a.db}\n${a.prefix}`) - order.indexOf(`${b.db}\n${b.prefix}`))
    return withKeyDetails(keys, details, mixes)
  } catch (err) {
    log.log(`Key details: the largest keys could not be described (${describeError(err)}).`)
    return keys
  }
}

/** The key analysis of one moment (no step, so no leaks): prefixes, largest keys, keys per DB. */
export async function analyseKeysNow(conn: RedisConnection, settings: KeySettings, now: Snapshot, log: ScanLog): Promise<KeyAnalysis> {
  const encodings = new EncodingSampler()
  const inventory = await takeInventory(conn, { ...scanOptions(settings, log), onKey: (db, key, prefix) => encodings.add(db, key, prefix) })
  log.log(describeInventory(inventory))
  const built = buildKeysReport({
    settings: reportedKeySettings(settings),
    before: null,
    after: inventory,
    leaks: null,
    keyspaceBefore: null,
    keyspaceAfter: now.keyspace
  })
  // The largest keys as --bigkeys describes them, as after a step.
  return { ...built, keys: await describeLargest(conn, built.keys, inventory, encodings, log) }
}
