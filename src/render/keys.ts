/**
 * The key analysis in the job summary and the PR comment, as a ReportExtension: sections for the
 * keys left behind, keys in the wrong DB and memory by prefix, and lines under the breaches.
 * Pure: report in, text out. Key names are untrusted: they go through codeText.
 */
import { plural, type CheckName } from '../judge/checks.js'
import type { Report } from '../report/schema.js'
import { codeText, escapeMarkdown } from './escape.js'
import type { ReportExtension, ReportSection, Variant } from './section.js'
import { formatBytes, formatCount, formatDuration } from '../core/size.js'
import type { KeyFigure, KeysReport, LeakedGroupFigure, PrefixFigure } from '../keys/report.js'

const n = (x: number): string => formatCount(x)
/** Longer names are cut: a 1 MB key name must not fill the summary. */
const NAME_LIMIT = 120

/** A key or prefix name for a table cell: monospace, escaped, and marked when its bytes are not UTF-8. */
export function nameCell(name: { key?: string; prefix?: string; keyBase64?: string; prefixBase64?: string }): string {
  const text = name.key ?? name.prefix ?? ''
  const binary = name.keyBase64 ?? name.prefixBase64
  return `${codeText(text, { maxLength: NAME_LIMIT })}${binary ? ' _(binary)_' : ''}`
}

function ttlText(k: Pick<KeyFigure, 'ttl' | 'ttlSeconds'>): string {
  if (k.ttl === 'unknown') return 'TTL not checked'
  return k.ttl === 'none' ? 'no TTL' : `TTL ${formatDuration((k.ttlSeconds ?? 0) * 1000)}`
}

function samplesCell(g: LeakedGroupFigure, max: number): string {
  const shown = g.samples.slice(0, max).map((s) => `${nameCell(s)} (${ttlText(s)})`)
  const more = g.keys - shown.length
  return shown.join('<br>') + (more > 0 ? `<br>… and ${n(more)} more` : '')
}

function leakTable(groups: LeakedGroupFigure[], memory: boolean, samples: number): string[] {
  const lines = [`| DB | Prefix | Keys | Without TTL |${memory ? ' Memory |' : ''} Examples |`, `|---:|---|---:|---:|${memory ? '---:|' : ''}---|`]
  for (const g of groups) {
    lines.push(`| ${g.db} | ${nameCell(g)} | ${n(g.keys)} | ${n(g.withoutTtl)} |${memory ? ` ${prefixBytesText(g)} |` : ''} ${samplesCell(g, samples)} |`)
  }
  return lines
}

function perDb(byDb: Record<string, number>): string {
  return Object.entries(byDb)
    .map(([db, c]) => `DB ${db}: ${n(c)}`)
    .join(', ')
}

/** One sentence about the keys left behind. */
export function leakedSentence(k: KeysReport): string {
  const l = k.leaked
  if (!l) return k.leakedUnavailable ?? 'Not measured.'
  if (l.count === 0) return k.complete ? 'No key was left behind: every key after the step was there before it.' : 'No new key in the part of the keyspace scanned.'
  return (
    `**${l.exact ? '' : 'at least '}${plural(l.count, 'key')}** present after the step and not before (${perDb(l.byDb)}); ` +
    `**${n(l.withoutTtl)} without a TTL** (these stay until deleted), ${n(l.withTtl)} with a TTL` +
    (k.memoryUsage ? `; ${leakedBytesText(l)}.` : '.')
  )
}

/** The leaked keys' bytes, and how they were measured when key-memory sampled measured only part of them. */
function leakedBytesText(l: NonNullable<KeysReport['leaked']>): string {
  if (l.bytesMargin === undefined) return `${formatBytes(l.bytes)} by MEMORY USAGE`
  return (
    `${prefixBytesText(l)} by MEMORY USAGE of ${n(l.measuredKeys ?? 0)} of them, ` +
    'the bytes of the others extrapolated per prefix from its measured ones (95% interval; key-memory sampled measures up to 100,000 keys left behind exactly)'
  )
}

/** Leaked keys: exact names by prefix, with their TTL status. */
export function leakedKeysSection(k: KeysReport, rows = 20, samples = 5): string[] {
  const out = ['### Keys left behind', '', leakedSentence(k), '']
  const l = k.leaked
  if (!l || l.count === 0) return out
  if (!l.exact) out.push('The scan after the step stopped at key-scan-budget: these are the new keys in the part it reached.', '')
  out.push(...leakTable(l.groups.slice(0, rows), k.memoryUsage, samples), '')
  if (l.groups.length > rows) out.push(`${n(l.groups.length - rows)} more prefixes are in the JSON report.`, '')
  if (l.namesCapped) out.push('Only the first names of each prefix are listed; the counts are complete.', '')
  return out
}

