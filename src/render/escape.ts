/**
 * Escapes untrusted text (key names, server strings) for GitHub markdown and HTML: it renders as
 * the literal text, pings nobody and cannot break a table.
 */
export function escapeMarkdown(text: string): string {
  let out = ''
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0
    if (ch === '&') out += '&amp;'
    else if (ch === '<') out += '&lt;'
    else if (ch === '>') out += '&gt;'
    else if (ch === '"') out += '&quot;'
    else if (ch === '@') out += '&#64;'
    else if (ch === '|') out += '&#124;'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`
    else if ('\\`*_{}[]()#+-.!~:'.includes(ch)) out += `\\${ch}`
    else out += ch
  }
  return out
}

/** Untrusted text inside a fenced code block: only a fence could break out, so break fences. */
export function escapeCodeBlock(text: string): string {
  return text.replace(/```/g, '`\u200b``')
}
