/**
 * The report for a terminal: the same model as the job summary (render/model.ts), laid out as
 * aligned text. Pure: report in, text out; colours come in as functions that may do nothing.
 */
import type { CheckStatus } from '../judge/checks.js'
import { NOT_REPORTED } from '../render/markdown.js'
import { ABSENT, reportModel, type Cell, type CheckView, type Hint, type ReportModel } from '../render/model.js'
import type { Report } from '../report/schema.js'
import { formatBytes, formatCount, formatDuration } from '../core/size.js'
import type { Snapshot } from '../observe/snapshot.js'
import type { KeysReport } from '../keys/report.js'
import { prefixBytesText } from '../render/keys.js'
import type { Colours } from './colours.js'
import type { BaselineView } from '../render/baseline-model.js'
import { instancesView } from '../render/instances.js'
import type { CauseView } from '../render/cause.js'

/** Server-supplied text can carry escape sequences; a terminal must show them, not obey them. */
export function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => `\\x${ch.charCodeAt(0).toString(16).padStart(2, '0')}`)
}

/** Words, not marks: "reported" and "unknown" must never read as a pass. */
export function statusWord(status: CheckStatus, c: Colours): string {
  switch (status) {
    case 'pass':
      return c.green('pass')
    case 'warn':
      return c.yellow('WARN')
    case 'fail':
      return c.red('FAIL')
    case 'unknown':
      return c.yellow('unknown')
    case 'reported':
      return c.dim('reported')
  }
}

/** The verdict line, from the same headline as the job summary (its figures are plain text). */
export function verdictLine(report: Report, c: Colours, model: ReportModel = reportModel(report)): string {
  const h = model.headline
  const text = `${h.engine} memory: ${h.word}${h.figures.length ? ` — ${h.figures.join(', ')}` : ''}`
  const paint = h.verdict === 'pass' ? c.green : h.verdict === 'warn' ? c.yellow : c.red
  return c.bold(paint(text))
}

/** Pads to a visible width, ignoring colour codes. */
function pad(s: string, width: number, right = false): string {
  // eslint-disable-next-line no-control-regex
  const visible = s.replace(/\u001b\[[0-9;]*m/g, '').length
  const fill = ' '.repeat(Math.max(0, width - visible))
  return right ? fill + s : s + fill
}

export function table(rows: string[][], c: Colours, rightAligned: number[]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].replace(/\u001b\[[0-9;]*m/g, '').length))) // eslint-disable-line no-control-regex
  return rows
    .map((r, n) => {
      const line = r.map((cell, i) => pad(cell, widths[i], rightAligned.includes(i))).join('  ').trimEnd()
      return n === 0 ? c.dim(line) : line
    })
    .join('\n')
}

const count = (n: number): string => formatCount(n)

function cellText(x: Cell): string {
  return x === ABSENT ? '—' : x === null ? 'n/a' : x
}

/** Before / after / change / peak / limit / status: the job summary's table. */
export function figures(report: Report, c: Colours, model: ReportModel = reportModel(report)): string {
  const rows: string[][] = [['', 'Before', 'After', 'Change', 'Peak', 'Limit', '']]
  for (const r of model.figures) {
    rows.push([r.label, cellText(r.before), cellText(r.after), r.change, r.peak, r.limits.join(' / '), r.status ? statusWord(r.status, c) : ''])
  }
  return table(rows, c, [1, 2, 3, 4])
}

function hintLine(h: Hint): string {
  if (h.kind === 'text') return safeText(h.text)
  return `Refused: ${h.commands.map((x) => `${safeText(x.command)} ${count(x.count)}×`).join(', ')}.`
}

function checkLine(x: CheckView, c: Colours): string {
  const hints = x.hints.map((h) => `\n      ${c.dim('-')} ${hintLine(h)}`).join('')
  const advice = x.advice ? `\n      ${c.dim('What to do:')} ${x.advice}` : ''
  return `  ${statusWord(x.status, c)}  ${c.bold(x.check)}: ${safeText(x.message)}${hints}${advice}`
}

