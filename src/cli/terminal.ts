/**
 * The report for a terminal: the same checks and words as the job summary, laid out as aligned
 * text. Pure: report in, text out; colours come in as functions that may do nothing.
 */
import type { CheckResult, CheckStatus } from '../checks.js'
import { NOT_REPORTED, headline } from '../render/markdown.js'
import { totalKeys, type Report } from '../report.js'
import { formatBytes, formatBytesDelta, formatDuration } from '../size.js'
import type { Snapshot } from '../snapshot.js'
import type { KeysReport } from '../keys/report.js'
import type { Colours } from './colours.js'

/** Server-supplied text can carry escape sequences; a terminal must show them, not obey them. */
export function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

function statusWord(status: CheckStatus, c: Colours): string {
  switch (status) {
    case 'pass':
      return c.green('pass')
    case 'warn':
      return c.yellow('WARN')
    case 'fail':
      return c.red('FAIL')
    default:
      return c.dim('skip')
  }
}

/** The verdict line: the job summary's headline without the markdown. */
export function verdictLine(report: Report, c: Colours): string {
  const text = headline(report)
    .replace(/^\S+\s+/, '')
    .replace(/\*\*/g, '')
  const paint = report.verdict === 'pass' ? c.green : report.verdict === 'warn' ? c.yellow : c.red
  return c.bold(paint(text))
}

/** Pads to a visible width, ignoring colour codes. */
function pad(s: string, width: number, right = false): string {
  // eslint-disable-next-line no-control-regex
  const visible = s.replace(/\u001b\[[0-9;]*m/g, '').length
  const fill = ' '.repeat(Math.max(0, width - visible))
  return right ? fill + s : s + fill
}

function table(rows: string[][], c: Colours, rightAligned: number[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].replace(/\u001b\[[0-9;]*m/g, '').length))) // eslint-disable-line no-control-regex
  return rows
    .map((r, n) => {
      const line = r.map((cell, i) => pad(cell, widths[i], rightAligned.includes(i))).join('  ').trimEnd()
      return n === 0 ? c.dim(line) : line
    })
    .join('\n')
}

const count = (n: number): string => n.toLocaleString('en-US')
const signed = (n: number): string => (n > 0 ? `+${count(n)}` : n === 0 ? '±0' : count(n))

function side(n: number | null | undefined, snap: Snapshot | null, fmt: (n: number) => string): string {
  if (snap === null) return '—'
  return n === null || n === undefined ? 'n/a' : fmt(n)
}

function oomCount(s: Snapshot | null): number | null | undefined {
  if (!s) return undefined
  return s.errorstats === null ? null : (s.errorstats.OOM ?? 0)
}

function checkStatus(report: Report, ...names: string[]): CheckStatus | null {
  const found = report.checks.filter((x) => names.includes(x.check))
  if (found.length === 0) return null
  for (const s of ['fail', 'warn', 'pass'] as const) if (found.some((x) => x.status === s)) return s
  return 'skipped'
}

function limitText(report: Report, check: string): string {
  const x = report.checks.find((k) => k.check === check)
  if (!x || x.limit === null) return ''
  return x.unit === 'bytes' ? formatBytes(x.limit) : String(x.limit)
}

