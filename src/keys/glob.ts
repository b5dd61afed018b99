/**
 * Redis's own glob, as KEYS and SCAN MATCH use it (`stringmatchlen` in Redis's util.c): `*`, `?`,
 * `[abc]`, `[^a]`, `[a-z]` and `\x` escapes, over byte strings (one char per byte). Pure.
 *
 * A glob is compiled once into a list of single-byte tests and stars, and matched with the
 * two-pointer wildcard algorithm: on a mismatch it goes back only to the last star, so a match
 * costs at most (pattern length × key length) steps and never explodes the way a backtracking
 * RegExp does on `a*a*a*a*a*a*a*a*b` against long keys.
 */

/** A compiled glob: test(name) with a byte-string key name. Structurally compatible with RegExp. */
export interface KeyMatcher {
  test(name: string): boolean
}

/** One byte of the key: a table of the 256 byte values it accepts. */
type ByteTest = Uint8Array

/** A pattern part: a star (any run of bytes) or a test of exactly one byte. */
export type GlobPart = { star: true } | { star: false; accepts: ByteTest }
type Part = GlobPart

function one(code: number): ByteTest {
  const t = new Uint8Array(256)
  t[code & 0xff] = 1
  return t
}

const ANY_BYTE: ByteTest = new Uint8Array(256).fill(1)

/**
 * Where the first unclosed `[` of a byte-string glob is, or -1. Redis takes an unclosed class as
 * running to the end of the pattern, which is never what someone writing `[` meant.
 */
export function unclosedBracket(p: string): number {
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]
    if (ch === '\\' && i + 1 < p.length) {
      i++
    } else if (ch === '[') {
      const end = classEnd(p, i + 1)
      if (end < 0) return i
      i = end
    }
  }
  return -1
}

/**
 * The index of the `]` closing a class whose body starts at `from` (after `[`), or -1 when the
 * pattern ends first. Follows Redis's loop exactly: `\x` escapes, `x-y` ranges take the two bytes
 * after the dash even when one is `]`, and a `]` straight after `[` or `[^` closes an empty class.
 */
function classEnd(p: string, from: number): number {
  let i = from
  if (p[i] === '^') i++
  for (;;) {
    const left = p.length - i
    if (p[i] === '\\' && left >= 2) i += 2
    else if (left > 0 && p[i] === ']') return i
    else if (left <= 0) return -1
    else if (left >= 3 && p[i + 1] === '-') i += 3
    else i++
  }
}

/** Compiles a byte-string glob. An unclosed `[` is read as Redis reads it: a class to the end of the pattern. */
export function compileGlob(p: string): KeyMatcher {
  const parts = globParts(p)
  const emptyPattern = p.length === 0
  return {
    test(name: string): boolean {
      // stringmatchlen never enters its loop for an empty name: only an empty pattern matches it.
      if (name.length === 0) return emptyPattern
      return matchParts(parts, name)
    }
  }
}

/** A byte-string glob as its parts (runs of stars are one star), for matchers that add parts of their own. */
export function globParts(p: string): GlobPart[] {
  const parts: Part[] = []
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]
    if (ch === '*') {
      // Runs of stars are one star; keeping one keeps the matcher's back-off point unique.
      if (parts.length === 0 || !parts[parts.length - 1].star) parts.push({ star: true })
    } else if (ch === '?') {
      parts.push({ star: false, accepts: ANY_BYTE })
    } else if (ch === '[') {
      const accepts = new Uint8Array(256)
      let j = i + 1
      const negate = p[j] === '^'
      if (negate) j++
      for (;;) {
        const left = p.length - j
        if (p[j] === '\\' && left >= 2) {
          accepts[p.charCodeAt(j + 1) & 0xff] = 1
          j += 2
        } else if (left > 0 && p[j] === ']') {
          break
        } else if (left <= 0) {
          j = p.length - 1
          break
        } else if (left >= 3 && p[j + 1] === '-') {
          let start = p.charCodeAt(j) & 0xff
          let end = p.charCodeAt(j + 2) & 0xff
          if (start > end) [start, end] = [end, start]
          for (let c = start; c <= end; c++) accepts[c] = 1
          j += 3
        } else {
          accepts[p.charCodeAt(j) & 0xff] = 1
          j++
        }
      }
      if (negate) for (let c = 0; c < 256; c++) accepts[c] ^= 1
      parts.push({ star: false, accepts })
      i = j
    } else if (ch === '\\' && i + 1 < p.length) {
      parts.push({ star: false, accepts: one(p.charCodeAt(++i)) })
    } else {
      parts.push({ star: false, accepts: one(p.charCodeAt(i)) })
    }
  }
  return parts
}

/** The two-pointer wildcard match: one back-off point (the last star), O(parts × name) at worst. */
function matchParts(parts: Part[], name: string): boolean {
  let pi = 0
  let ni = 0
  let starAt = -1
  let starName = 0
  while (ni < name.length) {
    const part = pi < parts.length ? parts[pi] : undefined
    if (part && part.star) {
      starAt = pi++
      starName = ni
    } else if (part && part.accepts[name.charCodeAt(ni) & 0xff] === 1) {
      pi++
      ni++
    } else if (starAt >= 0) {
      // Let the last star take one more byte and try the rest again from there.
      pi = starAt + 1
      ni = ++starName
    } else {
      return false
    }
  }
  while (pi < parts.length && parts[pi].star) pi++
  return pi === parts.length
}

/** One matcher for several globs: a name matches when any of them does. */
export function anyGlob(patterns: string[]): KeyMatcher {
  const matchers = patterns.map(compileGlob)
  return { test: (name) => matchers.some((m) => m.test(name)) }
}
