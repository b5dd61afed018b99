/**
 * Sampling during the step and the `run` input, end to end: the bundled action against real
 * redis-server processes, the sampler running as its own detached process.
 */
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { alive } from '../src/sampler/control.js'
import { parseSampleLines } from '../src/sampler/sample.js'
import { newJob, runJob, stepState } from './helpers/action-runner.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { redisPerFile, type TestRedis } from './helpers/redis-server.js'

const MB = 1024 * 1024
const redis = redisPerFile()

/**
 * used_memory counts each client's buffers: right after 30 writes of 1 MB the writing connection
 * still holds its query buffer (Redis's client cron shrinks it within seconds) and the measuring
 * one a few KB, so a later sample of the same plateau may be that much lower: seen up to 115 KB
 * on a busy machine. Still far under one value, so a missed plateau would fail.
 */
const CLIENT_BUFFERS = 256 * 1024

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const annotations = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('::warning') || l.startsWith('::error'))

async function usedMemory(port: number): Promise<number> {
  const info = String(await redisCommand(port, 'INFO', 'memory'))
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1])
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const readReport = (path: string): any => JSON.parse(readFileSync(path, 'utf8'))

describe('sampling during the step', () => {
  it('catches a climb to a peak that was deleted before the end of the step', async () => {
    const r = await redis()
    let climb = 0
    const { main, post } = await runJob({ 'redis-url': r.url, 'max-peak-memory': '10mb' }, async () => {
      const value = 'v'.repeat(MB)
      await redisCommands(r.port, Array.from({ length: 30 }, (_, i) => ['SET', `fixture:${i}`, value]))
      climb = await usedMemory(r.port)
      await sleep(1500) // three sampling intervals at the default 500 ms
      await redisCommand(r.port, 'FLUSHALL')
      await sleep(300)
    })
    expect(main.code).toBe(0)
    expect(climb).toBeGreaterThan(30 * MB)
    const pid = stepState(main).sampler!.pid
    expect(pid).toBeGreaterThan(0)

    const report = readReport(post.outputs['report-path'])
    expect(report.after.memory.usedMemory).toBeLessThan(5 * MB)
    expect(report.sampling.intervalMs).toBe(500)
    expect(report.sampling.summary.peak.bytes).toBeGreaterThanOrEqual(climb - CLIENT_BUFFERS)
    expect(report.sampling.summary.peak.bytes).toBeGreaterThan(30 * MB)
    // used_memory_peak rose during the step, and Redis proves the step reached it: it is judged when above every sample.
    expect(['sampled', 'info-peak']).toContain(report.peak.source)
    expect(report.peak.bytes).toBeGreaterThanOrEqual(report.sampling.summary.peak.bytes)
    expect(Number(post.outputs['used-memory-peak'])).toBeGreaterThanOrEqual(climb - CLIENT_BUFFERS)
    expect(report.checks.find((c: { check: string }) => c.check === 'peak-memory').status).toBe('fail')
    expect(post.outputs.verdict).toBe('fail')
    expect(post.code).toBe(1)
    expect(report.sampling.samples.length).toBeGreaterThanOrEqual(3)
    expect(Object.keys(report.sampling.samples[0]).sort()).toEqual(['at', 'connected', 'errorstats', 'evictedKeys', 'oomErrors', 'rejectedCalls', 'runId', 'usedMemory', 'usedMemoryRss'])
    expect(post.summary).toContain('xychart-beta')
    // The sampled peak is shown; the judged one is the highest figure (used_memory_peak when it rose above every sample).
    expect(post.summary).toMatch(/\| Sampled: the highest used_memory of \d+ samples, every 500 ms \| [\d.]+ MB \| .* \| (\*\*judged\*\*|not judged) \|/)
    expect(post.summary).toMatch(/\| [^\n]* \| \*\*judged\*\* \|/)
    // The post step stopped the sampler.
    expect(alive(pid)).toBe(false)
  })

  it('records a gap, not a crash, when Redis is killed and restarted on the same port', async () => {
    const r = await redis()
    let restarted: TestRedis | null = null
    const job = newJob()
    const inputs = { 'redis-url': r.url, 'sample-interval': '100ms' }
    const main = await job.step('main', inputs)
    const samplesFile = stepState(main).sampler!.file
    // Redis goes away once the sampler has sampled it (on a busy machine its start takes longer than
    // the outage: it would then connect to the restarted server and never see a gap).
    const sampled = Date.now()
    while (!(existsSync(samplesFile) && readFileSync(samplesFile, 'utf8').includes('\n')) && Date.now() - sampled < 10_000) await sleep(25)
    await sleep(300)
    await r.stop()
    await sleep(1200)
    restarted = await redis([], r.port)
    await sleep(1200)
    const post = await job.step('post', inputs, main.state)
    expect(restarted).not.toBeNull()
    expect(main.code).toBe(0)
    expect(post.code).toBe(0)
    const report = readReport(post.outputs['report-path'])
    const { gaps } = report.sampling.summary
    expect(gaps.length).toBeGreaterThanOrEqual(1)
    expect(gaps[0].to).not.toBeNull()
    expect(gaps[0].samples).toBeGreaterThanOrEqual(1)
    const samples = report.sampling.samples
    const lastConnected = samples.filter((s: { connected: boolean }) => s.connected).pop()
    expect(Date.parse(lastConnected.at)).toBeGreaterThan(Date.parse(gaps[0].to) - 1)
    expect(samples.some((s: { connected: boolean }) => !s.connected)).toBe(true)
    expect(report.notes.join(' ')).toContain('Redis restarted during the step')
    expect(post.summary).toContain('Redis did not answer from')
    expect(alive(stepState(main).sampler!.pid)).toBe(false)
  })

  it('exits by itself when the post step never comes', async () => {
    const r = await redis()
    const job = newJob()
    const main = await job.step('main', { 'redis-url': r.url, 'sample-interval': '100ms', 'sample-max-duration': '2s' })
    expect(main.code).toBe(0)
    const pid = stepState(main).sampler!.pid
    const started = Date.now()
    expect(alive(pid)).toBe(true)
    while (alive(pid) && Date.now() - started < 10_000) await sleep(100)
    expect(alive(pid)).toBe(false)
    const samples = parseSampleLines(readFileSync(join(JSON.parse(main.state['work-dir']), 'samples.jsonl'), 'utf8'))
    expect(samples.length).toBeGreaterThan(5)
    const span = Date.parse(samples[samples.length - 1].at) - Date.parse(stepState(main).sampler!.startedAt)
    expect(span).toBeLessThanOrEqual(2500)

    // A post step that comes after all says the samples cover only part of the step.
    const post = await job.step('post', { 'redis-url': r.url, 'sample-max-duration': '2s' }, main.state)
    const report = readReport(post.outputs['report-path'])
    expect(report.errors.join(' ')).toMatch(/The background sampler stopped [\d.]+ s into the step, before the end of the step \(its longest life is 2\.0 s\)/)
    expect(report.verdict).toBe('warn')
    expect(report.sampling.samples.length).toBe(samples.length)
  })

  it('turns sampling off with sample-interval 0 and falls back to INFO for the peak', async () => {
    const r = await redis()
    const { main, post } = await runJob({ 'redis-url': r.url, 'sample-interval': '0' })
    expect(stepState(main).sampler).toBeNull()
    const report = readReport(post.outputs['report-path'])
    expect(report.sampling).toBeUndefined()
    expect(report.peak.source).not.toBe('sampled')
  })

  it.each([
    ['sample-interval', 'often', 'sample-interval: "often" is not a duration. Use e.g. 30s, 500ms or 2m.'],
    ['sample-interval', '10ms', 'sample-interval: 10 ms is too often. Use at least 50ms, e.g. 500ms, or 0 to turn sampling off.'],
    ['sample-max-duration', '0', 'sample-max-duration: must be longer than 0, e.g. 6h or 90m.']
  ])('rejects a bad %s with its exact error', async (input, value, message) => {
    const main = await newJob().step('main', { 'redis-url': 'redis://127.0.0.1:1', [input]: value })
    expect(main.code).toBe(1)
    expect(annotations(main.stdout)).toHaveLength(1)
    expect(annotations(main.stdout)[0]).toContain(message)
  })
})

