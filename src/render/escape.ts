/**
 * Escaping of untrusted text (key names, server strings, user input) for GitHub markdown and HTML.
 *
 * GitHub renders markdown to HTML first and then links mentions (`@user`, `@org/team`), issue
 * references (`#12`) and URLs in the resulting text nodes. So HTML entities alone do not stop a
 * ping: `&#64;everyone` decodes back to `@everyone` before the mention filter runs. A zero-width
 * space after `@` and `#` (and inside `://` and `www.`) breaks those patterns while the text still
 * reads the same. The JSON report keeps every name exactly.
 */

const ZWSP = '\u200b'

/** Characters that are markdown syntax somewhere; a backslash makes each one literal. */
const MARKDOWN_PUNCTUATION = new Set('\\`*_{}[]()#+-.!~:$=^'.split(''))

/** Invisible or direction-changing characters: shown as `\u{…}` so nothing is hidden or reordered. */
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u

/** Punctuation that is markdown syntax only at the start of a line (lists, headings) or next to other syntax. */
const LINE_START_ONLY = new Set('.-()!:+={}^'.split(''))

export interface EscapeOptions {
  /** Longer text is cut (at a character boundary) and ends in `…`. */
  maxLength?: number
  /**
   * For sentences of our own that carry untrusted fragments (check messages): punctuation that is
   * harmless inside a line (`.` `-` `(` `:` ...) stays as it is, so the raw markdown stays readable.
   * Everything that can ping, link, format or break a table is still escaped.
   */
  prose?: boolean
}

/** Escapes untrusted text so it renders as the literal text, pings nobody, links nothing and cannot break a table. */
export function escapeMarkdown(text: string, opts: EscapeOptions = {}): string {
  const chars = [...cut(text, opts.maxLength)]
  // `1.` or `2)` at the start of a line makes a list: escape the punctuation right after leading digits.
  const leadingDigits = /^\d*/.exec(chars.join(''))?.[0].length ?? 0
  let out = ''
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]
    const code = ch.codePointAt(0) ?? 0
    if (ch === '&') out += '&amp;'
    else if (ch === '<') out += '&lt;'
    else if (ch === '>') out += '&gt;'
    else if (ch === '"') out += opts.prose ? ch : '&quot;'
    else if (ch === "'") out += opts.prose ? ch : '&#39;'
    else if (ch === '|') out += '&#124;'
    else if (ch === '@') out += `&#64;${ZWSP}`
    else if (ch === '#') out += `\\#${ZWSP}`
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else if (INVISIBLE.test(ch)) out += `\\u{${code.toString(16)}}`
    else if (ch === ':' && chars[i + 1] === '/' && chars[i + 2] === '/') out += `\\:${ZWSP}`
    else if (ch === '.' && i >= 3 && chars.slice(i - 3, i).join('').toLowerCase() === 'www') out += `${ZWSP}\\.`
    else if (opts.prose && LINE_START_ONLY.has(ch) && i > leadingDigits) out += ch
    else if (MARKDOWN_PUNCTUATION.has(ch)) out += `\\${ch}`
    else out += ch
  }
  return out
}

/** Untrusted text in monospace: `<code>` with escaped content works inside tables, where a code span cannot hold `|`. */
export function codeText(text: string, opts: EscapeOptions = {}): string {
  return `<code>${escapeMarkdown(text, opts)}</code>`
}

/**
 * Untrusted multi-line text as a fenced code block that the text cannot close: the fence is longer
 * than any run of backticks inside it (CommonMark closes a fence only with one at least as long).
 * Inside a code block nothing is linked or mentioned, so the text is kept as it is, apart from
 * invisible characters.
 */
export function fencedBlock(text: string, opts: EscapeOptions = {}): string {
  const body = [...cut(text, opts.maxLength)]
    .map((ch) => (ch !== '\n' && ch !== '\t' && INVISIBLE.test(ch) ? `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}` : ch))
    .join('')
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}text\n${body}\n${fence}`
}

/** @deprecated Use fencedBlock, which picks a fence the text cannot close. Kept for callers of the first version. */
export function escapeCodeBlock(text: string): string {
  return text.replace(/`{3,}/g, (run) => run.split('').join(ZWSP))
}

function cut(text: string, maxLength: number | undefined): string {
  if (maxLength === undefined) return text
  const chars = [...text]
  return chars.length <= maxLength ? text : `${chars.slice(0, Math.max(0, maxLength - 1)).join('')}…`
}
