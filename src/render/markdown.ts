/** Renders a report as GitHub markdown for the job summary. Pure: report in, text out. */
import type { CheckName, CheckResult, CheckStatus } from '../checks.js'
import { formatBytes, formatBytesDelta } from '../size.js'
import type { Report } from '../report.js'
import { totalKeys } from '../report.js'
import type { Snapshot } from '../snapshot.js'
import { escapeCodeBlock, escapeMarkdown } from './escape.js'
import { keysSections } from '../keys/render.js'

export const NOT_REPORTED = 'not reported by this server'

const VERDICT_MARK = { pass: '✅', warn: '⚠️', fail: '❌' } as const
const STATUS_MARK: Record<CheckStatus, string> = { pass: '✅', warn: '⚠️', fail: '❌', skipped: '➖' }

/** The first line: the verdict and the one or two figures that matter. */
export function headline(report: Report): string {
  const parts: string[] = []
  const peak = report.peak?.bytes
  const maxmemory = report.after?.memory.maxmemory
  if (peak !== null && peak !== undefined) {
    parts.push(maxmemory ? `peak ${formatBytes(peak)} of ${formatBytes(maxmemory)} maxmemory` : `peak ${formatBytes(peak)}`)
  }
  if (report.oomErrors !== null) parts.push(report.oomErrors === 0 ? 'no OOM errors' : `${report.oomErrors} OOM errors`)
  if (report.evictedKeys) parts.push(`${report.evictedKeys} keys evicted`)
  if (report.leakedKeys) parts.push(`${report.leakedKeys} keys left behind`)
  if (report.errors.length > 0 && report.after === null) parts.push('no snapshot after the step')
  const label = { pass: 'pass', warn: 'warning', fail: 'fail' }[report.verdict]
  return `${VERDICT_MARK[report.verdict]} **Redis memory: ${label}**${parts.length ? ` — ${parts.join(', ')}` : ''}`
}

interface Row {
  label: string
  before: string
  after: string
  change: string
  limit: string
  status: string
}

function statusOf(report: Report, ...checks: CheckName[]): string {
  const found = report.checks.filter((c) => checks.includes(c.check))
  if (found.length === 0) return ''
  const worst = found.some((c) => c.status === 'fail')
    ? 'fail'
    : found.some((c) => c.status === 'warn')
      ? 'warn'
      : found.some((c) => c.status === 'pass')
        ? 'pass'
        : 'skipped'
  return STATUS_MARK[worst]
}

function limitOf(report: Report, check: CheckName): string {
  const c = report.checks.find((x) => x.check === check)
  if (!c || c.limit === null) return ''
  return c.unit === 'bytes' ? formatBytes(c.limit) : String(c.limit)
}

type Cell = number | null | undefined

/** A figure for one side of the table: `—` without that snapshot, the words for "absent" when null. */
function cell(n: Cell, snap: Snapshot | null, fmt: (n: number) => string): string {
  if (snap === null) return '—'
  return n === null || n === undefined ? NOT_REPORTED : fmt(n)
}

function pairRow(label: string, b: Cell, a: Cell, snaps: [Snapshot | null, Snapshot | null], bytes: boolean): Omit<Row, 'limit' | 'status'> {
  const fmt = bytes ? formatBytes : (n: number): string => n.toLocaleString('en-US')
  const both = typeof a === 'number' && typeof b === 'number'
  return {
    label,
    before: cell(b, snaps[0], fmt),
    after: cell(a, snaps[1], fmt),
    change: both ? (bytes ? formatBytesDelta(a - b) : signed(a - b)) : ''
  }
}

function signed(n: number): string {
  return n > 0 ? `+${n.toLocaleString('en-US')}` : n === 0 ? '±0' : n.toLocaleString('en-US')
}

/** The before / after / change table with a status mark per row. */
export function figuresTable(report: Report): string {
  const b = report.before
  const a = report.after
  const snaps: [Snapshot | null, Snapshot | null] = [b, a]
  const bytesRow = (label: string, x: Cell, y: Cell): Omit<Row, 'limit' | 'status'> => pairRow(label, x, y, snaps, true)
  const countRow = (label: string, x: Cell, y: Cell): Omit<Row, 'limit' | 'status'> => pairRow(label, x, y, snaps, false)
  const rows: Row[] = [
    { ...bytesRow('Used memory', b?.memory.usedMemory, a?.memory.usedMemory), limit: limitOf(report, 'used-memory'), status: statusOf(report, 'used-memory') },
    {
      label: `Peak during the step`,
      before: '',
      after: report.peak?.bytes === null || report.peak === null ? NOT_REPORTED : formatBytes(report.peak.bytes),
      change: '',
      limit: [limitOf(report, 'peak-memory'), limitOf(report, 'memory-percent')].filter(Boolean).join(' / '),
      status: statusOf(report, 'peak-memory', 'memory-percent')
    },
    { ...bytesRow('RSS (process memory)', b?.memory.usedMemoryRss, a?.memory.usedMemoryRss), limit: '', status: '' },
    {
      label: 'Fragmentation ratio',
      before: ratio(b?.memory.memFragmentationRatio, b),
      after: ratio(a?.memory.memFragmentationRatio, a),
      change: '',
      limit: limitOf(report, 'fragmentation'),
      status: statusOf(report, 'fragmentation')
    },
    { ...countRow('Keys (all DBs)', totalKeys(b), totalKeys(a)), limit: limitOf(report, 'leaked-keys'), status: statusOf(report, 'leaked-keys') },
    { ...countRow('Evicted keys', b?.evictedKeys, a?.evictedKeys), limit: '', status: statusOf(report, 'evictions') },
    { ...countRow('OOM errors', oomCount(b), oomCount(a)), limit: '0', status: statusOf(report, 'oom') },
    { ...countRow('Connected clients', b?.connectedClients, a?.connectedClients), limit: '', status: '' }
  ]
  const lines = ['| | Before | After | Change | Limit | Status |', '|---|---:|---:|---:|---:|:---:|']
  for (const r of rows) lines.push(`| ${r.label} | ${r.before} | ${r.after} | ${r.change} | ${r.limit} | ${r.status} |`)
  return lines.join('\n')
}

