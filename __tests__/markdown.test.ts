import { describe, expect, it } from '@jest/globals'
import { fitParts, measureBytes, measureChars } from '../src/render/fit.js'
import { codeText } from '../src/render/escape.js'
import type { ReportExtension } from '../src/render/extensions.js'
import { COMMENT_LIMIT, headline, renderComment, renderSummary } from '../src/render/markdown.js'
import { oomReport, passReport } from './helpers/reports.js'

const RUN = 'https://github.com/acme/shop/actions/runs/42'
const count = (text: string, s: string): number => text.split(s).length - 1
/** Opening and closing tags and code fences pair up, so nothing after a cut is swallowed. */
function expectWellFormed(md: string): void {
  let fence: string | null = null
  let open = 0
  for (const line of md.split('\n')) {
    const m = /^`{3,}/.exec(line)
    if (fence === null && m) fence = m[0]
    else if (fence !== null && line === fence) fence = null
    else if (fence === null) open += count(line, '<details') - count(line, '</details>')
    expect(open).toBeGreaterThanOrEqual(0)
  }
  expect(fence).toBeNull()
  expect(open).toBe(0)
}

describe('headline', () => {
  it('gives the verdict and the figures that matter for a failure', () => {
    expect(headline(oomReport())).toBe('❌ **Redis memory: fail** — 3 OOM errors, peak 8.0 MB of 8.0 MB maxmemory')
  })
  it('says what was fine for a pass', () => {
    expect(headline(passReport())).toBe('✅ **Redis memory: pass** — peak 1.4 MB of 512 MB maxmemory, no OOM errors')
  })
})

describe('report content', () => {
  it('shows each breach with its cause and what to do, and the refused commands', () => {
    const md = renderSummary(oomReport())
    expect(md).toContain("- ❌ **oom**: Redis refused 3 commands with \"OOM command not allowed when used memory &gt; 'maxmemory'\" during the step.")
    expect(md).toContain("  - The step's peak was 8.0 MB of 8.0 MB maxmemory (policy noeviction).")
    expect(count(md, "The step's peak was")).toBe(1)
    expect(md).toContain('  - 122 keys were left behind (DB 0: 118, DB 3: 4): keys that earlier tests did not delete are the usual cause.')
    expect(md).toContain('  - Refused: <code>set</code> 3×.')
    expect(md).toContain('  - **What to do:** Tests wrote more than maxmemory allows.')
    expect(md).toContain('| OOM errors | 0 | 3 | +3 |  | 0 | ❌ |')
    expect(md).toContain('| <code>set</code> | 122 | 3 | 0 |')
  })

  it('keeps the comment shorter than the summary but with the same verdict and table', () => {
    const report = oomReport()
    const summary = renderSummary(report)
    const comment = renderComment(report, { runUrl: RUN, title: 'test (node: 20)', marker: '<!-- m -->' })
    expect(comment.length).toBeLessThan(summary.length)
    expect(comment.startsWith('<!-- m -->\n\n### Redis memory · test (node: 20)\n\n❌ **Redis memory: fail**')).toBe(true)
    expect(summary).toContain('<summary>All checks</summary>')
    expect(comment).not.toContain('<summary>All checks</summary>')
    const table = (md: string): string => md.split('\n').filter((l) => l.startsWith('| Used memory') || l.startsWith('| OOM')).join('\n')
    expect(table(comment)).toBe(table(summary))
    expect(comment).toContain(`[job summary](${RUN})`)
  })

  it('escapes what Redis says about itself', () => {
    const report = oomReport({
      after: {
        server: { kind: 'redis', version: '7.0<script>@admins', redisCompatVersion: null, mode: 'standalone|x', allocator: null },
        memoryDoctor: '```\n</details>\n@everyone'
      }
    })
    report.server = report.after!.server
    report.after!.memory.maxmemoryPolicy = 'noeviction</code><img src=x>'
    const md = renderSummary(report)
    expect(md).not.toContain('<script')
    expect(md).not.toContain('<img')
    expect(md).not.toMatch(/@admins|standalone\|x/)
    expect(md).toContain('````text\n```\n</details>\n@everyone\n````')
    expectWellFormed(md)
  })

  it('escapes the title that comes from comment-key and matrix values', () => {
    const md = renderComment(passReport(), { title: '<b>@acme/admins</b> #1' })
    expect(md).toContain('### Redis memory · &lt;b&gt;&#64;\u200bacme/admins&lt;/b&gt; \\#\u200b1')
    expect(md).not.toContain('<b>')
  })

  it('renders the sections and breach lines that extensions add', () => {
    const ext: ReportExtension = {
      sections: (_r, variant) => [
        { id: 'keys', label: 'largest keys', importance: 60, placement: 'main', text: `**Largest keys (${variant})**\n\n| ${codeText('|<img src=x>@everyone')} | 1 MB |` }
      ],
      breachHints: (_r, check) => (check === 'oom' ? ['Most memory is in prefix <code>cache:*</code>.'] : [])
    }
    const md = renderComment(oomReport(), { extensions: [ext] })
    expect(md).toContain('**Largest keys (comment)**')
    expect(md).toContain('  - Most memory is in prefix <code>cache:*</code>.')
    expect(md.indexOf('What went wrong')).toBeLessThan(md.indexOf('Largest keys'))
  })
})

