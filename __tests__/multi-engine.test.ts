/**
 * The multi-node layer (src/step/multi.ts) against real redis-server processes: two separate
 * servers with an OOM on one, a 3-master cluster where one shard refuses writes while the total
 * is far below the sum of maxmemory, and a Sentinel failover during the step.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_THRESHOLDS, type Thresholds } from '../src/judge/checks.js'
import { readKeySettings } from '../src/keys/settings.js'
import { startCluster, stopCluster, type StartedCluster } from '../src/provision/cluster.js'
import { parseInstances } from '../src/redis/instances.js'
import { keySlot } from '../src/redis/keyslot.js'
import { parseClusterNodes } from '../src/redis/topology.js'
import { renderSummary } from '../src/render/markdown.js'
import { QUIET_HOST } from '../src/core/host.js'
import { beginMulti, endMulti, judgeMulti, type MultiConfig } from '../src/step/multi.js'
import { instancesBlock } from '../src/cli/terminal.js'
import { colours } from '../src/cli/colours.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { startSentinel, type TestSentinel } from './helpers/sentinel.js'

const redis = redisPerFile()
const dirs: string[] = []
const clusters: StartedCluster[] = []
const sentinels: TestSentinel[] = []
afterAll(async () => {
  await Promise.all(clusters.map((c) => stopCluster(c, { quiet: true })))
  await Promise.all(sentinels.map((s) => s.stop()))
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function config(cluster: 'auto' | 'off' = 'auto'): MultiConfig {
  const workDir = mkdtempSync(join(tmpdir(), 'rmg-multi-test-'))
  dirs.push(workDir)
  return { connectTimeoutMs: 5000, keys: readKeySettings(() => ''), sampling: { intervalMs: 0, maxLifeMs: 60_000 }, workDir, cluster }
}

async function until(ms: number, ok: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await ok().catch(() => false)) return true
    await new Promise((r) => setTimeout(r, 200))
  }
  return false
}

/** SETs of 10 kB values until `n` were refused with OOM (bounded at 2000 tries). */
async function fillUntilOom(port: number, prefix: string): Promise<number> {
  const replies = await redisCommands(
    port,
    Array.from({ length: 600 }, (_, i) => ['SET', `${prefix}:${i}`, 'v'.repeat(10_000)])
  )
  return replies.filter((r) => r instanceof Error && /^OOM/.test(r.message)).length
}

const limits = (over: Partial<Thresholds> = {}): Thresholds => ({ ...DEFAULT_THRESHOLDS, ...over })

