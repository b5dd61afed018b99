/** The baseline's history file, its settings and a baseline kept as a file: plain data in, plain data out. */
import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../src/core/errors.js'
import { baselineFromText, loadBaselineFile, REPORT_FILE_SERIES } from '../src/baseline/file.js'
import {
  appendEntry,
  emptySeries,
  entryFromReport,
  historyTable,
  MAX_ENTRIES,
  parseHistory,
  serializeSeries,
  seriesId,
  seriesPath,
  type HistoryEntry
} from '../src/baseline/history.js'
import { BaselineInput, branchMatches, parseIncreaseLimit, planBaseline, readBaselineSettings, runContext, type BaselineSettings } from '../src/baseline/settings.js'
import { baselineInputs } from '../src/baseline/step.js'
import { readCommentSettings } from '../src/github/comment-settings.js'
import type { KeysReport, PrefixFigure } from '../src/keys/report.js'
import { oomReport, passReport } from './helpers/reports.js'

const run = { commit: 'a'.repeat(40), branch: 'main', runId: '100' }

function entry(i: number, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return { ...entryFromReport(passReport(), { commit: `c${i}`, branch: 'main', runId: String(i) }, 10), ...over }
}

function prefix(name: string, keys: number, bytes: number): PrefixFigure {
  return { db: 0, prefix: name, keys, bytes, share: null, estimated: false }
}

function withKeys(byMemory: PrefixFigure[], byCount: PrefixFigure[], memoryUsage = true): ReturnType<typeof passReport> {
  const report = passReport()
  report.keys = { memoryUsage, topPrefixesByMemory: byMemory, topPrefixesByCount: byCount } as unknown as KeysReport
  return report
}