function oomCount(s: Snapshot | null): number | null | undefined {
  if (!s) return undefined
  return s.errorstats === null ? null : (s.errorstats.OOM ?? 0)
}

function ratio(n: Cell, snap: Snapshot | null): string {
  return cell(n, snap, (x) => x.toFixed(2))
}

function checkLine(c: CheckResult): string {
  const advice = c.advice ? ` _What to do:_ ${c.advice}` : ''
  return `- ${STATUS_MARK[c.status]} **${c.check}**: ${c.message}${advice}`
}

function keysPerDb(report: Report): string {
  const b = report.before?.keyspace ?? {}
  const a = report.after?.keyspace ?? {}
  const dbs = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort((x, y) => Number(x) - Number(y))
  if (dbs.length === 0) return 'No keys in any database, before or after the step.'
  const lines = ['| DB | Keys before | Keys after | Change | With TTL after |', '|---:|---:|---:|---:|---:|']
  for (const db of dbs) {
    const kb = b[db]?.keys ?? 0
    const ka = a[db]?.keys ?? 0
    lines.push(`| ${db} | ${report.before ? kb.toLocaleString('en-US') : '—'} | ${ka.toLocaleString('en-US')} | ${report.before ? signed(ka - kb) : ''} | ${(a[db]?.expires ?? 0).toLocaleString('en-US')} |`)
  }
  return lines.join('\n')
}

function serverDetails(report: Report): string {
  const s = report.after ?? report.before
  const lines: string[] = []
  const server = report.server
  const name = server ? `${server.kind === 'unknown' ? 'unknown server' : server.kind} ${server.version ?? ''}`.trim() : 'unknown'
  lines.push(`- Server: ${escapeMarkdown(name)} at \`${escapeCodeBlock(report.target.url).replace(/`/g, "'")}\``)
  if (s) {
    const mm = s.memory.maxmemory
    lines.push(`- maxmemory: ${mm === null ? NOT_REPORTED : mm === 0 ? '0 (no limit)' : formatBytes(mm)}; policy: ${escapeMarkdown(s.memory.maxmemoryPolicy ?? NOT_REPORTED)}`)
    if (s.memory.usedMemoryPeak !== null) lines.push(`- Lifetime peak (INFO used_memory_peak, never reset): ${formatBytes(s.memory.usedMemoryPeak)}`)
  }
  if (report.peak) lines.push(`- The step's peak is ${report.peak.explanation}.`)
  lines.push('- Sizes are 1024-based: 1 KB = 1024 bytes, 1 MB = 1024 KB.')
  const doctor = report.after?.memoryDoctor
  if (doctor) lines.push('', 'MEMORY DOCTOR says:', '', '```', escapeCodeBlock(doctor.trim()), '```')
  return lines.join('\n')
}

/** The whole job summary. */
export function renderSummary(report: Report): string {
  const out: string[] = [`## Redis Memory Guard`, '', headline(report), '']
  for (const e of report.errors) out.push(`> [!WARNING]\n> ${escapeMarkdown(e)}`, '')
  if (report.after !== null) {
    out.push(figuresTable(report), '')
    const breaches = report.checks.filter((c) => c.status === 'fail' || c.status === 'warn')
    if (breaches.length > 0) out.push('### Breaches', '', ...breaches.map(checkLine), '')
    if (report.notes.length > 0) out.push('### Notes', '', ...report.notes.map((n) => `- ${n}`), '')
    out.push('<details><summary>All checks</summary>', '', ...report.checks.map(checkLine), '', '</details>', '')
    out.push('### Keys per database', '', keysPerDb(report), '')
    out.push(...keysSections(report))
  }
  out.push('<details><summary>Server and figures</summary>', '', serverDetails(report), '', '</details>', '')
  return out.join('\n')
}