function serverLine(report: Report): string {
  const s = report.server
  const name = s ? `${s.kind === 'unknown' ? 'unknown server' : s.kind} ${s.version ?? ''}`.trim() : 'unknown server'
  return `${safeText(name)} at ${report.target.url}`
}

/** The whole report of `run` or `diff`. */
export function renderReport(report: Report, c: Colours): string {
  const model = reportModel(report)
  const command = report.command
  const out: string[] = [`${c.bold('Redis Memory Guard')} ${c.dim('·')} ${serverLine(report)}`, '']
  out.push(...instancesBlock(report, c))
  if (command) {
    const how = command.signal ? `was stopped by ${command.signal}` : `exited with code ${command.exitCode}`
    const paint = command.exitCode === 0 ? c.dim : c.red
    out.push(paint(`Command \`${command.command}\` ${how} after ${formatDuration(command.durationMs)}.`), '')
  }
  for (const e of [...model.errors, ...model.warnings]) out.push(c.yellow(`! ${safeText(e)}`))
  if (model.restart) out.push(c.yellow(`! ${model.restart}`))
  if (model.errors.length > 0 || model.warnings.length > 0 || model.restart) out.push('')
  if (report.after !== null) {
    out.push(figures(report, c, model), '')
    if (model.breaches.length > 0) out.push(c.bold('Breaches'), ...model.breaches.map((x) => checkLine(x, c)), '')
    if (model.unknown.length > 0) out.push(c.bold('Could not be checked'), ...model.unknown.map((x) => checkLine(x, c)), '')
    if (model.notes.length > 0) out.push(c.bold('Notes'), ...model.notes.map((n) => `  - ${safeText(n)}`), '')
    if (model.leakedByDb) out.push(`Keys left behind: ${model.leakedByDb}`)
    if (report.keys) out.push(...leakedGroups(report.keys, c))
    if (model.leakedByDb || report.keys?.leaked?.groups.length) out.push('')
    out.push(...causeLines(model.cause, c))
    if (model.oomMessages.length > 0) {
      const width = Math.max(...model.oomMessages.map((m) => (m.count === null ? 0 : count(m.count).length)))
      out.push(
        c.bold('OOM errors in the command output'),
        ...model.oomMessages.map((m) => `  ${m.count === null ? '' : `${pad(count(m.count), width, true)}× `}${safeText(m.text)}`),
        ''
      )
    }
    if (model.peakExplanation) out.push(c.dim(`${report.before === null ? 'The figure judged is' : "The step's peak is"} ${model.peakExplanation}.`))
    if (model.sampling) out.push(c.dim(model.sampling))
    for (const f of model.samplingFacts) out.push(c.dim(safeText(f)))
  }
  if (model.baseline) out.push('', ...baselineLines(model.baseline, c))
  out.push('', verdictLine(report, c, model))
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
  lines.push(...instancesBlock(report, c))
  const share = m.usedMemory !== null && m.maxmemory ? ` (${((m.usedMemory / m.maxmemory) * 100).toFixed(1)}% of maxmemory)` : ''
  lines.push(c.bold('Memory'))
  lines.push(`  used_memory          ${fmt(m.usedMemory)}${share}`)
  lines.push(`  dataset / overhead   ${fmt(m.usedMemoryDataset)} / ${fmt(m.usedMemoryOverhead)}`)
  lines.push(`  RSS (process)        ${fmt(m.usedMemoryRss)}`)
  lines.push(`  lifetime peak        ${fmt(m.usedMemoryPeak)} ${c.dim('(used_memory_peak; Redis never resets it)')}`)
  lines.push(
    `  maxmemory            ${m.maxmemory === null ? NOT_REPORTED : m.maxmemory === 0 ? '0 (no limit)' : formatBytes(m.maxmemory)}, policy ${safeText(m.maxmemoryPolicy ?? NOT_REPORTED)}`
  )
  const model = reportModel(report)
  const frag = model.checks.find((x) => x.check === 'fragmentation')
  lines.push('', c.bold('Fragmentation'))
  // The allocator's own figure is the one judged; RSS over used memory counts the process too.
  lines.push(`  allocator_frag_ratio ${m.allocatorFragRatio === null ? NOT_REPORTED : m.allocatorFragRatio.toFixed(2)}${m.allocatorFragBytes === null ? '' : `, ${formatBytes(Math.max(0, m.allocatorFragBytes))} in partly used pages`}`)
  lines.push(`  ${c.dim(`mem_fragmentation_ratio ${m.memFragmentationRatio === null ? NOT_REPORTED : m.memFragmentationRatio.toFixed(2)} (RSS over used memory, the process included; not judged)`)}`)
  if (frag) lines.push(`  ${statusWord(frag.status, c)}  ${safeText(frag.message)}`)
  lines.push('', c.bold('Keys per database'), keyspaceTable(s, c))
  lines.push('', c.bold('Counters since the server started'))
  const oom = s.errorstats === null ? `${NOT_REPORTED} (errorstats needs Redis 6.2+)` : count(s.errorstats.OOM ?? 0)
  const rejected = s.commandstats === null ? null : Object.values(s.commandstats).reduce((sum, x) => sum + (x.rejectedCalls ?? 0), 0)
  lines.push(`  OOM errors           ${oom}`)
  lines.push(`  rejected calls       ${rejected === null ? NOT_REPORTED : count(rejected)}`)
  lines.push(`  evicted keys         ${s.evictedKeys === null ? NOT_REPORTED : count(s.evictedKeys)}`)
  lines.push(`  expired keys         ${s.expiredKeys === null ? NOT_REPORTED : count(s.expiredKeys)}`)
  lines.push(`  connected clients    ${s.connectedClients === null ? NOT_REPORTED : count(s.connectedClients)}`)
  if (model.breaches.length > 0) lines.push('', c.bold('Breaches'), ...model.breaches.map((x) => checkLine(x, c)))
  if (model.unknown.length > 0) lines.push('', c.bold('Could not be checked'), ...model.unknown.map((x) => checkLine(x, c)))
  const notes = model.notes.filter((n) => !n.startsWith('No "before" snapshot'))
  if (notes.length > 0) lines.push('', c.bold('Notes'), ...notes.map((n) => `  - ${safeText(n)}`))
  if (model.baseline) lines.push('', ...baselineLines(model.baseline, c))
  lines.push('', verdictLine(report, c, model))
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
    out.push(`  DB ${g.db}  ${safeText(g.prefix)}  ${count(g.keys)} keys${k.memoryUsage ? `, ${prefixBytesText(g)}` : ''}${ttl}${names ? c.dim(`  e.g. ${names}`) : ''}`)
  }
  if (groups.length > rows) out.push(c.dim(`  ... and ${groups.length - rows} more prefixes (see --json)`))
  return out
}

