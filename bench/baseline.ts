/**
 * What the baseline adds to the post step: recording on a push and reading plus comparing on a
 * pull request, against the GitHub REST stand-in on 127.0.0.1, with a full history file (100 entries
 * of 50 prefixes each) and with an empty one. Each case runs with no network delay (the cost is then
 * ours: JSON, base64, the client) and with a delay per request (the cost is ours plus round trips).
 * Prints one line per case: median and worst wall time, CPU time, requests, file size.
 * Usage: node scripts/build-bench.mjs bench/baseline.ts "$tmp" && node "$tmp/index.js" [rounds=20] [latency-ms=40]
 */
import { performance } from 'node:perf_hooks'
import { appendEntry, emptySeries, entryFromReport, serializeSeries, seriesPath, type HistoryEntry } from '../src/baseline/history.js'
import { readBaselineSettings, runContext } from '../src/baseline/settings.js'
import { baselineStep } from '../src/baseline/step.js'
import type { KeysReport, PrefixFigure } from '../src/keys/report.js'
import { startFakeGitHub } from '../__tests__/helpers/fake-github.js'
import { passReport } from '../__tests__/helpers/reports.js'

const rounds = Number(process.argv[2] ?? '20')
const latencyMs = Number(process.argv[3] ?? '40')
const REPO = 'acme/shop'
const SERIES = 'CI/test/node=20,redis=7.2'
const DATA = 'redis-memory-guard-data'

/** A report with 50 prefixes of ordinary length, as a real suite's key analysis gives. */
function report() {
  const r = passReport()
  const prefixes: PrefixFigure[] = Array.from({ length: 50 }, (_, i) => ({
    db: 0,
    prefix: `service-${i}:entity-${i % 7}:*`,
    keys: 1000 + i * 37,
    bytes: 250_000 + i * 12_345,
    share: null,
    estimated: false
  }))
  r.keys = { memoryUsage: true, topPrefixesByMemory: prefixes.slice(0, 25), topPrefixesByCount: prefixes.slice(25) } as unknown as KeysReport
  return r
}

const github = await startFakeGitHub()
const settings = readBaselineSettings(() => '')
const path = seriesPath(SERIES)
const base = report()
const entry = (i: number): HistoryEntry => ({ ...entryFromReport(base, { commit: i.toString(16).padStart(40, '0'), branch: 'main', runId: String(i) }, 10), prefixes: { complete: true, memoryUsage: true, list: entryFromReport(base, { commit: null, branch: null, runId: null }, 100).prefixes?.list ?? [] } })

/** Puts a history of `n` entries on the data branch (or no branch at all for n = 0). */
function seed(n: number): number {
  github.repos.clear()
  const repo = github.seedRepo(REPO)
  if (n === 0) return 0
  let series = emptySeries(SERIES)
  for (let i = 1; i <= n; i++) series = appendEntry(series, entry(i))
  const text = serializeSeries(series)
  repo.branches.set(DATA, 'd'.repeat(40))
  repo.files.set(DATA, new Map([[path, { content: Buffer.from(text), sha: 'seeded'.padEnd(40, '0') }]]))
  repo.mergeBases.set(`main...${'b'.repeat(40)}`, entry(n).commit as string)
  return Buffer.byteLength(text)
}

const push = (i: number) =>
  runContext({ GITHUB_REPOSITORY: REPO, GITHUB_EVENT_NAME: 'push', GITHUB_REF: 'refs/heads/main', GITHUB_SHA: 'f'.repeat(40), GITHUB_RUN_ID: `9${i}` }, { repository: { default_branch: 'main' } })
const pr = runContext(
  { GITHUB_REPOSITORY: REPO, GITHUB_EVENT_NAME: 'pull_request', GITHUB_SHA: 'e'.repeat(40), GITHUB_RUN_ID: '99' },
  { repository: { default_branch: 'main' }, pull_request: { number: 7, base: { ref: 'main' }, head: { sha: 'b'.repeat(40) } } }
)

async function once(kind: 'push' | 'pr', i: number) {
  github.requests.length = 0
  const cpu = process.cpuUsage()
  const t = performance.now()
  const out = await baselineStep({ report: base, settings, context: kind === 'push' ? push(i) : pr, seriesId: SERIES, token: 't', failOn: new Set(), apiUrl: github.url })
  const ms = performance.now() - t
  const c = process.cpuUsage(cpu)
  if (out.warnings.length) throw new Error(out.warnings.join('\n'))
  if (kind === 'pr' && !out.comparison?.baseline && i >= 0 && github.repos.get(REPO)?.branches.has(DATA)) throw new Error('no comparison')
  return { ms, cpuMs: (c.user + c.system) / 1000, requests: github.requests.length }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const fmt = (n: number): string => n.toFixed(1).padStart(7)

// The first call loads the GitHub client and opens the first connection; timed apart from the rest.
// In the post step the comment already loads the same client, so this is paid once per job.
{
  seed(1)
  let t = performance.now()
  await import('@actions/github')
  const loadMs = performance.now() - t
  t = performance.now()
  await once('pr', -1)
  console.log(`loading the GitHub client: ${loadMs.toFixed(1)} ms; first read after it: ${(performance.now() - t).toFixed(1)} ms`)
}

console.log(`rounds ${rounds}; "delay" is added to every request as a stand-in for the network round trip`)
console.log('case                                   delay   median    worst      cpu  requests  file KB')
for (const delay of [0, latencyMs]) {
  github.latencyMs = delay
  for (const [label, kind, n] of [
    ['push, first run (creates the branch)', 'push', 0],
    ['push, history of 99 entries', 'push', 99],
    ['pull request, history of 100 entries', 'pr', 100],
    ['pull request, no history yet', 'pr', 0]
  ] as const) {
    const runs = []
    let bytes = 0
    for (let i = 0; i < rounds; i++) {
      bytes = seed(n)
      runs.push(await once(kind, i))
    }
    const ms = runs.map((r) => r.ms)
    console.log(
      `${label.padEnd(38)} ${String(delay).padStart(5)} ${fmt(median(ms))} ${fmt(Math.max(...ms))} ${fmt(median(runs.map((r) => r.cpuMs)))} ${String(runs[0].requests).padStart(9)} ${(bytes / 1024).toFixed(0).padStart(8)}`
    )
  }
}
await github.close()
