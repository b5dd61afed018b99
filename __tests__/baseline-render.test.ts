/** The baseline in the report: applied to a report, in the summary, the short comment and the terminal. */
import { describe, expect, it } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { applyBaseline, worthCommenting } from '../src/baseline/apply.js'
import { compareWithBaseline } from '../src/baseline/compare.js'
import { appendEntry, emptySeries, entryFromReport, historyFromJson, type HistoryEntry, type HistorySeries } from '../src/baseline/history.js'
import type { BaselineOutcome } from '../src/baseline/step.js'
import { parseFailOn } from '../src/judge/checks.js'
import { renderComment, renderSummary } from '../src/render/markdown.js'
import { renderReport } from '../src/cli/terminal.js'
import type { Colours } from '../src/cli/colours.js'
import type { Report } from '../src/report/schema.js'
import { passReport } from './helpers/reports.js'

const MB = 1024 * 1024
const id = (s: string): string => s
const plain: Colours = { enabled: false, bold: id, dim: id, red: id, green: id, yellow: id, cyan: id }

function entry(n: number, over: Partial<HistoryEntry> = {}): HistoryEntry {
  return {
    commit: String(n).padEnd(40, 'c'),
    branch: 'main',
    runId: String(n),
    date: `2026-11-${String(n).padStart(2, '0')}T10:00:00.000Z`,
    toolVersion: '0.1.0',
    engine: { kind: 'redis', version: '7.0.15' },
    maxmemory: 512 * MB,
    maxmemoryPolicy: 'noeviction',
    peak: { bytes: 2 * MB, source: 'sampled' },
    usedAfter: 1 * MB,
    leakedKeys: 0,
    oomErrors: 0,
    evictedKeys: 0,
    rejectedCalls: 0,
    verdict: 'pass',
    prefixes: { complete: true, memoryUsage: true, list: [{ db: 0, prefix: 'cart:*', keys: 10, bytes: 10_000 }] },
    ...over
  }
}

const seriesOf = (entries: HistoryEntry[]): HistorySeries => entries.reduce((s, e) => appendEntry(s, e), emptySeries('CI/test'))

/** The report against `series` as a pull request of main, with its current figures set. */
function compared(report: Report, series: HistorySeries | null, current: Partial<HistoryEntry> = {}, limits = {}): Report {
  const cur = { ...entryFromReport(report, { commit: 'f'.repeat(40), branch: null, runId: '999' }, 10), ...current }
  const failOn = parseFailOn('oom,used-increase')
  const comparison = compareWithBaseline({ current: cur, series, mergeBase: null, baseBranch: 'main', limits, strict: false, failOn })
  const outcome: BaselineOutcome = {
    plan: { action: 'read', baseBranch: 'main', headSha: 'f'.repeat(40), reason: '' },
    entry: cur,
    series,
    comparison,
    recorded: null,
    warnings: []
  }
  return applyBaseline(report, outcome, limits)
}

