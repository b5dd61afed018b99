/**
 * Attribution against real runs of other test runners under the CLI's `run`, each against its own
 * redis-server: pytest with a slow import, mocha's xunit reporter (a test named `returns a > b`),
<<<<<<< HEAD
 * jest with jest-junit on two workers, one file with a slow beforeAll, and pytest tests that get
 * error replies (the first of each kind timed by the samples). Each asserts the exact test where
 * the timing can tell, and candidates (the true test among them) where it cannot.
=======
 * jest with jest-junit on two workers, one file with a slow beforeAll, and `node --test` running two
 * files at once into one JUnit file. Each asserts the exact test where the timing can tell, and
 * candidates (the true test among them) where it cannot.
>>>>>>> junit-more
 */
import { describe, expect, it } from '@jest/globals'
import { cpSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FIXTURES, runCli } from './helpers/cli-runner.js'
import { redisPerFile } from './helpers/redis-server.js'
import { renderComment, renderSummary } from '../src/render/markdown.js'
import type { Report } from '../src/report/schema.js'

const redis = redisPerFile()
const SUITES = join(FIXTURES, 'suites')
const MOCHA = join(process.cwd(), 'node_modules', 'mocha', 'bin', 'mocha.js')
const JEST = join(process.cwd(), 'node_modules', 'jest', 'bin', 'jest.js')
const JEST_JUNIT = join(process.cwd(), 'node_modules', 'jest-junit')

/** A copy of one suite in a fresh folder (runners write caches and reports next to it). */
function suite(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `rmg-${name}-`))
  cpSync(join(SUITES, name), dir, { recursive: true })
  return dir
}

async function guarded(url: string, dir: string, junit: string, command: string): Promise<Report> {
  const reportPath = join(dir, 'report.json')
  const res = await runCli(['run', '--url', url, '--sample-interval', '100ms', '--junit-report', junit, '--report-path', reportPath, '--no-color', '--', 'sh', '-c', `cd '${dir}' && ${command}`])
  if (!readFileSafe(reportPath)) throw new Error(`no report: ${res.stdout}\n${res.stderr}`)
  return JSON.parse(readFileSync(reportPath, 'utf8')) as Report
}

function readFileSafe(path: string): boolean {
  try {
    readFileSync(path)
    return true
  } catch {
    return false
  }
}

function keyTest(report: Report, key: string): NonNullable<Report['cause']>['leakedKeyTimes']['keys'][number]['test'] {
  const k = report.cause?.leakedKeyTimes.keys.find((x) => x.key === key)
  if (!k) throw new Error(`${key} not among the leaked keys: ${JSON.stringify(report.cause?.leakedKeyTimes)}`)
  return k.test
}

