/**
 * The cause as markdown: in the job summary a section of its own (moments, what the memory is made
 * of, when each leaked key appeared, tests that left keys), in the PR comment one or two lines.
 * Formats the model's CauseView; every key name, prefix, test name and output line is escaped.
 */
import { codeText, escapeMarkdown } from './escape.js'
import type { CauseView, KeyRef, MomentView, TestKeysView } from './cause.js'
import { EVENT_LABELS } from '../explain/test-timeline.js'
import type { Part } from './fit.js'
import type { Variant } from './section.js'

/** Leaked keys listed with their times in the summary; the JSON report has all of them. */
export const MAX_TIMED_KEYS = 20
/** Error kinds the comment names (with the test that first received each); the summary has all. */
const COMMENT_ERROR_KINDS = 3
/** Keys named per test. */
const KEYS_PER_TEST = 5

const prose = (text: string, maxLength = 4000): string => escapeMarkdown(text, { prose: true, maxLength })
const keyText = (k: KeyRef, showDb: boolean): string => `${codeText(k.key, { maxLength: 200 })}${showDb ? ` (DB ${k.db})` : ''}`

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** "**At the first OOM** (12.4 s into the step): 2.0 MB used, of which `app:*:events` 1.2 MB (stream), …" */
export function momentLine(m: MomentView, maxPrefixes: number): string {
  const into = m.into ? ` (${m.into})` : ''
  const shown = m.prefixes.slice(0, maxPrefixes).map((p) => `${codeText(p.name, { maxLength: 200 })} ${p.size}${p.types.length > 0 ? ` (${prose(p.types.join(', '), 100)})` : ''}`)
  const of = shown.length > 0 ? `, of which ${shown.join(', ')}` : m.error ? `; the keys could not be looked at (${prose(m.error, 300)})` : ', no keys'
  const partial = m.partial ? ` (${prose(m.partial, 300)})` : ''
  const notKeys = m.notKeys ? ` The biggest part then was not keys: ${m.notKeys}.` : ''
  const during = m.during ? ` Test running then: ${prose(m.during, 600)}.` : ''
  return `**${capitalised(m.label)}**${into}: ${m.used}${of}${partial}.${notKeys}${during}`
}

/** "31 keys, 1.2 MB" */
function keysLeft(t: TestKeysView): string {
  return `${t.keyCount} key${t.keyCount === 1 ? '' : 's'}${t.size ? `, ${t.size}` : ''}`
}

function testsBlock(v: CauseView, showDb: boolean): string[] {
  if (v.tests === null) return []
  const lines = ['**Tests that left keys**', '']
  if (v.tests.length === 0) lines.push('- No leaked key fell in a test of the JUnit files.')
  for (const t of v.tests) {
    const more = t.keyCount > t.keys.length ? `, … (${t.keyCount - t.keys.length} more)` : ''
    const sure = t.exact || !t.name.startsWith('one of ') ? '' : ' (the times cannot tell which)'
    lines.push(`- ${prose(t.name, 600)}${sure}: ${keysLeft(t)}: ${t.keys.map((k) => keyText(k, showDb)).join(', ')}${more}`)
  }
  if (v.unattributedCount > 0) {
    const more = v.unattributedCount > KEYS_PER_TEST ? `, … (${v.unattributedCount - Math.min(KEYS_PER_TEST, v.unattributed.length)} more)` : ''
    lines.push(`- In no test (${v.unattributedCount}): ${v.unattributed.slice(0, KEYS_PER_TEST).map((k) => keyText(k, showDb)).join(', ')}${more}`)
  }
  if (v.testNotes.length > 0) lines.push('', `_${prose(v.testNotes.join(' '), 2000)}_`)
  return lines
}

/** The step's events with the test(s) running then. */
export function eventsBlock(v: CauseView): string[] {
  if (v.events.length === 0) return []
  const withTests = v.events.some((e) => e.during !== null)
  const lines = [withTests ? '**The step on the test timeline**' : '**Moments of the step**', '', `| Event | When | What |${withTests ? ' Test running then |' : ''}`, `|---|---|---|${withTests ? '---|' : ''}`]
  for (const e of v.events) lines.push(`| ${e.label} | ${e.when} | ${prose(e.detail, 200)} |${withTests ? ` ${e.during === null ? '' : prose(e.during, 600)} |` : ''}`)
  return lines
}

