/** The CLI's exit codes, one row a test, against real redis-server processes; and the entry files' own exit. */
import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, writeKeys } from './helpers/cli-runner.js'
import { freePort, redisPerFile } from './helpers/redis-server.js'

const redis = redisPerFile()
const node = process.execPath

describe('CLI exit codes', () => {
  it('0: the checks pass', async () => {
    const r = await redis()
    const res = await runCli(['run', '--url', r.url, '--', node, '-e', '0'])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('Redis memory: pass')
  })

  it('0: a check warns (leaked keys with a limit, not in fail-on)', async () => {
    const r = await redis()
    const res = await runCli(['run', '--url', r.url, '--max-leaked-keys', '0', '--', ...writeKeys('2')])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain('Redis memory: warn')
  })

  it('1: a check in fail-on fails', async () => {
    const r = await redis()
    const res = await runCli(['run', '--url', r.url, '--max-leaked-keys', '0', '--fail-on', 'leaked-keys', '--', ...writeKeys('2')])
    expect(res.code).toBe(1)
    expect(res.stdout).toContain('Redis memory: fail')
  })

  it("the command's own code when the command failed, whatever the verdict", async () => {
    const r = await redis()
    const res = await runCli(['run', '--url', r.url, '--max-leaked-keys', '0', '--fail-on', 'leaked-keys', '--', node, '-e', 'process.exit(5)'])
    expect(res.code).toBe(5)
    expect(res.stderr).toContain('exited with code 5')
  })

  it('2: a usage error, naming the flag', async () => {
    const res = await runCli(['snapshot', '--max-used-memory', 'lots'])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('--max-used-memory: "lots" is not a size.')
  })

  it('3: Redis cannot be reached, naming the CLI flag to change', async () => {
    const closed = await freePort()
    const res = await runCli(['keys', '--url', `redis://127.0.0.1:${closed}`, '--connect-timeout', '300ms'])
    expect(res.code).toBe(3)
    expect(res.stderr).toContain(`Could not reach Redis at 127.0.0.1:${closed}`)
    expect(res.stderr).toContain('--connect-timeout')
    expect(res.stderr).not.toMatch(/\n\s+at /)
  })

  it('3: Redis refuses the password, naming --url', async () => {
    const r = await redis(['--requirepass', 'right'])
    const res = await runCli(['snapshot', '--url', `redis://:n0t-the-pw@127.0.0.1:${r.port}`])
    expect(res.code).toBe(3)
    expect(res.stderr).toContain('Check the password in --url.')
    expect(res.stderr).not.toContain('n0t-the-pw')
  })

  it('127: the command cannot be started', async () => {
    const r = await redis()
    const res = await runCli(['run', '--url', r.url, '--', 'no-such-command-rmg'])
    expect(res.code).toBe(127)
    expect(res.stderr).toContain('Command not found: no-such-command-rmg.')
  })
})

describe('entry files', () => {
  it('the main step fails with one line, not a silent 0, when the runner state file cannot be written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmg-entry-'))
    const child = spawn(node, [join(process.cwd(), 'dist', 'main', 'index.js')], {
      // GITHUB_STATE is a folder: every saveState throws.
      env: { PATH: process.env.PATH ?? '', GITHUB_STATE: dir, GITHUB_OUTPUT: join(dir, 'out'), RUNNER_TEMP: dir, 'INPUT_REDIS-URL': 'redis://127.0.0.1:1' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).not.toBe(0)
    expect(out).toMatch(/EISDIR|illegal operation on a directory/)
    expect(out).not.toMatch(/\n\s+at /)
  })
})
