/**
 * Naming the cause end to end, through the bundled action's `run` input and the CLI's `run`,
 * against real redis-server processes: an OOM whose keys are gone by the end is named by the
 * moment snapshot, and a leaked key is mapped to the test that wrote it through the JUnit file of
 * a real run of node's test runner.
 */
import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { newJob } from './helpers/action-runner.js'
import { FIXTURES, runCli } from './helpers/cli-runner.js'
import { redisCommand } from './helpers/resp.js'
import { redisPerFile } from './helpers/redis-server.js'
import { codeText } from '../src/render/escape.js'
import { renderSummary } from '../src/render/markdown.js'
import type { Report } from '../src/report/schema.js'

const redis = redisPerFile()
const readReport = (path: string): Report => JSON.parse(readFileSync(path, 'utf8')) as Report
const OOM_PREFIX = 'app:import-batch-*:*'
const fill = `${process.execPath} ${join(FIXTURES, 'oom-then-clean.mjs')}`

/** A small suite for node's test runner: three tests, two of which leave a key behind. */
const SUITE = `
import { test } from 'node:test'
import { Socket } from 'node:net'

const url = new URL(process.env.REDIS_URL)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function command(...args) {
  return new Promise((resolve, reject) => {
    const s = new Socket()
    s.once('error', reject)
    s.once('data', (d) => {
      s.destroy()
      resolve(d.toString())
    })
    s.connect(Number(url.port), url.hostname, () => s.write(\`*\${args.length}\\r\\n\${args.map((a) => \`$\${Buffer.byteLength(a)}\\r\\n\${a}\\r\\n\`).join('')}\`))
  })
}

test('creates a user and cleans up', async () => {
  await sleep(300)
  await command('SET', 'user:1', 'x')
  await sleep(100)
  await command('DEL', 'user:1')
  await sleep(300)
})

test('imports orders and forgets one', async () => {
  await sleep(300)
  await command('SET', 'orders:import:42', 'x')
  await sleep(400)
})

test('caches the home page', async () => {
  await sleep(300)
  await command('SET', 'cache:home', 'x', 'EX', '600')
  await sleep(400)
})
`

/** Node's runner with its spec reporter on stdout (a line per finished test) and its JUnit reporter into `junit`. */
const nodeTest = (junit: string): string[] => ['--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=junit', `--test-reporter-destination=${junit}`]

/** A folder with the suite; the JUnit file goes to its reports/ folder. */
function suiteDir(): { dir: string; file: string; junit: string } {
  const dir = mkdtempSync(join(tmpdir(), 'rmg-suite-'))
  const file = join(dir, 'leaky.test.mjs')
  writeFileSync(file, SUITE)
  mkdirSync(join(dir, 'reports'))
  return { dir, file, junit: join(dir, 'reports', 'junit.xml') }
}

function expectOomMoment(report: Report): void {
  const moments = report.cause?.moments ?? []
  const oom = moments.find((m) => m.reasons.includes('first-oom'))
  if (!oom) throw new Error(`no moment at the first OOM: ${JSON.stringify(moments.map((m) => m.reasons))}`)
  // Every key of the batch was deleted before the end, yet the moment names them.
  expect(oom.topPrefixes[0]).toMatchObject({ db: 0, prefix: OOM_PREFIX })
  expect(oom.topPrefixes[0].keys).toBeGreaterThan(50)
  expect(oom.topPrefixes[0].types).toEqual(['string'])
  expect(oom.largestKeys[0].key).toMatch(/^app:import-batch-[0-9a-f-]{36}:blob-\d+$/)
  expect(report.after?.keyspace['0']?.keys ?? 0).toBe(0)
  expect(report.oomErrors).toBeGreaterThan(0)
}

function expectTests(report: Report): void {
  const tests = report.cause?.testsThatLeftKeys
  if (!tests) throw new Error('no tests that left keys')
  expect(tests.tests.map((t) => [t.name, t.keys.map((k) => k.key)])).toEqual([
    ['imports orders and forgets one', ['orders:import:42']],
    ['caches the home page', ['cache:home']]
  ])
  expect(tests.exactness).toContain('laid one after another')
  const times = Object.fromEntries((report.cause?.leakedKeyTimes.keys ?? []).map((k) => [k.key, k]))
  expect(Object.keys(times).sort()).toEqual(['cache:home', 'orders:import:42'])
  expect(times['orders:import:42'].test?.name).toBe('imports orders and forgets one')
  expect(times['orders:import:42'].secondsIntoStep).toBeLessThan(times['cache:home'].secondsIntoStep ?? 0)
}

