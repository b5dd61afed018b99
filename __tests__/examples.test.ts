/**
 * The example reports in examples/, for reviewers and the README. `npm run examples` runs three
 * real scenarios (pass, warning, OOM failure) through the bundled action against real
 * redis-server processes, keeps their JSON reports, and renders the summary and the comment from
 * them. Every `npm test` re-renders the kept reports and checks the markdown files are current.
 */
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Report } from '../src/report/schema.js'
import { commentMarker } from '../src/github/comment-settings.js'
import { REPORT_EXTENSIONS } from '../src/render/extensions.js'
import { renderComment, renderSummary } from '../src/render/markdown.js'
import { runJob } from './helpers/action-runner.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { startRedis } from './helpers/redis-server.js'

const DIR = join(process.cwd(), 'examples')
const UPDATE = process.env.UPDATE_EXAMPLES === '1'
const RUN_URL = 'https://github.com/OWNER/REPO/actions/runs/1'

interface Scenario {
  name: string
  redisArgs: string[]
  inputs: Record<string, string>
  step(port: number): Promise<void>
  verdict: Report['verdict']
}

const uuid = (i: number): string => `${i.toString(16).padStart(8, '0')}-4f1c-4b2a-9c3d-${(i * 7919).toString(16).padStart(12, '0')}`

const SCENARIOS: Scenario[] = [
  {
    name: 'pass',
    redisArgs: ['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction'],
    inputs: { 'max-used-memory': '32mb', 'max-leaked-keys': '0' },
    verdict: 'pass',
    async step(port) {
      const keys = Array.from({ length: 300 }, (_, i) => `order:${i}`)
      await redisCommands(port, keys.map((k) => ['SET', k, 'x'.repeat(2048)]))
      await redisCommands(port, [['DEL', ...keys]])
    }
  },
  {
    name: 'warn-leaked-keys',
    redisArgs: ['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction'],
    inputs: { 'max-leaked-keys': '0' },
    verdict: 'warn',
    async step(port) {
      await redisCommands(port, Array.from({ length: 400 }, (_, i) => ['SET', `session:${uuid(i)}`, 'x'.repeat(512)]))
      await redisCommands(port, [['SELECT', '2'], ...Array.from({ length: 25 }, (_, i) => ['HSET', `cache:user:${i}`, 'name', 'a', 'mail', 'b'])])
    }
  },
  {
    name: 'fail-oom',
    redisArgs: ['--maxmemory', '4mb', '--maxmemory-policy', 'noeviction'],
    inputs: { 'max-leaked-keys': '0' },
    verdict: 'fail',
    async step(port) {
      const value = 'x'.repeat(64 * 1024)
      let refused = 0
      for (let i = 0; refused < 3 && i < 500; i++) {
        const reply = await redisCommand(port, 'SET', `fixture:big:${i}`, value)
        if (reply instanceof Error) refused++
      }
      if (refused < 3) throw new Error('the scenario never hit OOM')
      // A suite goes on after an OOM: long enough for a sample (every 500 ms) to see it and take the moment snapshot.
      await new Promise((r) => setTimeout(r, 1200))
    }
  }
]

const reportFile = (name: string): string => join(DIR, `${name}.report.json`)

function render(report: Report): { summary: string; comment: string } {
  return {
    summary: renderSummary(report, { runUrl: RUN_URL, extensions: REPORT_EXTENSIONS }),
    comment: renderComment(report, { runUrl: RUN_URL, title: 'test', marker: commentMarker('CI/test'), extensions: REPORT_EXTENSIONS })
  }
}

describe('example reports', () => {
  if (UPDATE) {
    it.each(SCENARIOS)('runs the $name scenario against a real redis-server', async (s) => {
      const redis = await startRedis(s.redisArgs)
      try {
        const { post } = await runJob({ 'redis-url': redis.url, ...s.inputs }, () => s.step(redis.port))
        const report = JSON.parse(readFileSync(post.outputs['report-path'], 'utf8')) as Report
        expect(report.verdict).toBe(s.verdict)
        writeFileSync(reportFile(s.name), JSON.stringify(report, null, 2) + '\n')
      } finally {
        await redis.stop()
      }
    })
  }

  it('has a real report for every scenario, with the verdict it shows', () => {
    for (const s of SCENARIOS) {
      expect(existsSync(reportFile(s.name))).toBe(true)
      const report = JSON.parse(readFileSync(reportFile(s.name), 'utf8')) as Report
      expect(report.verdict).toBe(s.verdict)
      if (s.name === 'fail-oom') expect(report.oomErrors).toBeGreaterThanOrEqual(3)
    }
  })

  it('keeps the rendered markdown in examples/ current (npm run examples rewrites it)', () => {
    const names = readdirSync(DIR).filter((f) => f.endsWith('.report.json')).map((f) => f.slice(0, -'.report.json'.length))
    expect(names.sort()).toEqual(SCENARIOS.map((s) => s.name).sort())
    for (const name of names) {
      const out = render(JSON.parse(readFileSync(reportFile(name), 'utf8')) as Report)
      for (const [kind, text] of Object.entries(out)) {
        const file = join(DIR, `${name}.${kind}.md`)
        if (UPDATE) writeFileSync(file, text)
        expect(readFileSync(file, 'utf8')).toBe(text)
      }
    }
  })

  it('shows the OOM example in docs/report.md', () => {
    const readme = join(process.cwd(), 'docs', 'report.md')
    const comment = readFileSync(join(DIR, 'fail-oom.comment.md'), 'utf8')
    // Without the hidden marker line: the page is not a PR comment.
    const block = `<!-- example:start -->\n${comment.split('\n').slice(2).join('\n')}<!-- example:end -->`
    const text = readFileSync(readme, 'utf8')
    const updated = text.replace(/<!-- example:start -->[\s\S]*<!-- example:end -->/, () => block)
    if (UPDATE) writeFileSync(readme, updated)
    expect(readFileSync(readme, 'utf8')).toContain(block)
  })
})
