/**
 * A local Redis Cluster in containers: real podman containers from the image that
 * scripts/setup-podman.sh builds, one per node on the host's network. The engine's start and
 * stop (startCluster, stopCluster), then the bundled action's main and post steps with
 * `mode: container` and `cluster-nodes`; a taken name or port ends in one line and leaves nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { slotRanges, startCluster, stopCluster } from '../src/provision/cluster.js'
import { keySlot } from '../src/redis/keyslot.js'
import { newJob } from './helpers/action-runner.js'
import { containersNamed, podman, removeContainers, requirePodman, TEST_IMAGE, TEST_SERVER } from './helpers/podman.js'
import { answersPing, freePort } from './helpers/redis-server.js'
import { redisCommands } from './helpers/resp.js'

const PREFIX = `rmg-cluster-test-${process.pid}-`
let n = 0
const prefix = (): string => `${PREFIX}${++n}`

beforeAll(() => requirePodman(), 90_000)
afterAll(() => removeContainers(PREFIX))

const splitArgs = (line: string): string[] => line.split(' ')
const portOf = (url: string): number => Number(new URL(url).port)
const visible = (out: string): string => out.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')
const errors = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('::error'))

describe('a cluster of podman containers, started by the engine', () => {
  it('starts three masters and three replicas that the host reaches on every node, with the limits and password on each, and removes them all', async () => {
    const name = prefix()
    const cluster = await startCluster({
      masters: 3,
      replicasPerMaster: 1,
      containers: { runtime: 'podman', image: TEST_IMAGE, namePrefix: name, options: [] },
      redisArgs: splitArgs(TEST_SERVER),
      maxmemory: 32 * 1024 * 1024,
      maxmemoryPolicy: 'allkeys-lru',
      password: 'c0nt s3cret',
      timeoutMs: 90_000
    })
    try {
      expect(cluster.nodes.map((node) => node.kind)).toEqual(Array(6).fill('container'))
      expect(containersNamed(name).sort()).toEqual([1, 2, 3, 4, 5, 6].map((i) => `${name}-${i}`).sort())
      expect(cluster.nodes.map((node) => node.role)).toEqual(['master', 'master', 'master', 'replica', 'replica', 'replica'])
      expect(cluster.urls.every((u) => u.startsWith('redis://:c0nt%20s3cret@127.0.0.1:'))).toBe(true)
      const ports = cluster.urls.map(portOf)
      for (const port of ports) {
        const [auth, info, maxmemory, policy, nodes] = await redisCommands(port, [
          ['AUTH', 'c0nt s3cret'],
          ['CLUSTER', 'INFO'],
          ['CONFIG', 'GET', 'maxmemory'],
          ['CONFIG', 'GET', 'maxmemory-policy'],
          ['CLUSTER', 'NODES']
        ])
        expect(auth).toBe('OK')
        expect(String(info)).toContain('cluster_state:ok')
        expect(String(info)).toContain('cluster_known_nodes:6')
        expect(maxmemory).toEqual(['maxmemory', String(32 * 1024 * 1024)])
        expect(policy).toEqual(['maxmemory-policy', 'allkeys-lru'])
        // Every node announces the address the host reaches it at, not one inside a container.
        const addresses = String(nodes)
          .trim()
          .split('\n')
          .map((l) => l.split(' ')[1].split('@')[0])
        expect(addresses.sort()).toEqual(ports.map((p) => `127.0.0.1:${p}`).sort())
      }
      // A key the first master does not serve: its MOVED names a node the host can write to.
      const key = Array.from({ length: 100 }, (_, i) => `k${i}`).find((k) => keySlot(k) > 6000) as string
      const [, moved] = await redisCommands(ports[0], [
        ['AUTH', 'c0nt s3cret'],
        ['SET', key, 'v']
      ])
      const target = /MOVED \d+ (127\.0\.0\.1):(\d+)/.exec(String(moved))
      expect(target).not.toBeNull()
      expect(ports).toContain(Number(target?.[2]))
      expect(
        await redisCommands(Number(target?.[2]), [
          ['AUTH', 'c0nt s3cret'],
          ['SET', key, 'v']
        ])
      ).toEqual(['OK', 'OK'])
    } finally {
      await stopCluster(cluster, { quiet: true })
    }
    expect(containersNamed(name)).toEqual([])
    expect(await Promise.all(cluster.urls.map((u) => answersPing(portOf(u))))).toEqual(Array(6).fill(false))
  })

  it('says in one line which port was taken and removes the nodes that had started', async () => {
    const name = prefix()
    const taken = await new Promise<Server>((resolve) => {
      const srv = createServer()
      srv.listen(0, '127.0.0.1', () => resolve(srv))
    })
    const takenPort = (taken.address() as { port: number }).port
    const free = await Promise.all(Array.from({ length: 5 }, () => freePort()))
    try {
      const start = startCluster({
        masters: 3,
        replicasPerMaster: 0,
        containers: { runtime: 'podman', image: TEST_IMAGE, namePrefix: name, options: [] },
        redisArgs: splitArgs(TEST_SERVER),
        ports: [
          { port: free[0], bus: free[1] },
          { port: takenPort, bus: free[2] },
          { port: free[3], bus: free[4] }
        ],
        timeoutMs: 60_000
      })
      await expect(start).rejects.toThrow(
        `cluster-nodes: port ${takenPort} or its cluster bus port ${free[2]} on 127.0.0.1 was taken by another process while node ${name}-2 started (the nodes share the host's network). Run the step again: the ports are picked anew.`
      )
    } finally {
      taken.close()
    }
    expect(containersNamed(name)).toEqual([])
    expect(await answersPing(free[0])).toBe(false)
  })
})

describe('the action with mode: container and cluster-nodes', () => {
  it('starts the cluster in podman containers, sets redis-url, redis-urls and container-id, watches every node and removes every container in post', async () => {
    const name = prefix()
    const inputs = {
      mode: 'container',
      'container-runtime': 'podman',
      image: TEST_IMAGE,
      'container-name': name,
      'cluster-nodes': '3',
      maxmemory: '64mb',
      password: 'clu-s3cret',
      'redis-args': TEST_SERVER,
      'connect-timeout': '90s'
    }
    const job = newJob()
    const main = await job.step('main', inputs)
    expect(errors(main.stdout)).toEqual([])
    expect(main.code).toBe(0)
    const urls = main.outputs['redis-urls'].split('\n')
    expect(urls).toHaveLength(3)
    expect(main.outputs['redis-url']).toBe(urls[0])
    expect(urls.every((u) => u.startsWith('redis://:clu-s3cret@127.0.0.1:'))).toBe(true)
    const ids = main.outputs['container-id'].split('\n')
    expect(ids).toEqual([1, 2, 3].map((i) => podman('container', 'inspect', '--format', '{{.Id}}', `${name}-${i}`).stdout.trim()))
    expect(main.stdout).toContain(`A local Redis Cluster of 3 masters in podman containers ${name}-1 to -3 reached cluster_state:ok`)
    const ports = urls.map(portOf)
    for (const port of ports) {
      const [, info, maxmemory] = await redisCommands(port, [['AUTH', 'clu-s3cret'], ['CLUSTER', 'INFO'], ['CONFIG', 'GET', 'maxmemory']])
      expect(String(info)).toContain('cluster_state:ok')
      expect(maxmemory).toEqual(['maxmemory', String(64 * 1024 * 1024)])
    }
    // One key on each master, so each node's report has a key left behind.
    const keys = slotRanges(3).map(([first, last]) => Array.from({ length: 200 }, (_, j) => `job:${j}`).find((k) => keySlot(k) >= first && keySlot(k) <= last) as string)
    for (const [i, port] of ports.entries()) {
      expect(await redisCommands(port, [['AUTH', 'clu-s3cret'], ['SET', keys[i], 'v']])).toEqual(['OK', 'OK'])
    }

    const post = await job.step('post', inputs, main.state)
    expect(post.code).toBe(0)
    expect(post.outputs.verdict).toBe('pass')
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    expect(report.instances.rows.map((r: { address: string }) => r.address)).toEqual(ports.map((p) => `127.0.0.1:${p}`))
    expect(report.instances.rows.map((r: { role: string }) => r.role)).toEqual(['master', 'master', 'master'])
    expect(report.leakedKeys).toBe(3)
    expect(post.stdout).toContain('Removed the containers of the local Redis Cluster (3 nodes).')
    for (const text of [main.stdout, main.stderr, post.stdout, post.stderr, post.summary]) expect(visible(text)).not.toContain('clu-s3cret')
    expect(containersNamed(name)).toEqual([])
  })

  it('refuses a taken container name in one line and leaves no node of its own behind', async () => {
    const name = prefix()
    expect(podman('create', '--name', `${name}-3`, TEST_IMAGE).code).toBe(0)
    const inputs = { mode: 'container', 'container-runtime': 'podman', image: TEST_IMAGE, 'container-name': name, 'cluster-nodes': '3', 'redis-args': TEST_SERVER, 'connect-timeout': '90s' }
    const job = newJob()
    const main = await job.step('main', inputs)
    expect(main.code).not.toBe(0)
    expect(errors(main.stdout)).toEqual([
      `::error::A container named "${name}-3" already exists (${podman('container', 'inspect', '--format', '{{.Id}}', `${name}-3`).stdout.trim().slice(0, 12)}). The action does not reuse a container it did not start: remove it (podman rm -f ${name}-3) or choose another container-name.`
    ])
    const post = await job.step('post', inputs, main.state)
    expect(post.stderr).not.toMatch(/\n\s+at /)
    // Only the container the action did not start is left.
    expect(containersNamed(name)).toEqual([`${name}-3`])
  })
})