describe('history entries', () => {
  it('carry what the comparison needs from a report, under the run that made it', () => {
    const report = oomReport()
    const e = entryFromReport(report, run, 10)
    expect(e).toMatchObject({
      commit: run.commit,
      branch: 'main',
      runId: '100',
      date: report.generatedAt,
      engine: { kind: 'redis', version: '7.0.15' },
      maxmemory: report.after?.memory.maxmemory,
      maxmemoryPolicy: 'noeviction',
      peak: { bytes: report.peak?.bytes, source: report.peak?.source },
      usedAfter: report.after?.memory.usedMemory,
      leakedKeys: report.leakedKeys,
      oomErrors: 3,
      evictedKeys: 0,
      rejectedCalls: report.rejectedCalls,
      verdict: report.verdict,
      prefixes: null
    })
  })

  it('keep the union of the top prefixes by bytes, and know when the list is every prefix', () => {
    const a = prefix('cart:*', 5, 9000)
    const b = prefix('session:*', 50, 4000)
    const few = entryFromReport(withKeys([a, b], [b, a]), run, 10).prefixes
    expect(few).toEqual({
      complete: true,
      memoryUsage: true,
      list: [
        { db: 0, prefix: 'cart:*', keys: 5, bytes: 9000 },
        { db: 0, prefix: 'session:*', keys: 50, bytes: 4000 }
      ]
    })
    // A full top list may have left prefixes out: a prefix missing from it is not known to be absent.
    const cut = entryFromReport(withKeys([a, b], [b, a]), run, 2).prefixes
    expect(cut?.complete).toBe(false)
    const countsOnly = entryFromReport(withKeys([], [b], false), run, 10).prefixes
    expect(countsOnly).toEqual({ complete: true, memoryUsage: false, list: [{ db: 0, prefix: 'session:*', keys: 50, bytes: null }] })
  })

  it('take the 50 largest prefixes when the report has them, and know when that was not every one', () => {
    const many = Array.from({ length: 60 }, (_, i) => prefix(`p${i}:*`, i, 10_000 - i))
    const report = withKeys([], [])
    report.keys = { ...(report.keys as KeysReport), largestPrefixes: { list: many.slice(0, 50), complete: false } }
    const got = entryFromReport(report, run, 10).prefixes
    expect(got?.complete).toBe(false)
    expect(got?.list).toHaveLength(50)
    expect(got?.list[49]).toEqual({ db: 0, prefix: 'p49:*', keys: 49, bytes: 9_951 })
    report.keys = { ...(report.keys as KeysReport), largestPrefixes: { list: many.slice(0, 3), complete: true } }
    expect(entryFromReport(report, run, 10).prefixes).toMatchObject({ complete: true, list: [{ prefix: 'p0:*' }, { prefix: 'p1:*' }, { prefix: 'p2:*' }] })
  })

  it('keep the newest 100, and a re-run of the same run replaces its entry', () => {
    let series = emptySeries('CI/test')
    for (let i = 1; i <= MAX_ENTRIES + 5; i++) series = appendEntry(series, entry(i))
    expect(series.entries).toHaveLength(MAX_ENTRIES)
    expect(series.entries[0].runId).toBe('6')
    expect(series.entries[MAX_ENTRIES - 1].runId).toBe('105')
    const rerun = appendEntry(series, entry(105, { usedAfter: 1 }))
    expect(rerun.entries).toHaveLength(MAX_ENTRIES)
    expect(rerun.entries.filter((e) => e.runId === '105')).toEqual([expect.objectContaining({ usedAfter: 1 })])
  })

  it('survive the file format, one entry per line, and stay under the size cap by dropping old prefix lists first', () => {
    let series = emptySeries('CI/test/node=20')
    const big = { complete: false, memoryUsage: true, list: Array.from({ length: 50 }, (_, i) => ({ db: 0, prefix: `p${i}:${'x'.repeat(60)}`, keys: i, bytes: i * 100 })) }
    for (let i = 1; i <= 40; i++) series = appendEntry(series, entry(i, { prefixes: big }))
    const text = serializeSeries(series)
    expect(text.split('\n').length).toBe(40 + 3)
    expect(parseHistory(text, 'f')).toEqual(series)

    const small = serializeSeries(series, 60_000)
    expect(Buffer.byteLength(small)).toBeLessThanOrEqual(60_000)
    const back = parseHistory(small, 'f')
    expect(back.entries).toHaveLength(40)
    expect(back.entries[0].prefixes).toBeNull()
    expect(back.entries[39].prefixes).toEqual(big)
  })

  it('are rejected with one line that names the file and what is wrong', () => {
    expect(() => parseHistory('{', 'hist.json')).toThrow(UserError)
    expect(() => parseHistory('{', 'hist.json')).toThrow(/^hist\.json: not JSON \(.*\)\. Expected a redis-memory-guard history file or JSON report\.$/)
    expect(() => parseHistory('{"a":1}', 'hist.json')).toThrow('hist.json: not a redis-memory-guard history file (no "format": "redis-memory-guard-history").')
    const future = JSON.stringify({ format: 'redis-memory-guard-history', version: 9, series: 's', entries: [] })
    expect(() => parseHistory(future, 'hist.json')).toThrow('hist.json: history version 9 was written by a newer redis-memory-guard; this one reads version 1. Update the action or CLI.')
    const badEntry = JSON.stringify({ format: 'redis-memory-guard-history', version: 1, series: 's', entries: [{ ...entry(1), usedAfter: '12mb' }] })
    expect(() => parseHistory(badEntry, 'hist.json')).toThrow('hist.json: entry 1: "usedAfter" must be a number or null.')
  })

  it('print as a table newest first, figures as numbers', () => {
    const series = appendEntry(appendEntry(emptySeries('s'), entry(1, { commit: 'abcdef0123456789' })), entry(2, { usedAfter: 2048 }))
    const rows = historyTable(series)
    expect(rows.map((r) => r.runId)).toEqual(['2', '1'])
    expect(rows[0]).toMatchObject({ usedAfter: 2048, engine: 'Redis 7.0.15', branch: 'main' })
    expect(rows[1].commit).toBe('abcdef0')
  })
})

describe('series', () => {
  it('share the PR comment key: workflow, job and matrix leg, or comment-key', () => {
    const env = { GITHUB_WORKFLOW: 'CI', GITHUB_JOB: 'test' }
    const matrix = '{"redis":"7.2","node":20}'
    const id = seriesId({ commentKey: '', matrix }, env)
    expect(id).toBe(readCommentSettings({ comment: '', commentKey: '', matrix, githubToken: '' }, env).key)
    expect(id).toBe('CI/test/node=20,redis=7.2')
    expect(seriesId({ commentKey: ' mine ', matrix }, env)).toBe('mine')
  })

  it('get a file each, even when their ids differ only in characters a path cannot hold', () => {
    const a = seriesPath('CI/test/node=20,redis=7.2')
    expect(a).toMatch(/^redis-memory-guard\/CI-test-node=20-redis=7\.2-[0-9a-f]{10}\.json$/)
    expect(seriesPath('CI/test/node=20,redis=7.2')).toBe(a)
    expect(seriesPath('CI test node=20 redis=7.2')).not.toBe(a)
    expect(seriesPath('../..')).toMatch(/^redis-memory-guard\/series-[0-9a-f]{10}\.json$/)
  })
})

