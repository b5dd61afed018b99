/** Hostile key-patterns: the named parts' values are taken in time linear in the key, whatever the pattern. */
import { describe, expect, it } from '@jest/globals'
import { takeInventory } from '../src/keys/inventory.js'
import { parseKeyPatterns } from '../src/keys/patterns.js'
import { redisCommands } from './helpers/resp.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'

const redis = connectedRedisPerFile()

/** A small seeded PRNG (mulberry32), so a failing case can be found again. */
function random(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * The reference: a backtracking RegExp with lazy stars and greedy named parts, as the grouping used
 * before. Exponential on hostile input, so only given short keys here.
 */
function byRegExp(pattern: string, key: string, delimiter: string): string | null {
  const pieces = pattern.split(/\{[a-z]\}/)
  const part = `((?:(?!${delimiter.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`)})[\\s\\S])+)`
  const body = pieces.map((p) => p.replace(/[.+^$()|\\/-]/g, (c) => `\\${c}`).replace(/[*?]/g, (c) => (c === '*' ? '[\\s\\S]*?' : '[\\s\\S]'))).join(part)
  const m = new RegExp(`^${body}$`).exec(key)
  if (!m) return null
  let group = pieces[0]
  for (let i = 1; i < pieces.length; i++) group += m[i] + pieces[i]
  return group
}

describe('key-patterns cannot hang the scan', () => {
  it('names the same group as a backtracking RegExp on random short keys', () => {
    const rnd = random(20261207)
    const pick = (chars: string, max: number): string => {
      let s = ''
      const length = Math.floor(rnd() * (max + 1))
      for (let i = 0; i < length; i++) s += chars[Math.floor(rnd() * chars.length)]
      return s
    }
    let matched = 0
    let compared = 0
    for (let n = 0; n < 3000; n++) {
      const pattern = pick('ab:*?', 3) + '{x}' + pick('ab:*', 2) + (rnd() < 0.5 ? '{y}' + pick('ab:*', 2) : '')
      const wildcards = (pattern.match(/\*+|\{/g) ?? []).length
      if (wildcards > 4) continue
      const [compiled] = parseKeyPatterns(pattern, ':')
      const key = pick('ab:', 9)
      if (key === '') continue
      const expected = byRegExp(pattern, key, ':')
      expect({ pattern, key, group: compiled.groupOf(key) }).toEqual({ pattern, key, group: expected })
      compared++
      if (expected !== null) matched++
    }
    expect(compared).toBeGreaterThan(1000)
    expect(matched).toBeGreaterThan(100)
  })

  it('groups 1,000-byte hostile keys of a real server under {a}{b}{c}{d}x and *{a}*{b} (a RegExp took over 400 s)', async () => {
    const { r, conn } = await redis()
    // Delimiters where a named part must end: the worst case for a backtracking capture.
    const noMatch = 'a:'.repeat(500)
    const secondOnly = `${'a'.repeat(998)}:x`
    const first = `${'b'.repeat(999)}x`
    await redisCommands(r.port, [
      ['SET', noMatch, '1'],
      ['SET', secondOnly, '2'],
      ['SET', first, '3']
    ])
    const patterns = parseKeyPatterns('{a}{b}{c}{d}x, *{a}*{b}', ':')
    expect(patterns[0].groupOf(secondOnly)).toBeNull()
    expect(patterns[1].groupOf(noMatch)).toBeNull()
    expect(patterns[1].groupOf(`${'a:'.repeat(499)}y`)).toBe('*a*y')
    const inv = await takeInventory(conn, { rule: { delimiter: ':', depth: 1, patterns }, ignore: null, budgetMs: 10_000 })
    const groups = Object.fromEntries(inv.groups.map((g) => [g.prefix, g.keys]))
    expect(groups[first]).toBe(1)
    expect(groups[`*${'a'.repeat(998)}*x`]).toBe(1)
    expect(inv.groups.reduce((n, g) => n + g.keys, 0)).toBe(3)
  })
})
