/** compareNames orders command names exactly as localeCompare does, without ICU's collator. Pure. */
import { describe, expect, it } from '@jest/globals'
import { compareNames } from '../src/observe/commandstats.js'

describe('compareNames', () => {
  it('agrees with localeCompare on every name of up to two characters of its alphabet', () => {
    const alphabet = '_-:.|0123456789abcdefghijklmnopqrstuvwxyz'.split('')
    const names = ['', ...alphabet, ...alphabet.flatMap((a) => alphabet.map((b) => a + b))]
    let mismatches = 0
    for (const a of names) for (const b of names) if (compareNames(a, b) !== Math.sign(a.localeCompare(b))) mismatches++
    expect(mismatches).toBe(0)
  })

  it('agrees with localeCompare on real command names and on text outside its alphabet', () => {
    const names = ['memory|usage', 'memory', 'memorya', 'client|list', 'client|no-evict', 'client', 'config|get', 'configa', 'set', 'setex', 'SET', 'Über', 'a b', 'ä', 'a', '']
    for (const a of names) for (const b of names) expect([a, b, compareNames(a, b)]).toEqual([a, b, Math.sign(a.localeCompare(b))])
  })
})
