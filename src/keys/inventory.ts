/**
 * The key inventory's I/O: SCAN every DB that INFO keyspace lists and take MEMORY USAGE of every
 * key: by default with the raw pipelined scan on a socket of its own (raw.ts, the fastest by
 * bench/keys.sh); on any failure, from the last batch on, with one Lua call per batch that scans
 * and measures on the server (one round trip, no key names sent back to Redis); and where
 * scripting is disabled or fails, with SCAN plus one client pipeline of MEMORY USAGE per
 * batch (Dragonfly, managed services).
 * TTLs are asked only for the keys the caller needs them for (the leaked ones) and the largest keys.
 * Key names travel as Buffers and become byte strings (prefix.ts), so binary names survive.
 */
import { parseInfo, parseKeyspace } from '../observe/info.js'
import { BUFFER_REPLIES, clientName, closeQuietly, replyCode, withTimeout, type RedisClient, type RedisConnection } from '../redis/connection.js'
import { describeError } from '../core/errors.js'
import { KeyTally, DEFAULT_TALLY, type DbScan, type Inventory, type ScanMethod } from './tally.js'
import type { PrefixRule } from './prefix.js'
import type { KeyMatcher } from './glob.js'
import { ProtocolError, RawScanner, type Batch } from './raw.js'
import { SampleChooser, samplesKeyMemory, type KeyMemoryMode } from './sampling.js'
import { formatCount } from '../core/size.js'

export type MethodChoice = 'auto' | ScanMethod

export interface ScanOptions {
  rule: PrefixRule
  /** Keys to leave out (the byte-string glob matcher from parseIgnoreKeys), or null. */
  ignore: KeyMatcher | null
  /** Stop scanning after this long and extrapolate by DBSIZE. */
  budgetMs: number
  /** Also stop after this many keys (a moment snapshot's key budget); no limit when absent. */
  maxKeys?: number
  /** `auto` is the raw pipelined scan, then the Lua fast path, then the client's pipeline as fallbacks (fastest first, measured by bench/keys.sh). */
  method?: MethodChoice
  /** SCAN COUNT: keys per batch. */
  count?: number
  topKeys?: number
  maxGroups?: number
  /** Which keys need their TTL (PTTL) for onKey; none when absent. */
  needTtl?: (db: number, key: string) => boolean
  /**
   * Called for every key seen, with its prefix; `ttlMs` is null unless needTtl asked for it.
   * `measured` is false for a key sampled mode left unmeasured (its `bytes` are then 0).
   */
  onKey?: (db: number, key: string, prefix: string, bytes: number, ttlMs: number | null, measured: boolean) => void
  /** A progress line for long scans. */
  log?: (line: string) => void
  progressEveryMs?: number
  commandTimeoutMs?: number
  /**
   * `exact` (default): MEMORY USAGE of every key; `sampled`: of a sample per prefix (sampling.ts),
   * on the raw path only (the fallbacks measure every key); `auto`: sampled above AUTO_EXACT_UP_TO keys.
   */
  keyMemory?: KeyMemoryMode
  /** In sampled mode, keys measured exactly and outside the sample (the leaked ones), up to EXACT_LEFT_BEHIND. */
  measureExactly?: (db: number, key: string) => boolean
  /** Internal (tests): how many keys measureExactly may pick per scan instead of EXACT_LEFT_BEHIND. */
  exactLimit?: number
}

export const DEFAULT_SCAN_COUNT = 1000
/**
 * SCAN COUNT of a sampled raw scan. Most of its batches carry no MEMORY USAGE, so each SCAN is a
 * round trip of its own, and on a busy runner every round trip waits for both processes to be
 * scheduled: fewer, larger batches (one blocks Redis ~2 ms) were faster by bench/speed.sh.
 */
export const SAMPLED_SCAN_COUNT = 5000
const TTL_BATCH = 1000

/**
 * One SCAN step and MEMORY USAGE of each key it returned (when ARGV[3] is 1), all on the server.
 * Returns four strings, so the client decodes four values per batch instead of two per key:
 * the cursor, the key names end to end, their lengths (u32 little-endian each) and their
 * MEMORY USAGE (a little-endian double each; empty without ARGV[3]). `unpack` takes at most a
 * few thousand values, hence chunks of 4000. One call over 1000 keys blocks Redis ~3 ms.
 */