describe('a baseline kept as a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rmg-baseline-'))

  it('reads a saved JSON report as a series of one entry', async () => {
    const path = join(dir, 'report.json')
    const report = oomReport()
    writeFileSync(path, JSON.stringify(report))
    const series = await loadBaselineFile(path)
    expect(series.series).toBe(REPORT_FILE_SERIES)
    expect(series.entries).toEqual([entryFromReport(report, { commit: null, branch: null, runId: null }, 10)])
  })

  it('reads a history file as it is', async () => {
    const path = join(dir, 'history.json')
    const series = appendEntry(emptySeries('CI/test'), entry(1))
    writeFileSync(path, serializeSeries(series))
    expect(await loadBaselineFile(path)).toEqual(series)
  })

  it('names the input and the file when it cannot be used', async () => {
    await expect(loadBaselineFile(join(dir, 'nope.json'))).rejects.toThrow(`baseline: cannot read "${join(dir, 'nope.json')}" (no such file). Give the path of a JSON report or history file, or auto or off.`)
    await expect(loadBaselineFile(dir, '--baseline')).rejects.toThrow(/^--baseline: cannot read ".*" \(a directory, not a file\)/)
    expect(() => baselineFromText('{"tool":{"name":"other"}}', 'baseline: x.json')).toThrow('baseline: x.json: neither a redis-memory-guard JSON report nor a history file.')
    expect(() => baselineFromText(JSON.stringify({ ...passReport(), after: { memory: { usedMemory: 'lots' } } }), 'baseline: x.json')).toThrow(
      'baseline: x.json: entry 1: "usedAfter" must be a number or null.'
    )
  })
})

describe('baseline settings', () => {
  const read = (values: Record<string, string>, label?: (n: string) => string): BaselineSettings => readBaselineSettings((n) => values[n] ?? '', label)

  it('default to auto, the data branch, no extra branches, not strict and no limits', () => {
    expect(read({})).toEqual({ mode: 'auto', file: null, dataBranch: 'redis-memory-guard-data', branches: [], strict: false, limits: { peak: undefined, used: undefined, leakedKeys: undefined } })
    expect(read({ baseline: 'OFF' }).mode).toBe('off')
    expect(read({ baseline: 'reports/main.json' })).toMatchObject({ mode: 'file', file: 'reports/main.json' })
  })

  it('read the increase limits as a percent, a size or both', () => {
    expect(parseIncreaseLimit('10%', 'max-peak-increase')).toEqual({ percent: 10, text: '10%' })
    expect(parseIncreaseLimit('5mb', 'max-peak-increase')).toEqual({ bytes: 5 * 1024 * 1024, text: '5mb' })
    expect(parseIncreaseLimit(' 2mb , 12.5% ', 'max-peak-increase')).toEqual({ bytes: 2 * 1024 * 1024, percent: 12.5, text: '2mb,12.5%' })
    const s = read({ 'max-used-increase': '10%,2mb', 'max-leaked-keys-increase': '3', 'baseline-strict': 'true', 'baseline-branches': 'release/*, develop' })
    expect(s).toMatchObject({ strict: true, branches: ['release/*', 'develop'], limits: { used: { percent: 10, bytes: 2 * 1024 * 1024 }, leakedKeys: 3 } })
  })

  it('reject bad values with one line naming the input and a valid form', () => {
    const form = 'Use a percent, a size or both, e.g. 10%, 5mb, or 10%,2mb (breach only when both are exceeded).'
    expect(() => read({ 'max-peak-increase': 'ten percent' })).toThrow(`max-peak-increase: "ten percent" is not valid. ${form}`)
    expect(() => read({ 'max-peak-increase': '10%,20%' })).toThrow(`max-peak-increase: "10%,20%" is not valid. ${form}`)
    expect(() => read({ 'max-used-increase': '1mb,' }, (n) => `--${n}`)).toThrow(`--max-used-increase: "1mb," is not valid. ${form}`)
    expect(() => read({ 'max-leaked-keys-increase': '-1' })).toThrow('max-leaked-keys-increase: "-1" is not valid. Use a whole number of at least 0, e.g. 0.')
    expect(() => read({ 'baseline-branch': 'my data' })).toThrow('baseline-branch: "my data" is not a valid branch name. Use e.g. redis-memory-guard-data.')
    expect(() => read({ 'baseline-branches': 'main, rel..*' })).toThrow('baseline-branches: "rel..*" is not a branch name or * pattern. Use a comma list, e.g. release/*, develop.')
    expect(() => read({ 'baseline-strict': 'maybe' })).toThrow('baseline-strict: "maybe" is not true or false.')
  })

  it('match branches exactly or by a * glob', () => {
    expect(branchMatches('release/1.2', ['release/*'])).toBe(true)
    expect(branchMatches('release', ['release/*'])).toBe(false)
    expect(branchMatches('v1.x', ['v1.x'])).toBe(true)
    expect(branchMatches('v1yx', ['v1.x'])).toBe(false)
  })
})