/** Tests during which used memory grew most, and those that left the most keys. */
export function memoryPerTestBlock(v: CauseView, rows = 5): string[] {
  const grew = v.growth?.rows.slice(0, rows) ?? []
  const left = (v.tests ?? []).slice(0, rows)
  if (grew.length === 0 && left.length === 0) return []
  const lines = ['**Memory per test**', '']
  if (grew.length > 0) {
    lines.push('| Test | Used memory grew | Over | |', '|---|---:|---:|---|')
    for (const r of grew) lines.push(`| ${prose(r.test, 600)} | ${r.grew} | ${r.span} | ${r.alone ? 'this test alone' : 'shared with tests around it'} |`)
    if (v.growth) lines.push('', `_${prose(v.growth.note, 600)}_`)
  }
  if (left.length > 0) {
    if (grew.length > 0) lines.push('')
    lines.push('| Test | Keys left | Bytes left |', '|---|---:|---:|')
    for (const t of left) lines.push(`| ${prose(t.name, 600)}${t.exact ? '' : ' (unsure which)'} | ${formatCountText(t.keyCount)} | ${t.size ?? 'not measured'} |`)
  }
  return lines
}

function formatCountText(n: number): string {
  return n.toLocaleString('en-US')
}

/** Error replies by prefix and by command. */
export function errorRepliesBlock(v: CauseView): string[] {
  const e = v.errors
  if (!e) return []
  const lines = ['**Error replies during the step**', '']
  if (e.byPrefix.length > 0) {
    const withFirst = e.byPrefix.some((p) => p.first !== null || p.when !== null)
    lines.push(`| Error | Replies |${withFirst ? ' First seen | First received by |' : ''}`, `|---|---:|${withFirst ? '---|---|' : ''}`)
    for (const p of e.byPrefix) {
      const first = withFirst ? ` ${p.when ?? 'not timed'} | ${p.first === null ? 'not timed' : prose(p.first, 600)} |` : ''
      lines.push(`| ${codeText(p.prefix, { maxLength: 80 })} | ${p.count} |${first}`)
    }
  }
  if (e.byCommand.length > 0) {
    if (e.byPrefix.length > 0) lines.push('')
    lines.push('| Command | Failed (ran, answered an error) | Rejected (refused before running) |', '|---|---:|---:|')
    for (const c of e.byCommand.slice(0, 20)) lines.push(`| ${codeText(c.command, { maxLength: 80 })} | ${c.failed} | ${c.rejected} |`)
  }
  if (e.notes.length > 0) lines.push('', `_${prose(e.notes.join(' '), 1000)}_`)
  return lines
}

/**
 * The comment's lines on the cause: the first moment, the telling explanation, the tests that left
 * keys (full counts and names), the test of the first OOM, the error replies by kind with the test
 * that first received each, and (when the check failed) the three
 * tests memory grew most in. Also used by the comment against a baseline.
 */
export function commentCauseLines(v: CauseView, failed: boolean): string[] {
  const lines: string[] = []
  if (v.moments.length > 0) lines.push(`- ${momentLine(v.moments[0], 2)}`)
  if (v.telling) lines.push(`- ${prose(v.telling, 600)}`)
  const oom = v.events.find((e) => e.label === EVENT_LABELS['first-oom'])
  const oomSaid = Boolean(oom?.during && !v.moments[0]?.during)
  if (oom?.during && oomSaid) lines.push(`- First OOM reply ${oom.when}, in ${prose(oom.during, 600)}.`)
  const kinds = (v.errors?.byPrefix ?? []).filter((p) => !(p.prefix === 'OOM' && oomSaid))
  // Without a test to name, the kinds and counts are the summary's table; the comment stays short.
  if (kinds.some((p) => p.named)) {
    const named = kinds.slice(0, COMMENT_ERROR_KINDS).map((p) => `${codeText(p.prefix, { maxLength: 80 })} ×${p.count}${p.named && p.first !== null ? `, first received by ${prose(p.first, 400)}` : ''}`)
    lines.push(`- Error replies: ${named.join('; ')}${kinds.length > COMMENT_ERROR_KINDS ? `; ${kinds.length - COMMENT_ERROR_KINDS} more kinds in the job summary` : ''}.`)
  }
  if (v.tests && v.tests.length > 0) {
    const named = v.tests.slice(0, 3).map((t) => `${prose(t.name, 400)} (${keysLeft(t)})`)
    lines.push(`- Tests that left keys: ${named.join('; ')}${v.tests.length > 3 ? `; ${v.tests.length - 3} more in the job summary` : ''}.`)
  }
  if (failed && v.growth && v.growth.rows.length > 0) {
    const named = v.growth.rows.slice(0, 3).map((r) => `${prose(r.test, 400)} (${r.grew}${r.alone ? '' : ', shared'})`)
    lines.push(`- Used memory grew most during: ${named.join('; ')}.`)
  }
  return lines
}