describe('the cause, through the action', () => {
  it('names the keys that filled memory at the first OOM although the test deleted them', async () => {
    const r = await redis(['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'])
    const job = newJob()
    const main = await job.step('main', { 'redis-url': r.url, 'sample-interval': '100ms', run: `${fill} 1500` })
    expect(main.stdout).toContain('cleaned up')
    const report = readReport(main.outputs['report-path'])
    expectOomMoment(report)
    // The summary names the prefix, escaped, in the sentence of the moment.
    expect(main.summary).toContain('### Why: the cause')
    expect(main.summary).toMatch(/\*\*At the first OOM[^*]*\*\* \(\d+(\.\d)? m?s into the step\): [\d.]+ MB used, of which /)
    expect(main.summary).toContain(codeText(OOM_PREFIX, { maxLength: 200 }))
    expect(main.summary).toContain('What the memory is made of')
  })

  it('maps a leaked key to the test that wrote it through the JUnit file of node --test', async () => {
    const r = await redis()
    const s = suiteDir()
    const job = newJob()
    const main = await job.step('main', {
      'redis-url': r.url,
      'junit-report': join(s.dir, 'reports', '**', '*.xml'),
      run: `cd ${s.dir} && node ${nodeTest('reports/junit.xml').join(' ')} leaky.test.mjs`
    })
    expect(main.code).toBe(0)
    const report = readReport(main.outputs['report-path'])
    expectTests(report)
    expect(report.cause?.leakedKeyTimes.recorded).toBe(true)
    expect(main.summary).toContain('**Tests that left keys**')
    // Node's start-up lies outside the test times, so the test may be named with its neighbours as candidates.
    const line = main.summary.split('\n').find((l) => l.includes(codeText('orders:import:42', { maxLength: 200 })) && l.startsWith('- '))
    expect(line).toMatch(/imports orders and forgets one.*: 1 key, \d+ B: /)
    // notify-keyspace-events was set back.
    expect(await redisCommand(r.port, 'CONFIG', 'GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', ''])
  })

  it('refuses a junit-report that would search the whole disk, naming the input', async () => {
    const r = await redis()
    const main = await newJob().step('main', { 'redis-url': r.url, 'junit-report': '/**/junit.xml', run: 'true' })
    expect(main.code).not.toBe(0)
    expect(main.stdout).toContain('junit-report: "/**/junit.xml" would search the whole disk')
    expect(main.stdout).not.toMatch(/\n\s+at /)
  })
})

describe('the cause, through the CLI', () => {
  it('names the keys that filled memory at the first OOM although the test deleted them', async () => {
    const r = await redis(['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'])
    const reportPath = join(mkdtempSync(join(tmpdir(), 'rmg-cli-')), 'report.json')
    const res = await runCli(['run', '--url', r.url, '--sample-interval', '50ms', '--report-path', reportPath, '--no-color', '--', process.execPath, join(FIXTURES, 'oom-then-clean.mjs'), '1500'])
    const report = readReport(reportPath)
    expectOomMoment(report)
    expect(res.stdout).toContain('Why')
    expect(res.stdout).toMatch(new RegExp(`at the first OOM[^\\n]*into the step\\): [\\d.]+ MB used, of which ${OOM_PREFIX.replace(/[*]/g, '\\*')} [\\d.]+ MB \\(string\\)`))
  })

  it('maps a leaked key to the test that wrote it with --junit-report', async () => {
    const r = await redis()
    const s = suiteDir()
    const res = await runCli([
      'run',
      '--url',
      r.url,
      '--junit-report',
      s.junit,
      '--json',
      '--',
      process.execPath,
      ...nodeTest(s.junit),
      s.file
    ])
    const report = JSON.parse(res.stdout) as Report
    expectTests(report)
    // The last line the command printed before the key appeared: the spec reporter's line for the test before.
    const orders = report.cause?.leakedKeyTimes.keys.find((k) => k.key === 'orders:import:42')
    expect(orders?.lineBefore).toMatch(/^✔ creates a user and cleans up \(/)
  })

  it('refuses --junit-report that would search the whole disk, naming the flag', async () => {
    const res = await runCli(['run', '--junit-report', '/**/x.xml', '--', 'true'])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('--junit-report: "/**/x.xml" would search the whole disk')
  })
})

describe('the cause when keys were not it', () => {
  it('says at the moment near maxmemory that a subscriber that does not read held the memory, though it was gone by the end', async () => {
    const r = await redis(['--maxmemory', '8mb', '--maxmemory-policy', 'noeviction'])
    const res = await runCli(['run', '--url', r.url, '--sample-interval', '50ms', '--json', '--', process.execPath, join(FIXTURES, 'slow-subscriber.mjs'), '1200'])
    const report = JSON.parse(res.stdout) as Report
    const near = report.cause?.moments.find((m) => m.reasons.includes('near-maxmemory'))
    if (!near) throw new Error(`no moment near maxmemory: ${JSON.stringify(report.cause?.moments.map((m) => m.reasons))}`)
    const b = near.breakdown.breakdown
    // MEMORY STATS lags behind a growing buffer (Redis updates it in its cron); CLIENT LIST corrects it.
    expect(b?.biggest?.part).toBe('clients-normal')
    expect(b?.clients?.subscribers.outputBytes).toBeGreaterThan(2 * 1024 * 1024)
    // By the end the subscriber is gone: only the moment knows.
    expect(report.cause?.memory.breakdown?.biggest?.part).not.toBe('clients-normal')
    expect(renderSummary(report)).toMatch(/\*\*When used memory passed 90% of maxmemory\*\*[^\n]*The biggest part then was not keys: clients' buffers, [\d.]+ MB\./)
  })
})
