/**
 * The largest keys like `redis-cli --bigkeys`, and better: type, encoding, element count, bytes and
 * TTL, asked only for the few keys named (the top N of an inventory), pipelined per DB. And per
 * prefix the encoding mix from a sample of its keys, so a prefix whose hashes crossed from
 * listpack to hashtable shows (the conversion is one way: they stay hashtables).
 *
 * Key names are byte strings (see prefix.ts) and travel as Buffers.
 */
import { GUARD_CLIENT_NAME } from '../redis/client.js'
import { closeQuietly, withTimeout, type RedisConnection } from '../redis/connection.js'

const BUFFERS = { buffers: true } as const

/** The command that counts the elements of each type (`--bigkeys` uses the same). */
export const LENGTH_COMMAND: Record<string, string> = {
  string: 'STRLEN',
  list: 'LLEN',
  set: 'SCARD',
  zset: 'ZCARD',
  hash: 'HLEN',
  stream: 'XLEN'
}

/** One key described. `key` is a byte string. */
export interface KeyDetail {
  db: number
  key: string
  /** `string`, `hash`, ... ; `none` when the key was gone by the time it was asked. */
  type: string
  /** OBJECT ENCODING: `listpack`, `hashtable`, `intset`, `embstr`, ...; null where refused. */
  encoding: string | null
  /** Elements (bytes for strings); null for types without a length command (modules). */
  elements: number | null
  /** MEMORY USAGE (SAMPLES 0 would be exact but slow on big collections: the default 5 samples). */
  bytes: number | null
  /** PTTL: ms left, -1 no TTL, -2 gone. */
  ttlMs: number
}

export interface DetailOptions {
  commandTimeoutMs?: number
  /** For sampleEncodings: only these prefixes (e.g. the top ones, known once the scan is done). */
  only?: (db: number, prefix: string) => boolean
}

type Send = (args: (string | Buffer)[]) => Promise<unknown>

function text(reply: unknown): string | null {
  if (Buffer.isBuffer(reply)) return reply.toString('latin1')
  if (typeof reply === 'string') return reply
  return null
}

function numberOrNull(reply: unknown): number | null {
  return typeof reply === 'number' && Number.isFinite(reply) ? reply : null
}

/** Runs `fn` on a connection of our own, so SELECT never changes the DB of the caller's. */
async function onOwnConnection<T>(conn: RedisConnection, timeoutMs: number, fn: (send: Send) => Promise<T>): Promise<T> {
  const client = conn.raw.duplicate({ name: `${GUARD_CLIENT_NAME}:keys` })
  client.on('error', () => {})
  try {
    await withTimeout(client.connect(), timeoutMs, 'connect')
    const send: Send = (args) => client.sendCommand(args, BUFFERS)
    return await fn(send)
  } finally {
    await closeQuietly(client)
  }
}

function byDb<T extends { db: number }>(items: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>()
  for (const it of items) {
    const list = out.get(it.db) ?? []
    list.push(it)
    out.set(it.db, list)
  }
  return out
}

/** An error reply (ACL, unknown command) counts as "not known", not as a failed scan. */
const settle = (p: Promise<unknown>): Promise<unknown> => p.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))))

/**
 * Describes the named keys: two pipelined round trips per DB (TYPE, OBJECT ENCODING, MEMORY USAGE,
 * PTTL; then the length command of each type). Keys are given in the order wanted back.
 */
