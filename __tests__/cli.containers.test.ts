/** `--container` against a real podman container (image built by scripts/setup-podman.sh before the suite). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { runCli, writeKeys } from './helpers/cli-runner.js'
import { answersPing, freePort } from './helpers/redis-server.js'
import { requirePodman } from './helpers/podman.js'

const IMAGE = 'localhost/redis:test'
const name = `rmg-cli-test-${process.pid}`
const stopped = `rmg-cli-stopped-${process.pid}`
const unpublished = `rmg-cli-nopublish-${process.pid}`
let port = 0

beforeAll(async () => {
  requirePodman()
  port = await freePort()
  execFileSync('podman', ['run', '-d', '--rm', '--name', name, '-p', `${port}:6379`, IMAGE, '/usr/bin/redis-server', '--protected-mode', 'no'], { stdio: 'ignore' })
  execFileSync('podman', ['run', '-d', '--rm', '--name', unpublished, IMAGE, '/usr/bin/redis-server', '--protected-mode', 'no'], { stdio: 'ignore' })
  execFileSync('podman', ['create', '--name', stopped, IMAGE], { stdio: 'ignore' })
  const deadline = Date.now() + 15_000
  while (!(await answersPing(port))) {
    if (Date.now() > deadline) throw new Error(`the container on port ${port} never answered PING`)
    await new Promise((r) => setTimeout(r, 100))
  }
}, 120_000)

afterAll(() => {
  execFileSync('podman', ['rm', '-f', '-t', '0', name, unpublished, stopped], { stdio: 'ignore' })
})

describe('--container', () => {
  it('finds the published port and reports on the Redis inside', async () => {
    const res = await runCli(['snapshot', '--container', name, '--json'])
    expect(res.code).toBe(0)
    expect(res.stderr).toContain(`Container "${name}" (podman) publishes Redis at 127.0.0.1:${port}.`)
    const report = JSON.parse(res.stdout)
    expect(report.target.port).toBe(port)
    expect(report.server.kind).toBe('redis')
  })

  it('runs a command against the container and names its leaked keys', async () => {
    // No REDIS_URL given: the command gets the container's address from run, when asked (--export-env).
    const res = await runCli(['run', '--container', name, '--export-env', '--max-leaked-keys', '0', '--fail-on', 'oom,leaked-keys', '--', ...writeKeys('5', 'cart')])
    expect(res.stdout).toContain(`writing 5 keys to 127.0.0.1:${port}`)
    expect(res.code).toBe(1)
    expect(res.stdout).toContain('FAIL  leaked-keys: 5 keys left behind: present after the step and not before (DB 0: 5)')
    expect(res.stdout).toContain('cart:*  5 keys')
    expect(res.stdout).not.toContain('throwaway')
  })

  it('says so when the container does not exist, is not running, or publishes no port', async () => {
    const missing = await runCli(['snapshot', '--container', 'rmg-no-such-container'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('No container named "rmg-no-such-container"')
    const notRunning = await runCli(['snapshot', '--container', stopped])
    expect(notRunning.code).toBe(2)
    expect(notRunning.stderr).toContain(`Container "${stopped}" (podman) is not running.`)
    const noPort = await runCli(['snapshot', '--container', unpublished])
    expect(noPort.code).toBe(2)
    expect(noPort.stderr).toContain(`Container "${unpublished}" (podman) does not publish port 6379.`)
  })
})