describe('two separate servers in one job', () => {
  it('judges each, names the instance in every check, fails on the one that hit OOM and states the total', async () => {
    const cache = await redis()
    const queue = await redis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'])
    const specs = parseInstances(`cache=${cache.url}, queue=${queue.url}`)
    const cfg = config()
    const begun = await beginMulti(specs, cfg, QUIET_HOST)
    expect(begun.nodes.map((n) => n.instance)).toEqual(['cache', 'queue'])
    await redisCommand(cache.port, 'SET', 'cache:a', 'x')
    const refused = await fillUntilOom(queue.port, 'job')
    expect(refused).toBeGreaterThan(0)
    const record = await endMulti(begun, cfg, QUIET_HOST)
    const report = judgeMulti(record, limits({ maxUsedMemory: 512 * 1024 * 1024 }))

    expect(report.verdict).toBe('fail')
    expect(report.oomErrors).toBe(refused)
    const oom = report.checks.filter((c) => c.check === 'oom')
    expect(oom.map((c) => c.status)).toEqual(['pass', 'fail'])
    expect(oom[1].message.startsWith('queue: ')).toBe(true)
    expect(oom[1].measured).toBe(refused)
    // The figures at the top are the node that decided the verdict.
    expect(report.target.port).toBe(queue.port)

    const inst = report.instances
    expect(inst.rows.map((r) => [r.instance, r.oomErrors])).toEqual([
      ['cache', 0],
      ['queue', refused]
    ])
    expect(inst.nodes.map((n) => n.verdict)).toEqual(['pass', 'fail'])
    expect(inst.total.usedMemory).toBe((inst.rows[0].usedMemory as number) + (inst.rows[1].usedMemory as number))
    expect(inst.findings).toContain(`queue: ${refused} OOM errors.`)
    // max-used-memory applies to the total as well, and says so.
    const total = report.checks.find((c) => c.message.startsWith('all instances:'))
    expect(total).toMatchObject({ check: 'used-memory', status: 'pass', measured: inst.total.usedMemory })
    expect(inst.totalLimit).toMatchObject({ maxUsedMemory: 512 * 1024 * 1024, status: 'pass' })

    const md = renderSummary(report)
    expect(md).toContain('### Instances and nodes')
    expect(md).toMatch(/\| <code>queue<\/code> \| server \| .* \| ❌ \|/)
    expect(md).toContain(`queue: ${refused} OOM errors.`)
    const text = instancesBlock(report, colours(false)).join('\n')
    expect(text).toMatch(new RegExp(`queue +server .* ${refused} .*FAIL`))
    expect(text).toMatch(/total \(2 nodes\)/)
  })

  it('fails the total when the servers together use more than max-used-memory, though each is under it', async () => {
    const a = await redis()
    const b = await redis()
    const cfg = config()
    const begun = await beginMulti(parseInstances(`${a.url}\n${b.url}`), cfg, QUIET_HOST)
    const record = await endMulti(begun, cfg, QUIET_HOST)
    const each = Math.max(...record.nodes.map((n) => n.record.after?.memory.usedMemory ?? 0))
    const sum = record.nodes.reduce((s, n) => s + (n.record.after?.memory.usedMemory ?? 0), 0)
    const report = judgeMulti(record, limits({ maxUsedMemory: Math.floor((each + sum) / 2) }))
    expect(report.checks.filter((c) => c.check === 'used-memory' && !c.message.startsWith('all')).map((c) => c.status)).toEqual(['pass', 'pass'])
    const total = report.checks.find((c) => c.message.startsWith('all instances:'))
    expect(total?.status).toBe('fail')
    expect(report.verdict).toBe('fail')
  })

  it('reports a server it could not reach at the start as not observed, with the rest still judged', async () => {
    const up = await redis()
    const gone = await redis()
    await gone.stop()
    const cfg = { ...config(), connectTimeoutMs: 300 }
    const begun = await beginMulti(parseInstances(`up=${up.url}, gone=${gone.url}`), cfg, QUIET_HOST)
    expect(begun.nodes.find((n) => n.instance === 'gone')?.begun).toBeNull()
    const report = judgeMulti(await endMulti(begun, cfg, QUIET_HOST), limits())
    expect(report.verdict).toBe('fail')
    expect(report.errors.some((e) => e.startsWith('gone: '))).toBe(true)
    expect(report.instances.rows.find((r) => r.instance === 'gone')?.reached).toBe(false)
    expect(report.instances.total.complete).toBe(false)
  })
})

describe('a cluster of three masters', () => {
  it('expands the seed, fails on the shard that refused writes and says the total was far below the sum of maxmemory', async () => {
    const cluster = await startCluster({ masters: 3, replicasPerMaster: 0, timeoutMs: 30_000 })
    clusters.push(cluster)
    const hotSlot = keySlot('hot')
    const ports = cluster.nodes.map((n) => n.port)
    // Every master gets 64 MB; the one holding {hot} only 1 MB more than it uses.
    const layout = parseClusterNodes(String(await redisCommand(ports[0], 'CLUSTER', 'NODES')))
    const owner = layout.find((n) => n.role === 'master' && n.slots.some(([a, b]) => hotSlot >= a && hotSlot <= b))?.port as number
    expect(ports).toContain(owner)
    for (const p of ports) await redisCommand(p, 'CONFIG', 'SET', 'maxmemory', String(64 * 1024 * 1024))
    const used = Number(/used_memory:(\d+)/.exec(String(await redisCommand(owner, 'INFO', 'memory')))?.[1])
    await redisCommand(owner, 'CONFIG', 'SET', 'maxmemory', String(used + 1024 * 1024))

    const cfg = config()
    const begun = await beginMulti(parseInstances(`shop=${cluster.urls[2]}`), cfg, QUIET_HOST)
    expect(begun.nodes).toHaveLength(3)
    expect(begun.nodes.every((n) => n.node?.role === 'master')).toBe(true)
    const replies = await redisCommands(
      owner,
      Array.from({ length: 400 }, (_, i) => ['SET', `{hot}:job:${i}`, 'v'.repeat(10_000)])
    )
    const refused = replies.filter((r) => r instanceof Error && /^OOM/.test(r.message)).length
    expect(refused).toBeGreaterThan(0)
    // 150 small keys under one hash tag, on the master that serves its slot.
    const cartSlot = keySlot('cart')
    const cartOwner = layout.find((n) => n.role === 'master' && n.slots.some(([a, b]) => cartSlot >= a && cartSlot <= b))?.port as number
    const carts = await redisCommands(
      cartOwner,
      Array.from({ length: 150 }, (_, i) => ['SET', `{cart}:item:${i}`, 'x'])
    )
    const stored = carts.filter((r) => r === 'OK').length
    const report = judgeMulti(await endMulti(begun, cfg, QUIET_HOST), limits())

    expect(report.verdict).toBe('fail')
    const failing = report.checks.filter((c) => c.check === 'oom' && c.status === 'fail')
    expect(failing).toHaveLength(1)
    expect(failing[0].message.startsWith(`shop 127.0.0.1:${owner}: `)).toBe(true)
    const inst = report.instances
    expect(inst.rows).toHaveLength(3)
    expect(inst.total.oomErrors).toBe(refused)
    expect((inst.total.usedMemory as number) * 4).toBeLessThan(inst.total.maxmemory as number)
    const shard = inst.findings.find((f) => f.includes('memory is per shard'))
    expect(shard).toContain(`shop: ${refused} OOM errors on 1 of 3 masters (127.0.0.1:${owner})`)
    expect(inst.rows.find((x) => x.address === `127.0.0.1:${owner}`)?.keys).toBe(400 - refused + (cartOwner === owner ? stored : 0))
    // The masters' keys were tallied by hash tag in the same scans.
    const tag = inst.findings.find((f) => f.startsWith('shop: hash tag {cart}'))
    expect(tag).toMatch(new RegExp(`^shop: hash tag \\{cart\\} pins ${stored} keys \\(\\d+% of all\\) to slot ${cartSlot} on 127\\.0\\.0\\.1:${cartOwner}\\.$`))
  })
})