describe('size limits', () => {
  it('keeps a comment with enormous details under 65,536 characters, dropping the least important parts first', () => {
    const commandstats: Record<string, { calls: number; usec: number; rejectedCalls: number; failedCalls: number }> = {}
    for (let i = 0; i < 5000; i++) commandstats[`cmd${i}|${'x'.repeat(60)}`] = { calls: i + 1, usec: 1, rejectedCalls: 0, failedCalls: 0 }
    const report = oomReport({ after: { memoryDoctor: 'D'.repeat(2_000_000), commandstats } })
    const ext: ReportExtension = {
      sections: () => [
        { id: 'keys', label: 'largest keys', importance: 50, placement: 'main', text: 'k'.repeat(70_000), short: 'k'.repeat(61_000) },
        { id: 'timeline', label: 'timeline', importance: 30, placement: 'main', text: 't'.repeat(5_000) }
      ]
    }
    const md = renderComment(report, { runUrl: RUN, marker: '<!-- m -->', extensions: [ext] })
    expect(md.length).toBeLessThan(65_536)
    expect(md.length).toBeLessThanOrEqual(COMMENT_LIMIT)
    expect(md).toContain('❌ **Redis memory: fail**')
    expect(md).toContain('| OOM errors |')
    expect(md).toContain('**oom**')
    expect(md).toContain(`> Shortened to fit GitHub's 65,536-character limit for comments: left out timeline, MEMORY DOCTOR's text; shortened largest keys, commands the step ran.`)
    expect(md).toContain('Keys per database')
    expect(md).toContain(`[job summary](${RUN})`)
    expectWellFormed(md)
  })

  it('drops whole parts when shortening is not enough, least important first', () => {
    const big = 'x'.repeat(20_000)
    const ext: ReportExtension = {
      sections: () => [
        { id: 'timeline', label: 'timeline', importance: 30, placement: 'main', text: big },
        { id: 'keys', label: 'largest keys', importance: 70, placement: 'main', text: 'keys section' }
      ]
    }
    const md = renderComment(oomReport(), { extensions: [ext], limit: 8000 })
    expect(md.length).toBeLessThanOrEqual(8000)
    expect(md).toContain('left out timeline')
    expect(md).toContain('keys section')
    expectWellFormed(md)
  })

  it('keeps a summary under 1 MiB, counted in bytes', () => {
    const ext: ReportExtension = {
      sections: () => [{ id: 'keys', label: 'all keys', importance: 50, placement: 'details', text: 'é'.repeat(600_000) }]
    }
    const md = renderSummary(oomReport(), { runUrl: RUN, extensions: [ext] })
    expect(md.length).toBeLessThan(1024 * 1024)
    expect(measureBytes(md)).toBeLessThan(1024 * 1024)
    expect(md).toContain("GitHub's 1 MiB limit for job summaries: left out all keys.")
    expect(md).toContain('MEMORY DOCTOR says')
  })

  it('cuts at a line, closing fences and details, when even the essential parts are too long', () => {
    const parts = [
      { label: 'title', importance: 100, text: '## t' },
      { label: 'doc', importance: 100, text: '<details><summary>d</summary>\n\n```text\n' + 'line\n'.repeat(500) + '```\n\n</details>' }
    ]
    const out = fitParts(parts, 1000, measureChars, (_s, o) => `> left out ${o.join(', ')}`)
    expect(out.text.length).toBeLessThanOrEqual(1000)
    expect(out.text).toContain('left out the rest of the text')
    expectWellFormed(out.text)
  })
})

describe('a full report, rendered', () => {
  it('matches the snapshot (summary)', () => {
    expect(renderSummary(oomReport(), { runUrl: RUN })).toMatchSnapshot()
  })
  it('matches the snapshot (comment)', () => {
    expect(renderComment(oomReport(), { runUrl: RUN, title: 'test (redis: 7)', marker: '<!-- redis-memory-guard:CI/test/redis=7 -->' })).toMatchSnapshot()
  })
})