export const SCAN_SCRIPT = `local call = redis.call
local r = call('SCAN', ARGV[1], 'COUNT', ARGV[2])
local keys = r[2]
local n = #keys
local len = {}
local mem = {}
local measure = ARGV[3] == '1'
for i = 1, n do
  local k = keys[i]
  len[i] = #k
  if measure then mem[i] = call('MEMORY', 'USAGE', k) or 0 end
end
local function pack(fmt, t)
  local parts = {}
  for i = 1, #t, 4000 do
    local j = math.min(#t, i + 3999)
    parts[#parts + 1] = struct.pack('<' .. string.rep(fmt, j - i + 1), unpack(t, i, j))
  end
  return table.concat(parts)
end
return {r[1], table.concat(keys), pack('I4', len), pack('d', mem)}`

/** PTTL of each declared key, in one call. */
export const TTL_SCRIPT = `local out = {}
for i = 1, #KEYS do out[i] = redis.call('PTTL', KEYS[i]) end
return out`

type Send = (args: (string | Buffer)[]) => Promise<unknown>

/** Takes the inventory of every DB with keys. The budget stops it; the rest is extrapolated by DBSIZE. */
export async function takeInventory(conn: RedisConnection, opts: ScanOptions): Promise<Inventory> {
  const started = Date.now()
  const takenAt = new Date(started).toISOString()
  const timeout = opts.commandTimeoutMs ?? 10_000
  const count = String(opts.count ?? DEFAULT_SCAN_COUNT)
  const maxKeys = opts.maxKeys ?? Infinity
  const keyspace = parseKeyspace(parseInfo(await conn.info('keyspace')).keyspace)
  const dbNumbers = Object.keys(keyspace)
    .map(Number)
    .sort((a, b) => a - b)
  const tally = new KeyTally({ rule: opts.rule, topKeys: opts.topKeys ?? DEFAULT_TALLY.topKeys, maxGroups: opts.maxGroups ?? DEFAULT_TALLY.maxGroups })
  const dbs: DbScan[] = []
  let method: ScanMethod = opts.method === 'pipeline' ? 'pipeline' : opts.method === 'lua' ? 'lua' : 'raw'
  let rawScanner: RawScanner | null = null
  let fallbackReason: string | undefined
  let memoryUsage = true

  // A connection of our own, so SELECT never changes the DB of the connection the snapshots use.
  let client: RedisClient | null = null
  const raw: Send = (args) => (client === null ? Promise.reject(new Error('not connected')) : client.sendCommand(args, BUFFER_REPLIES))
  const send: Send = (args) => withTimeout(raw(args), timeout, `${String(args[0])} to Redis`)
  try {
    client = await conn.duplicate('scan', timeout)
    memoryUsage = await probeMemoryUsage(send)
    const scanScript = new Script(send, SCAN_SCRIPT)
    const ttlScript = new Script(send, TTL_SCRIPT)
    const step = (cursor: string): Promise<Batch> =>
      method === 'lua' ? scanLua(scanScript, cursor, count, memoryUsage) : scanPipelined(raw, send, cursor, count, memoryUsage, timeout)
    const ttls = (keys: Buffer[]): Promise<number[]> => (method === 'lua' ? ttlLua(ttlScript, keys) : ttlPipelined(raw, keys, timeout))
    // Keys whose TTL is wanted wait for one lookup per TTL_BATCH keys, not one round trip per SCAN batch.
    const waiting: { name: string; prefix: string; bytes: number; measured: boolean }[] = []
    const flushTtl = async (db: number): Promise<void> => {
      if (waiting.length === 0) return
      const keys = waiting.splice(0)
      const t = await ttls(keys.map((k) => Buffer.from(k.name, 'latin1')))
      keys.forEach((k, i) => {
        // -2: deleted since SCAN returned it; it is counted in its prefix but is no leaked key.
        if (t[i] !== -2) opts.onKey?.(db, k.name, k.prefix, k.bytes, t[i], k.measured)
      })
    }
    let lastProgress = started
    let seen = 0
    const total = Object.values(keyspace).reduce((s, d) => s + d.keys, 0)
    const sampled = memoryUsage && samplesKeyMemory(opts.keyMemory ?? 'exact', total)
    const exactAsked = { exactAsked: 0, ...(opts.exactLimit === undefined ? {} : { limit: opts.exactLimit }) }

    for (const db of dbNumbers) {
      const scan: DbScan = { db, dbsize: keyspace[db].keys, scanned: 0, ignored: 0, complete: false }
      dbs.push(scan)
      // Past the budget, each DB still gets one batch, so its figures can be extrapolated.
      await send(['SELECT', String(db)])
      scan.dbsize = Number(await send(['DBSIZE']))
      const count1 = async (batch: Batch): Promise<void> => {
        const { keys, bytes, how, prefixes } = batch
        for (let i = 0; i < keys.length; i++) {
          const name = keys[i]
          if (opts.ignore?.test(name)) {
            scan.ignored++
            continue
          }
          const prefix = tally.add(db, name, bytes[i], how ? (how[i] as 0 | 1 | 2) : 2, prefixes?.[i])
          scan.scanned++
          // A key left unmeasured by the sample (-1) counts 0 bytes for the caller, who is told so.
          const measured = bytes[i] >= 0
          const b = measured ? bytes[i] : 0
          if (opts.needTtl?.(db, name)) waiting.push({ name, prefix, bytes: b, measured })
          else opts.onKey?.(db, name, prefix, b, null, measured)
        }
        if (waiting.length >= TTL_BATCH) await flushTtl(db)
        seen += batch.keys.length
        if (opts.log && Date.now() - lastProgress >= (opts.progressEveryMs ?? 5000)) {
          lastProgress = Date.now()
          opts.log(`Key scan: ${formatCount(seen)} of ~${formatCount(total)} keys, DB ${db}, ${((Date.now() - started) / 1000).toFixed(1)} s`)
        }
      }
      let cursor = '0'
      let done = false
      if (method === 'raw') {
        // The lean pipeline on a socket of its own; on any failure, Lua (then the client's pipeline) goes on from the last batch.
        try {
          rawScanner ??= await RawScanner.open(conn.target, timeout, conn.name === null ? null : clientName('scan'))
          // Ignored keys are neither measured nor sampled.
          const chooser = sampled ? new SampleChooser(db, opts.rule, (d, p) => tally.sampleOf(d, p), opts.measureExactly ?? null, exactAsked) : null
          const ignore = opts.ignore
          await rawScanner.start(
            db,
            '0',
            sampled && opts.count === undefined ? String(SAMPLED_SCAN_COUNT) : count,
            memoryUsage,
            chooser && ignore ? { choose: (key) => (ignore.test(key) ? 0 : chooser.choose(key)), get lastPrefix() { return chooser.lastPrefix } } : chooser
          )
          for (;;) {
            const batch = await rawScanner.next()
            if (batch === null) break
            cursor = batch.cursor
            if (cursor === '0') scan.complete = true
            else if (Date.now() - started >= opts.budgetMs || seen + batch.keys.length >= maxKeys) rawScanner.stop()
            await count1(batch)
          }
          done = true
        } catch (err) {
          rawScanner?.close()
          rawScanner = null
          // A server that sends what no Redis sends is not scanned another way: the analysis fails with that one line.
          if (err instanceof ProtocolError) throw err
          method = 'lua'
          fallbackReason = describeError(err)
          opts.log?.(`Key scan: the raw pipelined scan failed (${fallbackReason}); using the Lua fast path.`)
          done = scan.complete
        }
      }
      // The next batch is asked for as soon as the cursor is known, so Redis works on it while we count this one.
      let pending: Promise<Batch> | null = done ? null : step(cursor)
      while (pending) {
        let batch: Batch
        try {
          batch = await pending
        } catch (err) {
          if (method !== 'lua') throw err
          // Scripting disabled, not allowed for this user, or refused by the server: use the pipeline.
          method = 'pipeline'
          fallbackReason = describeError(err)
          opts.log?.(`Key scan: the Lua fast path failed (${fallbackReason}); using the pipelined scan.`)
          batch = await step(cursor)
        }
        cursor = batch.cursor
        if (cursor === '0') {
          scan.complete = true
          pending = null
        } else if (Date.now() - started >= opts.budgetMs || seen + batch.keys.length >= maxKeys) {
          pending = null
        } else {
          pending = step(cursor)
          // Keep an early rejection from being reported as unhandled before it is awaited.
          pending.catch(() => {})
          // The client writes on the next tick: let it send the next batch before we count this one,
          // so Redis works on it meanwhile.
          await new Promise((resolve) => setImmediate(resolve))
        }
        await count1(batch)
      }
      await flushTtl(db)
      // TTLs of the largest keys of this DB, a handful of commands.
      const top = tally.largest.filter((k) => k.db === db && k.ttlMs === null)
      if (top.length > 0) {
        const t = await ttls(top.map((k) => Buffer.from(k.key, 'latin1')))
        top.forEach((k, i) => (k.ttlMs = t[i]))
      }
    }
  } finally {
    rawScanner?.close()
    if (client !== null) await closeQuietly(client)
  }
  return tally.finish({ takenAt, durationMs: Date.now() - started, method, fallbackReason, memoryUsage, dbs })
}