/** `keys`: prefixes by memory and count, the largest keys, keys per database. */
export function renderKeys(report: Report, c: Colours): string {
  const k = report.keys
  const s = report.after
  const out: string[] = [`${c.bold('Redis Memory Guard')} ${c.dim('·')} ${serverLine(report)}`, '']
  out.push(...instancesBlock(report, c))
  if (!k || !s) return out.join('\n')
  const share = (x: number | null): string => (x === null ? '' : `${(x * 100).toFixed(1)}%`)
  const scan = k.after
  out.push(
    c.dim(
      `${count(k.totalKeys)} keys scanned in ${formatDuration(scan.durationMs)} (${scan.method})` +
        (k.memoryUsage ? `, ${k.keyMemory?.mode === 'sampled' ? prefixBytesText({ bytes: k.totalBytes, bytesMargin: k.keyMemory.totalBytesMargin }) : formatBytes(k.totalBytes)} by MEMORY USAGE` : ', counts only: this server has no MEMORY USAGE') +
        (k.keyMemory?.mode === 'sampled' ? ` (sampled: ${count(k.keyMemory.measuredKeys)} keys measured, 95% intervals)` : '') +
        (k.extrapolated ? '; the scan stopped at --key-scan-budget, figures are extrapolated by DBSIZE' : '') +
        '.'
    ),
    ''
  )
  if (k.memoryUsage && k.topPrefixesByMemory.length > 0) {
    const rows = [['  DB', 'Prefix', 'Keys', 'Memory', 'Share']]
    for (const p of k.topPrefixesByMemory) rows.push([`  ${p.db}`, safeText(p.prefix) + (p.estimated ? ' ~' : ''), count(p.keys), prefixBytesText(p), share(p.share)])
    out.push(c.bold('Prefixes by memory'), table(rows, c, [2, 3, 4]), '')
  }
  if (k.topPrefixesByCount.length > 0) {
    const rows = [['  DB', 'Prefix', 'Keys']]
    for (const p of k.topPrefixesByCount) rows.push([`  ${p.db}`, safeText(p.prefix) + (p.estimated ? ' ~' : ''), count(p.keys)])
    out.push(c.bold('Prefixes by count'), table(rows, c, [2]), '')
  }
  if (k.largestKeys && k.largestKeys.length > 0) {
    // Like redis-cli --bigkeys, with the encoding and the bytes beside the element count.
    const rows = [['  DB', 'Key', 'Type', 'Encoding', 'Elements', 'Memory', 'TTL']]
    for (const x of k.largestKeys) {
      rows.push([
        `  ${x.db}`,
        safeText(x.key),
        safeText(x.type),
        safeText(x.encoding ?? '?'),
        x.elements === null ? '?' : count(x.elements),
        x.bytes === null ? '?' : formatBytes(x.bytes),
        x.ttl === 'set' ? `${x.ttlSeconds ?? '?'} s` : x.ttl === 'none' ? 'none' : 'gone'
      ])
    }
    out.push(c.bold('Largest keys'), table(rows, c, [4, 5]), '')
  } else if (k.memoryUsage && k.topKeys.length > 0) {
    const rows = [['  DB', 'Key', 'Memory', 'TTL']]
    for (const x of k.topKeys) rows.push([`  ${x.db}`, safeText(x.key), formatBytes(x.bytes), x.ttl === 'set' ? `${x.ttlSeconds ?? '?'} s` : x.ttl === 'none' ? 'none' : '?'])
    out.push(c.bold('Largest keys'), table(rows, c, [2]), '')
  }
  const mixed = (k.encodingMix ?? []).filter((m) => m.mixed)
  if (mixed.length > 0) {
    out.push(c.bold('Prefixes whose keys of one type have different encodings'))
    for (const m of mixed) {
      const encs = Object.entries(m.encodings).map(([e, n]) => `${safeText(e)} ${count(n)}`).join(', ')
      out.push(`  DB ${m.db}  ${safeText(m.prefix)}  ${encs} ${c.dim(`(of ${count(m.sampled)} sampled)`)}`)
    }
    out.push('')
  }
  out.push(c.bold('Keys per database'), keyspaceTable(s, c))
  if (k.memoryUsage) out.push('', c.dim(k.memoryUsageNote))
  return out.join('\n')
}

