/** The cause in the job summary, the PR comment and the terminal: said once in the model, escaped in each format. */
import { describe, expect, it } from '@jest/globals'
import type { CauseReport } from '../src/explain/cause.js'
import { buildBreakdown, parseMemoryStats } from '../src/explain/memory.js'
import { renderComment, renderSummary } from '../src/render/markdown.js'
import { reportModel } from '../src/render/model.js'
import { colours } from '../src/cli/colours.js'
import { renderReport } from '../src/cli/terminal.js'
import type { Report } from '../src/report/schema.js'
import { oomReport, passReport } from './helpers/reports.js'

const HOSTILE_PREFIX = '@everyone|<img src=x>:*'
const HOSTILE_KEY = 'cache:[x](https://evil.example)|\u001b[31mred'
const HOSTILE_LINE = '✔ pings @org/team and #12 | done'

/** A cause as the engine builds it: a moment at the first OOM 1.5 s in, a leaked key with its time and test. */
function withCause(report: Report): Report {
  const startedAt = '2026-11-25T10:00:00.000Z'
  const breakdown = buildBreakdown(
    parseMemoryStats(['total.allocated', 3_000_000, 'startup.allocated', 900_000, 'dataset.bytes', 1_800_000, 'clients.normal', 20_000]),
    [],
    new Date('2026-11-25T10:00:05.000Z')
  )
  const cause: CauseReport = {
    memory: { breakdown, explanations: [{ kind: 'volatile-policy-without-ttl', text: 'Evicting could not prevent OOM: maxmemory-policy volatile-lru evicts only keys with a TTL.' }] },
    moments: [
      {
        kind: 'moment',
        reasons: ['first-oom'],
        at: '2026-11-25T10:00:01.500Z',
        usedMemory: 2 * 1024 * 1024,
        maxmemory: 2 * 1024 * 1024,
        scan: { complete: true, scannedKeys: 10, totalKeys: 10, durationMs: 3, budgetMs: 1000, keyBudget: 20000 },
        topPrefixes: [{ db: 0, prefix: HOSTILE_PREFIX, keys: 9, bytes: 1.2 * 1024 * 1024, estimated: false, types: ['stream'] }],
        largestKeys: [],
        breakdown: { breakdown: null, reason: 'not taken' },
        tookMs: 5,
        summary: ''
      }
    ],
    leakedKeyTimes: {
      recorded: true,
      dropped: 0,
      keys: [
        {
          key: HOSTILE_KEY,
          db: 0,
          firstSeenAt: '2026-11-25T10:00:02.000Z',
          secondsIntoStep: 2,
          lineBefore: HOSTILE_LINE,
          test: { name: 'writes @admin cache', classname: 'c', suites: ['suite'], fullName: 'suite › writes @admin cache', exactness: 'exact', candidates: [] }
        }
      ]
    },
    testsThatLeftKeys: {
      exactness: 'Times of tests come from suite timestamps.',
      tests: [
        {
          name: 'writes @admin cache',
          classname: 'c',
          suites: ['suite'],
          fullName: 'suite › writes @admin cache',
          file: 'junit.xml',
          exactness: 'exact',
          keyCount: 31,
          bytes: 4096,
          keys: [{ key: HOSTILE_KEY, db: 0 }]
        }
      ],
      unattributed: [],
      unattributedCount: 0,
      countsAreExamples: false,
      notes: []
    }
  }
  // Without sampling or a command, the step starts at the "before" snapshot.
  return { ...report, before: report.before ? { ...report.before, takenAt: startedAt } : null, cause }
}

