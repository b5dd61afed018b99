/**
 * Attach mode's maxmemory / maxmemory-policy with several servers, through the bundled action:
 * set with CONFIG SET on every instance and every cluster node, set back on each in post, and a
 * server that refuses CONFIG reported as not judged (unknown), never as fine. Real redis-server
 * processes; `dist/` is rebuilt when stale.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { runJob } from './helpers/action-runner.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommands, type Reply } from './helpers/resp.js'
import { startCluster, stopCluster, type StartedCluster } from '../src/provision/cluster.js'

const redis = redisPerFile()
const MB = 1024 * 1024

const limitsOf = (port: number, password?: string): Promise<Reply[]> =>
  redisCommands(port, [...(password ? [['AUTH', password]] : []), ['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'maxmemory-policy']]).then((r) => r.slice(password ? 1 : 0))

interface Check {
  check: string
  status: string
  message: string
}

describe('attach mode with several instances', () => {
  it('sets the limits on every instance, sets each back in post, and reports the one that refused CONFIG as unknown', async () => {
    const cache = await redis()
    const locked = await redis(['--rename-command', 'CONFIG', ''])
    let during: Reply[] = []
    const { main, post } = await runJob({ 'redis-url': `cache=${cache.url}\nlocked=${locked.url}`, maxmemory: '30mb', 'maxmemory-policy': 'allkeys-lru' }, async () => {
      during = await limitsOf(cache.port)
    })
    expect(main.code).toBe(0)
    expect(during).toEqual([
      ['maxmemory', String(30 * MB)],
      ['maxmemory-policy', 'allkeys-lru']
    ])
    expect(main.stdout).toContain(`[cache] Set maxmemory to ${30 * MB} with CONFIG SET (was 0); the post step sets it back.`)
    expect(main.stdout).toContain(`::warning title=Redis Memory Guard::[locked] Could not set maxmemory with CONFIG SET on redis://127.0.0.1:${locked.port}: ERR unknown command 'CONFIG'`)

    expect(post.stdout).toContain('[cache] Set maxmemory back to 0.')
    expect(post.stdout).toContain('[cache] Set maxmemory-policy back to noeviction.')
    expect(await limitsOf(cache.port)).toEqual([
      ['maxmemory', '0'],
      ['maxmemory-policy', 'noeviction']
    ])
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    const nodes: { instance: string; verdict: string; checks: Check[] }[] = report.instances.nodes
    const percent = (instance: string): Check | undefined => nodes.find((n) => n.instance === instance)?.checks.find((c) => c.check === 'memory-percent')
    expect(percent('cache')?.status).toBe('pass')
    expect(percent('locked')?.status).toBe('unknown')
    expect(percent('locked')?.message).toContain("maxmemory could not be set with CONFIG SET (ERR unknown command 'CONFIG'")
    expect(nodes.map((n) => [n.instance, n.verdict])).toEqual([
      ['cache', 'pass'],
      ['locked', 'warn']
    ])
    expect(report.errors).toContainEqual(expect.stringMatching(/^locked: maxmemory and maxmemory-policy could not be set with CONFIG SET \(ERR unknown command 'CONFIG'.*\): this server ran with its own\.$/))
    expect(post.outputs.verdict).toBe('warn')
  })
})

describe('attach mode with the URL of one cluster node', () => {
  let cluster: StartedCluster
  beforeAll(async () => {
    cluster = await startCluster({ masters: 3, replicasPerMaster: 1, password: 'nodes-pw', timeoutMs: 45_000 })
  })
  afterAll(async () => {
    if (cluster) await stopCluster(cluster, { quiet: true })
  })

  it('sets the limits on every master and replica and sets each back in post', async () => {
    const ports = cluster.nodes.map((n) => n.port)
    const was = await Promise.all(ports.map((p) => limitsOf(p, 'nodes-pw')))
    let during: Reply[][] = []
    const { main, post } = await runJob({ 'redis-url': cluster.urls[4], maxmemory: '40mb', 'maxmemory-policy': 'volatile-ttl' }, async () => {
      during = await Promise.all(ports.map((p) => limitsOf(p, 'nodes-pw')))
    })
    expect(main.code).toBe(0)
    expect(JSON.parse(main.state.step).nodes).toHaveLength(6)
    expect(during).toEqual(
      ports.map(() => [
        ['maxmemory', String(40 * MB)],
        ['maxmemory-policy', 'volatile-ttl']
      ])
    )
    expect(post.code).toBe(0)
    expect(post.stdout.match(/Set maxmemory back to 0\./g)).toHaveLength(6)
    expect(await Promise.all(ports.map((p) => limitsOf(p, 'nodes-pw')))).toEqual(was)
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    for (const node of report.instances.nodes as { checks: Check[] }[]) {
      expect(node.checks.find((c) => c.check === 'memory-percent')?.status).toBe('pass')
    }
    expect(report.instances.rows.every((r: { maxmemory: number }) => r.maxmemory === 40 * MB)).toBe(true)
  })
})
