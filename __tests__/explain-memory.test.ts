/** What the memory is made of: MEMORY STATS and CLIENT LIST parsed, and the causes named on real servers. */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { buildBreakdown, explainMemory, parseClientList, parseMemoryStats, takeMemoryBreakdown, type ExplainInput } from '../src/explain/memory.js'
import { takeSnapshot } from '../src/observe/snapshot.js'
import type { RedisConnection } from '../src/redis/connection.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'
import { stuckSubscriber } from './helpers/stuck-subscriber.js'

const redis = connectedRedisPerFile()

/** redis-cli prints MEMORY STATS one value per line, names and values alternating (db.N nested, absent here). */
function capture(name: string): unknown[] {
  const lines = readFileSync(new URL(`./fixtures/memory-stats/${name}.txt`, import.meta.url), 'utf8').trim().split('\n')
  return lines.map((l, i) => (i % 2 === 1 && /^\d+$/.test(l) ? Number(l) : l))
}

describe('parseMemoryStats', () => {
  it.each(['redis-7.0.15', 'redis-7.4.1', 'valkey-8.0.1'])('reads the parts of %s, and they add up to overhead.total', (name) => {
    const s = parseMemoryStats(capture(name))
    expect(s.totalAllocated).toBeGreaterThan(0)
    expect(s.startupAllocated).toBeGreaterThan(0)
    const parts = [s.startupAllocated, s.replicationBacklog, s.clientsReplicas, s.clientsNormal, s.clusterLinks, s.aofBuffer, s.luaCaches, s.functionsCaches]
    expect(parts.every((p) => p !== null)).toBe(true)
    const sum = parts.reduce((a: number, b) => a + (b ?? 0), 0) + s.keyspaceOverhead
    expect(sum).toBe(s.overheadTotal)
    expect((s.overheadTotal ?? 0) + (s.datasetBytes ?? 0)).toBe(s.totalAllocated)
  })

  it('sums the hash tables of every DB and takes floats sent as text', () => {
    const s = parseMemoryStats(['total.allocated', 1000, 'db.0', ['overhead.hashtable.main', 72, 'overhead.hashtable.expires', 56], 'db.3', ['overhead.hashtable.main', 10, 'overhead.hashtable.expires', 0], 'dataset.bytes', '400', 'dataset.percentage', '99.5'])
    expect(s.keyspaceOverhead).toBe(138)
    expect(s.datasetBytes).toBe(400)
    expect(s.aofBuffer).toBeNull()
  })
})

describe('parseClientList', () => {
  it('reads buffers, flags and subscriptions of each connection', () => {
    const text =
      'id=5 addr=127.0.0.1:1 laddr=127.0.0.1:2 fd=8 name= age=0 idle=0 flags=P db=0 sub=2 psub=1 ssub=0 multi=-1 qbuf=26 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=1024 rbp=0 obl=0 oll=12 omem=245760 tot-mem=270000 events=r cmd=subscribe user=default redir=-1 resp=2\n' +
      'id=6 addr=127.0.0.1:3 laddr=127.0.0.1:2 fd=9 name=worker age=0 idle=0 flags=N db=0 sub=0 psub=0 ssub=0 multi=-1 qbuf=0 qbuf-free=0 omem=0 tot-mem=20000 events=r cmd=get user=default\n'
    const clients = parseClientList(text)
    expect(clients).toEqual([
      { id: '5', flags: 'P', cmd: 'subscribe', subscriptions: 3, outputBytes: 245760, queryBytes: 26, totalBytes: 270000 },
      { id: '6', flags: 'N', cmd: 'get', subscriptions: 0, outputBytes: 0, queryBytes: 0, totalBytes: 20000 }
    ])
    const b = buildBreakdown(parseMemoryStats(['total.allocated', 2_000_000, 'clients.normal', 290_000, 'dataset.bytes', 100_000, 'startup.allocated', 900_000]), clients)
    expect(b.biggest?.part).toBe('clients-normal')
    expect(b.clients?.subscribers).toEqual({ count: 1, outputBytes: 245760, totalBytes: 270000 })
    expect(b.clients?.biggestOutput?.id).toBe('5')
  })
})

