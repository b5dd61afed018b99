/** The report model, and the two formats that only lay it out: plain data in, text out. */
import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DEFAULT_THRESHOLDS, parseFailOn } from '../src/judge/checks.js'
import { colours } from '../src/cli/colours.js'
import { renderReport, renderSnapshot, verdictLine } from '../src/cli/terminal.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { REPORT_EXTENSIONS } from '../src/render/extensions.js'
import { headline, renderSummary } from '../src/render/markdown.js'
import { ABSENT, annotations, reportModel, statusOf } from '../src/render/model.js'
import { buildReport } from '../src/report/build.js'
import type { Report } from '../src/report/schema.js'
import { summarizeSamples, type Sample } from '../src/sampler/sample.js'
import { oomReport, passReport } from './helpers/reports.js'
import { snap } from './helpers/snapshots.js'

const MB = 1024 * 1024
const plain = colours(false)
const target = parseRedisUrl('redis://127.0.0.1:6390')
const example = (name: string): Report => JSON.parse(readFileSync(join(process.cwd(), 'examples', `${name}.report.json`), 'utf8')) as Report
/** A report written by schema 1 (kept as it was), for the readers of older reports. */
const schema1 = (): Report => JSON.parse(readFileSync(join(process.cwd(), '__tests__', 'fixtures', 'schema1-warn-leaked-keys.report.json'), 'utf8')) as Report

describe('the model', () => {
  it('derives the figure rows once: cells, signed changes, limits and the worst status', () => {
    const m = reportModel(oomReport())
    const used = m.figures.find((r) => r.label === 'Used memory')!
    expect(used).toMatchObject({ before: '1.2 MB', after: '7.9 MB', peak: '8.0 MB', limits: ['peak ≤ 7.2 MB (90% of maxmemory)'], status: 'fail' })
    const oom = m.figures.find((r) => r.label === 'OOM errors')!
    expect(oom).toMatchObject({ before: '0', after: '3', change: '+3', limits: ['0'], status: 'fail' })
    const keys = m.figures.find((r) => r.label === 'Keys (all DBs)')!
    expect(keys).toMatchObject({ change: '+122', limits: ['≤ 0 left behind'], status: 'warn' })
    // A row no check judges has no status; fragmentation "not judged" is reported, not passed.
    expect(m.figures.find((r) => r.label.startsWith('Connected clients'))!.status).toBeNull()
    expect(m.figures.find((r) => r.label === 'Allocator fragmentation (allocator_frag_ratio)')!.status).toBe('reported')
  })

  it('marks figures without a snapshot as absent and unreported ones as null', () => {
    const m = reportModel(buildReport({ target, before: null, after: snap({ memory: { usedMemoryRss: null } }), thresholds: DEFAULT_THRESHOLDS }))
    const rss = m.figures.find((r) => r.label === 'RSS (process memory)')!
    expect(rss.before).toBe(ABSENT)
    expect(rss.after).toBeNull()
    expect(m.kind).toBe('snapshot')
  })

  it('names the peak at most once in the headline, even when both peak checks breach', () => {
    const report = buildReport({
      target,
      before: snap({ memory: { maxmemory: 8 * MB } }),
      after: snap({ memory: { usedMemory: 7.9 * MB, maxmemory: 8 * MB } }),
      thresholds: { ...DEFAULT_THRESHOLDS, maxPeakMemory: 5 * MB }
    })
    const h = reportModel(report).headline
    expect(h.figures).toEqual(['peak 7.9 MB (limit 5.0 MB)', 'no OOM errors'])
    expect(h.figures.filter((f) => f.includes('peak'))).toHaveLength(1)
  })

  it('puts a check that could not be made in the headline when it made the verdict warn', () => {
    const report = buildReport({ target, before: snap({ errorstats: null }), after: snap({ errorstats: null }), thresholds: DEFAULT_THRESHOLDS })
    const m = reportModel(report)
    expect(report.verdict).toBe('warn')
    expect(m.unknown.map((c) => c.check)).toEqual(['oom'])
    expect(m.headline.figures[0]).toBe('oom not checked')
  })

  it('lists the refused commands by count, most first', () => {
    const report = oomReport({
      after: {
        commandstats: {
          get: { calls: 1, usec: 1, rejectedCalls: 2, failedCalls: 0 },
          set: { calls: 127, usec: 900, rejectedCalls: 30, failedCalls: 0 },
          hset: { calls: 1, usec: 1, rejectedCalls: 9, failedCalls: 0 }
        }
      }
    })
    const oom = reportModel(report).breaches.find((c) => c.check === 'oom')!
    expect(oom.hints.find((h) => h.kind === 'refused')).toEqual({
      kind: 'refused',
      commands: [
        { command: 'set', count: 30 },
        { command: 'hset', count: 9 },
        { command: 'get', count: 2 }
      ]
    })
    expect(renderSummary(report)).toContain('  - Refused: <code>set</code> 30×, <code>hset</code> 9×, <code>get</code> 2×.')
  })

  it('reads the statuses of schema 1 reports', () => {
    expect(statusOf({ status: 'skipped', limit: null, message: 'No limit set for used_memory after the step.' })).toBe('reported')
    expect(statusOf({ status: 'skipped', limit: 0, message: 'Could not run: this server does not report errorstats.' })).toBe('unknown')
    expect(statusOf({ status: 'skipped', limit: null, message: 'evicted_keys: not reported by this server.' })).toBe('unknown')
    expect(statusOf({ status: 'pass', limit: 0, message: '' })).toBe('pass')
    const m = reportModel(schema1())
    expect(m.checks.find((c) => c.check === 'used-memory')!.status).toBe('reported')
    // Schema 1 called the peak "sampled" even when a snapshot was higher than every sample.
    const judged = m.peakRows.filter((r) => r.judged)
    expect(judged).toHaveLength(1)
    expect(judged[0].bytes).toBe(1364048)
    expect(judged[0].source).not.toBe('sampled')
    expect(m.peakRows.find((r) => r.source === 'sampled')?.judged).toBe(false)
  })
})

