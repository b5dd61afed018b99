/**
 * Input `key-patterns`: explicit key groups that win over the automatic ones. Each pattern is a
 * glob in Redis's syntax (as `ignore-keys`) with named parts in braces: `jobs:{queue}:*` puts
 * `jobs:mail:17` and `jobs:mail:18` into the group `jobs:mail:*`, and `jobs:sms:1` into `jobs:sms:*`.
 * A named part matches one segment (no delimiter in it) and keeps its value in the group's name;
 * everything else of the pattern stays as written. Pure.
 *
 * Whether a key can match is decided first by the linear glob matcher (glob.ts), with each named
 * part read as `*`; only then does a table walk (capture) take the named parts' values, in time
 * linear in the key's length whatever the pattern, so a pattern cannot make the scan's time
 * explode on a hostile key name. Keys longer than MAX_KEY_BYTES are left to the automatic
 * grouping, which bounds the table's memory.
 */
import { UserError } from '../core/errors.js'
import { compileGlob, globParts, type GlobPart, type KeyMatcher } from './glob.js'
import { toByteString } from './prefix.js'

/** Longer keys are grouped automatically: the capture's table grows with the key's length. */
export const MAX_KEY_BYTES = 1024
/** `*` and named parts per pattern: more make a pattern hard to read, not slow. */
export const MAX_WILDCARDS = 4

export const KEY_PATTERNS_INPUT = 'key-patterns'

/** A named part: `{queue}`. `\{` is a literal brace (Redis Cluster hash tags look like named parts). */
const NAMED_PART = /^\{([A-Za-z_][A-Za-z0-9_-]{0,63})\}/

/** A part of a compiled key pattern: a glob part, or a named part (one non-empty segment). */
type PatternPart = GlobPart | { named: true }

/** One explicit group pattern, compiled. */
export class KeyPattern {
  private readonly gate: KeyMatcher
  private readonly parts: PatternPart[]
  private readonly delimiter: string
  /** The pattern split at its named parts: literal pieces (byte strings) and part names between them. */
  private readonly pieces: string[]
  readonly names: string[]

  constructor(
    /** As the user wrote it. */
    readonly text: string,
    delimiter: string
  ) {
    const p = toByteString(text)
    const pieces: string[] = []
    const names: string[] = []
    let literal = ''
    for (let i = 0; i < p.length; i++) {
      if (p[i] === '\\' && i + 1 < p.length) {
        literal += p.slice(i, i + 2)
        i++
        continue
      }
      const m = p[i] === '{' ? NAMED_PART.exec(p.slice(i)) : null
      if (m) {
        pieces.push(literal)
        names.push(m[1])
        literal = ''
        i += m[0].length - 1
      } else literal += p[i]
    }
    pieces.push(literal)
    if (new Set(names).size !== names.length) {
      throw new UserError(`${KEY_PATTERNS_INPUT}: "${text}" uses a named part twice. Give each part its own name, e.g. jobs:{queue}:{step}:*.`)
    }
    this.pieces = pieces
    this.names = names
    const wildcards = names.length + pieces.reduce((n, piece) => n + (piece.replace(/\\[\s\S]/g, '').match(/\*+/g)?.length ?? 0), 0)
    if (wildcards > MAX_WILDCARDS) {
      throw new UserError(`${KEY_PATTERNS_INPUT}: "${text}" has ${wildcards} wildcards (* and named parts); at most ${MAX_WILDCARDS} keep the grouping fast. Split it into simpler patterns.`)
    }
    this.gate = compileGlob(pieces.join('*'))
    const parts: PatternPart[] = []
    pieces.forEach((piece, i) => {
      if (i > 0) parts.push({ named: true })
      parts.push(...globParts(piece))
    })
    this.parts = parts
    this.delimiter = delimiter
  }

  /** The group of `key` (a byte string) under this pattern, or null when it does not match. */
  groupOf(key: string): string | null {
    if (key.length === 0 || key.length > MAX_KEY_BYTES || !this.gate.test(key)) return null
    const values = capture(this.parts, key, this.delimiter)
    if (!values) return null
    let group = this.pieces[0]
    for (let i = 1; i < this.pieces.length; i++) group += values[i - 1] + this.pieces[i]
    return group
  }
}

/**
 * The named parts' values of `key`, or null when it does not match. A backtracking RegExp took
 * 400 s on `*{a}*{b}` against a 1,000-byte key; this is a table of "parts i.. match key j.."
 * filled backwards, then one forward walk: O(parts × key bytes) time and memory, whatever the
 * pattern. The walk picks what a RegExp with lazy stars and greedy named parts would: a `*`
 * takes as little as it can, so `tenant:*:{area}:*` names the area right after the first `*`.
 */
function capture(parts: PatternPart[], key: string, delimiter: string): string[] | null {
  const n = key.length
  const m = parts.length
  const width = n + 1
  // A named part's byte may not start the delimiter.
  const blocked = new Uint8Array(n)
  if (delimiter !== '') for (let j = key.indexOf(delimiter); j >= 0; j = key.indexOf(delimiter, j + 1)) blocked[j] = 1
  // can[i * width + j]: parts i.. match key bytes j..
  const can = new Uint8Array((m + 1) * width)
  can[m * width + n] = 1
  for (let i = m - 1; i >= 0; i--) {
    const part = parts[i]
    const row = i * width
    const next = (i + 1) * width
    for (let j = n; j >= 0; j--) {
      let ok = 0
      if ('named' in part) ok = j < n && blocked[j] === 0 && (can[next + j + 1] === 1 || can[row + j + 1] === 1) ? 1 : 0
      else if (part.star) ok = can[next + j] === 1 || (j < n && can[row + j + 1] === 1) ? 1 : 0
      else ok = j < n && part.accepts[key.charCodeAt(j) & 0xff] === 1 && can[next + j + 1] === 1 ? 1 : 0
      can[row + j] = ok
    }
  }
  if (can[0] !== 1) return null
  const values: string[] = []
  let j = 0
  for (let i = 0; i < m; i++) {
    const part = parts[i]
    const next = (i + 1) * width
    if ('named' in part) {
      let limit = j
      while (limit < n && blocked[limit] === 0) limit++
      let end = limit
      while (can[next + end] !== 1) end--
      values.push(key.slice(j, end))
      j = end
    } else if (part.star) {
      while (can[next + j] !== 1) j++
    } else j++
  }
  return values
}

/**
 * Parses `key-patterns`: patterns separated by commas or new lines, first match wins. Each needs
 * at least one named part or glob char, since a plain name would be a group of one key.
 */
export function parseKeyPatterns(text: string, delimiter: string, name = KEY_PATTERNS_INPUT): KeyPattern[] {
  const texts = text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
  return texts.map((t) => {
    if (t === '*' || t === '{}') throw new UserError(`${name}: "${t}" would put every key into one group. Name the groups, e.g. jobs:{queue}:*.`)
    const pattern = new KeyPattern(t, toByteString(delimiter))
    if (pattern.names.length === 0 && !/[*?[]/.test(t)) {
      throw new UserError(`${name}: "${t}" has no named part and no wildcard, so it would group one key. Write e.g. jobs:{queue}:* or cache:*.`)
    }
    return pattern
  })
}