/** Keys that appeared outside expected-db. */
export function wrongDbSection(k: KeysReport, rows = 20, samples = 5): string[] {
  const w = k.wrongDb
  if (!w || w.keys === 0) return []
  const out = ['### Keys in the wrong database', '', `The tests should use DB ${w.expectedDb}, but ${plural(w.keys, 'new key')} appeared elsewhere (${perDb(w.byDb)}).`, '']
  if (w.groups.length > 0) out.push(...leakTable(w.groups.slice(0, rows), k.memoryUsage, samples), '')
  return out
}

/** A prefix's bytes: exact, or from a sample with its 95% interval ("≈ 48.2 MB ± 1.1 MB"). */
export function prefixBytesText(p: Pick<PrefixFigure, 'bytes' | 'bytesMargin'>): string {
  if (p.bytesMargin === undefined || p.bytesMargin === 0) return formatBytes(p.bytes)
  return `≈ ${formatBytes(p.bytes)} ± ${p.bytesMargin === null ? '?' : formatBytes(p.bytesMargin)}`
}

function prefixRows(rows: PrefixFigure[], memory: boolean): string[] {
  const lines = [`| DB | Prefix | Keys |${memory ? ' Memory | Share |' : ''}`, `|---:|---|---:|${memory ? '---:|---:|' : ''}`]
  for (const p of rows) {
    const est = p.estimated ? ' ≈' : ''
    const mem = memory ? ` ${prefixBytesText(p)}${est} | ${p.share === null ? '' : `${(p.share * 100).toFixed(1)}%`} |` : ''
    lines.push(`| ${p.db} | ${nameCell(p)} | ${n(p.keys)}${est} |${mem}`)
  }
  return lines
}

/** Largest prefixes by memory and by count, and the largest keys, after the step. */
export function keySpaceSection(k: KeysReport, rows = 10): string[] {
  const out: string[] = []
  if (k.totalKeys === 0) {
    out.push(k.before === null ? 'No keys.' : 'No keys after the step.', '')
    return [...out, ...scanFacts(k)]
  }
  if (k.memoryUsage) {
    const total = k.keyMemory?.mode === 'sampled' ? prefixBytesText({ bytes: k.totalBytes, bytesMargin: k.keyMemory.totalBytesMargin }) : formatBytes(k.totalBytes)
    out.push(`${n(k.totalKeys)} keys, ${total} by MEMORY USAGE. Largest prefixes by memory:`, '', ...prefixRows(k.topPrefixesByMemory.slice(0, rows), true), '')
    out.push('Most keys:', '', ...prefixRows(k.topPrefixesByCount.slice(0, rows), true), '')
    if (k.largestKeys && k.largestKeys.length > 0) {
      // Like redis-cli --bigkeys: the type and the element count, with the encoding beside them.
      out.push('Largest keys:', '', '| DB | Key | Type | Encoding | Elements | Memory | TTL |', '|---:|---|---|---|---:|---:|---|')
      for (const key of k.largestKeys.slice(0, rows)) {
        const ttl = key.ttl === 'set' ? `${key.ttlSeconds ?? '?'} s` : key.ttl === 'none' ? 'none' : 'gone'
        out.push(
          `| ${key.db} | ${nameCell(key)} | ${escapeMarkdown(key.type, { maxLength: 40 })} | ${key.encoding === null ? '' : escapeMarkdown(key.encoding, { maxLength: 40 })} | ${key.elements === null ? '' : n(key.elements)} | ${key.bytes === null ? '' : formatBytes(key.bytes)} | ${ttl} |`
        )
      }
    } else {
      out.push('Largest keys:', '', '| DB | Key | Memory | TTL |', '|---:|---|---:|---|')
      for (const key of k.topKeys.slice(0, rows)) out.push(`| ${key.db} | ${nameCell(key)} | ${formatBytes(key.bytes)} | ${ttlText(key)} |`)
    }
    const mixed = (k.encodingMix ?? []).filter((m) => m.mixed)
    if (mixed.length > 0) {
      out.push('', 'Prefixes whose keys of one type have different encodings (a sample of each):', '')
      for (const m of mixed.slice(0, rows)) {
        const encs = Object.entries(m.encodings).map(([e, c]) => `${escapeMarkdown(e, { maxLength: 40 })} ${n(c)}`).join(', ')
        out.push(`- ${codeText(m.prefix, { maxLength: 200 })} (DB ${m.db}): ${encs}`)
      }
    }
    out.push('')
  } else {
    out.push(`${n(k.totalKeys)} keys. Prefixes with the most keys:`, '', ...prefixRows(k.topPrefixesByCount.slice(0, rows), false), '')
  }
  return [...out, ...scanFacts(k)]
}

