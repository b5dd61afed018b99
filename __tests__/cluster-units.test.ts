/** The pure parts of cluster support with plain data: CRC16 and hash tags, CLUSTER NODES/SHARDS replies, slot ranges, merging and imbalance. */
import { describe, expect, it } from '@jest/globals'
import { HashTagTally, mergeInventories } from '../src/keys/cluster.js'
import type { Inventory } from '../src/keys/tally.js'
import { findImbalance, summarizeInstances, totalsOf, type NodeFigures } from '../src/judge/nodes.js'
import { DEFAULT_THRESHOLDS, judge } from '../src/judge/checks.js'
import { snap } from './helpers/snapshots.js'
import { clusterShape, slotRanges } from '../src/provision/cluster.js'
import { crc16, hashTagOf, keySlot } from '../src/redis/keyslot.js'
import { describeNode, orderNodes, parseClusterNodes, parseClusterShards } from '../src/redis/topology.js'
import { UserError } from '../src/core/errors.js'

describe('keySlot', () => {
  it('uses CRC16/XMODEM, whose check value for "123456789" is 0x31C3', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x31c3)
    expect(keySlot('123456789')).toBe(0x31c3 % 16384)
  })

  it('hashes only the first non-empty {tag}', () => {
    expect(hashTagOf('{user1000}.following')).toBe('user1000')
    expect(hashTagOf('foo{}{bar}')).toBeNull()
    expect(hashTagOf('foo{{bar}}')).toBe('{bar')
    expect(hashTagOf('foo{bar}{zap}')).toBe('bar')
    expect(hashTagOf('no tag}{')).toBeNull()
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'))
    expect(keySlot('foo{}{bar}')).toBe(crc16(Buffer.from('foo{}{bar}')) % 16384)
  })
})

const NODES = [
  '07c3 127.0.0.1:30004@31004,host-a slave e7d1 0 1426238317239 4 connected',
  '67ed 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922',
  '292f 127.0.0.1:30003@31003 master - 0 1426238318243 3 connected 10923-16383 [10924->-e7d1]',
  '6ec2 127.0.0.1:30005@31005 slave,fail 67ed 0 1426238316232 5 connected',
  'e7d1 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 9999',
  ''
].join('\n')

describe('parseClusterNodes', () => {
  it('reads roles, masters, served slots (not the migrating ones) and failing nodes', () => {
    const nodes = orderNodes(parseClusterNodes(NODES))
    expect(nodes.map((n) => `${n.port} ${n.role} ${n.masterId ?? '-'} ${JSON.stringify(n.slots)} ${n.health}`)).toEqual([
      '30001 master - [[0,5460],[9999,9999]] online',
      '30004 replica e7d1 [] online',
      '30002 master - [[5461,10922]] online',
      '30005 replica 67ed [] failed',
      '30003 master - [[10923,16383]] online'
    ])
    expect(describeNode(nodes[0])).toBe('127.0.0.1:30001 (master, slots 0-5460, 9999)')
    expect(describeNode(nodes[1])).toBe('127.0.0.1:30004 (replica)')
  })
})

describe('parseClusterShards', () => {
  it('reads the RESP2 form (flat field/value lists) and prefers the endpoint over the IP', () => {
    const reply = [
      [
        'slots',
        [0, 5460],
        'nodes',
        [
          ['id', 'aaa', 'port', 7000, 'ip', '10.0.0.1', 'endpoint', 'redis-0.local', 'role', 'master', 'replication-offset', 10, 'health', 'online'],
          ['id', 'bbb', 'port', 7003, 'ip', '10.0.0.4', 'endpoint', '?', 'role', 'replica', 'replication-offset', 10, 'health', 'loading']
        ]
      ],
      ['slots', [5461, 100, 200, 16383], 'nodes', [['id', 'ccc', 'port', 7001, 'ip', '10.0.0.2', 'endpoint', '10.0.0.2', 'role', 'master', 'health', 'online']]]
    ]
    const nodes = parseClusterShards(reply)
    expect(nodes).toEqual([
      { id: 'aaa', host: 'redis-0.local', port: 7000, role: 'master', masterId: null, slots: [[0, 5460]], health: 'online' },
      { id: 'bbb', host: '10.0.0.4', port: 7003, role: 'replica', masterId: 'aaa', slots: [], health: 'loading' },
      {
        id: 'ccc',
        host: '10.0.0.2',
        port: 7001,
        role: 'master',
        masterId: null,
        slots: [
          [5461, 100],
          [200, 16383]
        ],
        health: 'online'
      }
    ])
  })
})