/** The comparison with --baseline: what was compared, base / now / change, and the prefixes that changed most. */
export function baselineLines(view: BaselineView, c: Colours): string[] {
  const out = [c.bold(view.title), `  ${safeText(view.summary)}`]
  if (!view.compared) return out
  const rows: string[][] = [['', safeText(view.baseHeading), safeText(view.currentHeading.replace('This PR', 'Now').replace('This run', 'Now')), 'Change', '']]
  for (const r of view.rows) rows.push([r.label, r.base, r.current, r.change, [r.status && r.status !== 'reported' ? statusWord(r.status, c) : '', c.dim(r.note)].filter(Boolean).join(' ')])
  out.push('', table(rows, c, [1, 2, 3]))
  for (const n of [view.mismatchNote, view.historyNote, ...view.notes]) if (n) out.push(c.yellow(`  ! ${safeText(n)}`))
  if (view.prefixes.length > 0) {
    out.push('', c.bold('Prefixes that changed most'))
    for (const p of view.prefixes) {
      const tag = p.tag === 'new' || p.tag === 'gone' ? ` (${p.tag})` : ''
      out.push(`  ${safeText(p.prefix)}${p.db !== 0 ? ` (DB ${p.db})` : ''}${tag}: ${p.base} → ${p.current}, ${p.tag === 'at least' ? 'at least ' : ''}${p.change}`)
    }
  } else if (view.prefixNote) out.push(c.dim(`  ${safeText(view.prefixNote)}`))
  return out
}