function scanFacts(k: KeysReport): string[] {
  const lines: string[] = [`- ${k.memoryUsageNote}`]
  const scans: ['before' | 'after', NonNullable<KeysReport['before']>][] = k.before ? [['before', k.before], ['after', k.after]] : [['after', k.after]]
  for (const [when, s] of scans) {
    const partial = s.dbs.filter((d) => !d.complete)
    const how = s.method === 'lua' ? 'SCAN with one Lua call per batch' : 'SCAN with one pipeline per batch'
    const failed = s.method === 'lua' ? 'the raw pipelined scan' : 'the Lua fast path'
    const fallback = s.fallbackReason ? ` (${failed} failed: ${escapeMarkdown(s.fallbackReason, { prose: true, maxLength: 300 })})` : ''
    const stop =
      partial.length === 0
        ? 'every key seen'
        : `stopped at key-scan-budget; ${partial.map((d) => `DB ${d.db}: ${n(d.scanned)} of ${n(d.dbsize)} keys seen`).join(', ')}; figures marked ≈ are extrapolated by DBSIZE`
    lines.push(`- Key scan${k.before ? ` ${when} the step` : ''}: ${formatDuration(s.durationMs)}, ${how}${fallback}, ${stop}.`)
  }
  if (k.keyMemory?.mode === 'sampled') {
    lines.push(
      `- Memory sampled (key-memory): MEMORY USAGE of ${n(k.keyMemory.measuredKeys)} of ${n(k.totalKeys)} keys, every key of small prefixes and of the keys left behind (up to 100,000); ` +
        'figures with ± are extrapolated from the sample, with their 95% interval. Key names and counts are exact; the largest keys are the largest measured.'
    )
  }
  if (k.settings.ignoreKeys.length > 0) {
    const ignored = k.after.dbs.reduce((s, d) => s + d.ignored, 0)
    lines.push(`- Left out by ignore-keys (${k.settings.ignoreKeys.map((p) => codeText(p, { maxLength: 100 })).join(', ')}): ${n(ignored)} keys.`)
  }
  if (k.scope) {
    const outside = k.scope.outsideNewKeys === null ? 'not counted (no key list from before the step)' : `${n(k.scope.outsideNewKeys)} new keys, not counted as this job's leaks`
    lines.push(`- Outside the scope (key-scope ${k.scope.patterns.map((p) => codeText(p, { maxLength: 100 })).join(', ')}): ${outside}.`)
  }
  lines.push(`- Prefixes: key names split on ${codeText(k.settings.keyDelimiter)}, first ${k.settings.prefixDepth} parts, ids (numbers, UUIDs, hex, ULIDs) as \\*.`)
  return lines
}

function details(summary: string, body: string[]): string {
  return `<details><summary>${summary}</summary>\n\n${body.join('\n').trim()}\n\n</details>`
}

const join = (lines: string[]): string => lines.join('\n').trim()

/** The key sections for one variant; none when the report has no key analysis. */
export function keySections(report: Report, variant: Variant): ReportSection[] {
  const k = report.keys
  if (!k) return []
  const comment = variant === 'comment'
  const sections: ReportSection[] = []
  const leakedAny = (k.leaked?.count ?? 0) > 0 || k.leaked === null
  // One snapshot (the keys command) has no step that could have left keys behind.
  if (report.before !== null && (leakedAny || !comment)) {
    sections.push({
      id: 'keys-leaked',
      label: 'keys left behind',
      importance: 70,
      placement: 'main',
      text: join(leakedKeysSection(k, comment ? 8 : 20, comment ? 3 : 5)),
      short: join(leakedKeysSection(k, 3, 1))
    })
  }
  const wrong = wrongDbSection(k, comment ? 5 : 20, comment ? 2 : 5)
  if (wrong.length > 0) {
    sections.push({ id: 'keys-wrong-db', label: 'keys in the wrong database', importance: 72, placement: 'main', text: join(wrong), short: join(wrongDbSection(k, 2, 1)) })
  }
  sections.push({
    id: 'keys-prefixes',
    label: 'memory by key prefix',
    importance: 30,
    placement: 'details',
    text: details('Memory by key prefix and the largest keys', keySpaceSection(k, comment ? 5 : 10)),
    short: details('Memory by key prefix and the largest keys', keySpaceSection(k, 3))
  })
  return sections
}

/** Lines under the leaked-keys and wrong-db breaches: where the keys are. */
export function keyBreachHints(report: Report, check: CheckName): string[] {
  const k = report.keys
  if (!k) return []
  const top = (groups: LeakedGroupFigure[]): string =>
    groups
      .slice(0, 3)
      .map((g) => `${nameCell(g)} in DB ${g.db}: ${n(g.keys)} (${n(g.withoutTtl)} without a TTL)`)
      .join('; ')
  if (check === 'leaked-keys' && k.leaked && k.leaked.groups.length > 0) return [`Mostly ${top(k.leaked.groups)}.`]
  if (check === 'wrong-db' && k.wrongDb && k.wrongDb.groups.length > 0) return [`In the wrong DB: ${top(k.wrongDb.groups)}.`]
  return []
}

export const keyAnalysisExtension: ReportExtension = {
  sections: keySections,
  breachHints: (report, check) => keyBreachHints(report, check)
}