describe('unchecked is not passed', () => {
  it('shows leaked keys without a limit as ➖ and "reported", never ✅ or pass', () => {
    const report = buildReport({
      target,
      before: snap(),
      after: snap({ keyspace: { '0': { keys: 109, expires: 0, avgTtl: 0 } } }),
      thresholds: DEFAULT_THRESHOLDS
    })
    expect(report.checks.find((c) => c.check === 'leaked-keys')!.status).toBe('reported')
    const md = renderSummary(report)
    expect(md).toContain('| Keys (all DBs) | 0 | 109 | +109 |  |  | ➖ |')
    expect(md).toContain('- ➖ **leaked-keys**: 109 keys more after the step than before (DB 0: 109). Reported only: set max-leaked-keys to check it.')
    expect(md).not.toMatch(/✅ \*\*leaked-keys/)
    const text = renderReport(report, plain)
    expect(text).toMatch(/Keys \(all DBs\)\s+0\s+109\s+\+109\s+reported/)
    expect(JSON.parse(JSON.stringify(report)).checks.find((c: { check: string }) => c.check === 'leaked-keys').status).toBe('reported')
  })

  it('shows a check that could not be made as ❔ with its reason, under "What could not be checked"', () => {
    const report = buildReport({ target, before: snap({ errorstats: null }), after: snap({ errorstats: null }), thresholds: DEFAULT_THRESHOLDS })
    const md = renderSummary(report)
    expect(md).toContain('### What could not be checked')
    expect(md).toContain('- ❔ **oom**: Could not be checked: this server does not report errorstats')
    expect(md).toContain('⚠️ **Redis memory: warning** — oom not checked')
    const text = renderReport(report, plain)
    expect(text).toContain('Could not be checked\n  unknown  oom: Could not be checked:')
  })
})

describe('the verdict line', () => {
  it('is the job summary headline in the terminal, built from the same model, not stripped markdown', () => {
    for (const report of [oomReport(), passReport()]) {
      const md = headline(report)
      const line = verdictLine(report, plain)
      const h = reportModel(report).headline
      expect(line).toBe(`Redis memory: ${h.word} — ${h.figures.join(', ')}`)
      expect(md.endsWith(line.replace('Redis memory: ' + h.word, `Redis memory: ${h.word}**`))).toBe(true)
    }
    expect(verdictLine(oomReport(), colours(true))).toBe('\u001b[1m\u001b[31mRedis memory: fail — 3 OOM errors, peak 8.0 MB of 8.0 MB maxmemory\u001b[39m\u001b[22m')
  })
})

describe('--markdown is the job summary', () => {
  it('renders the key and sampling sections without being handed any extension', () => {
    const report = example('warn-leaked-keys')
    const bare = renderSummary(report)
    expect(bare).toBe(renderSummary(report, { extensions: REPORT_EXTENSIONS }))
    expect(bare).toContain('### Keys left behind')
    expect(bare).toContain('### Memory during the step')
    expect(bare).toContain('Memory by key prefix and the largest keys')
  })
})

