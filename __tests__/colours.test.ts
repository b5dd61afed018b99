/** The terminal's colours: Node's styleText codes when the CLI decided on colour, plain text otherwise. */
import { describe, expect, it } from '@jest/globals'
import { colours } from '../src/cli/colours.js'

describe('terminal colours', () => {
  it('wraps text in the colour and modifier codes when enabled, whatever process.stdout is', () => {
    // Under jest stdout is not a TTY: the codes still come, as the CLI decided per stream.
    const c = colours(true)
    expect(c.red('fail')).toBe('\u001b[31mfail\u001b[39m')
    expect(c.green('pass')).toBe('\u001b[32mpass\u001b[39m')
    expect(c.yellow('warn')).toBe('\u001b[33mwarn\u001b[39m')
    expect(c.cyan('url')).toBe('\u001b[36murl\u001b[39m')
    expect(c.dim('note')).toBe('\u001b[2mnote\u001b[22m')
    expect(c.bold('title')).toBe('\u001b[1mtitle\u001b[22m')
  })

  it('leaves text plain when disabled', () => {
    const c = colours(false)
    expect([c.red('a'), c.dim('b'), c.bold('c')]).toEqual(['a', 'b', 'c'])
    expect(c.enabled).toBe(false)
  })

})