describe('attribution on real runs', () => {
  it('pytest with a slow import: the key of test_b is test_b’s, for sure; a key of a 1 ms test gives candidates', async () => {
    const r = await redis()
    const dir = suite('pytest')
    const report = await guarded(r.url, dir, join(dir, 'junit.xml'), 'python3 -m pytest -q -p no:cacheprovider --junitxml=junit.xml test_shop.py')
    expect(report.command?.exitCode).toBe(0)
    const b = keyTest(report, 'cart:left-by-b')
    expect(b).toMatchObject({ name: 'test_b_leaves_a_cart', exactness: 'exact' })
    // Module and name, as the file gives them.
    expect(b?.fullName).toBe('test_shop › test_b_leaves_a_cart')
    const tiny = keyTest(report, 'tiny:quick')
    expect(tiny?.exactness).toBe('candidates')
    expect(tiny?.candidates).toContain('test_shop.TestTiny › test_quick_write')
    // Counts per test in the JSON, and the comment of a failing run names the test with its count.
    const left = report.cause?.testsThatLeftKeys?.tests.find((t) => t.name === 'test_b_leaves_a_cart')
    expect(left).toMatchObject({ exactness: 'exact', keyCount: 1 })
    expect(renderSummary(report)).toContain('**Tests that left keys**')
    const failing: Report = { ...report, verdict: 'fail' }
    // Markdown-escaped, as every test name from the file is.
    expect(renderComment(failing)).toContain('test\\_shop › test\\_b\\_leaves\\_a\\_cart (1 key')
  })

  it('pytest with error replies: WRONGTYPE and BUSYGROUP first received by the tests that provoked them, exact; NOSCRIPT in a 1 ms test gives candidates', async () => {
    const r = await redis()
    const dir = suite('pytest-errors')
    const report = await guarded(r.url, dir, join(dir, 'junit.xml'), 'python3 -m pytest -q -p no:cacheprovider --junitxml=junit.xml test_errors.py')
    expect(report.command?.exitCode).toBe(0)
    const kinds = Object.fromEntries((report.cause?.errorReplies?.byPrefix ?? []).map((p) => [p.prefix, p]))
    expect(kinds.WRONGTYPE).toMatchObject({ count: 1, firstTest: { exactness: 'exact', test: { name: 'test_a_pushes_onto_a_string' } } })
    expect(kinds.BUSYGROUP).toMatchObject({ count: 1, firstTest: { exactness: 'exact', test: { name: 'test_b_creates_the_group_twice' } } })
    // Each first lies between two samples about one interval apart, in the step's time.
    for (const p of [kinds.WRONGTYPE, kinds.BUSYGROUP]) {
      expect(Date.parse(p.firstAt ?? '') - Date.parse(p.firstFrom ?? '')).toBeLessThanOrEqual(1000)
      expect(p.firstSecondsIntoStep).toBeGreaterThan(0)
    }
    // WRONGTYPE came about 1.2 s before BUSYGROUP (the rest of test_a and the pause in test_b).
    expect(Date.parse(kinds.BUSYGROUP.firstAt ?? '') - Date.parse(kinds.WRONGTYPE.firstAt ?? '')).toBeGreaterThan(800)
    // The interval that saw NOSCRIPT is wider than test_c: the tests around it are named too.
    const noscript = kinds.NOSCRIPT?.firstTest
    expect(noscript?.exactness).toBe('candidates')
    expect(noscript?.candidates.map((c) => c.name)).toContain('test_c_calls_a_missing_script')
    expect(noscript?.candidates.length).toBeGreaterThanOrEqual(2)
    // The summary's error table and the comment of a failing run say who first received each.
    const summary = renderSummary(report)
    expect(summary).toContain('| Error | Replies | First seen | First received by |')
    expect(summary).toMatch(/\| <code>WRONGTYPE<\/code> \| 1 \| [\d.]+ m?s into the step \| test\\_errors › test\\_a\\_pushes\\_onto\\_a\\_string \|/)
    expect(summary).toMatch(/\| <code>NOSCRIPT<\/code> \| 1 \| [\d.]+ m?s into the step \| one of .*test\\_c\\_calls\\_a\\_missing\\_script/)
    const comment = renderComment({ ...report, verdict: 'fail' })
    expect(comment).toContain('<code>BUSYGROUP</code> ×1, first received by test\\_errors › test\\_b\\_creates\\_the\\_group\\_twice')
  })

  it('mocha (xunit, stamped at the end to the second): a test named "returns a > b" is kept and named', async () => {
    const r = await redis()
    const dir = suite('mocha')
    const report = await guarded(r.url, dir, join(dir, 'mocha.xml'), `'${process.execPath}' '${MOCHA}' --reporter xunit --reporter-option output=mocha.xml shop.spec.cjs`)
    expect(report.command?.exitCode).toBe(0)
    const t = keyTest(report, 'compare:left')
    expect(t?.name).toBe('returns a > b')
    if (t?.exactness === 'candidates') expect(t.candidates[0]).toContain('returns a > b')
    else expect(t?.exactness).toBe('exact')
    expect(t?.fullName).toBe('compare › returns a > b')
  })

  it('jest on two workers, one file with a slow beforeAll: the keys get candidates that hold the test that wrote them', async () => {
    const r = await redis()
    const dir = suite('jest')
    const config = JSON.stringify({ testMatch: ['**/*.test.cjs'], rootDir: '.' })
    const report = await guarded(
      r.url,
      dir,
      join(dir, 'junit.xml'),
      `JEST_JUNIT_OUTPUT_FILE=junit.xml '${process.execPath}' '${JEST}' --config '${config}' --maxWorkers=2 --reporters=default --reporters='${JEST_JUNIT}'`
    )
    expect(report.command?.exitCode).toBe(0)
    // The beforeAll's 1.2 s lie outside the test times: where in its file the test ran is not known to better than that.
    const orders = keyTest(report, 'orders:batch:1')
    expect(orders?.exactness).toBe('candidates')
    expect(orders?.candidates.join('\n')).toContain('imports a batch')
    const mail = keyTest(report, 'mail:queue:1')
    if (mail?.exactness === 'exact') expect(mail.name).toBe('mail queues a welcome mail')
    else expect(mail?.candidates.join('\n')).toContain('queues a welcome mail')
  })

  it('node --test on two files at once (one JUnit file that does not say which file a test came from): the key of the second file\'s test gets candidates holding it, not the first file\'s test', async () => {
    const r = await redis()
    const dir = suite('node-test')
    // The files share the jest suite's small Redis client.
    cpSync(join(SUITES, 'jest', 'redis.cjs'), join(dir, 'redis.cjs'))
    const report = await guarded(
      r.url,
      dir,
      join(dir, 'node.xml'),
      `'${process.execPath}' --test --test-concurrency=2 --test-reporter=junit --test-reporter-destination=node.xml a.test.cjs b.test.cjs`
    )
    expect(report.command?.exitCode).toBe(0)
    // The files ran at once: b's key (200 ms into its test) came before a's (1.5 s into its), though b's test is listed after a's.
    const times = report.cause?.leakedKeyTimes.keys ?? []
    const at = (key: string): number => Date.parse(times.find((k) => k.key === key)?.firstSeenAt ?? 'x')
    expect(at('node:b')).toBeLessThan(at('node:a'))
    // Laid end to end (a's test, then b's), b's test would be placed after its key, and a's test after a's key:
    // a's key was then named b's. Each top-level test is placed on its own, so each key's candidates hold its test.
    const b = keyTest(report, 'node:b')
    expect(b?.exactness).toBe('candidates')
    expect(b?.candidates.join('\n')).toContain('b writes early')
    const a = keyTest(report, 'node:a')
    if (a?.exactness === 'exact') expect(a.name).toBe('a waits, then writes')
    else expect(a?.candidates.join('\n')).toContain('a waits, then writes')
    expect(report.cause?.testsThatLeftKeys?.notes.join(' ')).toContain('does not say which test file')
  })
})
