/**
 * Key names to prefixes (KeyGroup names), and key names to text for JSON and markdown. Pure.
 *
 * Inside the key analysis a key name is a "byte string": a JS string whose every char is one byte
 * of the name (latin1), so binary names survive exactly, take one byte per char in V8, and can be
 * grouped and compared without decoding. Only at the edge (JSON, markdown) do they become text.
 */
import { isUtf8 } from 'node:buffer'
import { UserError } from '../errors.js'
import { anyGlob, compileGlob, unclosedBracket, type KeyMatcher } from './glob.js'

/** The mark an id-like segment is replaced with; also how a group says "and more segments". */
export const WILDCARD = '*'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const ULID = /^[0-7][0-9a-hjkmnp-tv-z]{25}$/i

/**
 * True for a segment that names one thing rather than a kind of thing: a number, a UUID, hex of 8+
 * chars with a digit in it (so words such as `deadbeef` stay), a ULID, or a token of 20+ letters,
 * digits, `_` and `-` that mixes digits and letters (nanoid, base64url ids).
 * One pass over the chars: it runs for every part of every key, a million keys in a second or two.
 */
export function isIdLike(segment: string): boolean {
  const len = segment.length
  if (len === 0) return false
  let digits = 0
  let hexLetters = 0
  let otherLetters = 0
  let dashes = 0
  let underscores = 0
  for (let i = 0; i < len; i++) {
    const c = segment.charCodeAt(i)
    if (c >= 48 && c <= 57) digits++
    else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) hexLetters++
    else if ((c >= 103 && c <= 122) || (c >= 71 && c <= 90)) otherLetters++
    else if (c === 45) dashes++
    else if (c === 95) underscores++
    else return false
  }
  if (digits === len) return true
  if (digits === 0) return false
  if (dashes === 0 && underscores === 0 && otherLetters === 0 && len >= 8) return true // hex
  if (len === 36 && dashes === 4 && UUID.test(segment)) return true
  if (len === 26 && dashes === 0 && underscores === 0 && ULID.test(segment)) return true
  return len >= 20 && hexLetters + otherLetters > 0
}

/** How keys are grouped: split on `delimiter` (a byte string), keep `depth` segments. */
export interface PrefixRule {
  delimiter: string
  depth: number
}

/**
 * The group a key belongs to, as a glob that matches the key: up to `depth` segments with id-like
 * ones turned into `*`, and `:*` added when the key has more segments. `session:8f3a9c01` →
 * `session:*`, `user:42:profile` → `user:*`, `bull:mail:17:data` → `bull:mail:*`, `counter` → `counter`.
 */
export function prefixOf(key: string, rule: PrefixRule): string {
  const { delimiter, depth } = rule
  let prefix = ''
  let last = ''
  let start = 0
  for (let kept = 0; ; kept++) {
    // Getting here with `depth` parts kept means a delimiter followed the last one: more parts follow.
    if (kept === depth) return last === WILDCARD ? prefix : prefix + delimiter + WILDCARD
    const at = key.indexOf(delimiter, start)
    const segment = at < 0 ? key.slice(start) : key.slice(start, at)
    last = isIdLike(segment) ? WILDCARD : segment
    prefix = kept === 0 ? last : prefix + delimiter + last
    if (at < 0) return prefix
    start = at + delimiter.length
  }
}

/** One segment, or `*` when it is id-like. */
export function normaliseSegment(segment: string): string {
  return isIdLike(segment) ? WILDCARD : segment
}

/** A key name as it goes into JSON: text when the bytes are UTF-8, else readable text plus the exact bytes. */
export interface KeyName {
  /** The name as UTF-8 text; for names that are not UTF-8, a readable form with `\xNN` for each byte outside printable ASCII. */
  key: string
  /** The exact bytes, base64, only for names that are not valid UTF-8. */
  keyBase64?: string
}

/** Byte string → JSON form. */
export function keyName(bytes: string): KeyName {
  const buf = Buffer.from(bytes, 'latin1')
  if (isUtf8(buf)) return { key: buf.toString('utf8') }
  let text = ''
  for (const b of buf) text += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`
  return { key: text, keyBase64: buf.toString('base64') }
}

/** Text (as the user types it in an input) → byte string. */
export function toByteString(text: string): string {
  return Buffer.from(text, 'utf8').toString('latin1')
}

/**
 * Redis's own glob (`*`, `?`, `[abc]`, `[^a]`, `[a-z]`, `\x` escapes), as KEYS and SCAN MATCH use it,
 * for key names as byte strings; the pattern is text as the user typed it. Matches in
 * (pattern × name) steps at worst, never by backtracking.
 */
export function keyGlob(pattern: string): KeyMatcher {
  return compileGlob(toByteString(pattern))
}

/** Parses `ignore-keys`: globs separated by commas or new lines; one matcher for all, or null for none. */
export function parseIgnoreKeys(text: string, name = 'ignore-keys'): { patterns: string[]; matcher: KeyMatcher | null } {
  const patterns = text
    .split(/[,\n]/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
  if (patterns.length === 0) return { patterns, matcher: null }
  for (const p of patterns) {
    if (p === '*') throw new UserError(`${name}: "*" would leave out every key. Name the prefixes to leave out, e.g. bull:*,sess:*.`)
    // Redis would read an unclosed class as running to the end of the glob: never what was meant.
    if (unclosedBracket(toByteString(p)) >= 0) {
      throw new UserError(`${name}: "${p}" has a "[" that is never closed. Close the class, e.g. lock:[ab]*, or escape a literal bracket as \\[.`)
    }
  }
  return { patterns, matcher: anyGlob(patterns.map(toByteString)) }
}