/** Before / after / change / limit / status, like the job summary's table. */
export function figures(report: Report, c: Colours): string {
  const b = report.before
  const a = report.after
  const row = (label: string, x: number | null | undefined, y: number | null | undefined, bytes: boolean, limit: string, status: CheckStatus | null): string[] => {
    const fmt = bytes ? formatBytes : count
    const change = typeof x === 'number' && typeof y === 'number' ? (bytes ? formatBytesDelta(y - x) : signed(y - x)) : ''
    return [label, side(x, b, fmt), side(y, a, fmt), change, limit, status ? statusWord(status, c) : '']
  }
  const ratio = (s: Snapshot | null): string => side(s?.memory.memFragmentationRatio, s, (n) => n.toFixed(2))
  const peak = report.peak
  const rows: string[][] = [
    ['', 'Before', 'After', 'Change', 'Limit', ''],
    row('Used memory', b?.memory.usedMemory, a?.memory.usedMemory, true, limitText(report, 'used-memory'), checkStatus(report, 'used-memory')),
    [
      'Peak during the step',
      '',
      peak === null || peak.bytes === null ? 'n/a' : formatBytes(peak.bytes),
      '',
      [limitText(report, 'peak-memory'), limitText(report, 'memory-percent')].filter(Boolean).join(' / '),
      (() => {
        const s = checkStatus(report, 'peak-memory', 'memory-percent')
        return s ? statusWord(s, c) : ''
      })()
    ],
    row('RSS (process memory)', b?.memory.usedMemoryRss, a?.memory.usedMemoryRss, true, '', null),
    ['Fragmentation ratio', ratio(b), ratio(a), '', limitText(report, 'fragmentation'), (() => {
      const s = checkStatus(report, 'fragmentation')
      return s ? statusWord(s, c) : ''
    })()],
    row('Keys (all DBs)', totalKeys(b), totalKeys(a), false, limitText(report, 'leaked-keys'), checkStatus(report, 'leaked-keys')),
    row('Evicted keys', b?.evictedKeys, a?.evictedKeys, false, '', checkStatus(report, 'evictions')),
    row('OOM errors', oomCount(b), oomCount(a), false, '0', checkStatus(report, 'oom')),
    row('Connected clients', b?.connectedClients, a?.connectedClients, false, '', null)
  ]
  return table(rows, c, [1, 2, 3, 4])
}

function checkLine(x: CheckResult, c: Colours): string {
  const advice = x.advice ? `\n      ${c.dim('What to do:')} ${x.advice}` : ''
  return `  ${statusWord(x.status, c)}  ${c.bold(x.check)}: ${x.message}${advice}`
}

function serverLine(report: Report): string {
  const s = report.server
  const name = s ? `${s.kind === 'unknown' ? 'unknown server' : s.kind} ${s.version ?? ''}`.trim() : 'unknown server'
  return `${safeText(name)} at ${report.target.url}`
}

/** The whole report of `run` or `diff`. */
export function renderReport(report: Report, c: Colours): string {
  const command = report.command
  const out: string[] = [`${c.bold('Redis Memory Guard')} ${c.dim('·')} ${serverLine(report)}`, '']
  if (command) {
    const how = command.signal ? `was stopped by ${command.signal}` : `exited with code ${command.exitCode}`
    const paint = command.exitCode === 0 ? c.dim : c.red
    out.push(paint(`Command \`${command.command}\` ${how} after ${formatDuration(command.durationMs)}.`), '')
  }
  for (const e of report.errors) out.push(c.yellow(`! ${e}`))
  if (report.errors.length > 0) out.push('')
  if (report.after !== null) {
    out.push(figures(report, c), '')
    const breaches = report.checks.filter((x) => x.status === 'fail' || x.status === 'warn')
    if (breaches.length > 0) out.push(c.bold('Breaches'), ...breaches.map((x) => checkLine(x, c)), '')
    if (report.notes.length > 0) out.push(c.bold('Notes'), ...report.notes.map((n) => `  - ${n}`), '')
    const leaks = Object.entries(report.leakedKeysByDb)
    if (leaks.length > 0) out.push(`Keys left behind: ${leaks.map(([db, n]) => `DB ${db}: ${count(n)}`).join(', ')}`)
    if (report.keys) out.push(...leakedGroups(report.keys, c))
    if (leaks.length > 0 || report.keys?.leaked?.groups.length) out.push('')
    const quotes = report.command?.oomQuotes ?? []
    if (quotes.length > 0) out.push(c.bold('OOM errors in the command output'), ...quotes.map((q) => `  ${safeText(q)}`), '')
    if (report.peak) out.push(c.dim(`The step's peak is ${report.peak.explanation}.`))
    const sampled = report.sampling?.summary
    if (sampled) {
      const gaps = sampled.gaps.length > 0 ? `; Redis did not answer in ${sampled.gaps.length} stretch(es)` : ''
      out.push(c.dim(`Sampled ${sampled.count === 1 ? 'once' : `${sampled.count} times`}, every ${formatDuration(report.sampling?.intervalMs ?? 0)}${gaps}.`))
    }
  }
  out.push('', verdictLine(report, c))
  if (command && command.exitCode !== 0) {
    out.push(c.red(c.bold(`The command failed (${command.signal ?? `exit code ${command.exitCode}`}), so redis-memory-guard exits with 1.`)))
  }
  return out.join('\n')
}