describe('slotRanges and clusterShape', () => {
  it('covers every slot once, as evenly as redis-cli', () => {
    expect(slotRanges(3)).toEqual([
      [0, 5460],
      [5461, 10922],
      [10923, 16383]
    ])
    for (const n of [1, 2, 5, 7]) {
      const r = slotRanges(n)
      expect(r[0][0]).toBe(0)
      expect(r[r.length - 1][1]).toBe(16383)
      for (let i = 1; i < r.length; i++) expect(r[i][0]).toBe(r[i - 1][1] + 1)
    }
  })

  it('accepts 3 and 6 nodes and explains anything else', () => {
    expect(clusterShape(3)).toEqual({ masters: 3, replicasPerMaster: 0 })
    expect(clusterShape(6)).toEqual({ masters: 3, replicasPerMaster: 1 })
    expect(() => clusterShape(4)).toThrow(UserError)
    expect(() => clusterShape(4)).toThrow('cluster-nodes: "4" is not a cluster size. Use 3 (three masters) or 6 (three masters with one replica each).')
  })
})

function inventory(groups: [string, number, number][]): Inventory {
  return {
    takenAt: '2026-01-01T00:00:00.000Z',
    durationMs: 1,
    method: 'raw',
    memoryUsage: true,
    complete: true,
    dbs: [],
    groups: groups.map(([prefix, keys, bytes]) => ({ db: 0, prefix, keys, bytes, estimated: false })),
    topKeys: [],
    foldedKeys: 0
  }
}

function row(address: string, datasetBytes: number | null, keys: number | null, extra: Partial<NodeFigures> = {}): NodeFigures {
  return {
    instance: 'cluster',
    address,
    node: `${address} (master)`,
    role: 'master',
    reached: true,
    restarted: false,
    usedMemory: datasetBytes,
    peakMemory: datasetBytes,
    maxmemory: 10_000_000,
    datasetBytes,
    oomErrors: 0,
    evictedKeys: 0,
    keys,
    ...extra
  }
}

describe('mergeInventories and findImbalance', () => {
  const merged = mergeInventories({
    'h:1': inventory([
      ['session:*', 1000, 5_000_000],
      ['cache:*', 100, 100_000]
    ]),
    'h:2': inventory([['cache:*', 100, 120_000]]),
    'h:3': inventory([
      ['cache:*', 100, 110_000],
      ['session:*', 10, 50_000]
    ])
  })

  it('adds up each prefix over the nodes and keeps the split', () => {
    expect(merged.map((g) => [g.prefix, g.keys, g.bytes])).toEqual([
      ['session:*', 1010, 5_050_000],
      ['cache:*', 300, 330_000]
    ])
    expect(merged[0].byNode).toEqual({ 'h:1': { keys: 1000, bytes: 5_000_000 }, 'h:3': { keys: 10, bytes: 50_000 } })
  })

  it('names the heavy master and the prefixes that put it there', () => {
    const found = findImbalance([row('h:1', 5_200_000, 1100), row('h:2', 150_000, 100), row('h:3', 170_000, 110)], { merged })
    expect(found).toHaveLength(1)
    expect(found[0]).toMatchObject({ address: 'h:1', measure: 'bytes', value: 5_200_000, total: 5_520_000 })
    expect(found[0].prefixes.map((p) => [p.prefix, Math.round(p.share * 100)])).toEqual([['session:*', 99]])
    expect(found[0].finding).toBe("cluster: master h:1 holds 94% of the masters' data (5.0 MB of 5.3 MB); mostly session:* (99% of it there).")
  })

  it('stays quiet for an even spread, a small keyspace, or a figure that is unknown', () => {
    expect(findImbalance([row('h:1', 2_000_000, 2000), row('h:2', 2_100_000, 2100), row('h:3', 1_900_000, 1900)])).toEqual([])
    expect(findImbalance([row('h:1', 600_000, 900), row('h:2', 1000, 1), row('h:3', 1000, 1)])).toEqual([])
    expect(findImbalance([row('h:1', null, null), row('h:2', 10_000_000, 5000), row('h:3', 1000, 1)])).toEqual([])
  })

  it('asks for three quarters with two masters, where half is an even split', () => {
    expect(findImbalance([row('h:1', 7_000_000, 10), row('h:2', 3_000_000, 10)])).toEqual([])
    expect(findImbalance([row('h:1', 8_000_000, 10), row('h:2', 2_000_000, 10)]).map((f) => f.address)).toEqual(['h:1'])
    expect(findImbalance([row('h:1', 1000, 9000), row('h:2', 1000, 1000)]).map((f) => f.finding)).toEqual(["cluster: master h:1 holds 90% of the masters' keys (9,000 of 10,000 keys)."])
  })
})