function timesTable(v: CauseView, showDb: boolean): string[] {
  if (v.leakedKeys.length === 0) return []
  // Without any time there is no table, only the sentence that says why.
  if (!v.leakedKeys.some((k) => k.when !== null)) return v.timesNote ? [`_${prose(v.timesNote, 1000)}_`] : []
  const lines = ['**When the leaked keys appeared**', '']
  {
    const withTest = v.leakedKeys.some((k) => k.test !== null)
    lines.push(`| Key | First seen | Last output line before it |${withTest ? ' Test |' : ''}`, `|---|---:|---|${withTest ? '---|' : ''}`)
    for (const k of v.leakedKeys.slice(0, MAX_TIMED_KEYS)) {
      const line = k.lineBefore === null ? '' : codeText(k.lineBefore, { maxLength: 160 })
      lines.push(`| ${keyText(k, showDb)} | ${k.when ?? 'not recorded'} | ${line} |${withTest ? ` ${k.test === null ? '' : prose(k.test, 300)} |` : ''}`)
    }
    if (v.leakedKeys.length > MAX_TIMED_KEYS) lines.push('', `_${v.leakedKeys.length - MAX_TIMED_KEYS} more in the JSON report (\`cause.leakedKeyTimes\`)._`)
  }
  if (v.timesNote) lines.push('', `_${prose(v.timesNote, 1000)}_`)
  return lines
}

function partsTable(v: CauseView): string {
  if (v.parts.length === 0) return `_What the memory is made of is not known: ${prose(v.partsUnavailable ?? 'no breakdown', 500)}._`
  return ['| Part | Bytes | Share |', '|---|---:|---:|', ...v.parts.map((p) => `| ${p.label} | ${p.size} | ${p.share} |`)].join('\n')
}

/** The cause's parts of the summary or the comment; none when the report has no cause. */
export function causeParts(v: CauseView | null, variant: Variant, showDb: boolean): Part[] {
  if (!v) return []
  const made = `<details><summary>What the memory is made of (MEMORY STATS after the step)</summary>\n\n${partsTable(v)}\n\n</details>`
  const eventful = v.moments.length > 0 || v.telling !== null || v.leakedKeys.length > 0 || v.tests !== null || v.events.length > 0 || v.errors !== null
  if (variant === 'comment') {
    // The comment says the cause in a few lines; the summary has the rest. A comment is rendered this way only when the run did not pass.
    const lines = commentCauseLines(v, true)
    if (lines.length === 0) return []
    return [{ label: 'the cause', importance: 70, text: ['**Why**', '', ...lines].join('\n') }]
  }
  if (!eventful) return [{ label: 'what the memory is made of', importance: 30, text: made }]
  const body: string[] = ['### Why: the cause', '']
  for (const m of v.moments) body.push(`- ${momentLine(m, 3)}`)
  for (const e of v.explanations) body.push(`- ${prose(e)}`)
  const short = [...body]
  const times = timesTable(v, showDb)
  const tests = testsBlock(v, showDb)
  if (times.length > 0) body.push('', ...times)
  if (tests.length > 0) body.push('', ...tests)
  const events = eventsBlock(v)
  if (events.length > 0) body.push('', ...events)
  const perTest = memoryPerTestBlock(v)
  if (perTest.length > 0) body.push('', ...perTest)
  const errors = errorRepliesBlock(v)
  if (errors.length > 0) body.push('', ...errors)
  body.push('', made)
  return [{ label: 'the cause', importance: 75, text: body.join('\n'), short: short.join('\n') }]
}