describe('the cause, rendered', () => {
  it('puts the moment, the explanations, the times and the tests into the model as plain text', () => {
    const v = reportModel(withCause(oomReport())).cause
    expect(v?.moments[0]).toMatchObject({ label: 'at the first OOM', into: '1.5 s into the step', used: '2.0 MB used', prefixes: [{ name: HOSTILE_PREFIX, size: '1.2 MB', types: ['stream'] }] })
    expect(v?.telling).toContain('volatile-lru')
    expect(v?.leakedKeys).toEqual([{ db: 0, key: HOSTILE_KEY, when: '2.0 s into the step', lineBefore: HOSTILE_LINE, test: 'suite › writes @admin cache' }])
    expect(v?.parts.map((p) => p.label)).toEqual(['keys and values (dataset)', 'the empty server (used_memory_startup)', "clients' buffers"])
  })

  it('escapes every name from Redis, the output and the JUnit file in the summary', () => {
    const md = renderSummary(withCause(oomReport()))
    const why = md.slice(md.indexOf('### Why: the cause'), md.indexOf('<details><summary>All checks'))
    expect(why).toContain('**At the first OOM** (1.5 s into the step): 2.0 MB used, of which <code>')
    for (const raw of ['@everyone', '<img', '](https', '@org/team', ' #12', '@admin', '\u001b']) expect(why).not.toContain(raw)
    // No row of the times table gains a column from a `|` in a name.
    const row = why.split('\n').find((l) => l.includes('2.0 s into the step'))
    expect(row?.split(/(?<!\\)\|/).length).toBe(6)
    expect(why).toContain('**Tests that left keys**')
    expect(why).toContain('_Times of tests come from suite timestamps._')
  })

  it('keeps the PR comment to a few lines of cause', () => {
    const md = renderComment(withCause(oomReport()))
    const why = md.slice(md.indexOf('**Why**')).split('\n\n')[1].split('\n')
    expect(why).toHaveLength(3)
    expect(why[0]).toMatch(/^- \*\*At the first OOM\*\* \(1\.5 s into the step\)/)
    expect(why[1]).toContain('volatile-lru')
    // The full count of keys the test left (31), not the one example named.
    expect(why[2]).toBe('- Tests that left keys: suite › writes &#64;\u200badmin cache (31 keys, 4.0 KB).')
    expect(md).not.toContain('When the leaked keys appeared')
  })

  it('shows the cause on a terminal with control characters made visible', () => {
    const text = renderReport(withCause(oomReport()), colours(false))
    expect(text).toContain(`  - at the first OOM (1.5 s into the step): 2.0 MB used, of which ${HOSTILE_PREFIX} 1.2 MB (stream).`)
    expect(text).toContain('\\x1b[31mred')
    expect(text).not.toContain('\u001b')
    expect(text).toContain('Tests that left keys')
  })

  it('names the test that first received each kind of error reply, escaped in the summary, the comment and on a terminal, and says why when it is unknown', () => {
    const base = withCause(oomReport())
    const test = { name: 'pushes @admin \u001b[31m|x', classname: 'c', suites: ['suite'], file: 'junit.xml', fullName: 'suite › pushes @admin \u001b[31m|x' }
    const report: Report = {
      ...base,
      cause: {
        ...(base.cause as CauseReport),
        errorReplies: {
          total: 3,
          byPrefix: [
            { prefix: 'WRONGTYPE', count: 2, firstAt: '2026-11-25T10:00:02.100Z', firstFrom: '2026-11-25T10:00:02.000Z', firstSecondsIntoStep: 2.1, firstTest: { exactness: 'exact', test, candidates: [test], moreCandidates: 0 } },
            { prefix: 'BUSYGROUP', count: 1, firstAt: null, firstTestUnknown: 'no sample saw its count rise: it came after the last sample, or the samples have no errorstats' }
          ],
          byCommand: [{ command: 'lpush', failed: 2, rejected: 0 }],
          notes: []
        }
      }
    }
    const v = reportModel(report).cause
    expect(v?.errors?.byPrefix).toEqual([
      { prefix: 'WRONGTYPE', count: '2', when: '2.1 s into the step', first: test.fullName, named: true },
      { prefix: 'BUSYGROUP', count: '1', when: null, first: 'unknown: no sample saw its count rise: it came after the last sample, or the samples have no errorstats', named: false }
    ])
    const md = renderSummary(report)
    const table = md.slice(md.indexOf('**Error replies during the step**'))
    expect(table).toContain('| Error | Replies | First seen | First received by |')
    const row = table.split('\n').find((l) => l.includes('WRONGTYPE'))
    expect(row?.split(/(?<!\\)\|/).length).toBe(6)
    expect(row).toContain('| 2.1 s into the step | suite › pushes ')
    for (const raw of ['@admin', '\u001b']) expect(row).not.toContain(raw)
    expect(table).toContain('| <code>BUSYGROUP</code> | 1 | not timed | unknown: no sample saw its count rise')
    const comment = renderComment(report)
    const line = comment.split('\n').find((l) => l.startsWith('- Error replies: '))
    expect(line).toMatch(/^- Error replies: <code>WRONGTYPE<\/code> ×2, first received by suite › pushes &#64;\u200badmin .*; <code>BUSYGROUP<\/code> ×1\.$/)
    const text = renderReport(report, colours(false))
    expect(text).toMatch(/^ {2}WRONGTYPE +2 +2\.1 s into the step +suite › pushes @admin \\x1b\[31m\|x$/m)
    expect(text).toMatch(/^ {2}BUSYGROUP +1 +not timed +unknown: no sample saw its count rise/m)
    expect(text).toMatch(/^ {2}lpush +2 +0$/m)
    expect(text).not.toContain('\u001b')
  })

  it('says nothing of the cause where there is none, and only what memory is made of when nothing happened', () => {
    expect(renderSummary(passReport())).not.toContain('Why')
    const quiet = withCause(passReport())
    const cause = quiet.cause as CauseReport
    const calm: Report = { ...quiet, cause: { ...cause, moments: [], memory: { ...cause.memory, explanations: [] }, leakedKeyTimes: { recorded: true, dropped: 0, keys: [] }, testsThatLeftKeys: null } }
    const md = renderSummary(calm)
    expect(md).not.toContain('### Why: the cause')
    expect(md).toContain('What the memory is made of (MEMORY STATS after the step)')
    expect(renderComment(calm)).not.toContain('**Why**')
  })
})

describe('the OOM advice follows the cause', () => {
  it('names a cause that is not keys instead of "look for keys left behind"', () => {
    const model = reportModel(withCause(oomReport()))
    const oom = model.checks.find((c) => c.check === 'oom')!
    expect(oom.advice).toContain('maxmemory-policy volatile-lru evicts only keys with a TTL')
    expect(oom.advice).not.toContain('Look for keys left behind')
    // Without a cause section the general advice stays.
    expect(reportModel(oomReport()).checks.find((c) => c.check === 'oom')!.advice).toContain('Look for keys left behind')
  })
})
