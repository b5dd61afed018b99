/**
 * Key names to prefixes (KeyGroup names), and key names to text for JSON and markdown. Pure.
 *
 * Inside the key analysis a key name is a "byte string": a JS string whose every char is one byte
 * of the name (latin1), so binary names survive exactly, take one byte per char in V8, and can be
 * grouped and compared without decoding. Only at the edge (JSON, markdown) do they become text.
 */
import { isUtf8 } from 'node:buffer'
import { UserError } from '../core/errors.js'
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
  const c = countChars(segment)
  return c.others === 0 && c.dots === 0 && idLike(segment, c)
}

/** What a segment is made of, counted in one pass. */
interface CharCounts {
  digits: number
  hexLetters: number
  otherLetters: number
  dashes: number
  underscores: number
  dots: number
  /** Anything else: such a segment is never an id as a whole. */
  others: number
}

function countChars(segment: string): CharCounts {
  const n: CharCounts = { digits: 0, hexLetters: 0, otherLetters: 0, dashes: 0, underscores: 0, dots: 0, others: 0 }
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i)
    if (c >= 48 && c <= 57) n.digits++
    else if ((c >= 97 && c <= 102) || (c >= 65 && c <= 70)) n.hexLetters++
    else if ((c >= 103 && c <= 122) || (c >= 71 && c <= 90)) n.otherLetters++
    else if (c === 45) n.dashes++
    else if (c === 95) n.underscores++
    else if (c === 46) n.dots++
    else n.others++
  }
  return n
}

/** The id rules over a segment of only letters, digits, `-` and `_`. */
function idLike(segment: string, n: CharCounts): boolean {
  const len = segment.length
  if (len === 0 || n.digits === 0) return false
  if (n.digits === len) return true
  if (n.dashes === 0 && n.underscores === 0 && n.otherLetters === 0 && len >= 8) return true // hex
  if (len === 36 && n.dashes === 4 && UUID.test(segment)) return true
  if (len === 26 && n.dashes === 0 && n.underscores === 0 && ULID.test(segment)) return true
  return len >= 20 && n.hexLetters + n.otherLetters > 0
}

/** How keys are grouped: split on `delimiter` (a byte string), keep `depth` segments. */
export interface PrefixRule {
  delimiter: string
  depth: number
  /** Explicit groups (input `key-patterns`), tried in order before the automatic grouping; see patterns.ts. */
  patterns?: readonly { groupOf(key: string): string | null }[]
}

/**
 * The group a key belongs to, as a glob that matches the key: up to `depth` segments with id-like
 * ones turned into `*`, and `:*` added when the key has more segments. `session:8f3a9c01` →
 * `session:*`, `user:42:profile` → `user:*`, `bull:mail:17:data` → `bull:mail:*`, `counter` → `counter`.
 */
export function prefixOf(key: string, rule: PrefixRule): string {
  const { delimiter, depth, patterns } = rule
  if (patterns) {
    for (const p of patterns) {
      const group = p.groupOf(key)
      if (group !== null) return group
    }
  }
  // The key's head: its first `depth` segments, with the delimiter after them when more follow.
  // The prefix depends on the head alone, and a million keys have a few heads: each is computed once.
  let end = key.length
  let from = 0
  for (let kept = 0; kept < depth; kept++) {
    const at = key.indexOf(delimiter, from)
    if (at < 0) break
    from = at + delimiter.length
    if (kept === depth - 1) end = from
  }
  let memo = rule === lastRule ? lastMemo : heads.get(rule)
  if (!memo) {
    memo = new Map()
    heads.set(rule, memo)
  }
  lastRule = rule
  lastMemo = memo
  const head = end === key.length ? key : key.slice(0, end)
  let prefix = memo.get(head)
  if (prefix === undefined) {
    prefix = prefixOfHead(head, delimiter, depth)
    // Heads with ids in them (a depth that keeps an id segment) are each new: start over rather than grow.
    if (memo.size >= MAX_HEADS) memo.clear()
    memo.set(head, prefix)
  }
  return prefix
}