/** `snapshot`: one moment, in the words a person would use after typing the INFO commands by hand. */
export function renderSnapshot(report: Report, c: Colours): string {
  const s = report.after
  if (!s) return renderReport(report, c)
  const m = s.memory
  const fmt = (n: number | null): string => (n === null ? NOT_REPORTED : formatBytes(n))
  const lines: string[] = [`${c.bold('Redis Memory Guard')} ${c.dim('·')} ${serverLine(report)} ${c.dim(`· ${s.takenAt}`)}`, '']
  const share = m.usedMemory !== null && m.maxmemory ? ` (${((m.usedMemory / m.maxmemory) * 100).toFixed(1)}% of maxmemory)` : ''
  lines.push(c.bold('Memory'))
  lines.push(`  used_memory          ${fmt(m.usedMemory)}${share}`)
  lines.push(`  dataset / overhead   ${fmt(m.usedMemoryDataset)} / ${fmt(m.usedMemoryOverhead)}`)
  lines.push(`  RSS (process)        ${fmt(m.usedMemoryRss)}`)
  lines.push(`  lifetime peak        ${fmt(m.usedMemoryPeak)} ${c.dim('(used_memory_peak; Redis never resets it)')}`)
  lines.push(
    `  maxmemory            ${m.maxmemory === null ? NOT_REPORTED : m.maxmemory === 0 ? '0 (no limit)' : formatBytes(m.maxmemory)}, policy ${safeText(m.maxmemoryPolicy ?? NOT_REPORTED)}`
  )
  const frag = report.checks.find((x) => x.check === 'fragmentation')
  lines.push('', c.bold('Fragmentation'))
  lines.push(`  ratio ${m.memFragmentationRatio === null ? NOT_REPORTED : m.memFragmentationRatio.toFixed(2)}, ${m.memFragmentationBytes === null ? '' : `${formatBytes(m.memFragmentationBytes)} over the data`}`)
  if (frag) lines.push(`  ${statusWord(frag.status, c)}  ${frag.message}`)
  lines.push('', c.bold('Keys per database'), keyspaceTable(s, c))
  lines.push('', c.bold('Counters since the server started'))
  const oom = s.errorstats === null ? `${NOT_REPORTED} (errorstats needs Redis 6.2+)` : count(s.errorstats.OOM ?? 0)
  const rejected = s.commandstats === null ? null : Object.values(s.commandstats).reduce((sum, x) => sum + (x.rejectedCalls ?? 0), 0)
  lines.push(`  OOM errors           ${oom}`)
  lines.push(`  rejected calls       ${rejected === null ? NOT_REPORTED : count(rejected)}`)
  lines.push(`  evicted keys         ${s.evictedKeys === null ? NOT_REPORTED : count(s.evictedKeys)}`)
  lines.push(`  expired keys         ${s.expiredKeys === null ? NOT_REPORTED : count(s.expiredKeys)}`)
  lines.push(`  connected clients    ${s.connectedClients === null ? NOT_REPORTED : count(s.connectedClients)}`)
  const judged = report.checks.filter((x) => x.status === 'fail' || x.status === 'warn')
  if (judged.length > 0) lines.push('', c.bold('Breaches'), ...judged.map((x) => checkLine(x, c)))
  const notes = report.notes.filter((n) => !n.startsWith('No "before" snapshot'))
  if (notes.length > 0) lines.push('', c.bold('Notes'), ...notes.map((n) => `  - ${n}`))
  return lines.join('\n')
}