describe('a restart during the step', () => {
  const T0 = Date.parse('2026-11-25T10:00:00.000Z')
  const at = (ms: number): string => new Date(T0 + ms).toISOString()
  const up = (ms: number, runId: string, oomErrors: number): Sample => ({
    at: at(ms),
    connected: true,
    usedMemory: MB,
    usedMemoryRss: null,
    evictedKeys: 0,
    oomErrors,
    rejectedCalls: oomErrors,
    runId
  })

  it('keeps the OOM errors the samples saw before it and says so in every format', () => {
    const samples = [up(0, 'a', 0), up(500, 'a', 2006), up(1500, 'b', 0), up(2000, 'b', 0)]
    const before = snap({ runId: 'a', errorstats: {}, commandstats: { set: { calls: 1, usec: 1, rejectedCalls: 0, failedCalls: 0 } } })
    const after = snap({ runId: 'b', errorstats: {}, commandstats: { set: { calls: 1, usec: 1, rejectedCalls: 0, failedCalls: 0 } } })
    const report = buildReport({
      target,
      before,
      after,
      thresholds: { ...DEFAULT_THRESHOLDS, failOn: parseFailOn('oom') },
      sampling: { intervalMs: 500, startedAt: at(0), summary: summarizeSamples(samples, { oomErrors: 0, rejectedCalls: 0, runId: 'a' }), samples }
    })
    expect(report.oomErrors).toBe(2006)
    expect(report.rejectedCalls).toBe(2006)
    expect(report.verdict).toBe('fail')
    expect(report.checks.find((c) => c.check === 'oom')!.message).not.toContain('No command was refused')
    const line = 'Redis restarted during the step (first seen 1.5 s into the step): the 2,006 OOM errors, 2,006 rejected calls seen before it still count.'
    expect(reportModel(report).restart).toBe(line)
    const md = renderSummary(report)
    expect(md).toContain(`> [!IMPORTANT]\n> ${line}`)
    expect(md.indexOf('[!IMPORTANT]')).toBeLessThan(md.indexOf('| | Before |'))
    expect(renderReport(report, plain)).toContain(`! ${line}`)
    expect(report.notes.join(' ')).toContain('Redis restarted during the step')
  })
})

describe('a single snapshot', () => {
  it('does not speak of a step, in the summary or the terminal', () => {
    const report = buildReport({
      target,
      before: null,
      after: snap({ memory: { usedMemory: 9 * MB, maxmemory: 8 * MB } }),
      thresholds: { ...DEFAULT_THRESHOLDS, maxUsedMemory: 4 * MB }
    })
    const h = reportModel(report).headline
    expect(h.figures).toEqual(['9.0 MB used (limit 4.0 MB)', 'used_memory 9.0 MB of 8.0 MB maxmemory'])
    const text = renderSnapshot(report, plain)
    expect(text).toContain('FAIL  memory-percent: used_memory reached 9.0 MB, 112.5% of maxmemory 8.0 MB (limit 90%): Redis was over maxmemory.')
    for (const out of [text, renderReport(report, plain)]) expect(out).not.toMatch(/the step|during the step/)
    const md = renderSummary(report)
    expect(md).not.toMatch(/the step|during the step/)
    expect(md).toContain('- The figure judged is used\\_memory at the snapshot (one moment, no step).')
    expect(renderSummary(buildReport({ target, before: null, after: snap(), thresholds: DEFAULT_THRESHOLDS }))).toContain('No keys in any database.\n')
  })
})

describe('annotations', () => {
  it('writes none for a clean run, and one per breach, error by fail-on', () => {
    expect(annotations(passReport())).toEqual([])
    const a = annotations(oomReport())
    expect(a.map((x) => `${x.level} ${x.title}`)).toEqual(['error Redis memory: oom', 'error Redis memory: memory-percent', 'warning Redis memory: leaked-keys'])
  })

  it('gives a warning verdict caused by a check that could not be made a visible cause', () => {
    const report = buildReport({ target, before: snap({ errorstats: null }), after: snap({ errorstats: null }), thresholds: DEFAULT_THRESHOLDS })
    expect(annotations(report)).toEqual([
      { level: 'warning', title: 'Redis memory: oom could not be checked', message: report.checks.find((c) => c.check === 'oom')!.reason }
    ])
    // Outside fail-on the unknown check is in the summary only.
    const quiet = buildReport({ target, before: snap({ errorstats: null }), after: snap({ errorstats: null }), thresholds: { ...DEFAULT_THRESHOLDS, failOn: parseFailOn('used-memory') } })
    expect(annotations(quiet)).toEqual([])
  })
})

describe('the engine in the headline', () => {
  it('names the engine the step ran against, in the summary, the terminal and the annotations', () => {
    const valkey = { kind: 'valkey' as const, version: '8.0.1', redisCompatVersion: '7.2.4', mode: 'standalone', allocator: 'jemalloc-5.3.0' }
    const before = snap({ server: valkey })
    const after = snap({ server: valkey, errorstats: { OOM: 4 } })
    const report = buildReport({ target, before: { ...before, errorstats: { OOM: 0 } }, after, thresholds: DEFAULT_THRESHOLDS })
    expect(report.verdict).toBe('fail')
    expect(renderSummary(report)).toContain('**Valkey memory: fail**')
    expect(verdictLine(report, plain)).toContain('Valkey memory: fail')
    expect(annotations(report).map((a) => a.title)).toContain('Valkey memory: oom')
    // And plain Redis stays "Redis memory".
    expect(renderSummary(oomReport())).toContain('**Redis memory: fail**')
  })
})
