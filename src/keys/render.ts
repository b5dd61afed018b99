/** The key analysis's markdown sections for the job summary. Pure: report in, text out. Key names are untrusted. */
import { plural } from '../checks.js'
import type { Report } from '../report.js'
import { escapeMarkdown } from '../render/escape.js'
import { formatBytes, formatDuration } from '../size.js'
import type { KeyFigure, KeysReport, LeakedGroupFigure, PrefixFigure } from './report.js'

const n = (x: number): string => x.toLocaleString('en-US')

/** A key or prefix name for a table cell: escaped, and marked when its bytes are not UTF-8. */
export function nameCell(name: { key?: string; prefix?: string; keyBase64?: string; prefixBase64?: string }): string {
  const text = name.key ?? name.prefix ?? ''
  const binary = name.keyBase64 ?? name.prefixBase64
  return `${escapeMarkdown(text)}${binary ? ' _(binary)_' : ''}`
}

function ttlText(k: KeyFigure): string {
  if (k.ttl === 'unknown') return 'TTL not checked'
  return k.ttl === 'none' ? 'no TTL' : `TTL ${formatDuration((k.ttlSeconds ?? 0) * 1000)}`
}

function samplesCell(g: LeakedGroupFigure): string {
  const shown = g.samples.map((s) => `${nameCell(s)} (${ttlText(s)})`)
  const more = g.keys - g.samples.length
  return shown.join('<br>') + (more > 0 ? `<br>… and ${n(more)} more` : '')
}

function leakTable(groups: LeakedGroupFigure[], memory: boolean): string[] {
  const lines = [`| DB | Prefix | Keys | Without TTL |${memory ? ' Memory |' : ''} Examples |`, `|---:|---|---:|---:|${memory ? '---:|' : ''}---|`]
  for (const g of groups) {
    lines.push(`| ${g.db} | ${nameCell(g)} | ${n(g.keys)} | ${n(g.withoutTtl)} |${memory ? ` ${formatBytes(g.bytes)} |` : ''} ${samplesCell(g)} |`)
  }
  return lines
}

/** Leaked keys: exact names by prefix, with their TTL status. */
export function leakedKeysSection(k: KeysReport): string[] {
  const out = ['### Keys left behind', '']
  if (!k.leaked) {
    out.push(k.leakedUnavailable ?? 'Not measured.', '')
    return out
  }
  const l = k.leaked
  if (l.count === 0) {
    out.push(k.complete ? 'No key was left behind: every key after the step was there before it.' : 'No new key in the part of the keyspace scanned.', '')
    return out
  }
  const where = Object.entries(l.byDb).map(([db, c]) => `DB ${db}: ${n(c)}`).join(', ')
  const atLeast = l.exact ? '' : 'at least '
  out.push(
    `**${atLeast}${plural(l.count, 'key')}** present after the step and not before (${where}); ` +
      `**${n(l.withoutTtl)} without a TTL** (these stay until deleted), ${n(l.withTtl)} with a TTL` +
      (k.memoryUsage ? `; ${formatBytes(l.bytes)} by MEMORY USAGE.` : '.'),
    ''
  )
  if (!l.exact) out.push('The scan after the step stopped at key-scan-budget: these are the new keys in the part it reached.', '')
  out.push(...leakTable(l.groups.slice(0, 20), k.memoryUsage), '')
  if (l.groups.length > 20) out.push(`${n(l.groups.length - 20)} more prefixes are in the JSON report.`, '')
  if (l.namesCapped) out.push('Only the first names of each prefix are listed; the counts are complete.', '')
  return out
}

/** Keys that appeared outside expected-db. */
export function wrongDbSection(k: KeysReport): string[] {
  const w = k.wrongDb
  if (!w || w.keys === 0) return []
  const where = Object.entries(w.byDb).map(([db, c]) => `DB ${db}: ${n(c)}`).join(', ')
  const out = ['### Keys in the wrong database', '', `The tests should use DB ${w.expectedDb}, but ${plural(w.keys, 'new key')} appeared elsewhere (${where}).`, '']
  if (w.groups.length > 0) out.push(...leakTable(w.groups.slice(0, 20), k.memoryUsage), '')
  return out
}

