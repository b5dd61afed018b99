/**
 * Container mode end to end: the bundled action starts real podman containers from the image
 * that scripts/setup-podman.sh builds. `npm run package` must have built dist/ first.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { newJob, runJob } from './helpers/action-runner.js'
import { containersNamed, podman, removeContainers, requirePodman, TEST_IMAGE, TEST_SERVER } from './helpers/podman.js'
import { redisCommands } from './helpers/resp.js'
import { freePort } from './helpers/redis-server.js'

const PREFIX = `rmg-test-${process.pid}-`
let n = 0
const name = (): string => `${PREFIX}${++n}`

beforeAll(() => requirePodman(), 90_000)
afterAll(() => removeContainers(PREFIX))

const visible = (out: string): string => out.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')
const errors = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('::error'))

describe('container mode with podman', () => {
  it('starts Redis with the limits, waits until it answers, snapshots it and removes it in post', async () => {
    const container = name()
    const inputs = {
      mode: 'container',
      'container-runtime': 'podman',
      image: TEST_IMAGE,
      'container-name': container,
      port: '0',
      maxmemory: '50mb',
      'maxmemory-policy': 'allkeys-lru',
      password: 'pod-s3cret',
      'redis-args': TEST_SERVER
    }
    const job = newJob()
    const main = await job.step('main', inputs)
    expect(errors(main.stdout)).toEqual([])
    expect(main.code).toBe(0)
    const id = podman('container', 'inspect', '--format', '{{.Id}}', container).stdout.trim()
    const during = await redisCommands(Number(main.outputs['redis-port']), [
      ['AUTH', 'pod-s3cret'],
      ['CONFIG', 'GET', 'maxmemory'],
      ['CONFIG', 'GET', 'maxmemory-policy'],
      ['SET', 'k', 'v']
    ])
    const post = await job.step('post', inputs, main.state)

    expect(main.code).toBe(0)
    expect(during).toEqual(['OK', ['maxmemory', '52428800'], ['maxmemory-policy', 'allkeys-lru'], 'OK'])

    expect(main.outputs['redis-host']).toBe('127.0.0.1')
    expect(Number(main.outputs['redis-port'])).toBeGreaterThan(0)
    expect(main.outputs['redis-url']).toBe(`redis://:pod-s3cret@127.0.0.1:${main.outputs['redis-port']}`)
    expect(id).toMatch(/^[0-9a-f]{64}$/)
    expect(main.outputs['container-id']).toBe(id)
    expect(main.stdout).toContain(`Image ${TEST_IMAGE} is present; no pull needed.`)
    expect(main.stdout).toContain('--requirepass ***')
    expect(main.stdout).toContain('::add-mask::pod-s3cret')
    for (const text of [main.stdout, main.stderr, post.stdout, post.stderr, post.summary]) expect(visible(text)).not.toContain('pod-s3cret')

    expect(post.code).toBe(0)
    expect(post.outputs.verdict).toBe('pass')
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    expect(report.before.memory.maxmemory).toBe(52428800)
    expect(report.after.memory.maxmemoryPolicy).toBe('allkeys-lru')
    expect(report.leakedKeys).toBe(1)
    expect(post.stdout).toContain(`Removed container ${container}.`)
    expect(containersNamed(container)).toEqual([])
  })

  const base = (container: string, extra: Record<string, string> = {}): Record<string, string> => ({
    mode: 'container',
    'container-runtime': 'podman',
    image: TEST_IMAGE,
    'container-name': container,
    port: '0',
    ...extra
  })

  it('fails with one clear line for an image that does not exist, and leaves no container', async () => {
    const container = name()
    const { main, post } = await runJob(base(container, { image: 'localhost/rmg-no-such-image:1' }))
    expect(main.code).toBe(1)
    expect(main.stdout).toContain('::group::Pulling localhost/rmg-no-such-image:1 with podman')
    expect(errors(main.stdout)).toEqual([expect.stringMatching(/^::error::image: could not pull "localhost\/rmg-no-such-image:1" \(.+\)\. Check the name/)])
    expect(main.stderr).not.toMatch(/\n\s+at /)
    expect(containersNamed(container)).toEqual([])
    // Nothing was started, so the post step looks at no Redis (not one on the default URL).
    expect(post.summary).toContain('No snapshot after the step: no Redis was started for it.')
  })

  it('fails with one clear line when the host port is taken, and leaves no container', async () => {
    const port = await freePort()
    const blocker = createServer()
    await new Promise<void>((r) => blocker.listen(port, '127.0.0.1', () => r()))
    try {
      const container = name()
      const { main } = await runJob(base(container, { port: String(port) }))
      expect(main.code).toBe(1)
      expect(errors(main.stdout)).toEqual([
        `::error::port: host port ${port} is already in use on this runner (another Redis, or a parallel job on a self-hosted runner). Set port: 0 to use a free port, or free port ${port}.`
      ])
      expect(containersNamed(container)).toEqual([])
    } finally {
      blocker.close()
    }
  })

  it('prints the last log lines and removes the container when Redis never answers', async () => {
    const container = name()
    // Redis runs, but on another port inside the container than the one published.
    const { main } = await runJob(base(container, { 'redis-args': `${TEST_SERVER} --port 7777`, 'connect-timeout': '1s' }))
    expect(main.code).toBe(1)
    expect(main.stdout).toContain(`::group::Last log lines of container ${container}`)
    expect(main.stdout).toMatch(/Running mode=standalone, port=7777/)
    expect(errors(main.stdout)[0]).toMatch(
      new RegExp(`^::error::Redis in container ${container} \\(localhost/redis:test\\) did not answer PING on 127\\.0\\.0\\.1:\\d+ within 1\\.0 s`)
    )
    expect(containersNamed(container)).toEqual([])
  })

  it('refuses a container name that is taken, and leaves that container alone', async () => {
    const container = name()
    expect(podman('create', '--name', container, TEST_IMAGE).code).toBe(0)
    const { main } = await runJob(base(container))
    expect(main.code).toBe(1)
    expect(errors(main.stdout)[0]).toMatch(
      new RegExp(`^::error::A container named "${container}" already exists \\([0-9a-f]{12}\\)\\. The action does not reuse a container it did not start: remove it \\(podman rm -f ${container}\\)`)
    )
    expect(containersNamed(container)).toEqual([container])
  })

  it('removes the container in post when the job is cancelled while Redis is starting', async () => {
    const container = name()
    // Published port 6379 answers never (Redis listens on 7777 inside), so main waits until killed.
    const inputs = base(container, { 'redis-args': `${TEST_SERVER} --port 7777`, 'connect-timeout': '20s' })
    const job = newJob()
    const main = await job.step('main', inputs, {}, {}, (child) => {
      const poll = setInterval(() => {
        if (containersNamed(container).length > 0) {
          clearInterval(poll)
          child.kill('SIGKILL')
        }
      }, 100)
      child.on('exit', () => clearInterval(poll))
    })
    expect(main.code).toBeNull()
    expect(containersNamed(container)).toEqual([container])
    const post = await job.step('post', inputs, main.state)
    expect(post.stdout).toContain(`Removed container ${container}.`)
    expect(containersNamed(container)).toEqual([])
  })
})
