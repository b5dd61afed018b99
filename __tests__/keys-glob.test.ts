import { describe, expect, it } from '@jest/globals'
import { unclosedBracket } from '../src/keys/glob.js'
import { keyGlob } from '../src/keys/prefix.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'

const connected = connectedRedisPerFile()

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

// Few letters, so globs match often; the glob's own special chars, so keys hold them too.
const KEY_CHARS = 'abc-^]\\[*?:'
const GLOB_CHARS = 'abc*?[]^-\\:'

function pick(rnd: () => number, chars: string, maxLength: number): string {
  const length = Math.floor(rnd() * (maxLength + 1))
  let s = ''
  for (let i = 0; i < length; i++) s += chars[Math.floor(rnd() * chars.length)]
  return s
}

describe('the ignore-keys glob matches as Redis does', () => {
  it('agrees with SCAN MATCH on a real server for random globs and key names', async () => {
    const { conn } = await connected()
    const rnd = random(20261129)
    const keys = new Set<string>([''])
    while (keys.size < 300) keys.add(pick(rnd, KEY_CHARS, 8))
    for (const key of keys) await conn.command(['SET', key, '1'])

    let checked = 0
    let someMatched = 0
    let someLeftOut = 0
    for (let n = 0; checked < 400 && n < 10_000; n++) {
      const glob = pick(rnd, GLOB_CHARS, 7)
      // SCAN does not filter at all for exactly "*"; an unclosed class is refused by ignore-keys.
      if (glob === '*' || unclosedBracket(glob) >= 0) continue
      const byRedis: string[] = []
      let cursor = '0'
      for (let round = 0; round < 100; round++) {
        const [next, found] = (await conn.command(['SCAN', cursor, 'MATCH', glob, 'COUNT', '1000'])) as [string, string[]]
        byRedis.push(...found)
        cursor = next
        if (cursor === '0') break
      }
      expect(cursor).toBe('0')
      const matcher = keyGlob(glob)
      const byUs = [...keys].filter((k) => matcher.test(k))
      expect({ glob, matches: byUs.sort() }).toEqual({ glob, matches: [...new Set(byRedis)].sort() })
      checked++
      if (byUs.length > 0) someMatched++
      if (byUs.length < keys.size) someLeftOut++
    }
    expect(checked).toBe(400)
    // The comparison means something only if many globs match some keys and leave out others.
    expect(someMatched).toBeGreaterThan(100)
    expect(someLeftOut).toBeGreaterThan(100)
  }, 60_000)
})
