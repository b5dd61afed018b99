import { describe, expect, it } from '@jest/globals'
import { MAX_LINE_BUFFER, MAX_QUOTED_LINES, OomLineScanner, distinctOomMessages, mergeOomMessages } from '../src/run/output.js'

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

  it('quotes one line per distinct message, cut short, without colour codes', () => {
    const s = new OomLineScanner()
    // Twenty lines that differ only in a number are one message.
    for (let i = 0; i < 20; i++) s.push(`\x1b[31m${i}: ${OOM}${'x'.repeat(500)}\x1b[0m\r\n`)
    s.end()
    expect(s.count).toBe(20)
    expect(s.quotes).toHaveLength(1)
    expect(s.quotes[0].startsWith(`0: ${OOM}`)).toBe(true)
    expect(s.quotes[0].length).toBeLessThanOrEqual(301)
    expect(s.quotes[0]).not.toContain('\x1b')
    expect(s.messages()).toEqual([{ text: s.quotes[0], count: 20 }])
  })

  it('counts each distinct message, most frequent first, and quotes at most a few', () => {
    const out = new OomLineScanner()
    const err = new OomLineScanner()
    out.push(`test 1: ReplyError: ${OOM}\n`)
    for (let i = 0; i < 7; i++) out.push(`SET key:${i} -> ${OOM}\n`)
    err.push(`test 2: ReplyError: ${OOM}\nERR Out of memory\n`)
    for (let i = 0; i < 10; i++) err.push(`kind ${'abcdefghij'[i]}: ${OOM}\n`)
    out.end()
    err.end()
    expect(out.messages()).toEqual([
      { text: `SET key:0 -> ${OOM}`, count: 7 },
      { text: `test 1: ReplyError: ${OOM}`, count: 1 }
    ])
    const merged = mergeOomMessages([out, err])
    expect(merged).toHaveLength(MAX_QUOTED_LINES)
    expect(merged.slice(0, 2)).toEqual([
      { text: `SET key:0 -> ${OOM}`, count: 7 },
      { text: `test 1: ReplyError: ${OOM}`, count: 2 }
    ])
    expect(err.quotes).toHaveLength(MAX_QUOTED_LINES)
    expect(distinctOomMessages(['a 1 OOM', 'a 2 OOM', 'b OOM'])).toEqual([{ text: 'a 1 OOM', count: 2 }, { text: 'b OOM', count: 1 }])
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
