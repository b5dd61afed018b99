/** `npm run action:local`: the action's bundles run as the runner runs them, with a command between main and post. */
import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { writeKeys } from './helpers/cli-runner.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommand } from './helpers/resp.js'

const redis = redisPerFile()

function run(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(process.cwd(), 'scripts', 'action-local.mjs'), ...args], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', 'INPUT_MAX-LEAKED-KEYS': '0', INPUT_MATRIX: 'null' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    child.on('close', (code) => resolve({ code, out }))
  })
}

describe('npm run action:local', () => {
  it('runs main, the command and post with the state handed on, and prints the job summary', async () => {
    const r = await redis()
    const res = await run([r.url, '--', ...writeKeys('2', 'local')])
    expect(res.code).toBe(0)
    expect(res.out).toContain('--- job summary')
    expect(res.out).toContain('**Redis memory: warning**')
    expect(res.out).toContain('2 keys left behind')
    // post ended the step main began: the sampler main started is gone, and the keys stayed.
    expect(res.out).toMatch(/\d+ samples/)
    expect(await redisCommand(r.port, 'DBSIZE')).toBe(2)
  })

  it('says how to call it when the URL is missing', async () => {
    const res = await run([])
    expect(res.code).toBe(2)
    expect(res.out).toContain('Usage: npm run action:local -- <redis-url> [-- <command...>]')
  })
})