/** Several instances or cluster nodes: one row per node plus the total, then the findings naming their instance. */
export function instancesBlock(report: Report, c: Colours): string[] {
  const view = instancesView(report)
  if (!view) return []
  const rows = [['  Instance / node', 'Role', 'Used', 'Peak', 'maxmemory', 'OOM', 'Evicted', 'Keys', '']]
  for (const r of view.rows) rows.push([`  ${safeText(r.name)}`, r.role, r.used, r.peak, r.maxmemory, r.oom, r.evicted, r.keys, r.status ? statusWord(r.status, c) : ''])
  const t = view.total
  rows.push([`  ${t.name}`, '', t.used, '', t.maxmemory, t.oom, t.evicted, t.keys, ''])
  const out = [c.bold('Instances and nodes'), table(rows, c, [2, 3, 4, 5, 6, 7])]
  if (view.totalLimit) out.push(c.dim(`  ${view.totalLimit}`))
  for (const f of view.findings) out.push(`  - ${safeText(f)}`)
  out.push('')
  return out
}

/** Leaked keys listed with their times on a terminal; --json has all of them. */
const MAX_TIMED_KEYS = 10

/**
 * Why: the moments that mattered, what the memory is made of, when each leaked key appeared and
 * which test left it, the step's events on the test timeline, memory per test and the error
 * replies: the job summary's parts, from the same model (render/cause.ts).
 */
export function causeLines(v: CauseView | null, c: Colours): string[] {
  if (!v) return []
  const eventful = v.moments.length > 0 || v.telling !== null || v.leakedKeys.length > 0 || v.tests !== null || v.events.length > 0 || v.growth !== null || v.errors !== null
  if (!eventful) return []
  const out = [c.bold('Why')]
  for (const m of v.moments) {
    const prefixes = m.prefixes.slice(0, 3).map((p) => `${safeText(p.name)} ${p.size}${p.types.length > 0 ? ` (${safeText(p.types.join(', '))})` : ''}`)
    const of = prefixes.length > 0 ? `, of which ${prefixes.join(', ')}` : m.error ? `; the keys could not be looked at (${safeText(m.error)})` : ', no keys'
    out.push(`  - ${m.label}${m.into ? ` (${m.into})` : ''}: ${m.used}${of}${m.partial ? ` ${c.dim(`(${safeText(m.partial)})`)}` : ''}.${m.notKeys ? ` The biggest part then was not keys: ${m.notKeys}.` : ''}`)
  }
  for (const e of v.explanations) out.push(`  - ${safeText(e)}`)
  if (v.parts.length > 0) out.push(c.dim(`  Made of: ${v.parts.slice(0, 5).map((p) => `${p.label} ${p.size} (${p.share})`).join(', ')}.`))
  const timed = v.leakedKeys.filter((k) => k.when !== null)
  if (timed.length > 0) {
    out.push(c.bold('When the leaked keys appeared'))
    for (const k of timed.slice(0, MAX_TIMED_KEYS)) {
      const test = k.test ? `  test: ${safeText(k.test)}` : ''
      const line = k.lineBefore ? c.dim(`  after: ${safeText(k.lineBefore)}`) : ''
      out.push(`  DB ${k.db}  ${safeText(k.key)}  ${k.when}${test}${line}`)
    }
    if (timed.length > MAX_TIMED_KEYS) out.push(c.dim(`  ... and ${timed.length - MAX_TIMED_KEYS} more (see --json)`))
  }
  if (v.timesNote) out.push(c.dim(`  ${safeText(v.timesNote)}`))
  if (v.tests !== null) {
    out.push(c.bold('Tests that left keys'))
    if (v.tests.length === 0) out.push('  No leaked key fell in a test of the JUnit files.')
    for (const t of v.tests) out.push(`  ${safeText(t.name)}: ${t.keys.slice(0, 5).map((k) => safeText(k.key)).join(', ')}${t.keys.length > 5 ? ` and ${t.keys.length - 5} more` : ''}`)
    if (v.unattributed.length > 0) out.push(`  In no test: ${v.unattributed.slice(0, 5).map((k) => safeText(k.key)).join(', ')}`)
    for (const n of v.testNotes) out.push(c.dim(`  ${safeText(n)}`))
  }
  out.push(...eventLines(v, c), ...memoryPerTestLines(v, c), ...errorReplyLines(v, c))
  out.push('')
  return out
}