describe('what a run does with the baseline', () => {
  const settings = readBaselineSettings((n) => (n === 'baseline-branches' ? 'release/*' : ''))
  const env = { GITHUB_REPOSITORY: 'acme/shop', GITHUB_SHA: 'f'.repeat(40), GITHUB_RUN_ID: '7' }
  const push = (branch: string) => runContext({ ...env, GITHUB_EVENT_NAME: 'push', GITHUB_REF: `refs/heads/${branch}` }, { repository: { default_branch: 'main' } })

  it('records on pushes to the default branch and baseline-branches, nowhere else', () => {
    expect(planBaseline(settings, push('main'))).toMatchObject({ action: 'write', branch: 'main' })
    expect(planBaseline(settings, push('release/2.0'))).toMatchObject({ action: 'write', branch: 'release/2.0' })
    expect(planBaseline(settings, push('feature/x'))).toMatchObject({ action: 'none', reason: expect.stringContaining('neither the default branch nor in baseline-branches') })
    expect(planBaseline(settings, push('redis-memory-guard-data')).action).toBe('none')
  })

  it('compares on pull requests, against the base branch and the head commit', () => {
    const ctx = runContext({ ...env, GITHUB_EVENT_NAME: 'pull_request', GITHUB_REF: 'refs/pull/9/merge' }, { pull_request: { number: 9, base: { ref: 'main' }, head: { sha: 'h'.repeat(40) } } })
    expect(ctx.branch).toBeNull()
    expect(planBaseline(settings, ctx)).toMatchObject({ action: 'read', baseBranch: 'main', headSha: 'h'.repeat(40) })
  })

  it('does nothing when off, and uses the file when given one', () => {
    expect(planBaseline({ ...settings, mode: 'off' }, push('main')).action).toBe('off')
    expect(planBaseline({ ...settings, mode: 'file', file: 'b.json' }, push('main'))).toEqual({ action: 'file', path: 'b.json' })
    expect(planBaseline(settings, runContext({}, {})).action).toBe('none')
  })
})

describe('the post step reads the baseline inputs in one call', () => {
  it('with the same series key as the comment, the fail-on list and the run context', () => {
    const values: Record<string, string> = { matrix: '{"redis":"7"}', 'github-token': ' tok ', 'fail-on': 'oom,peak-increase', 'max-peak-increase': '10%' }
    const env = { GITHUB_WORKFLOW: 'CI', GITHUB_JOB: 'test', GITHUB_REPOSITORY: 'acme/shop', GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: 'abc' }
    const got = baselineInputs(passReport(), { getInput: (n) => values[n] ?? '', env, payload: { repository: { default_branch: 'main' } } })
    expect(got.seriesId).toBe(readCommentSettings({ comment: '', commentKey: '', matrix: values.matrix, githubToken: '' }, env).key)
    expect(got.token).toBe('tok')
    expect([...got.failOn]).toEqual(['oom', 'peak-increase'])
    expect(got.settings.limits.peak).toEqual({ percent: 10, text: '10%' })
    expect(got.context).toMatchObject({ owner: 'acme', repo: 'shop', branch: 'main', commit: 'abc', defaultBranch: 'main', pullRequest: null })
  })
})

describe('the public interface', () => {
  it('lists every baseline input in action.yml and README.md', () => {
    const yml = readFileSync('action.yml', 'utf8')
    const readme = readFileSync('README.md', 'utf8')
    for (const name of Object.values(BaselineInput)) {
      expect(yml).toMatch(new RegExp(`\\n  ${name}:\\n    description: `))
      expect(readme).toContain(`| \`${name}\` |`)
    }
  })
})