async function explainNow(conn: RedisConnection, before: { oom: number; evicted: number } = { oom: 0, evicted: 0 }): Promise<ReturnType<typeof explainMemory> & { input: ExplainInput }> {
  const snapshot = await takeSnapshot(conn)
  const breakdown = await takeMemoryBreakdown(conn)
  const input: ExplainInput = {
    snapshot,
    breakdown,
    oomErrors: (snapshot.errorstats?.OOM ?? 0) - before.oom,
    evictedKeys: (snapshot.evictedKeys ?? 0) - before.evicted
  }
  return Object.assign(explainMemory(input), { input })
}

/** Publishes `count` messages of `size` bytes. */
async function publish(port: number, channel: string, count: number, size: number): Promise<void> {
  const msg = 'm'.repeat(size)
  await redisCommands(port, Array.from({ length: count }, () => ['PUBLISH', channel, msg]))
}

/** Lets Redis's clientsCron account the client buffers in MEMORY STATS (it runs every 100 ms). */
const cron = (): Promise<void> => new Promise((r) => setTimeout(r, 400))

describe('the cause, on real servers', () => {
  it('names a subscriber that does not read as the cause of an OOM, and says evicting keys could not help', async () => {
    const { r, conn } = await redis(['--maxmemory', '16mb', '--maxmemory-policy', 'allkeys-lru', '--client-output-buffer-limit', 'pubsub 0 0 0'])
    await redisCommands(r.port, Array.from({ length: 20 }, (_, i) => ['SET', `cache:${i}`, 'v'.repeat(10_000)]))
    const sub = await stuckSubscriber(r.port, 'events')
    try {
      await publish(r.port, 'events', 120, 256 * 1024)
      await cron()
      const write = await redisCommand(r.port, 'SET', 'after:1', 'v'.repeat(100_000))
      expect(String(write)).toMatch(/OOM/)
      await cron()
      const out = await explainNow(conn)
      const b = out.input.breakdown.breakdown
      expect(b?.biggest?.part).toBe('clients-normal')
      expect(b?.clients?.biggestOutput?.cmd).toBe('subscribe')
      expect(b?.clients?.biggestOutput?.outputBytes).toBeGreaterThan(8 * 1024 * 1024)
      expect(out.input.evictedKeys).toBeGreaterThan(0)
      const kinds = out.map((e) => e.kind)
      expect(kinds).toContain('not-keys')
      expect(kinds).toContain('non-evictable-memory')
      expect(out.find((e) => e.kind === 'not-keys')?.text).toMatch(/^Keys were not the cause: the 1 client's buffers held [\d.]+ MB, the biggest output buffer [\d.]+ MB .*a subscriber that does not read its messages/)
    } finally {
      sub.close()
    }
  })

  it('says when maxmemory is barely above the empty server', async () => {
    const { r, conn } = await redis(['--maxmemory', '1200kb'])
    const write = await redisCommand(r.port, 'SET', 'big', 'v'.repeat(600_000))
    expect(String(write)).toMatch(/OOM/)
    const out = await explainNow(conn)
    const e = out.find((x) => x.kind === 'maxmemory-near-empty-server')
    expect(e?.text).toMatch(/^maxmemory is barely above the empty server: 1\.2 MB allowed, [\d.]+ (KB|MB) used by Redis with no data \(used_memory_startup, \d+% of maxmemory\)/)
    expect(out.input.snapshot.memory.usedMemoryStartup).toBeGreaterThanOrEqual(0.5 * 1200 * 1024)
  })

  it('says that a volatile-lru policy had nothing to evict when no key had a TTL', async () => {
    const { r, conn } = await redis(['--maxmemory', '4mb', '--maxmemory-policy', 'volatile-lru'])
    const replies = await redisCommands(r.port, Array.from({ length: 60 }, (_, i) => ['SET', `import:${i}`, 'v'.repeat(100_000)]))
    expect(replies.some((x) => x instanceof Error && /OOM/.test(x.message))).toBe(true)
    const out = await explainNow(conn)
    expect(out.input.evictedKeys).toBe(0)
    const e = out.find((x) => x.kind === 'volatile-policy-without-ttl')
    expect(e?.text).toMatch(/^Evicting could not prevent OOM: maxmemory-policy volatile-lru evicts only keys with a TTL, and none of the \d+ keys had one/)
    // The keys themselves were the biggest part here: no "not keys" sentence.
    expect(out.map((x) => x.kind)).not.toContain('not-keys')
    expect(out.input.breakdown.breakdown?.biggest?.part).toBe('dataset')
  })

  it('gives no volatile sentence when the keys had TTLs and eviction did its work', async () => {
    const { r, conn } = await redis(['--maxmemory', '4mb', '--maxmemory-policy', 'volatile-lru'])
    const replies = await redisCommands(r.port, Array.from({ length: 60 }, (_, i) => ['SET', `import:${i}`, 'v'.repeat(100_000), 'EX', '600']))
    expect(replies.every((x) => x === 'OK')).toBe(true)
    const out = await explainNow(conn)
    expect(out.input.evictedKeys).toBeGreaterThan(0)
    expect(out.map((x) => x.kind)).not.toContain('volatile-policy-without-ttl')
  })

  it('says why it cannot tell when MEMORY STATS is not allowed', async () => {
    const { r } = await redis()
    await redisCommand(r.port, 'ACL', 'SETUSER', 'ci', 'on', '>secret-pw', '+@all', '-memory', '~*')
    const { connect } = await import('../src/redis/connection.js')
    const { parseRedisUrl } = await import('../src/redis/target.js')
    const limited = await connect(parseRedisUrl(`redis://ci:secret-pw@127.0.0.1:${r.port}`, 'redis-url'), { timeoutMs: 5000 })
    try {
      const result = await takeMemoryBreakdown(limited)
      expect(result.breakdown).toBeNull()
      expect(result.reason).toMatch(/^MEMORY STATS was refused \(NOPERM/)
      expect(result.reason).not.toContain('secret-pw')
      const out = explainMemory({ snapshot: await takeSnapshot(limited), breakdown: result, oomErrors: 0, evictedKeys: 0 })
      expect(out.map((e) => e.kind)).toEqual(['breakdown-unavailable'])
    } finally {
      await limited.close()
    }
  })
})

describe('buildBreakdown when MEMORY STATS lags behind a client buffer', () => {
  it("moves what CLIENT LIST's live tot-mem shows beyond MEMORY STATS from the dataset to the clients", () => {
    // As Redis 7.0 answered right after a subscriber's buffer grew: no keys, yet 7.5 MB "dataset".
    const stats = parseMemoryStats(['total.allocated', 8_490_008, 'startup.allocated', 876_280, 'dataset.bytes', 7_503_600, 'clients.normal', 107_600])
    const subscriber = { id: '8', flags: 'P', cmd: 'subscribe', subscriptions: 1, outputBytes: 7_203_408, queryBytes: 0, totalBytes: 7_241_096 }
    const b = buildBreakdown(stats, [subscriber])
    expect(b.biggest).toMatchObject({ part: 'clients-normal', bytes: 7_241_096 })
    expect(b.parts.find((p) => p.part === 'dataset')?.bytes).toBe(7_503_600 - (7_241_096 - 107_600))
    // Without CLIENT LIST nothing is moved.
    expect(buildBreakdown(stats, null).biggest?.part).toBe('dataset')
  })
})
