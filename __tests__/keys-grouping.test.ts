/** Names that survive grouping: ids inside a segment, and explicit groups from key-patterns, on real keys too. */
import { describe, expect, it } from '@jest/globals'
import { takeInventory } from '../src/keys/inventory.js'
import { parseKeyPatterns } from '../src/keys/patterns.js'
import { normaliseSegment, prefixOf } from '../src/keys/prefix.js'
import { readKeySettings } from '../src/keys/settings.js'
import { UserError } from '../src/core/errors.js'
import { redisCommands } from './helpers/resp.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'

const redis = connectedRedisPerFile()
const colon2 = { delimiter: ':', depth: 2 }
const uuid = '550e8400-e29b-41d4-a716-446655440000'

describe('ids inside a segment', () => {
  it.each([
    [`import-batch-${uuid}`, 'import-batch-*'],
    [`retry-batch-${uuid}`, 'retry-batch-*'],
    ['test-42', 'test-*'],
    ['job_7', 'job_*'],
    ['batch-7-3', 'batch-*'],
    ['report.2024.pdf', 'report.*.pdf'],
    ['8f3a9c01d2', '*'],
    [uuid, '*'],
    ['42', '*'],
    ['v2', 'v2'],
    ['page-v2', 'page-v2'],
    ['deadbeef-cafe', 'deadbeef-cafe'],
    ['import-batch', 'import-batch']
  ])('%s → %s', (segment, normal) => expect(normaliseSegment(segment)).toBe(normal))

  it('keeps the kinds of key apart that a whole-segment rule folded into one group', () => {
    const keys = [`app:import-batch-${uuid}:rows`, `app:retry-batch-${uuid}:rows`, `app:test-${uuid}:state`]
    expect(keys.map((k) => prefixOf(k, colon2))).toEqual(['app:import-batch-*:*', 'app:retry-batch-*:*', 'app:test-*:*'])
    // Whole-id segments group as before.
    expect(prefixOf('user:42:profile', colon2)).toBe('user:*')
    expect(prefixOf('session:8f3a9c01d2', colon2)).toBe('session:*')
  })
})

describe('key-patterns', () => {
  it('names the group by the value of each named part and wins over the automatic prefix', () => {
    const rule = { ...colon2, patterns: parseKeyPatterns('jobs:{queue}:*, tenant:*:{area}:*', ':') }
    expect(prefixOf('jobs:mail:17', rule)).toBe('jobs:mail:*')
    expect(prefixOf('jobs:sms:18:data', rule)).toBe('jobs:sms:*')
    expect(prefixOf('tenant:7:billing:invoice:3', rule)).toBe('tenant:*:billing:*')
    // No pattern matches: the automatic grouping.
    expect(prefixOf('user:42:profile', rule)).toBe('user:*')
    // A named part is one segment: an empty one does not match.
    expect(prefixOf('jobs::17', rule)).toBe('jobs::*')
  })

  it('takes the first pattern that matches, and globs as Redis does', () => {
    const rule = { ...colon2, patterns: parseKeyPatterns('cache:h[ae]llo:*\ncache:{page}:*', ':') }
    expect(prefixOf('cache:hallo:1', rule)).toBe('cache:h[ae]llo:*')
    expect(prefixOf('cache:home:1', rule)).toBe('cache:home:*')
  })

  it('reads a literal brace when escaped, and a named part on another delimiter', () => {
    const rule = { delimiter: '/', depth: 1, patterns: parseKeyPatterns('\\{tag\\}/{kind}/*', '/') }
    expect(prefixOf('{tag}/invoice/9', rule)).toBe('\\{tag\\}/invoice/*')
    expect(prefixOf('{tag}/invoice/9', { delimiter: '/', depth: 1 })).toBe('{tag}/*')
  })

  it('refuses patterns that group everything or a single key, in one line naming the input', () => {
    expect(() => parseKeyPatterns('*', ':')).toThrow(UserError)
    expect(() => parseKeyPatterns('jobs:mail', ':')).toThrow('key-patterns: "jobs:mail" has no named part and no wildcard, so it would group one key. Write e.g. jobs:{queue}:* or cache:*.')
    expect(() => parseKeyPatterns('a:{x}:{x}', ':')).toThrow(/key-patterns: "a:\{x\}:\{x\}" uses a named part twice/)
  })

  it('comes in through the key settings, the same reader for the action and the CLI', () => {
    const inputs: Record<string, string> = { 'key-patterns': 'jobs:{queue}:*' }
    const settings = readKeySettings((n) => inputs[n] ?? '')
    expect(settings.keyPatterns).toEqual(['jobs:{queue}:*'])
    expect(prefixOf('jobs:mail:1', settings.rule)).toBe('jobs:mail:*')
    expect(readKeySettings(() => '').rule.patterns).toBeUndefined()
  })

  it('groups the keys of a real server, explicit groups first', async () => {
    const { r, conn } = await redis()
    await redisCommands(r.port, [
      ['SET', 'jobs:mail:1', 'a'],
      ['SET', 'jobs:mail:2', 'b'],
      ['SET', 'jobs:sms:1', 'c'],
      ['SET', `app:import-batch-${uuid}:rows`, 'd'],
      ['SET', `app:retry-batch-${uuid}:rows`, 'e'],
      ['SET', 'app:test-42:state', 'f'],
      ['SET', 'app:test-43:state', 'g']
    ])
    const settings = readKeySettings((n) => (n === 'key-patterns' ? 'jobs:{queue}:*' : ''))
    const inv = await takeInventory(conn, { rule: settings.rule, ignore: null, budgetMs: 10_000 })
    const counts = Object.fromEntries(inv.groups.map((g) => [g.prefix, g.keys]))
    expect(counts).toEqual({ 'jobs:mail:*': 2, 'jobs:sms:*': 1, 'app:import-batch-*:*': 1, 'app:retry-batch-*:*': 1, 'app:test-*:*': 2 })
  })
})
