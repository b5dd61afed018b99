import { describe, expect, it } from '@jest/globals'
import { codeText, escapeMarkdown, fencedBlock } from '../src/render/escape.js'

const ZWSP = '\u200b'
/** Splits a markdown table row at the pipes GitHub would split it at (not escaped, not entities). */
const cells = (row: string): string[] => row.split(/(?<!\\)\|/)

describe('escapeMarkdown', () => {
  it('renders a hostile key name as text: no HTML, no ping, no table break', () => {
    const out = escapeMarkdown('|<img src=x>@everyone')
    expect(out).toBe(`&#124;&lt;img src\\=x&gt;&#64;${ZWSP}everyone`)
    expect(out).not.toMatch(/[<>|]/)
    expect(out).not.toContain('@everyone')
    expect(cells(`| ${codeText('|<img src=x>@everyone')} | 3 |`)).toHaveLength(4)
  })

  it('breaks mentions, team mentions and issue references, which GitHub links after decoding entities', () => {
    expect(escapeMarkdown('@octocat')).toBe(`&#64;${ZWSP}octocat`)
    expect(escapeMarkdown('@acme/admins')).toBe(`&#64;${ZWSP}acme/admins`)
    expect(escapeMarkdown('job#123')).toBe(`job\\#${ZWSP}123`)
    expect(escapeMarkdown('a@b.com')).toContain(`&#64;${ZWSP}b`)
  })

  it('breaks autolinks', () => {
    expect(escapeMarkdown('https://evil.example/x')).not.toContain('://')
    expect(escapeMarkdown('see www.evil.example')).not.toContain('www.')
    expect(escapeMarkdown('see www.evil.example')).not.toContain('www\\.')
  })

  it('escapes markdown syntax, math and HTML entities', () => {
    expect(escapeMarkdown('*bold* _it_ [x](y) `c` ~s~ $x$ &amp;')).toBe(
      '\\*bold\\* \\_it\\_ \\[x\\]\\(y\\) \\`c\\` \\~s\\~ \\$x\\$ &amp;amp;'
    )
  })

  it('shows control, invisible and direction-changing characters instead of acting on them', () => {
    expect(escapeMarkdown('a\nb\r\tc\x00\x7f')).toBe('a\\nb\\r\\tc\\x00\\x7f')
    expect(escapeMarkdown('user\u202eexe.txt')).toBe('user\\u{202e}exe\\.txt')
    expect(escapeMarkdown(`zero${ZWSP}width`)).toBe('zero\\u{200b}width')
  })

  it('cuts long text at a character, not inside a surrogate pair', () => {
    expect(escapeMarkdown('abcdef', { maxLength: 4 })).toBe('abc…')
    expect(escapeMarkdown('😀😀😀😀', { maxLength: 3 })).toBe('😀😀…')
  })

  it('prose mode keeps our sentences readable but still escapes what matters', () => {
    expect(escapeMarkdown("Redis evicted 3 keys (policy allkeys-lru): tests may read data that's gone.", { prose: true })).toBe(
      "Redis evicted 3 keys (policy allkeys-lru): tests may read data that's gone."
    )
    expect(escapeMarkdown('policy *x*|<b>@y', { prose: true })).toBe(`policy \\*x\\*&#124;&lt;b&gt;&#64;${ZWSP}y`)
    expect(escapeMarkdown('1. not a list', { prose: true })).toBe('1\\. not a list')
    expect(escapeMarkdown('- not a list', { prose: true })).toBe('\\- not a list')
  })
})

describe('fencedBlock', () => {
  it('uses a fence longer than any backtick run, so the text cannot close it', () => {
    const text = 'before\n````\n</details>@everyone\n```'
    const block = fencedBlock(text)
    expect(block.startsWith('`````text\n')).toBe(true)
    expect(block.endsWith('\n`````')).toBe(true)
    expect(block).toContain('</details>@everyone')
  })

  it('keeps plain text as it is', () => {
    expect(fencedBlock('Hi Sam, all good.')).toBe('```text\nHi Sam, all good.\n```')
  })
})
