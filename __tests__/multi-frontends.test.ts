/**
 * Several instances and clusters through the bundled front ends: the CLI's run, snapshot and keys
 * with several --url, and the action's main and post steps with a multi-line redis-url and with
 * cluster-nodes: 3 in binary mode. Real redis-server processes; `dist/` is rebuilt when stale.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, writeKeys } from './helpers/cli-runner.js'
import { runJob, newJob } from './helpers/action-runner.js'
import { answersPing, redisPerFile } from './helpers/redis-server.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { alive } from '../src/sampler/control.js'
import { startCluster, stopCluster, type StartedCluster } from '../src/provision/cluster.js'

const redis = redisPerFile()
const work = mkdtempSync(join(tmpdir(), 'rmg-multi-fe-'))

async function fill(port: number, prefix: string, n = 600): Promise<number> {
  const replies = await redisCommands(
    port,
    Array.from({ length: n }, (_, i) => ['SET', `${prefix}:${i}`, 'v'.repeat(10_000)])
  )
  return replies.filter((r) => r instanceof Error && /^OOM/.test(r.message)).length
}

describe('the CLI with several instances', () => {
  it('run: fails with exit 1 on the instance that hit OOM, names it, and shows a row per instance plus the total', async () => {
    const cache = await redis()
    const queue = await redis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'])
    const reportPath = join(work, 'run.json')
    const res = await runCli(
      ['run', '--url', `cache=${cache.url}`, '--url', `queue=${queue.url}`, '--report-path', reportPath, '--', ...writeKeys('400', 'job', '10000')],
      { REDIS_URL: queue.url }
    )
    expect(res.code).toBe(1)
    expect(res.stdout).toContain('Instances and nodes')
    expect(res.stdout).toMatch(/cache +server/)
    expect(res.stdout).toMatch(/queue +server .*FAIL/)
    expect(res.stdout).toMatch(/total \(2 nodes\)/)
    expect(res.stdout).toContain('Redis memory: fail')
    const report = JSON.parse(readFileSync(reportPath, 'utf8'))
    const refused = report.instances.rows.find((r: { instance: string }) => r.instance === 'queue').oomErrors
    expect(refused).toBeGreaterThan(0)
    expect(report.instances.rows.find((r: { instance: string }) => r.instance === 'cache').oomErrors).toBe(0)
    expect(report.checks.find((c: { check: string; status: string }) => c.check === 'oom' && c.status === 'fail').message).toMatch(/^queue: /)
    expect(report.instances.findings).toContain(`queue: ${refused} OOM errors.`)
  })

  it('snapshot and keys take a comma list: one row per instance, each node scanned', async () => {
    const a = await redis()
    const b = await redis()
    await redisCommands(a.port, [['SET', 'user:1', 'x'], ['SET', 'user:2', 'x']])
    await redisCommand(b.port, 'SET', 'order:1', 'x')
    const snap = await runCli(['snapshot', '--url', `${a.url}, ${b.url}`, '--json'])
    expect(snap.code).toBe(0)
    const s = JSON.parse(snap.stdout)
    expect(s.instances.rows.map((r: { instance: string; keys: number }) => [r.instance, r.keys])).toEqual([
      [`127.0.0.1:${a.port}`, 2],
      [`127.0.0.1:${b.port}`, 1]
    ])
    expect(s.instances.total.keys).toBe(3)
    const keys = await runCli(['keys', '--url', `a=${a.url},b=${b.url}`])
    expect(keys.code).toBe(0)
    expect(keys.stdout).toMatch(/a +server/)
    expect(keys.stdout).toMatch(/b +server/)
  })

  it('refuses a cluster size it cannot start, naming the flag', async () => {
    const res = await runCli(['run', '--cluster-nodes', '4', '--', process.execPath, '-e', '0'])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('--cluster-nodes: "4" is not a cluster size. Use 3 (three masters) or 6 (three masters with one replica each).')
    expect(res.stderr).not.toMatch(/\n\s+at /)
  })
})

describe('the action with several instances', () => {
  it('main and post: a multi-line redis-url, OOM on one instance fails the job and the summary names it', async () => {
    const cache = await redis()
    const queue = await redis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'])
    let refused = 0
    const { main, post } = await runJob({ 'redis-url': `cache=${cache.url}\nqueue=${queue.url}`, 'sample-interval': '100ms' }, async () => {
      refused = await fill(queue.port, 'job')
    })
    expect(main.code).toBe(0)
    expect(JSON.parse(main.state.step).nodes).toHaveLength(2)
    expect(refused).toBeGreaterThan(0)
    expect(post.code).not.toBe(0)
    expect(post.outputs.verdict).toBe('fail')
    expect(post.outputs['oom-errors']).toBe(String(refused))
    expect(post.summary).toContain('### Instances and nodes')
    expect(post.summary).toContain(`queue: ${refused} OOM errors.`)
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    expect(report.instances.nodes.map((n: { instance: string; verdict: string }) => [n.instance, n.verdict])).toEqual([
      ['cache', 'pass'],
      ['queue', 'fail']
    ])
    // Each node was sampled by a sampler of its own, and every sampler was stopped.
    for (const n of JSON.parse(main.state.step).nodes) {
      expect(n.begun.sampler).not.toBeNull()
      expect(alive(n.begun.sampler.pid)).toBe(false)
    }
  })

  it('cluster-nodes: 3 in binary mode starts a cluster, sets redis-url and redis-urls, watches every node and stops it in post', async () => {
    let urls: string[] = []
    let alive: boolean[] = []
    const job = newJob()
    const inputs = { mode: 'binary', 'cluster-nodes': '3', maxmemory: '64mb', port: '6399' }
    const main = await job.step('main', inputs)
    expect(main.code).toBe(0)
    // The port has no effect with cluster-nodes, and the step says so instead of staying silent.
    expect(main.stdout).toContain('::warning title=Redis Memory Guard::port: 6399 is ignored with cluster-nodes: every node listens on a free port of its own.')
    urls = main.outputs['redis-urls'].split('\n')
    expect(urls.map((u) => new URL(u).port)).not.toContain('6399')
    expect(urls).toHaveLength(3)
    expect(main.outputs['redis-url']).toBe(urls[0])
    const ports = urls.map((u) => Number(new URL(u).port))
    for (const p of ports) expect(String(await redisCommand(p, 'CLUSTER', 'INFO'))).toContain('cluster_state:ok')
    alive = await Promise.all(ports.map((p) => answersPing(p)))
    expect(alive).toEqual([true, true, true])
    const post = await job.step('post', inputs, main.state)
    expect(post.code).toBe(0)
    expect(post.outputs.verdict).toBe('pass')
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    expect(report.instances.rows.map((r: { address: string }) => r.address)).toEqual(ports.map((p) => `127.0.0.1:${p}`))
    expect(report.instances.rows.every((r: { role: string }) => r.role === 'master')).toBe(true)
    expect(post.summary).toContain('### Instances and nodes')
    expect(await Promise.all(ports.map((p) => answersPing(p)))).toEqual([false, false, false])
  })

  it('cluster-nodes in attach mode fails with one line that names the modes that start one', async () => {
    const job = newJob()
    const main = await job.step('main', { 'cluster-nodes': '3' })
    expect(main.code).not.toBe(0)
    expect(main.stdout).toContain(
      "::error::cluster-nodes: starting a local Redis Cluster needs mode: binary or container. To watch a cluster that runs already, give any node's URL in redis-url."
    )
  })
})

describe('one URL of a cluster node', () => {
  let cluster: StartedCluster
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 0, timeoutMs: 30_000 })
  })
  afterAll(async () => {
    if (cluster) await stopCluster(cluster, { quiet: true })
  })
  const ports = (): number[] => cluster.urls.map((u) => Number(new URL(u).port))

  it('CLI snapshot and keys: the one --url stands for every master; --cluster off keeps the single path', async () => {
    const snap = await runCli(['snapshot', '--url', cluster.urls[1], '--json'])
    expect(snap.code).toBe(0)
    const report = JSON.parse(snap.stdout)
    expect(report.instances.rows.map((r: { address: string }) => r.address).sort()).toEqual(ports().map((p) => `127.0.0.1:${p}`).sort())
    const off = await runCli(['snapshot', '--url', cluster.urls[1], '--cluster', 'off', '--json'])
    expect(off.code).toBe(0)
    expect(JSON.parse(off.stdout).instances).toBeUndefined()
    const bad = await runCli(['snapshot', '--url', cluster.urls[1], '--cluster', 'sometimes'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--cluster: "sometimes" is not a cluster mode. Use auto')
  })

  it('CLI run and the action: the one URL of a node watches the whole cluster', async () => {
    const cli = await runCli(['run', '--url', cluster.urls[0], '--json', '--', process.execPath, '-e', '0'])
    expect(cli.code).toBe(0)
    expect(JSON.parse(cli.stdout).instances.rows).toHaveLength(3)
    const { main, post } = await runJob({ 'redis-url': cluster.urls[2] })
    expect(main.code).toBe(0)
    expect(JSON.parse(main.state.step).nodes).toHaveLength(3)
    expect(post.code).toBe(0)
    expect(post.summary).toContain('### Instances and nodes')
  })
})

describe('the CLI with a throwaway cluster', () => {
  it('run --cluster-nodes 3 starts a cluster, gives the command its seed, reports every node and stops it', async () => {
    const reportPath = join(work, 'cluster-run.json')
    const res = await runCli(['run', '--cluster-nodes', '3', '--report-path', reportPath, '--', process.execPath, '-e', 'console.log("seed=" + process.env.REDIS_URL)'])
    expect(res.code).toBe(0)
    const seed = /seed=(\S+)/.exec(res.stdout)?.[1] as string
    expect(seed).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/)
    const report = JSON.parse(readFileSync(reportPath, 'utf8'))
    const addresses: string[] = report.instances.rows.map((r: { address: string }) => r.address)
    expect(addresses).toHaveLength(3)
    expect(addresses).toContain(seed.replace('redis://', ''))
    expect(await Promise.all(addresses.map((a) => answersPing(Number(a.split(':')[1]))))).toEqual([false, false, false])
  })
})

describe('a throwaway cluster with replicas', () => {
  it('run --cluster-nodes 6: masters and replicas each get a row, keys are counted on masters only', async () => {
    const reportPath = join(work, 'cluster6.json')
    const res = await runCli(['run', '--cluster-nodes', '6', '--report-path', reportPath, '--', ...writeKeys('30', 'k')])
    expect(res.code).toBe(0)
    const report = JSON.parse(readFileSync(reportPath, 'utf8'))
    const rows: { role: string; keys: number }[] = report.instances.rows
    expect(rows.map((r) => r.role).sort()).toEqual(['master', 'master', 'master', 'replica', 'replica', 'replica'])
    const onMasters = rows.filter((r) => r.role === 'master').reduce((s, r) => s + r.keys, 0)
    expect(report.instances.total.keys).toBe(onMasters)
  })
})