describe('the baseline in the report', () => {
  it('reads back entries whose peak came from a snapshot (schema 2 names before and after)', () => {
    const e = entry(1, { peak: { bytes: MB, source: 'after' } })
    const back = historyFromJson({ format: 'redis-memory-guard-history', version: 1, series: 'CI/test', entries: [e] }, 'test')
    expect(back.entries[0].peak).toEqual({ bytes: MB, source: 'after' })
  })

  it('adds the increase checks and makes the verdict worse only through them', () => {
    const base = passReport()
    const r = compared(base, seriesOf([entry(1)]), { usedAfter: 3 * MB }, { used: { percent: 10, text: '10%' } })
    expect(r.checks.slice(0, base.checks.length)).toEqual(base.checks)
    expect(r.checks.slice(base.checks.length).map((c) => [c.check, c.status])).toEqual([
      ['peak-increase', 'reported'],
      ['used-increase', 'fail'],
      ['leaked-keys-increase', 'reported']
    ])
    expect(r.verdict).toBe('fail')
    expect(worthCommenting(r)).toBe(true)
    expect(base.baseline).toBeUndefined()
  })

  it('draws the trend from 5 points on, and says "too short to chart" below', () => {
    const report = passReport()
    const short = renderSummary(compared(report, seriesOf([1, 2, 3].map((n) => entry(n)))))
    expect(short).toContain('Trend: too short to chart (3 recorded runs of main and this run; a chart needs 5).')
    expect(short).not.toContain('```mermaid')
    const long = renderSummary(compared(report, seriesOf([1, 2, 3, 4].map((n) => entry(n, { peak: { bytes: n * MB, source: 'sampled' } })))))
    const chart = /```mermaid\n([\s\S]*?)```/.exec(long)?.[1] ?? ''
    expect(chart).toContain('xychart-beta')
    expect(chart).toContain(`x-axis ["1cccccc", "2cccccc", "3cccccc", "4cccccc", "this run"]`)
    expect(chart).toMatch(/line \[1, 2, 3, 4, [\d.]+\]/)
  })

  it('escapes prefix names from Redis in the summary and the comment', () => {
    const evil = '<img src=x>|`:*'
    const r = compared(passReport(), seriesOf([entry(1)]), {
      prefixes: { complete: true, memoryUsage: true, list: [{ db: 0, prefix: evil, keys: 500, bytes: 4 * MB }] }
    })
    for (const text of [renderSummary(r), renderComment(r, { marker: '<!-- m -->' })]) {
      expect(text).not.toContain('<img')
      expect(text).not.toContain(evil)
    }
  })

  it('keeps a passing comment within 15 lines, and names the change in its headline', () => {
    const r = compared(passReport(), seriesOf([1, 2, 3, 4, 5, 6].map((n) => entry(n))), {}, {})
    const body = renderComment(r, { marker: '<!-- redis-memory-guard:CI/test -->', runUrl: 'https://github.example/run/1', title: 'test' })
    const lines = body.trimEnd().split('\n')
    expect(lines.length).toBeLessThanOrEqual(15)
    expect(lines[0]).toBe('<!-- redis-memory-guard:CI/test -->')
    // The increase against main is a headline figure (ranked after breaches), not a tail.
    expect(lines[2]).toMatch(/^✅ \*\*Redis memory: pass\*\* — used after the step \+[\d.]+ (KB|MB) \(\+[\d.]+%\) against main/)
    expect(body).toContain('[job summary](https://github.example/run/1)')
    expect(body).not.toContain('```mermaid')
  })

  it('shows the comparison in the terminal report', () => {
    const r = compared(passReport(), seriesOf([entry(1)]), {
      leakedKeys: 7,
      prefixes: { complete: true, memoryUsage: true, list: [{ db: 0, prefix: 'cart:*', keys: 17, bytes: 30_000 }] }
    })
    const text = renderReport(r, plain)
    expect(text).toContain('Against main')
    expect(text).toMatch(/Keys left behind\s+0\s+7\s+\+7/)
    expect(text).toContain('cart:*')
  })

  it('keeps examples/against-main.*.md current (UPDATE_EXAMPLES=1 rewrites them; scripts/check-rendering.mjs renders them)', () => {
    const history = seriesOf(
      [1, 2, 3, 4, 5, 6, 7, 8].map((n) =>
        entry(n, {
          peak: { bytes: (1.3 + (n % 3) * 0.01) * MB, source: 'sampled' },
          usedAfter: 1.3 * MB,
          prefixes: {
            complete: true,
            memoryUsage: true,
            list: [
              { db: 0, prefix: 'cart:*', keys: 10, bytes: 10_000 },
              { db: 0, prefix: 'session:*', keys: 40, bytes: 90_000 }
            ]
          }
        })
      )
    )
    const r = compared(
      passReport(),
      history,
      {
        leakedKeys: 2,
        prefixes: {
          complete: true,
          memoryUsage: true,
          list: [
            { db: 0, prefix: 'cart:*', keys: 12, bytes: 12_500 },
            { db: 0, prefix: 'session:*', keys: 40, bytes: 90_000 },
            { db: 0, prefix: 'report:*', keys: 3, bytes: 48_000 }
          ]
        }
      },
      { peak: { percent: 10, text: '10%' } }
    )
    const out = {
      summary: renderSummary(r, { runUrl: 'https://github.com/OWNER/REPO/actions/runs/1' }),
      comment: renderComment(r, { runUrl: 'https://github.com/OWNER/REPO/actions/runs/1', title: 'test', marker: '<!-- redis-memory-guard:CI/test -->' })
    }
    for (const [kind, text] of Object.entries(out)) {
      const file = join(process.cwd(), 'examples', `against-main.${kind}.md`)
      if (process.env.UPDATE_EXAMPLES === '1') writeFileSync(file, text)
      expect(readFileSync(file, 'utf8')).toBe(text)
    }
    expect(out.summary).toContain('```mermaid')
    expect(out.comment.trimEnd().split('\n').length).toBeLessThanOrEqual(15)
  })
})