function prefixRows(rows: PrefixFigure[], memory: boolean): string[] {
  const lines = [`| DB | Prefix | Keys |${memory ? ' Memory | Share |' : ''}`, `|---:|---|---:|${memory ? '---:|---:|' : ''}`]
  for (const p of rows) {
    const est = p.estimated ? ' ≈' : ''
    const mem = memory ? ` ${formatBytes(p.bytes)}${est} | ${p.share === null ? '' : `${(p.share * 100).toFixed(1)}%`} |` : ''
    lines.push(`| ${p.db} | ${nameCell(p)} | ${n(p.keys)}${est} |${mem}`)
  }
  return lines
}

/** Largest prefixes by memory and by count, and the largest keys, after the step. */
export function keySpaceSection(k: KeysReport): string[] {
  const out = ['### Memory by key prefix', '']
  if (k.totalKeys === 0) {
    out.push('No keys after the step.', '')
    return [...out, ...scanFacts(k)]
  }
  if (k.memoryUsage) {
    out.push(`${n(k.totalKeys)} keys, ${formatBytes(k.totalBytes)} by MEMORY USAGE. Largest prefixes by memory:`, '', ...prefixRows(k.topPrefixesByMemory, true), '')
    out.push('Most keys:', '', ...prefixRows(k.topPrefixesByCount, true), '')
    out.push('Largest keys:', '', '| DB | Key | Memory | TTL |', '|---:|---|---:|---|')
    for (const key of k.topKeys) out.push(`| ${key.db} | ${nameCell(key)} | ${formatBytes(key.bytes)} | ${ttlText(key)} |`)
    out.push('')
  } else {
    out.push(`${n(k.totalKeys)} keys. Prefixes with the most keys:`, '', ...prefixRows(k.topPrefixesByCount, false), '')
  }
  return [...out, ...scanFacts(k)]
}

function scanFacts(k: KeysReport): string[] {
  const lines: string[] = []
  lines.push(`- ${k.memoryUsageNote}`)
  const scans = [k.before ? ['before', k.before] : null, ['after', k.after]].filter((x): x is ['before' | 'after', NonNullable<KeysReport['before']>] => x !== null)
  for (const [when, s] of scans) {
    const partial = s.dbs.filter((d) => !d.complete)
    const how = s.method === 'lua' ? 'SCAN with one Lua call per batch' : 'SCAN with one pipeline per batch'
    const fallback = s.fallbackReason ? ` (the Lua fast path failed: ${escapeMarkdown(s.fallbackReason)})` : ''
    const stop =
      partial.length === 0
        ? 'every key seen'
        : `stopped at key-scan-budget; ${partial.map((d) => `DB ${d.db}: ${n(d.scanned)} of ${n(d.dbsize)} keys seen`).join(', ')}, figures marked ≈ are extrapolated by DBSIZE`
    lines.push(`- Key scan ${when} the step: ${formatDuration(s.durationMs)}, ${how}${fallback}, ${stop}.`)
  }
  const ignored = k.after.dbs.reduce((s, d) => s + d.ignored, 0)
  if (k.settings.ignoreKeys.length > 0) {
    lines.push(`- Left out by ignore-keys (${k.settings.ignoreKeys.map((p) => escapeMarkdown(p)).join(', ')}): ${n(ignored)} keys.`)
  }
  lines.push(`- Prefixes: key names split on "${escapeMarkdown(k.settings.keyDelimiter)}", first ${k.settings.prefixDepth} parts, ids (numbers, UUIDs, hex, ULIDs) as \\*.`, '')
  return lines
}

/** Every key section, in the order the summary shows them; nothing when there was no key analysis. */
export function keysSections(report: Report): string[] {
  const k = report.keys
  if (!k) return []
  return [...leakedKeysSection(k), ...wrongDbSection(k), ...keySpaceSection(k)]
}