export async function describeKeys(conn: RedisConnection, keys: { db: number; key: string }[], opts: DetailOptions = {}): Promise<KeyDetail[]> {
  if (keys.length === 0) return []
  const timeout = opts.commandTimeoutMs ?? 10_000
  const found = new Map<string, KeyDetail>()
  await onOwnConnection(conn, timeout, async (send) => {
    for (const [db, list] of byDb(keys)) {
      await withTimeout(send(['SELECT', String(db)]), timeout, 'SELECT to Redis')
      const names = list.map((k) => Buffer.from(k.key, 'latin1'))
      // Sent in one tick: the client writes them as one pipeline.
      const first = names.map((n) => Promise.all([send(['TYPE', n]), settle(send(['OBJECT', 'ENCODING', n])), settle(send(['MEMORY', 'USAGE', n])), send(['PTTL', n])]))
      const replies = await withTimeout(Promise.all(first), timeout, 'TYPE, OBJECT ENCODING and MEMORY USAGE to Redis')
      const types = replies.map(([t]) => text(t) ?? 'none')
      const lengths = await withTimeout(
        Promise.all(names.map((n, i) => (LENGTH_COMMAND[types[i]] ? settle(send([LENGTH_COMMAND[types[i]], n])) : Promise.resolve(null)))),
        timeout,
        'element counts to Redis'
      )
      list.forEach((k, i) => {
        const [, enc, mem, ttl] = replies[i]
        found.set(`${db}\n${k.key}`, {
          db,
          key: k.key,
          type: types[i],
          encoding: text(enc),
          elements: numberOrNull(lengths[i]),
          bytes: numberOrNull(mem),
          ttlMs: numberOrNull(ttl) ?? -1
        })
      })
    }
  })
  return keys.map((k) => found.get(`${k.db}\n${k.key}`)).filter((d): d is KeyDetail => d !== undefined)
}

/**
 * Keeps a bounded random sample of keys per prefix while a scan runs (reservoir sampling), so the
 * encoding mix costs `perPrefix` OBJECT ENCODING calls per prefix, whatever the keyspace's size.
 */
export class EncodingSampler {
  private readonly samples = new Map<string, { db: number; prefix: string; seen: number; keys: string[] }>()

  constructor(
    private readonly perPrefix = 20,
    private readonly maxPrefixes = 50,
    private readonly random: () => number = Math.random
  ) {}

  add(db: number, key: string, prefix: string): void {
    const id = `${db}\n${prefix}`
    let s = this.samples.get(id)
    if (!s) {
      if (this.samples.size >= this.maxPrefixes) return
      s = { db, prefix, seen: 0, keys: [] }
      this.samples.set(id, s)
    }
    s.seen++
    if (s.keys.length < this.perPrefix) s.keys.push(key)
    else {
      const j = Math.floor(this.random() * s.seen)
      if (j < this.perPrefix) s.keys[j] = key
    }
  }

  /** The sample: per DB and prefix, how many keys it stands for and the keys drawn. */
  get drawn(): { db: number; prefix: string; seen: number; keys: string[] }[] {
    return [...this.samples.values()]
  }
}

/** The encodings of a prefix's keys, from a sample. `prefix` is a byte string. */
export interface EncodingMix {
  db: number
  prefix: string
  /** Keys of the prefix the sample was drawn from. */
  keys: number
  sampled: number
  /** Per type and encoding (`hash/listpack`), how many sampled keys. */
  encodings: Record<string, number>
}

/** Asks TYPE and OBJECT ENCODING of the sampled keys, pipelined per DB. */
export async function sampleEncodings(conn: RedisConnection, sampler: EncodingSampler, opts: DetailOptions = {}): Promise<EncodingMix[]> {
  const groups = sampler.drawn.filter((g) => opts.only?.(g.db, g.prefix) ?? true)
  if (groups.length === 0) return []
  const timeout = opts.commandTimeoutMs ?? 10_000
  const out: EncodingMix[] = []
  await onOwnConnection(conn, timeout, async (send) => {
    for (const [db, list] of byDb(groups)) {
      await withTimeout(send(['SELECT', String(db)]), timeout, 'SELECT to Redis')
      const asked = list.map((g) =>
        Promise.all(g.keys.map((k) => Buffer.from(k, 'latin1')).map((n) => Promise.all([send(['TYPE', n]), settle(send(['OBJECT', 'ENCODING', n]))])))
      )
      const replies = await withTimeout(Promise.all(asked), timeout, 'OBJECT ENCODING to Redis')
      list.forEach((g, i) => {
        const encodings: Record<string, number> = {}
        let sampled = 0
        for (const [t, e] of replies[i]) {
          const type = text(t) ?? 'none'
          if (type === 'none') continue // deleted since the scan
          sampled++
          const name = `${type}/${text(e) ?? 'unknown'}`
          encodings[name] = (encodings[name] ?? 0) + 1
        }
        out.push({ db, prefix: g.prefix, keys: g.seen, sampled, encodings })
      })
    }
  })
  return out
}
