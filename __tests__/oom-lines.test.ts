import { describe, expect, it } from '@jest/globals'
import { MAX_LINE_BUFFER, MAX_QUOTED_LINES, OomLineScanner } from '../src/run/output.js'

const OOM = "(error) OOM command not allowed when used memory > 'maxmemory'."

describe('OomLineScanner', () => {
  it('counts OOM lines split across chunks, and the last line without a newline', () => {
    const s = new OomLineScanner()
    s.push('ok 1\nReplyError: OOM command not al')
    s.push("lowed when used memory > 'maxmemory'.\nok 2\n")
    s.push(OOM)
    expect(s.count).toBe(1)
    s.end()
    expect(s.count).toBe(2)
    expect(s.quotes).toEqual(["ReplyError: OOM command not allowed when used memory > 'maxmemory'.", OOM])
  })

  it("recognises Dragonfly's message and ignores lines that merely mention memory", () => {
    const s = new OomLineScanner()
    s.push('ERR Out of memory\nJava heap: OutOfMemoryError\nthe OOM killer is off\n')
    s.end()
    expect(s.count).toBe(1)
  })

  it('quotes only the first few lines, cut short, without colour codes', () => {
    const s = new OomLineScanner()
    for (let i = 0; i < 20; i++) s.push(`\x1b[31m${i}: ${OOM}${'x'.repeat(500)}\x1b[0m\r\n`)
    s.end()
    expect(s.count).toBe(20)
    expect(s.quotes).toHaveLength(MAX_QUOTED_LINES)
    expect(s.quotes[0].startsWith(`0: ${OOM}`)).toBe(true)
    expect(s.quotes[0].length).toBeLessThanOrEqual(301)
    expect(s.quotes[0]).not.toContain('\x1b')
  })

  it('holds a bounded buffer for a line that never ends', () => {
    const s = new OomLineScanner()
    s.push(OOM)
    for (let i = 0; i < 100; i++) s.push('y'.repeat(10_000))
    expect((s as unknown as { partial: string }).partial.length).toBeLessThanOrEqual(MAX_LINE_BUFFER)
    s.end()
    expect(s.count).toBe(1)
  })
})