describe('Sentinel', () => {
  it('reports a failover during the step and takes the "after" snapshot of the new master', async () => {
    const master = await redis()
    const replica = await redis(['--replicaof', '127.0.0.1', String(master.port)])
    expect(await until(10_000, async () => /master_link_status:up/.test(String(await redisCommand(replica.port, 'INFO', 'replication'))))).toBe(true)
    const sentinel = await startSentinel('orders', master.port)
    sentinels.push(sentinel)
    expect(
      await until(15_000, async () => {
        const replicas = await redisCommand(sentinel.port, 'SENTINEL', 'REPLICAS', 'orders')
        if (!Array.isArray(replicas) || replicas.length !== 1 || !Array.isArray(replicas[0])) return false
        // Connected and read, not only heard of from the master's INFO: FAILOVER refuses such a replica (NOGOODSLAVE).
        const fields = replicas[0].map(String)
        const field = (name: string): string | undefined => fields[fields.indexOf(name) + 1]
        return field('flags') === 'slave' && field('master-link-status') === 'ok'
      })
    ).toBe(true)
    const cfg = config()
    const begun = await beginMulti(parseInstances(`ha=redis+sentinel://127.0.0.1:${sentinel.port}/orders`), cfg, QUIET_HOST)
    expect(begun.nodes[0].target.port).toBe(master.port)
    expect(await redisCommand(sentinel.port, 'SENTINEL', 'FAILOVER', 'orders')).toBe('OK')
    expect(
      await until(30_000, async () => {
        const addr = await redisCommand(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'orders')
        return Array.isArray(addr) && Number(addr[1]) === replica.port
      })
    ).toBe(true)
    const record = await endMulti(begun, cfg, QUIET_HOST)
    expect(record.failovers.ha.failedOver).toBe(true)
    expect(record.nodes[0].record.target.port).toBe(replica.port)
    expect(record.nodes[0].record.after).not.toBeNull()
    const report = judgeMulti(record, limits())
    expect(report.instances.findings[0]).toBe(
      `ha: the master failed over from 127.0.0.1:${master.port} to 127.0.0.1:${replica.port} during the step; ` +
        "figures after it are the new master's, and counters of the old one are not included."
    )
    expect(renderSummary(report)).toContain('failed over from 127.0.0.1')
  })
})

describe('rendering what came from Redis', () => {
  it('escapes instance rows and findings in markdown: nobody is mentioned, no HTML gets through', async () => {
    const a = await redis()
    const b = await redis()
    const cfg = config()
    const begun = await beginMulti(parseInstances(`${a.url},${b.url}`), cfg, QUIET_HOST)
    const report = judgeMulti(await endMulti(begun, cfg, QUIET_HOST), limits())
    report.instances.findings.push('cache: master 127.0.0.1:1 holds 90% of the keys; mostly @everyone:* <img src=x> | {x} (90% of it there).')
    const md = renderSummary(report)
    expect(md).not.toContain('@everyone')
    expect(md).not.toContain('<img')
    expect(md).toContain('&lt;img src=x&gt; &#124;')
  })
})
