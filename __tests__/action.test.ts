/**
 * The bundled action, run as the runner runs it, against real redis-server processes.
 * `npm run package` must have built dist/ from the current source (CI checks it is fresh).
 */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { runJob, newJob } from './helpers/action-runner.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { freePort, redisPerFile } from './helpers/redis-server.js'
import { SCHEMA_VERSION } from '../src/report/schema.js'

const redis = redisPerFile()

/** Lines the runner would turn into warning or error annotations. */
/** Output without the `::add-mask::` lines, which carry the secret to the runner so it can mask it. */
const visible = (out: string): string => out.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n')
const annotations = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('::warning') || l.startsWith('::error'))

describe('attach mode, end to end', () => {
  it('passes a clean run with no annotations', async () => {
    const r = await redis()
    const { main, post } = await runJob({ 'redis-url': r.url, 'max-used-memory': '100mb' }, async () => {
      await redisCommands(r.port, [['SET', 'a', '1'], ['DEL', 'a']])
    })
    expect(main.code).toBe(0)
    expect(post.code).toBe(0)
    expect(post.outputs.verdict).toBe('pass')
    expect(annotations(main.stdout + post.stdout)).toEqual([])
    expect(Number(post.outputs['used-memory-before'])).toBeGreaterThan(0)
    expect(Number(post.outputs['used-memory-after'])).toBeGreaterThan(0)
    expect(post.outputs['oom-errors']).toBe('0')
    expect(post.outputs['leaked-keys']).toBe('0')
    expect(post.summary).toContain('Redis memory: pass')
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    expect(report.schemaVersion).toBe(SCHEMA_VERSION)
    expect(report.verdict).toBe('pass')
    expect(report.after.memory.usedMemory).toBe(Number(post.outputs['used-memory-after']))
  })

  it('fails the job when the tests hit OOM', async () => {
    const r = await redis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'])
    const { post } = await runJob({ 'redis-url': r.url }, async () => {
      const value = 'x'.repeat(64 * 1024)
      for (let i = 0; i < 200; i++) {
        const reply = await redisCommand(r.port, 'SET', `big:${i}`, value)
        if (reply instanceof Error) {
          expect(reply.message).toContain('OOM command not allowed')
          return
        }
      }
      throw new Error('never hit OOM')
    })
    expect(post.code).toBe(1)
    expect(post.outputs.verdict).toBe('fail')
    expect(Number(post.outputs['oom-errors'])).toBeGreaterThanOrEqual(1)
    expect(post.stdout).toContain('::error title=Redis memory%3A oom::')
    expect(post.stdout).toContain('Redis memory check failed: oom')
    expect(post.summary).toContain('❌ **Redis memory: fail**')
  })

  it('counts the keys left behind', async () => {
    const r = await redis()
    const { post } = await runJob({ 'redis-url': r.url, 'max-leaked-keys': '2', 'fail-on': 'oom,leaked-keys' }, async () => {
      await redisCommands(r.port, [['SET', 'user:1', 'a'], ['SET', 'user:2', 'b'], ['SELECT', '3'], ['SET', 'session:9', 'c']])
    })
    expect(post.outputs['leaked-keys']).toBe('3')
    expect(post.outputs.verdict).toBe('fail')
    expect(post.code).toBe(1)
    expect(post.summary).toContain('DB 0: 2, DB 3: 1')
  })

  it('does not warn about the high fragmentation ratio of an empty Redis', async () => {
    const r = await redis()
    // A step that uses its Redis a little (one that sends nothing gets a warning of its own).
    const { post } = await runJob({ 'redis-url': r.url }, async () => {
      await redisCommand(r.port, 'SET', 'small', 'value')
    })
    const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8'))
    expect(report.after.memory.memFragmentationRatio).toBeGreaterThan(1.5)
    expect(report.checks.find((c: { check: string }) => c.check === 'fragmentation').status).toBe('reported')
    expect(post.outputs.verdict).toBe('pass')
    expect(annotations(post.stdout)).toEqual([])
    expect(post.summary).toContain('too little for fragmentation to matter')
  })

  it('fails with one line naming host and port when Redis is unreachable, password masked', async () => {
    const port = await freePort()
    const { main, post } = await runJob({ 'redis-url': `redis://:hunter2@127.0.0.1:${port}`, 'connect-timeout': '1s' })
    expect(main.code).toBe(1)
    const error = annotations(main.stdout)
    expect(error).toHaveLength(1)
    expect(error[0]).toContain(`Could not reach Redis at 127.0.0.1:${port} within 1.0 s`)
    expect(error[0]).toContain('raise connect-timeout')
    for (const text of [main.stdout, main.stderr, post.stdout, post.stderr, post.summary]) expect(visible(text)).not.toContain('hunter2')
    expect(main.stdout).toContain('::add-mask::hunter2')
    expect(main.stderr).not.toMatch(/\n\s+at /)
    expect(post.summary).toContain('The main step failed')
    expect(post.code).toBe(1)
  })

  it('says when the password is wrong, without retrying for the whole timeout', async () => {
    const r = await redis(['--requirepass', 'right-one'])
    const started = Date.now()
    const { main } = await runJob({ 'redis-url': `redis://:wrong-one@127.0.0.1:${r.port}` })
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(main.code).toBe(1)
    expect(annotations(main.stdout)[0]).toContain(`Redis at 127.0.0.1:${r.port} rejected the password for user "default"`)
    expect(visible(main.stdout + main.stderr)).not.toContain('wrong-one')
  })

  it('says when a password is needed', async () => {
    const r = await redis(['--requirepass', 'pw'])
    const { main } = await runJob({ 'redis-url': r.url })
    expect(annotations(main.stdout)[0]).toContain('requires a password and none was given')
  })

  it('works with a password in the URL', async () => {
    const r = await redis(['--requirepass', 's3cret'])
    const { post } = await runJob({ 'redis-url': `redis://:s3cret@127.0.0.1:${r.port}/1` })
    expect(post.outputs.verdict).toBe('pass')
    const report = readFileSync(post.outputs['report-path'], 'utf8')
    expect(report).not.toContain('s3cret')
    expect(report).toContain(`redis://:***@127.0.0.1:${r.port}/1`)
    expect(post.summary).not.toContain('s3cret')
  })

  it.each([
    ['max-used-memory', '12 apples', 'max-used-memory: "12 apples" is not a size. Use a number of bytes or a unit, e.g. 512mb, 1gb, 100MiB or 1048576.'],
    ['max-peak-memory', 'lots', 'max-peak-memory: "lots" is not a size.'],
    ['max-memory-percent', '120', 'max-memory-percent: "120" is not valid. Use a number between 1 and 100, e.g. 90.'],
    ['max-fragmentation-ratio', 'high', 'max-fragmentation-ratio: "high" is not valid. Use a number between 1 and 1000, e.g. 1.5.'],
    ['max-leaked-keys', '-1', 'max-leaked-keys: "-1" is not valid. Use a whole number between 0 and 4294967296, e.g. 0.'],
    ['fail-on', 'oom,everything', 'fail-on: "everything" is not a check.'],
    ['connect-timeout', 'forever', 'connect-timeout: "forever" is not a duration. Use e.g. 30s, 500ms or 2m.'],
    ['redis-url', 'http://localhost', 'redis-url: the scheme must be redis:// or rediss://']
  ])('rejects a bad %s with its exact error', async (input, value, message) => {
    const job = newJob()
    const main = await job.step('main', { 'redis-url': 'redis://127.0.0.1:1', [input]: value })
    expect(main.code).toBe(1)
    const errors = annotations(main.stdout)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(message)
    expect(main.stderr).not.toMatch(/\n\s+at /)
  })
})
