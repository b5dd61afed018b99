/** The key analysis through the bundled action, as the runner runs it, against real redis-server processes. */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { newJob, runJob } from './helpers/action-runner.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { redisPerFile } from './helpers/redis-server.js'
import type { Report } from '../src/report/schema.js'

const redis = redisPerFile()
const readReport = (path: string): Report => JSON.parse(readFileSync(path, 'utf8')) as Report

describe('key analysis, end to end', () => {
  it('finds exactly the keys left behind, by prefix, with TTL status, and flags the wrong DB', async () => {
    const r = await redis()
    await redisCommands(r.port, [
      ['SET', 'config:flags', 'x'],
      ['SET', 'session:0a1b2c3d4e', 'old'],
      ['SET', 'tmp:deleted-by-test', 'x']
    ])
    const inputs = { 'redis-url': r.url, 'expected-db': '0', 'max-leaked-keys': '10', 'fail-on': 'oom' }
    const { main, post } = await runJob(inputs, async () => {
      await redisCommands(r.port, [
        ['DEL', 'tmp:deleted-by-test'],
        ['SET', 'session:8f3a9c01d2', 'a'],
        ['SET', 'session:91bc7d0e55', 'b', 'EX', '600'],
        ['SET', 'session:550e8400-e29b-41d4-a716-446655440000', 'c'],
        ['SET', 'user:42:profile', 'x'.repeat(5000)],
        ['SELECT', '3'],
        ['SET', 'job:17', 'wrong place']
      ])
    })
    expect(main.code).toBe(0)
    expect(main.stdout).toContain('Key inventory: 3 keys in 1 DBs')
    expect(post.outputs['leaked-keys']).toBe('5')
    const report = readReport(post.outputs['report-path'])
    const k = report.keys
    if (!k?.leaked) throw new Error('no leaked keys in the report')
    expect(k.complete).toBe(true)
    expect(k.leaked).toMatchObject({ exact: true, count: 5, byDb: { 0: 4, 3: 1 }, withoutTtl: 4, withTtl: 1 })
    const groups = Object.fromEntries(k.leaked.groups.map((g) => [`${g.db} ${g.prefix}`, g]))
    expect(Object.keys(groups).sort()).toEqual(['0 session:*', '0 user:*', '3 job:*'])
    expect(groups['0 session:*']).toMatchObject({ keys: 3, withoutTtl: 2 })
    const samples = Object.fromEntries(groups['0 session:*'].samples.map((s) => [s.key, s.ttl]))
    expect(samples).toEqual({
      'session:8f3a9c01d2': 'none',
      'session:91bc7d0e55': 'set',
      'session:550e8400-e29b-41d4-a716-446655440000': 'none'
    })
    const all = k.leaked.groups.flatMap((g) => g.samples.map((s) => s.key))
    expect(all).not.toContain('tmp:deleted-by-test')
    expect(all).not.toContain('session:0a1b2c3d4e')
    expect(k.topKeys[0]).toMatchObject({ db: 0, key: 'user:42:profile', ttl: 'none' })
    expect(k.topKeys[0].bytes).toBe(Number(await redisCommand(r.port, 'MEMORY', 'USAGE', 'user:42:profile')))
    expect(k.wrongDb).toMatchObject({ expectedDb: 0, keys: 1, byDb: { 3: 1 } })
    const wrong = report.checks.find((c) => c.check === 'wrong-db')
    expect(wrong?.status).toBe('warn')
    expect(post.stdout).toContain('::warning title=Redis memory%3A wrong-db::1 key appeared in DB 3')
    // max-leaked-keys is 10: five keys are within it.
    expect(report.checks.find((c) => c.check === 'leaked-keys')).toMatchObject({ status: 'pass', measured: 5, limit: 10 })
    expect(post.summary).toContain('### Keys left behind')
    expect(post.summary).toContain('**5 keys** present after the step and not before (DB 0: 4, DB 3: 1); **4 without a TTL**')
    expect(post.summary).toContain('### Keys in the wrong database')
    expect(post.summary).toContain('does not add up to used_memory')
  })

  it('keeps nasty key names intact in the JSON and escaped in the summary', async () => {
    const r = await redis()
    const binary = Buffer.concat([Buffer.from('bin:'), Buffer.from([0xff, 0x00, 0xfe, 0x0a])])
    const { post } = await runJob({ 'redis-url': r.url }, async () => {
      await redisCommands(r.port, [
        ['SET', binary, 'v'],
        ['SET', 'has space:and\nnew line', 'v'],
        ['SET', '<img src=x>|**bold**|@octocat', 'v']
      ])
    })
    const report = readReport(post.outputs['report-path'])
    const names = report.keys?.leaked?.groups.flatMap((g) => g.samples) ?? []
    const bin = names.find((s) => s.keyBase64 !== undefined)
    expect(Buffer.from(bin?.keyBase64 ?? '', 'base64')).toEqual(binary)
    expect(bin?.key).toBe('bin:\\xff\\x00\\xfe\\x0a')
    expect(names.map((s) => s.key)).toEqual(expect.arrayContaining(['has space:and\nnew line', '<img src=x>|**bold**|@octocat']))
    const md = post.summary
    expect(md).toContain('has space\\:and\\nnew line')
    expect(md).toContain('<code>&lt;img src\\=x&gt;&#124;\\*\\*bold\\*\\*&#124;&#64;\u200boctocat</code>')
    expect(md).not.toContain('<img')
    expect(md).not.toContain('@octocat')
    expect(md).toContain('<code>bin\\:\\\\xff\\\\x00\\\\xfe\\\\x0a</code> _(binary)_')
  })

  it('stops a long scan at key-scan-budget and says the figures are extrapolated', async () => {
    const r = await redis(['--enable-debug-command', 'yes'])
    await redisCommand(r.port, 'DEBUG', 'POPULATE', '100000', 'item')
    const { post } = await runJob({ 'redis-url': r.url, 'key-scan-budget': '1ms' }, async () => {
      await redisCommands(r.port, [['SET', 'new:1', 'x']])
    })
    const k = readReport(post.outputs['report-path']).keys
    expect(k?.complete).toBe(false)
    expect(k?.extrapolated).toBe(true)
    expect(k?.leaked).toBeNull()
    expect(k?.leakedUnavailable).toContain('stopped at key-scan-budget')
    expect(k?.after.dbs[0].scanned).toBeLessThan(100_001)
    expect(k?.topPrefixesByCount[0]).toMatchObject({ prefix: 'item:*', estimated: true })
    expect(Math.abs((k?.topPrefixesByCount[0].keys ?? 0) - 100_000)).toBeLessThan(1000)
    // Leaked keys fall back to the growth of the DB.
    expect(post.outputs['leaked-keys']).toBe('1')
    expect(post.summary).toContain('extrapolated by DBSIZE')
  })

  it('finds the keys the command of the run input left behind', async () => {
    const r = await redis()
    const job = newJob()
    const main = await job.step('main', { 'redis-url': r.url, run: `redis-cli -p ${r.port} set leak:run:1 x >/dev/null` })
    expect(main.code).toBe(0)
    expect(main.outputs['leaked-keys']).toBe('1')
    const k = readReport(main.outputs['report-path']).keys
    expect(k?.leaked?.groups.map((g) => [g.prefix, g.samples.map((s) => s.key)])).toEqual([['leak:run:*', ['leak:run:1']]])
  })

  it('runs no key analysis with key-scan-budget 0', async () => {
    const r = await redis()
    const { main, post } = await runJob({ 'redis-url': r.url, 'key-scan-budget': '0' }, async () => {
      await redisCommands(r.port, [['SET', 'a:1', 'x']])
    })
    expect(main.stdout).not.toContain('Key inventory')
    const report = readReport(post.outputs['report-path'])
    expect(report.keys).toBeUndefined()
    expect(post.outputs['leaked-keys']).toBe('1')
  })

  it.each([
    ['prefix-depth', '0', 'prefix-depth: "0" is not valid. Use a whole number between 1 and 10, e.g. 2.'],
    ['expected-db', 'two', 'expected-db: "two" is not valid. Use a whole number between 0 and 100000, e.g. 0.'],
    ['key-scan-budget', 'long', 'key-scan-budget: "long" is not a duration.'],
    ['ignore-keys', 'bull:*,*', 'ignore-keys: "*" would leave out every key.']
  ])('rejects a bad %s in one line', async (input, value, message) => {
    const { main } = await runJob({ 'redis-url': 'redis://127.0.0.1:1', [input]: value })
    expect(main.code).toBe(1)
    const errors = main.stdout.split('\n').filter((l) => l.startsWith('::error'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(message)
  })
})
