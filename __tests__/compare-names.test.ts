/** compareNames orders command names exactly as localeCompare does, without ICU's collator. Pure. */
import { describe, expect, it } from '@jest/globals'
import { compareNames } from '../src/observe/commandstats.js'

describe('compareNames', () => {
  it('agrees with localeCompare on every name of up to two characters of its alphabet', () => {
    const alphabet = '_-:.|0123456789abcdefghijklmnopqrstuvwxyz'.split('')
    const names = ['', ...alphabet, ...alphabet.flatMap((a) => alphabet.map((b) => a + b))]
    // Both orders sort the 1,723 names the same way, and agree on each neighbouring pair (ties
    // included): for a total order that is agreement on every pair. A fixed-seed sample of 200,000
    // pairs checks the pairs directly too (all 3 million took up to a minute of ICU on a busy runner).
    const byLocale = [...names].sort((a, b) => a.localeCompare(b))
    expect([...names].sort(compareNames)).toEqual(byLocale)
    let mismatches = 0
    for (let i = 0; i + 1 < byLocale.length; i++) {
      const [a, b] = [byLocale[i], byLocale[i + 1]]
      if (compareNames(a, b) !== Math.sign(a.localeCompare(b)) || compareNames(b, a) !== Math.sign(b.localeCompare(a))) mismatches++
    }
    let seed = 42
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % names.length
    for (let i = 0; i < 200_000; i++) {
      const [a, b] = [names[next()], names[next()]]
      if (compareNames(a, b) !== Math.sign(a.localeCompare(b))) mismatches++
    }
    expect(mismatches).toBe(0)
  })

  it('agrees with localeCompare on real command names and on text outside its alphabet', () => {
    const names = ['memory|usage', 'memory', 'memorya', 'client|list', 'client|no-evict', 'client', 'config|get', 'configa', 'set', 'setex', 'SET', 'Über', 'a b', 'ä', 'a', '']
    for (const a of names) for (const b of names) expect([a, b, compareNames(a, b)]).toEqual([a, b, Math.sign(a.localeCompare(b))])
  })
})