/** True when MEMORY USAGE works as Redis's does (Dragonfly and some proxies differ). */
async function probeMemoryUsage(send: Send): Promise<boolean> {
  try {
    const reply = await send(['MEMORY', 'USAGE', 'redis-memory-guard:probe'])
    return reply === null || typeof reply === 'number'
  } catch (err) {
    // A cluster node that does not serve the probe key's slot answers MOVED: it knows the command.
    const code = replyCode(err)
    return code === 'MOVED' || code === 'ASK'
  }
}

/** A script sent once (SCRIPT LOAD) and then called by its SHA, loaded again if the server forgot it. */
class Script {
  private sha: string | null = null

  constructor(
    private readonly send: Send,
    private readonly body: string
  ) {}

  /** Sends at once (in this tick) when the SHA is known, so the command is written before the caller goes on. */
  call(keys: Buffer[], args: string[]): Promise<unknown> {
    const argv = (sha: string): (string | Buffer)[] => ['EVALSHA', sha, String(keys.length), ...keys, ...args]
    const reload = async (): Promise<unknown> => {
      this.sha = String(await this.send(['SCRIPT', 'LOAD', this.body]))
      return this.send(argv(this.sha))
    }
    if (this.sha === null) return reload()
    return this.send(argv(this.sha)).catch((err: unknown) => {
      if (replyCode(err) !== 'NOSCRIPT') throw err
      return reload()
    })
  }
}