/** Keys, keys with a TTL and the average TTL, per database. */
export function keyspaceTable(s: Snapshot, c: Colours): string {
  const dbs = Object.keys(s.keyspace).sort((x, y) => Number(x) - Number(y))
  if (dbs.length === 0) return '  No keys in any database.'
  const rows = [['  DB', 'Keys', 'With TTL', 'Average TTL']]
  for (const db of dbs) {
    const k = s.keyspace[db]
    rows.push([`  ${db}`, count(k.keys), count(k.expires), k.avgTtl ? formatDuration(k.avgTtl) : '—'])
  }
  return table(rows, c, [1, 2, 3])
}

/** The leaked keys by prefix, with a few names each: what the tests left behind. */
export function leakedGroups(k: KeysReport, c: Colours, rows = 10): string[] {
  const groups = k.leaked?.groups ?? []
  if (groups.length === 0) return []
  const out = [c.bold('Leaked keys by prefix')]
  for (const g of groups.slice(0, rows)) {
    const names = g.samples.map((x) => safeText(x.key)).join(', ')
    const ttl = g.withoutTtl > 0 ? `, ${count(g.withoutTtl)} without TTL` : ''
    out.push(`  DB ${g.db}  ${safeText(g.prefix)}  ${count(g.keys)} keys${k.memoryUsage ? `, ${formatBytes(g.bytes)}` : ''}${ttl}${names ? c.dim(`  e.g. ${names}`) : ''}`)
  }
  if (groups.length > rows) out.push(c.dim(`  ... and ${groups.length - rows} more prefixes (see --json)`))
  return out
}

/** `keys`: prefixes by memory and count, the largest keys, keys per database. */
export function renderKeys(report: Report, c: Colours): string {
  const k = report.keys
  const s = report.after
  const out: string[] = [`${c.bold('Redis Memory Guard')} ${c.dim('·')} ${serverLine(report)}`, '']
  if (!k || !s) return out.join('\n')
  const share = (x: number | null): string => (x === null ? '' : `${(x * 100).toFixed(1)}%`)
  const scan = k.after
  out.push(
    c.dim(
      `${count(k.totalKeys)} keys scanned in ${formatDuration(scan.durationMs)} (${scan.method})` +
        (k.memoryUsage ? `, ${formatBytes(k.totalBytes)} by MEMORY USAGE` : ', counts only: this server has no MEMORY USAGE') +
        (k.extrapolated ? '; the scan stopped at --key-scan-budget, figures are extrapolated by DBSIZE' : '') +
        '.'
    ),
    ''
  )
  if (k.memoryUsage && k.topPrefixesByMemory.length > 0) {
    const rows = [['  DB', 'Prefix', 'Keys', 'Memory', 'Share']]
    for (const p of k.topPrefixesByMemory) rows.push([`  ${p.db}`, safeText(p.prefix) + (p.estimated ? ' ~' : ''), count(p.keys), formatBytes(p.bytes), share(p.share)])
    out.push(c.bold('Prefixes by memory'), table(rows, c, [2, 3, 4]), '')
  }
  if (k.topPrefixesByCount.length > 0) {
    const rows = [['  DB', 'Prefix', 'Keys']]
    for (const p of k.topPrefixesByCount) rows.push([`  ${p.db}`, safeText(p.prefix) + (p.estimated ? ' ~' : ''), count(p.keys)])
    out.push(c.bold('Prefixes by count'), table(rows, c, [2]), '')
  }
  if (k.memoryUsage && k.topKeys.length > 0) {
    const rows = [['  DB', 'Key', 'Memory', 'TTL']]
    for (const x of k.topKeys) rows.push([`  ${x.db}`, safeText(x.key), formatBytes(x.bytes), x.ttl === 'set' ? `${x.ttlSeconds ?? '?'} s` : x.ttl === 'none' ? 'none' : '?'])
    out.push(c.bold('Largest keys'), table(rows, c, [2]), '')
  }
  out.push(c.bold('Keys per database'), keyspaceTable(s, c))
  if (k.memoryUsage) out.push('', c.dim(k.memoryUsageNote))
  return out.join('\n')
}
