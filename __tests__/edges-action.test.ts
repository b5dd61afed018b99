/**
 * The action's main and post steps (the bundles, as the runner runs them) against hostile inputs:
 * passwords with a literal `@` in several redis-urls, report paths that are not regular files, and
 * key names that look like workflow commands. Real redis-server processes, real FIFOs and devices.
 */
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newJob, runJob } from './helpers/action-runner.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { Socket } from 'node:net'

const startRedis = redisPerFile()

/** Lines of a step's stdout that the runner would read as workflow commands, their data unescaped. */
const commands = (stdout: string): string[] =>
  stdout
    .split(/\r?\n/)
    .filter((l) => /^\s*::/.test(l))
    .map((l) => l.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%'))

describe('passwords with a literal @', () => {
  it('connects to two servers and shows neither password anywhere, and registers each with the runner', async () => {
    const [a, b] = await Promise.all([startRedis(['--requirepass', 'p@ss@word1']), startRedis(['--requirepass', 'q@ss@word2'])])
    const dir = mkdtempSync(join(tmpdir(), 'rmg-edges-secrets-'))
    const reportPath = join(dir, 'report.json')
    const inputs = {
      'redis-url': `a=redis://:p@ss@word1@127.0.0.1:${a.port}, b=redis://:q%40ss@word2@127.0.0.1:${b.port}`,
      'report-path': reportPath,
      'sample-interval': '0'
    }
    const { main, post } = await runJob(inputs, async () => {
      await redisCommands(a.port, [['AUTH', 'p@ss@word1'], ['SET', 'k', 'v']])
    })
    expect(main.code).toBe(0)
    expect(post.code).toBe(0)
    for (const step of [main, post]) {
      const masks = commands(step.stdout).filter((l) => l.startsWith('::add-mask::'))
      // As written in the input, decoded, and percent-encoded.
      expect(masks).toEqual(expect.arrayContaining(['::add-mask::p@ss@word1', '::add-mask::q@ss@word2', '::add-mask::q%40ss@word2', '::add-mask::q%40ss%40word2']))
    }
    const shown = [
      ...[main, post].map((s) => s.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')),
      post.summary,
      JSON.stringify(post.outputs),
      readFileSync(reportPath, 'utf8')
    ].join('\n')
    expect(shown).toContain(`redis://:***@127.0.0.1:${a.port}`)
    expect(shown).toContain(`redis://:***@127.0.0.1:${b.port}`)
    expect(shown).not.toMatch(/ss@word|word1|word2/)
  })

  it('refuses a bad %-escape in the password as a usage error naming the input, not an internal error', async () => {
    const job = newJob()
    const main = await job.step('main', { 'redis-url': 'redis://:100%zz@127.0.0.1:6399' })
    expect(main.code).toBe(1)
    const errors = commands(main.stdout).filter((l) => l.startsWith('::error'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain('redis-url: the user or password in "redis://:***@127.0.0.1:6399" has a % that starts no %-escape. Write % as %25')
    expect(main.stdout + main.stderr).not.toMatch(/internal error|100%zz|URIError/)
  })
})

describe('report-path that is not a regular file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rmg-edges-files-'))
  const fifo = join(dir, 'pipe')
  execFileSync('mkfifo', [fifo])
  const link = join(dir, 'link-to-pipe')
  symlinkSync(fifo, link)
  const folder = join(dir, 'folder')
  mkdirSync(folder)

  it.each([
    [fifo, 'is a FIFO (named pipe), not a regular file'],
    [link, 'is a FIFO (named pipe), not a regular file'],
    [folder, 'is a directory, not a regular file'],
    ['/dev/full', 'is on a special file system (/dev), not a regular file'],
    ['/proc/sys/vm/drop_caches', 'is on a special file system (/proc), not a regular file']
  ])('%s is refused by main and by post, each in one line', async (path, why) => {
    const r = await startRedis()
    const { main, post } = await runJob({ 'redis-url': r.url, 'report-path': path, 'sample-interval': '0' })
    expect(main.code).toBe(1)
    expect(commands(main.stdout).filter((l) => l.startsWith('::error'))).toEqual([
      `::error::report-path: ${path} ${why}. Give the path of a regular file in the workspace or in RUNNER_TEMP, e.g. redis-memory-report.json.`
    ])
    // The runner runs post all the same: it must end, and not write (or try) the refused path.
    expect(post.stdout).not.toContain('Could not write the JSON report to')
    if (path === fifo || path === link) expect(existsSync(path)).toBe(true)
  })

  it('a FIFO created after main does not hold the post step open', async () => {
    const r = await startRedis()
    const later = join(dir, 'later.json')
    const { main, post } = await runJob({ 'redis-url': r.url, 'report-path': later, 'sample-interval': '0' }, async () => {
      execFileSync('mkfifo', [later])
    })
    expect(main.code).toBe(0)
    expect(post.code).toBe(0)
    const warnings = commands(post.stdout).filter((l) => l.includes('Could not write the JSON report'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(`report-path: ${later} is a FIFO (named pipe), not a regular file.`)
    // The summary is still written.
    expect(post.summary).toContain('Redis Memory Guard')
  })
})

describe('text from Redis in the log', () => {
  it('a key name holding a line break and ::error:: never becomes a workflow command', async () => {
    const r = await startRedis()
    const hostile = 'leak\n::error::pwned by a key name\n##[error]old style'
    const { post } = await runJob(
      { 'redis-url': r.url, 'sample-interval': '0', 'max-leaked-keys': '0' },
      async () => {
        await redisCommands(r.port, [['SET', hostile, 'v']])
      },
      // Without a summary file the summary (with the key's name) goes to the log.
      { GITHUB_STEP_SUMMARY: '' }
    )
    expect(post.stdout).toContain('pwned by a key name')
    expect(commands(post.stdout).filter((l) => l.includes('pwned'))).toEqual([])
    expect(post.stdout).not.toMatch(/^##\[error\]old style/m)
  })
})

describe('a timeout or a refusal is not "not reported"', () => {
  it('INFO refused (BUSY) after main makes the after-snapshot fail, never leaked-keys ✅ with 30 new keys', async () => {
    const r = await startRedis(['--busy-reply-threshold', '100'])
    const busy = new Socket()
    const { post } = await runJob({ 'redis-url': r.url, 'sample-interval': '0', 'max-leaked-keys': '0', 'connect-timeout': '2s' }, async () => {
      await redisCommands(r.port, Array.from({ length: 30 }, (_, i) => ['SET', `leak:${i}`, 'v'] as [string, ...string[]]))
      // A script that never ends: from then on the server answers every other command with BUSY.
      await new Promise<void>((resolve) => busy.connect(r.port, '127.0.0.1', () => resolve()))
      busy.write('*3\r\n$4\r\nEVAL\r\n$17\r\nwhile true do end\r\n$1\r\n0\r\n')
      await new Promise((resolve) => setTimeout(resolve, 300))
    })
    await redisCommand(r.port, 'SCRIPT', 'KILL').catch(() => undefined)
    busy.destroy()
    expect(post.outputs.verdict).not.toBe('pass')
    const report = post.summary
    expect(report).not.toMatch(/✅[^\n]*[Ll]eaked keys/)
    expect(report).toMatch(/BUSY/)
    expect(report).not.toContain('not reported by this server')
  })
})

describe('a restart during an unsampled step', () => {
  it('makes the OOM and eviction checks unknown with the reason, never a pass over erased counters', async () => {
    const r = await startRedis(['--maxmemory', '1mb'])
    const dir = mkdtempSync(join(tmpdir(), 'rmg-edges-restart-'))
    const reportPath = join(dir, 'report.json')
    let ooms = 0
    const { post } = await runJob({ 'redis-url': r.url, 'sample-interval': '0', 'report-path': reportPath, 'fail-on': 'oom' }, async () => {
      const replies = await redisCommands(r.port, Array.from({ length: 3000 }, (_, i) => ['SET', `big:${i}`, 'x'.repeat(1000)] as [string, ...string[]]))
      ooms = replies.filter((x) => x instanceof Error && /^OOM/.test(x.message)).length
      await r.stop()
      await startRedis(['--maxmemory', '1mb'], r.port)
    })
    expect(ooms).toBeGreaterThan(100)
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as { verdict: string; checks: { check: string; status: string; reason?: string }[] }
    const oom = report.checks.find((c) => c.check === 'oom')
    expect(oom?.status).toBe('unknown')
    expect(oom?.reason).toContain('restarted during the step and no samples were taken (sample-interval: 0)')
    expect(report.checks.find((c) => c.check === 'evictions')?.status).toBe('unknown')
    expect(report.verdict).not.toBe('pass')
    expect(post.summary).toContain('sample-interval: 0')
  })
})