async function scanLua(script: Script, cursor: string, count: string, memory: boolean): Promise<Batch> {
  const reply = await script.call([], [cursor, count, memory ? '1' : '0'])
  if (!Array.isArray(reply) || reply.length !== 4 || !reply.every((r) => Buffer.isBuffer(r))) throw new Error('the scan script gave an unexpected reply')
  return unpackScanReply(reply as Buffer[])
}

/** The scan script's four strings → a Batch; throws when they do not fit together. */
export function unpackScanReply([cursor, names, lengths, memory]: Buffer[]): Batch {
  const n = lengths.length / 4
  if (!Number.isInteger(n) || (memory.length !== 0 && memory.length !== n * 8)) throw new Error('the scan script gave an unexpected reply')
  const keys = new Array<string>(n)
  const bytes = new Float64Array(n)
  let at = 0
  for (let i = 0; i < n; i++) {
    const end = at + lengths.readUInt32LE(i * 4)
    if (end > names.length) throw new Error('the scan script gave an unexpected reply')
    keys[i] = names.toString('latin1', at, end)
    at = end
  }
  if (at !== names.length) throw new Error('the scan script gave an unexpected reply')
  if (memory.length !== 0) for (let i = 0; i < n; i++) bytes[i] = memory.readDoubleLE(i * 8)
  return { cursor: cursor.toString('latin1'), keys, bytes }
}

async function scanPipelined(raw: Send, send: Send, cursor: string, count: string, memory: boolean, timeout: number): Promise<Batch> {
  const [next, bufs] = (await send(['SCAN', cursor, 'COUNT', count])) as [Buffer, Buffer[]]
  const keys = bufs.map((k) => k.toString('latin1'))
  let bytes: number[] = keys.map(() => 0)
  if (memory && keys.length > 0) {
    // Sent in one tick, so the client writes them as one pipeline; one timer for the batch, not one per key.
    const replies = bufs.map((k) => raw(['MEMORY', 'USAGE', k]).catch(() => 0))
    bytes = (await withTimeout(Promise.all(replies), timeout, 'MEMORY USAGE to Redis')).map((r) => (typeof r === 'number' ? r : 0))
  }
  return { cursor: next.toString(), keys, bytes }
}

async function ttlLua(script: Script, keys: Buffer[]): Promise<number[]> {
  const reply = await script.call(keys, [])
  if (!Array.isArray(reply) || reply.length !== keys.length) throw new Error('the TTL script gave an unexpected reply')
  return reply as number[]
}

async function ttlPipelined(raw: Send, keys: Buffer[], timeout: number): Promise<number[]> {
  const replies = keys.map((k) => raw(['PTTL', k]))
  return (await withTimeout(Promise.all(replies), timeout, 'PTTL to Redis')).map((r) => (typeof r === 'number' ? r : -1))
}