/** Per rule, the prefix of each head seen (see prefixOf). */
const heads = new WeakMap<PrefixRule, Map<string, string>>()
const MAX_HEADS = 4096
/** The rule of the last call and its memo: one scan asks with one rule a million times. */
let lastRule: PrefixRule | null = null
let lastMemo: Map<string, string> | undefined

/** prefixOf without key-patterns and without the memo: of a whole key, or of its head alone (the same prefix). */
export function prefixOfHead(key: string, delimiter: string, depth: number): string {
  let prefix = ''
  let last = ''
  let start = 0
  for (let kept = 0; ; kept++) {
    // Getting here with `depth` parts kept means a delimiter followed the last one: more parts follow.
    if (kept === depth) return last === WILDCARD ? prefix : prefix + delimiter + WILDCARD
    const at = key.indexOf(delimiter, start)
    const segment = at < 0 ? key.slice(start) : key.slice(start, at)
    last = normaliseSegment(segment)
    // A key without any delimiter is grouped by its stem (`A01`…`A10` → `A*`), as ids inside segments are.
    if (kept === 0 && at < 0 && last === segment) last = stemOf(segment)
    prefix = kept === 0 ? last : prefix + delimiter + last
    if (at < 0) return prefix
    start = at + delimiter.length
  }
}

/**
 * A whole key's stem: the name with its trailing number marked (`A01` → `A*`, `K7` → `K*`,
 * `counter2` → `counter*`); a name without a trailing number, or that is only one, stays as it is.
 */
export function stemOf(key: string): string {
  let end = key.length
  while (end > 0) {
    const c = key.charCodeAt(end - 1)
    if (c < 48 || c > 57) break
    end--
  }
  if (end === key.length || end === 0) return key
  return key.slice(0, end) + WILDCARD
}

const UUID_INSIDE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi

/** True for the chars that join the words of one segment (`import-batch-42`, `job_7`, `v1.2`). */
function isJoiner(c: number): boolean {
  return c === 45 || c === 95 || c === 46 // - _ .
}

/**
 * One segment with its id-like part turned into `*`: the whole segment when all of it is an id
 * (`8f3a9c01d2` → `*`), else each id-like word between `-`, `_` or `.` (`import-batch-<uuid>` →
 * `import-batch-*`, `test-42` → `test-*`), so the kind of thing a key is survives grouping.
 */
export function normaliseSegment(segment: string): string {
  const n = countChars(segment)
  // Ids need a digit: a segment without one (most of them) is left as it is.
  if (n.digits === 0) return segment
  if (n.dashes + n.underscores + n.dots > 0) {
    // A UUID holds dashes, so it is found whole before the segment is split into words.
    const inner = normaliseWords(segment.length >= 36 && n.dashes >= 4 ? segment.replace(UUID_INSIDE, WILDCARD) : segment)
    if (inner !== null) return inner
  }
  return n.others === 0 && n.dots === 0 && idLike(segment, n) ? WILDCARD : segment
}

/**
 * The segment with its id-like words marked, a run of them as one mark (`batch-7-3` → `batch-*`,
 * which as a glob matches the same keys), or null when it has no plain word (lower-case letters
 * only, as people name things): then it is one id that happens to hold `-` or `_` (a nanoid such
 * as `V1StGXR8_Z5jdHi6B-myT0x9`), judged whole. One pass; it runs for many keys.
 */
function normaliseWords(s: string): string | null {
  let out = ''
  let plainWord = false
  let lastWasMark = false
  let start = 0
  let lower = true
  let digit = false
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : -1
    if (c !== -1 && !isJoiner(c)) {
      if (c < 97 || c > 122) lower = false
      if (c >= 48 && c <= 57) digit = true
      continue
    }
    const word = s.slice(start, i)
    if (lower && word.length > 0) plainWord = true
    const mark = word === WILDCARD || (digit && isIdLike(word))
    if (mark && lastWasMark) {
      // Drop the joiner written after the previous mark: one mark for the run.
      out = out.slice(0, -1)
    } else out += mark ? WILDCARD : word
    lastWasMark = mark
    if (c !== -1) out += s[i]
    start = i + 1
    lower = true
    digit = false
  }
  return plainWord ? out : null
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
