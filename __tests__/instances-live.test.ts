/**
 * Several instances against real servers: two separate servers named in one redis-url with an OOM
 * on one of them, and a Sentinel watching a master and a replica through a failover.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { UserError } from '../src/core/errors.js'
import { failoverFinding, nodeFigures, nodeFindings, totalsOf } from '../src/judge/nodes.js'
import { DEFAULT_THRESHOLDS, judge } from '../src/judge/checks.js'
import { connect, sleep, type RedisConnection } from '../src/redis/connection.js'
import { parseInstances } from '../src/redis/instances.js'
import { checkFailover, replicationRole, resolveSentinelMaster, type FailoverCheck } from '../src/redis/topology.js'
import { takeSnapshot } from '../src/observe/snapshot.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { freePort, redisPerFile } from './helpers/redis-server.js'
import { startSentinel, type TestSentinel } from './helpers/sentinel.js'

const redis = redisPerFile()
const conns: RedisConnection[] = []
const sentinels: TestSentinel[] = []
afterAll(async () => {
  await Promise.all(conns.map((c) => c.close()))
  await Promise.all(sentinels.map((s) => s.stop()))
})

/** Polls until `ok` gives true, at most `ms`; returns whether it did. */
async function until(ms: number, ok: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await ok()) return true
    if (Date.now() > deadline) return false
    await sleep(100)
  }
}

describe('two separate servers in one redis-url', () => {
  it('gives each its own figures and names the one that hit OOM', async () => {
    const cache = await redis()
    const queue = await redis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'])
    const specs = parseInstances(`cache=${cache.url}\nqueue=${queue.url}`)
    expect(specs.map((s) => s.name)).toEqual(['cache', 'queue'])
    const watched = await Promise.all(
      specs.map(async (s) => {
        if (s.kind !== 'direct') throw new Error('expected direct instances')
        const conn = await connect(s.target, { timeoutMs: 5000 })
        conns.push(conn)
        return { name: s.name, conn, before: await takeSnapshot(conn) }
      })
    )

    await redisCommands(
      cache.port,
      Array.from({ length: 50 }, (_, i) => ['SET', `page:${i}`, 'x'.repeat(100)])
    )
    const replies = await redisCommands(
      queue.port,
      Array.from({ length: 400 }, (_, i) => ['RPUSH', `jobs:${i}`, 'y'.repeat(10_000)])
    )
    const refused = replies.filter((r) => r instanceof Error && r.message.startsWith('OOM')).length
    expect(refused).toBeGreaterThan(0)

    const rows = await Promise.all(watched.map(async (w) => {
        const after = await takeSnapshot(w.conn)
        return nodeFigures({ instance: w.name, node: null, before: w.before, after, judged: judge(w.before, after, DEFAULT_THRESHOLDS) })
      }))
    expect(rows.map((r) => [r.instance, r.oomErrors, r.keys])).toEqual([
      ['cache', 0, 50],
      ['queue', refused, 400 - refused]
    ])
    expect(rows[1].maxmemory).toBe(2 * 1024 * 1024)
    // No maxmemory on the cache: an unknown limit, not a limit of zero.
    expect(rows[0].maxmemory).toBeNull()
    expect(nodeFindings(rows)).toEqual([`queue: ${refused} OOM error${refused === 1 ? '' : 's'}.`])
    const totals = totalsOf(rows)
    expect(totals.oomErrors).toBe(refused)
    expect(totals.keys).toBe(50 + 400 - refused)
    expect(totals.usedMemory).toBe((rows[0].usedMemory as number) + (rows[1].usedMemory as number))
    // The cache has no limit, so together they have none; every figure was read, though.
    expect(totals.maxmemory).toBeNull()
    expect(totals.complete).toBe(true)
  })

  it('says a server that could not be reached after the step is unknown, not fine', () => {
    const rows = [nodeFigures({ instance: 'queue', node: null, before: null, after: null, judged: null })]
    expect(nodeFindings(rows)).toEqual(['queue: could not be reached after the step; its figures are unknown.'])
    expect(totalsOf(rows)).toMatchObject({ unreached: 1, oomErrors: null, complete: false })
  })
})

describe('Sentinel', () => {
  it('finds the master through the sentinels, skipping one that is down, and detects a failover by asking again', async () => {
    const master = await redis()
    const replica = await redis(['--replicaof', '127.0.0.1', String(master.port)])
    expect(await until(10_000, async () => /master_link_status:up/.test(String(await redisCommand(replica.port, 'INFO', 'replication'))))).toBe(true)
    const sentinel = await startSentinel('orders', master.port)
    sentinels.push(sentinel)
    const deadPort = await freePort()

    const [spec] = parseInstances(`ha=redis+sentinel://127.0.0.1:${deadPort},127.0.0.1:${sentinel.port}/orders`)
    if (spec.kind !== 'sentinel') throw new Error('expected a Sentinel instance')
    const first = await resolveSentinelMaster(spec.sentinel, { timeoutMs: 500 })
    expect(first).toMatchObject({ host: '127.0.0.1', port: master.port, sentinel: { port: sentinel.port } })
    expect(first.target.url).toBe(`redis://127.0.0.1:${master.port}/0`)
    const unchanged = await checkFailover(spec.sentinel, first, { timeoutMs: 500 })
    expect(unchanged.failedOver).toBe(false)
    expect(failoverFinding('ha', unchanged)).toBeNull()

    // The sentinel learns of the replica from the master's INFO; a failover needs one to promote.
    expect(
      await until(15_000, async () => {
        const replicas = await redisCommand(sentinel.port, 'SENTINEL', 'REPLICAS', 'orders')
        return Array.isArray(replicas) && replicas.length === 1
      })
    ).toBe(true)
    const known = await resolveSentinelMaster(spec.sentinel, { timeoutMs: 500 })
    expect(known.replicas.map((r) => r.target.url)).toEqual([`redis://127.0.0.1:${replica.port}/0`])
    expect(await redisCommand(sentinel.port, 'SENTINEL', 'FAILOVER', 'orders')).toBe('OK')

    let check: FailoverCheck | null = null
    expect(
      await until(30_000, async () => {
        check = await checkFailover(spec.sentinel, first, { timeoutMs: 500 })
        return check.failedOver
      })
    ).toBe(true)
    const after = check as unknown as FailoverCheck
    expect(after.current.port).toBe(replica.port)
    expect(failoverFinding('ha', after)).toBe(
      `ha: the master failed over from 127.0.0.1:${master.port} to 127.0.0.1:${replica.port} during the step; ` +
        'figures after it are the new master\'s, and counters of the old one are not included.'
    )
    // The snapshots follow the new master: it answers as a master once promoted.
    const promoted = await connect(after.current.target, { timeoutMs: 5000 })
    conns.push(promoted)
    expect(await until(10_000, async () => (await replicationRole(promoted)) === 'master')).toBe(true)
  })

  it('says in one line when no sentinel knows the master', async () => {
    const master = await redis()
    const sentinel = await startSentinel('orders', master.port)
    sentinels.push(sentinel)
    const [spec] = parseInstances(`redis+sentinel://127.0.0.1:${sentinel.port}/billing`)
    if (spec.kind !== 'sentinel') throw new Error('expected a Sentinel instance')
    const err = await resolveSentinelMaster(spec.sentinel, { timeoutMs: 500 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(UserError)
    expect((err as Error).message).toBe(
      `redis-url: no sentinel named the master "billing" (127.0.0.1:${sentinel.port} knows no master "billing"). ` +
        'Check the sentinels\' addresses and the master\'s name (sentinel monitor <name> in their config).'
    )
  })
})