describe('the run input', () => {
  it('fails the step with the exit code of a failing command and still writes the report', async () => {
    const r = await redis()
    const job = newJob()
    const inputs = { 'redis-url': r.url, run: `echo "about to fail"\nredis-cli -p ${r.port} SET left:behind 1 >/dev/null\nexit 7\necho never` }
    const main = await job.step('main', inputs)
    expect(main.code).toBe(7)
    expect(main.stdout).toContain('about to fail')
    expect(main.stdout).not.toContain('never')
    expect(main.stdout).toContain('::error::The command failed with exit code 7.')
    expect(main.outputs['exit-code']).toBe('7')
    expect(main.outputs['leaked-keys']).toBe('1')
    const report = readReport(main.outputs['report-path'])
    expect(report.command).toMatchObject({ exitCode: 7, signal: null, oomLines: 0 })
    expect(report.after.keyspace['0'].keys).toBe(1)
    expect(report.sampling.samples.length).toBeGreaterThanOrEqual(1)
    expect(main.summary).toContain('failed with exit code 7')
    expect(alive(stepState(main).sampler!.pid)).toBe(false)

    // The post step finds the report done and does nothing.
    const post = await job.step('post', inputs, main.state)
    expect(post.code).toBe(0)
    expect(post.summary).toBe('')
    expect(post.outputs).toEqual({})
  })

  it('catches the peak of the command and counts the OOM lines in its output', async () => {
    const r = await redis(['--maxmemory', '20mb', '--maxmemory-policy', 'noeviction'])
    const job = newJob()
    const value = join(job.runnerTemp, 'value')
    const climbFile = join(job.runnerTemp, 'climb')
    const run = [
      `head -c ${MB} /dev/zero | tr '\\0' x > ${value}`,
      `for i in $(seq 1 30); do redis-cli -p ${r.port} -x SET big:$i < ${value} || true; done`,
      `redis-cli -p ${r.port} INFO memory | grep '^used_memory:' | tr -d '\\r' | cut -d: -f2 > ${climbFile}`,
      'sleep 1.2',
      `redis-cli -p ${r.port} FLUSHALL`
    ].join('\n')
    const main = await job.step('main', { 'redis-url': r.url, run, 'max-peak-memory': '10mb' })
    const climb = Number(readFileSync(climbFile, 'utf8'))
    expect(climb).toBeGreaterThan(15 * MB)
    const report = readReport(main.outputs['report-path'])
    expect(report.command.exitCode).toBe(0)
    expect(report.command.oomLines).toBeGreaterThanOrEqual(5)
    expect(report.command.oomQuotes[0]).toContain('OOM command not allowed when used memory')
    expect(report.sampling.summary.peak.bytes).toBeGreaterThanOrEqual(climb - CLIENT_BUFFERS)
    expect(report.sampling.summary.firstOomAt).not.toBeNull()
    expect(report.after.memory.usedMemory).toBeLessThan(5 * MB)
    expect(main.outputs.verdict).toBe('fail')
    expect(main.code).toBe(1)
    expect(main.outputs['exit-code']).toBe('0')
    expect(main.summary).toContain("of its output carry Redis's OOM message")
    expect(main.summary).toContain('Redis first refused a command with OOM')
    expect(main.summary).toContain('The flat line is maxmemory (20.0 MB).')
    expect(existsSync(join(JSON.parse(main.state['work-dir']), 'samples.jsonl'))).toBe(true)
  })
})