/** The step's events (first OOM, first eviction, 90% of maxmemory, steepest growth) with the test(s) running then. */
export function eventLines(v: CauseView, c: Colours): string[] {
  if (v.events.length === 0) return []
  const withTests = v.events.some((e) => e.during !== null)
  const rows = [['  Event', 'When', 'What', ...(withTests ? ['Test running then'] : [])]]
  for (const e of v.events) rows.push([`  ${e.label}`, e.when, safeText(e.detail), ...(withTests ? [e.during === null ? '' : safeText(e.during)] : [])])
  return [c.bold(withTests ? 'The step on the test timeline' : 'Moments of the step'), table(rows, c, [])]
}

/** Tests during which used memory grew most, and those that left the most keys. */
export function memoryPerTestLines(v: CauseView, c: Colours, rows = 5): string[] {
  const grew = v.growth?.rows.slice(0, rows) ?? []
  const left = (v.tests ?? []).slice(0, rows)
  if (grew.length === 0 && left.length === 0) return []
  const out = [c.bold('Memory per test')]
  if (grew.length > 0) {
    const t = [['  Test', 'Used memory grew', 'Over', '']]
    for (const r of grew) t.push([`  ${safeText(r.test)}`, r.grew, r.span, r.alone ? 'this test alone' : 'shared with tests around it'])
    out.push(table(t, c, [1, 2]))
    if (v.growth) out.push(c.dim(`  ${safeText(v.growth.note)}`))
  }
  if (left.length > 0) {
    const t = [['  Test', 'Keys left', 'Bytes left']]
    for (const x of left) t.push([`  ${safeText(x.name)}${x.exact ? '' : ' (unsure which)'}`, count(x.keyCount), x.size ?? 'not measured'])
    out.push(table(t, c, [1, 2]))
  }
  return out
}

/** Error replies by prefix (with when the first came and the test that received it) and by command. */
export function errorReplyLines(v: CauseView, c: Colours, commands = 20): string[] {
  const e = v.errors
  if (!e) return []
  const out = [c.bold('Error replies during the step')]
  if (e.byPrefix.length > 0) {
    const withFirst = e.byPrefix.some((p) => p.first !== null || p.when !== null)
    const t = [['  Error', 'Replies', ...(withFirst ? ['First seen', 'First received by'] : [])]]
    for (const p of e.byPrefix) t.push([`  ${safeText(p.prefix)}`, p.count, ...(withFirst ? [p.when ?? 'not timed', p.first === null ? 'not timed' : safeText(p.first)] : [])])
    out.push(table(t, c, [1]))
  }
  if (e.byCommand.length > 0) {
    const t = [['  Command', 'Failed (ran, answered an error)', 'Rejected (refused before running)']]
    for (const x of e.byCommand.slice(0, commands)) t.push([`  ${safeText(x.command)}`, x.failed, x.rejected])
    out.push(table(t, c, [1, 2]))
    if (e.byCommand.length > commands) out.push(c.dim(`  ... and ${e.byCommand.length - commands} more commands (see --json)`))
  }
  for (const n of e.notes) out.push(c.dim(`  ${safeText(n)}`))
  return out
}
