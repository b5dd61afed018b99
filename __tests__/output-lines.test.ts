/** The command's output lines by time, for the line printed before a leaked key appeared. */
import { describe, expect, it } from '@jest/globals'
import { OutputTimeline } from '../src/explain/output-lines.js'

describe('OutputTimeline', () => {
  it('gives the last line that arrived before a time, across chunks, without colour codes', () => {
    const t = new OutputTimeline()
    t.push('\x1b[32m✓ imports\x1b[0m writes a', 1000)
    t.push(' batch\n', 1010)
    t.push('  ✓ reads it back\r\n▶ mail\n', 2000)
    t.push('no newline at the end', 3000)
    t.end(3000)
    expect(t.lineBefore(999)).toBeNull()
    expect(t.lineBefore(1500)).toEqual({ at: 1010, text: '✓ imports writes a batch' })
    expect(t.lineBefore(2500)?.text).toBe('▶ mail')
    expect(t.lineBefore(3000)?.text).toBe('no newline at the end')
  })

  it('stays bounded: one line per slot, the oldest dropped, long lines cut', () => {
    const t = new OutputTimeline(3, 20, 10)
    for (let i = 0; i < 10; i++) t.push(`line ${i} ${'x'.repeat(20)}\n`, 1000 + i * 100)
    t.push('same slot\n', 1901)
    expect(t.dropped).toBe(7)
    expect(t.lineBefore(1750)?.text).toBe('line 7 xxx…')
    expect(t.lineBefore(1950)?.text).toBe('same slot')
    expect(t.lineBefore(1100)).toBeNull()
  })
})
