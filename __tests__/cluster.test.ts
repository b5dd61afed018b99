/**
 * Redis Cluster against real redis-server processes: a 3-master cluster and a 3+3 cluster with
 * replicas started by startCluster, discovery from any node, hash slots against CLUSTER KEYSLOT,
 * and one shard hitting OOM while the others are fine.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { HashTagTally, mergeInventories } from '../src/keys/cluster.js'
import { takeInventory } from '../src/keys/inventory.js'
import type { Inventory } from '../src/keys/tally.js'
import { findImbalance, hashTagFindings, nodeFigures, nodeFindings, shardOomFinding, totalsOf, type NodeFigures } from '../src/judge/nodes.js'
import { DEFAULT_THRESHOLDS, judge } from '../src/judge/checks.js'
import { startCluster, stopCluster, type StartedCluster } from '../src/provision/cluster.js'
import { connect, type RedisConnection } from '../src/redis/connection.js'
import { keySlot } from '../src/redis/keyslot.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { parseInstances } from '../src/redis/instances.js'
import { discoverCluster, expandCluster, isClusterEnabled, parseClusterNodes, replicationRole, resolveInstances, type ClusterNode } from '../src/redis/topology.js'
import { takeSnapshot } from '../src/observe/snapshot.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { redisPerFile } from './helpers/redis-server.js'

const redis = redisPerFile()

const conns: RedisConnection[] = []
async function open(url: string): Promise<RedisConnection> {
  const c = await connect(parseRedisUrl(url), { timeoutMs: 5000 })
  conns.push(c)
  return c
}
afterAll(async () => {
  await Promise.all(conns.map((c) => c.close()))
})

const portOf = (url: string): number => Number(new URL(url).port)
const covered = (nodes: ClusterNode[]): number => nodes.flatMap((n) => n.slots).reduce((s, [a, b]) => s + b - a + 1, 0)

describe('a cluster of three masters', () => {
  let cluster: StartedCluster
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 0, timeoutMs: 30_000 })
  })
  afterAll(async () => {
    if (cluster) await stopCluster(cluster, { quiet: true })
  })

  it('starts with every slot served and exposes every node URL', async () => {
    expect(cluster.urls).toHaveLength(3)
    expect(cluster.seedUrl).toBe(cluster.urls[0])
    for (const url of cluster.urls) {
      const info = String(await redisCommand(portOf(url), 'CLUSTER', 'INFO'))
      expect(info).toContain('cluster_state:ok')
      expect(info).toContain('cluster_slots_assigned:16384')
      expect(info).toContain('cluster_known_nodes:3')
    }
  })

  it('expands the URL of any node to every master with its slots, from CLUSTER SHARDS and CLUSTER NODES alike', async () => {
    const conn = await open(cluster.urls[2])
    expect(await isClusterEnabled(conn)).toBe(true)
    const topo = await expandCluster(conn, 'auto')
    expect(topo).not.toBeNull()
    expect(topo?.source).toBe('shards')
    const nodes = topo?.nodes ?? []
    expect(nodes.map((n) => n.port).sort()).toEqual(cluster.nodes.map((n) => n.port).sort())
    expect(nodes.every((n) => n.role === 'master' && n.health === 'online')).toBe(true)
    expect(covered(nodes)).toBe(16384)
    expect(nodes[0].slots[0][0]).toBe(0)
    expect(new Set(nodes.map((n) => n.id))).toEqual(new Set(cluster.nodes.map((n) => n.nodeId)))
    expect(nodes.every((n) => n.target.url === `redis://127.0.0.1:${n.port}`)).toBe(true)
    // CLUSTER NODES, which servers before 7.0 fall back to, describes the same layout.
    const fromNodes = parseClusterNodes(String(await conn.command(['CLUSTER', 'NODES'])))
    const view = (ns: { id: string; port: number; role: string; slots: [number, number][] }[]): string[] =>
      ns.map((n) => `${n.id} ${n.port} ${n.role} ${JSON.stringify(n.slots)}`).sort()
    expect(view(fromNodes)).toEqual(view(nodes))
    expect(await expandCluster(conn, 'off')).toBeNull()
  })

  it('resolves a redis-url of a plain server and a cluster node into every server to watch', async () => {
    const plain = await redis()
    const specs = parseInstances(`cache=${plain.url}, shop=${cluster.urls[1]}`)
    const watched = await resolveInstances(specs, { cluster: 'auto', connectTimeoutMs: 5000 })
    expect(watched.map((w) => [w.instance, w.target.port, w.node?.role ?? null])).toEqual([
      ['cache', plain.port, null],
      ...cluster.nodes.map((n) => ['shop', n.port, 'master'])
    ])
    const off = await resolveInstances(specs, { cluster: 'off', connectTimeoutMs: 5000 })
    expect(off.map((w) => [w.instance, w.target.port, w.node])).toEqual([
      ['cache', plain.port, null],
      ['shop', cluster.nodes[1].port, null]
    ])
  })

  it('computes the hash slot of every kind of key as CLUSTER KEYSLOT does', async () => {
    const keys: (string | Buffer)[] = [
      'user:1000',
      '{user1000}.following',
      '{user1000}.followers',
      'foo{}{bar}',
      'foo{{bar}}zap',
      'foo{bar}{zap}',
      '{}',
      '{',
      'a}b{c',
      '',
      'ключ:1',
      Buffer.from([0xff, 0x00, 0x7b, 0x80, 0x7d, 0x01])
    ]
    for (let i = 0; i < 300; i++) keys.push(`k:${i}:${(i * 7919).toString(36)}${i % 3 === 0 ? `{t${i % 17}}` : ''}`)
    const replies = await redisCommands(
      cluster.nodes[0].port,
      keys.map((k) => ['CLUSTER', 'KEYSLOT', k])
    )
    const mine = keys.map((k) => keySlot(typeof k === 'string' ? Buffer.from(k, 'utf8') : k))
    expect(mine).toEqual(replies)
    // The inventory hands keys over as byte strings; the slot must not depend on the form.
    expect(keySlot(Buffer.from('ключ:1', 'utf8').toString('latin1'))).toBe(replies[10])
  })

  it('shows one shard refusing writes while the cluster as a whole has room, and the hash tag and prefix that filled it', async () => {
    const masters = cluster.nodes.filter((n) => n.role === 'master')
    const topo = await discoverCluster(await open(cluster.seedUrl))
    const hotSlot = keySlot('hot')
    const hot = topo.nodes.find((n) => n.slots.some(([a, b]) => hotSlot >= a && hotSlot <= b)) as ClusterNode
    const others = topo.nodes.filter((n) => n !== hot)
    const byPort = new Map<number, RedisConnection>()
    for (const m of masters) byPort.set(m.port, await open(m.url))
    const used = Number(/used_memory:(\d+)/.exec(String(await redisCommand(hot.port, 'INFO', 'memory')))?.[1])
    await redisCommand(hot.port, 'CONFIG', 'SET', 'maxmemory', String(used + 1024 * 1024))
    for (const o of others) await redisCommand(o.port, 'CONFIG', 'SET', 'maxmemory', String(64 * 1024 * 1024))
    const before = new Map(await Promise.all(topo.nodes.map(async (n) => [n.port, await takeSnapshot(byPort.get(n.port) as RedisConnection)] as const)))

    // 400 × 10 kB under one hash tag: about 4 MB for a shard with 1 MB of room.
    const value = 'v'.repeat(10_000)
    const hotReplies = await redisCommands(
      hot.port,
      Array.from({ length: 400 }, (_, i) => ['SET', `{hot}:job:${i}`, value])
    )
    const refused = hotReplies.filter((r) => r instanceof Error && /^OOM/.test(r.message)).length
    expect(refused).toBeGreaterThan(0)
    // A few small keys on each other master, written to the node that owns them.
    for (const o of others) {
      const names: string[] = []
      for (let i = 0; names.length < 20 && i < 100_000; i++) {
        const k = `cache:item:${i}`
        if (o.slots.some(([a, b]) => keySlot(k) >= a && keySlot(k) <= b)) names.push(k)
      }
      const replies = await redisCommands(
        o.port,
        names.map((k) => ['SET', k, 'x'])
      )
      expect(replies.every((r) => r === 'OK')).toBe(true)
    }

    const rows: NodeFigures[] = await Promise.all(
      topo.nodes.map(async (n) => {
        const b = before.get(n.port) ?? null
        const after = await takeSnapshot(byPort.get(n.port) as RedisConnection)
        return nodeFigures({ instance: 'cluster', node: n, before: b, after, judged: judge(b, after, DEFAULT_THRESHOLDS) })
      })
    )
    const hotRow = rows.find((r) => r.address === `127.0.0.1:${hot.port}`) as NodeFigures
    expect(hotRow.oomErrors).toBe(refused)
    expect(hotRow.keys).toBe(400 - refused)
    for (const r of rows.filter((x) => x !== hotRow)) {
      expect(r.oomErrors).toBe(0)
      expect(r.keys).toBe(20)
    }
    const totals = totalsOf(rows)
    expect(totals).toMatchObject({ nodes: 3, unreached: 0, oomErrors: refused, keys: 400 - refused + 40, complete: true })
    expect(totals.usedMemory as number).toBeLessThan((totals.maxmemory as number) / 10)

    const findings = nodeFindings(rows)
    expect(findings).toEqual([`cluster ${hotRow.node}: ${refused.toLocaleString('en-US')} OOM error${refused === 1 ? '' : 's'}.`])
    expect(hotRow.node).toContain(`127.0.0.1:${hot.port} (master, slots `)
    expect(shardOomFinding('cluster', rows)).toMatch(new RegExp(`^cluster: .* on 1 of 3 masters \\(127\\.0\\.0\\.1:${hot.port}\\), while the masters together used .* maxmemory \\(\\d+%\\)`))

    // Key analysis on every master in parallel, merged; the hash tag tally fed from the scan.
    const tags = new HashTagTally()
    const inventories: Record<string, Inventory> = {}
    await Promise.all(
      topo.nodes.map(async (n) => {
        inventories[`127.0.0.1:${n.port}`] = await takeInventory(byPort.get(n.port) as RedisConnection, {
          rule: { delimiter: ':', depth: 2 },
          ignore: null,
          budgetMs: 30_000,
          onKey: (_db, key, _prefix, bytes) => tags.add(key, bytes)
        })
      })
    )
    const merged = mergeInventories(inventories)
    const hotGroup = merged.find((g) => g.prefix === '{hot}:job:*')
    expect(hotGroup?.keys).toBe(400 - refused)
    expect(Object.keys(hotGroup?.byNode ?? {})).toEqual([`127.0.0.1:${hot.port}`])
    expect(merged.find((g) => g.prefix === 'cache:item:*')?.keys).toBe(40)

    const imbalance = findImbalance(rows, { merged, minKeys: 100, minBytes: 100_000 })
    expect(imbalance.map((i) => i.address)).toEqual([`127.0.0.1:${hot.port}`])
    expect(imbalance[0].finding).toMatch(new RegExp(`^cluster: master 127\\.0\\.0\\.1:${hot.port} holds \\d+% of the masters' data .*; mostly \\{hot\\}:job:\\* \\(100% of it there\\)\\.$`))

    expect(tags.totalKeys).toBe(400 - refused + 40)
    expect(tags.top(1)[0]).toMatchObject({ tag: 'hot', slot: hotSlot, keys: 400 - refused })
    // Fewer than the default 100 keys fit into the full shard, hence the lower bar here.
    expect(hashTagFindings('cluster', tags.top(), tags.totalKeys, topo.nodes, { minKeys: 50 })).toEqual([
      `cluster: hash tag {hot} pins ${(400 - refused).toLocaleString('en-US')} keys (${Math.round((100 * (400 - refused)) / tags.totalKeys)}% of all) to slot ${hotSlot} on 127.0.0.1:${hot.port}.`
    ])
  })
})

describe('a cluster of three masters with one replica each, with a password', () => {
  let cluster: StartedCluster
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1, password: 'p@ss word', timeoutMs: 45_000 })
  })
  afterAll(async () => {
    if (cluster) await stopCluster(cluster, { quiet: true })
  })

  it('discovers all six nodes from a replica, each replica under its master', async () => {
    expect(cluster.nodes.map((n) => n.role)).toEqual(['master', 'master', 'master', 'replica', 'replica', 'replica'])
    const replica = cluster.nodes[4]
    const conn = await open(replica.url)
    expect(await replicationRole(conn)).toBe('replica')
    const topo = await expandCluster(conn)
    const nodes = topo?.nodes ?? []
    expect(nodes).toHaveLength(6)
    expect(nodes.map((n) => n.role)).toEqual(['master', 'replica', 'master', 'replica', 'master', 'replica'])
    expect(covered(nodes)).toBe(16384)
    for (let i = 0; i < 6; i += 2) {
      expect(nodes[i + 1].masterId).toBe(nodes[i].id)
      expect(nodes[i + 1].slots).toEqual([])
    }
    expect(new Set(nodes.map((n) => n.port))).toEqual(new Set(cluster.nodes.map((n) => n.port)))
    // Every node's target carries the seed's password, so the engine can connect to each.
    expect(cluster.urls.every((u) => u.startsWith('redis://:p%40ss%20word@127.0.0.1:'))).toBe(true)
    expect(nodes.every((n) => n.target.password === 'p@ss word')).toBe(true)
    const other = await open(nodes[3].target.url)
    expect(await replicationRole(other)).toBe('replica')
    expect(String(await redisCommand(nodes[0].port, 'PING'))).toMatch(/NOAUTH/)
  })

  it('stops every node and removes its folder', async () => {
    const { existsSync } = await import('node:fs')
    const copy = { nodes: cluster.nodes.map((n) => ({ ...n })) }
    await stopCluster(copy, { quiet: true })
    for (const n of copy.nodes) {
      if (n.kind !== 'binary') throw new Error(`a ${n.kind} node in a binary cluster`)
      expect(existsSync(n.dir)).toBe(false)
      await expect(redisCommand(n.port, 'PING')).rejects.toThrow()
    }
  })
})