describe('totalsOf', () => {
  it('counts keys on masters only and treats a node without maxmemory as no overall limit', () => {
    const t = totalsOf([row('h:1', 100, 10), row('h:2', 100, 10, { role: 'replica' }), row('h:3', 100, 5, { maxmemory: null })])
    expect(t).toMatchObject({ nodes: 3, keys: 15, maxmemory: null, usedMemory: 300, complete: true })
  })
})

describe('HashTagTally', () => {
  it('counts keys per tag and stops tracking new tags past its bound', () => {
    const t = new HashTagTally(2)
    for (let i = 0; i < 5; i++) t.add(`{a}:${i}`, 10)
    t.add('{b}:1', 7)
    t.add('{c}:1', 1)
    t.add('plain', 1)
    expect(t.top()).toEqual([
      { tag: 'a', slot: keySlot('a'), keys: 5, bytes: 50 },
      { tag: 'b', slot: keySlot('b'), keys: 1, bytes: 7 }
    ])
    expect([t.totalKeys, t.taggedKeys, t.untrackedKeys]).toEqual([8, 7, 1])
  })
})

describe('summarizeInstances', () => {
  const MB = 1024 * 1024
  const node = (port: number, first: number, last: number) => ({
    id: `n${port}`,
    host: '10.0.0.1',
    port,
    role: 'master' as const,
    masterId: null,
    slots: [[first, last] as [number, number]],
    health: 'online'
  })

  it('gives rows, totals per instance and overall, and findings that each name their instance and node', () => {
    const full = { memory: { usedMemory: 9 * MB, usedMemoryDataset: 8 * MB, maxmemory: 10 * MB }, keyspace: { '0': { keys: 5000, expires: 0, avgTtl: 0 } } }
    const small = { memory: { usedMemory: 1 * MB, usedMemoryDataset: 0.2 * MB, maxmemory: 10 * MB }, keyspace: { '0': { keys: 100, expires: 0, avgTtl: 0 } } }
    const summary = summarizeInstances({
      nodes: [
        { instance: 'cache', node: null, before: snap(), after: snap({ evictedKeys: 12, keyspace: { '0': { keys: 7, expires: 7, avgTtl: 1000 } } }) },
        { instance: 'shop', node: node(7000, 0, 5460), before: snap(), after: snap({ ...full, errorstats: { OOM: 3 } }) },
        { instance: 'shop', node: node(7001, 5461, 10922), before: snap(), after: snap(small) },
        { instance: 'shop', node: node(7002, 10923, 16383), before: snap(), after: snap(small) }
      ].map((n) => ({ ...n, judged: judge(n.before, n.after, DEFAULT_THRESHOLDS) })),
      hashTags: { shop: { tags: [{ tag: 'cart', slot: 1000, keys: 4000, bytes: 0 }], totalKeys: 5200 } }
    })
    expect(summary.rows.map((r) => [r.instance, r.address, r.oomErrors, r.evictedKeys, r.keys])).toEqual([
      ['cache', null, 0, 12, 7],
      ['shop', '10.0.0.1:7000', 3, 0, 5000],
      ['shop', '10.0.0.1:7001', 0, 0, 100],
      ['shop', '10.0.0.1:7002', 0, 0, 100]
    ])
    expect(summary.instances.map((i) => [i.name, i.cluster, i.totals.keys, i.totals.oomErrors])).toEqual([
      ['cache', false, 7, 0],
      ['shop', true, 5200, 3]
    ])
    expect(summary.total).toMatchObject({ nodes: 4, keys: 5207, oomErrors: 3, evictedKeys: 12, complete: true })
    expect(summary.findings).toEqual([
      'cache: 12 keys evicted.',
      'shop 10.0.0.1:7000 (master, slots 0-5460): 3 OOM errors.',
      'shop: 3 OOM errors on 1 of 3 masters (10.0.0.1:7000), while the masters together used 11.0 MB of 30.0 MB maxmemory (37%): memory is per shard, so one full shard refuses writes for its slots however much room the others have.',
      "shop: master 10.0.0.1:7000 holds 95% of the masters' data (8.0 MB of 8.4 MB).",
      'shop: hash tag {cart} pins 4,000 keys (77% of all) to slot 1000 on 10.0.0.1:7000.'
    ])
    expect(summary.imbalance.map((i) => i.address)).toEqual(['10.0.0.1:7000'])
  })
})
