/**
 * Input `key-patterns`: explicit key groups that win over the automatic ones. Each pattern is a
 * glob in Redis's syntax (as `ignore-keys`) with named parts in braces: `jobs:{queue}:*` puts
 * `jobs:mail:17` and `jobs:mail:18` into the group `jobs:mail:*`, and `jobs:sms:1` into `jobs:sms:*`.
 * A named part matches one segment (no delimiter in it) and keeps its value in the group's name;
 * everything else of the pattern stays as written. Pure.
 *
 * Whether a key can match is decided first by the linear glob matcher (glob.ts), with each named
 * part read as `*`; only then does a RegExp take the named parts' values. Keys longer than
 * MAX_KEY_BYTES and patterns with more than MAX_WILDCARDS wildcards are refused or left to the
 * automatic grouping, so a pattern cannot make the scan's time explode on a hostile key name.
 */
import { UserError } from '../core/errors.js'
import { compileGlob, type KeyMatcher } from './glob.js'
import { toByteString } from './prefix.js'

/** Longer keys are grouped automatically: the capture RegExp's work grows with the key's length. */
export const MAX_KEY_BYTES = 1024
/** `*` and named parts per pattern; with few, the capture's worst case stays small. */
export const MAX_WILDCARDS = 4

export const KEY_PATTERNS_INPUT = 'key-patterns'

/** A named part: `{queue}`. `\{` is a literal brace (Redis Cluster hash tags look like named parts). */
const NAMED_PART = /^\{([A-Za-z_][A-Za-z0-9_-]{0,63})\}/

/** One explicit group pattern, compiled. */
export class KeyPattern {
  private readonly re: RegExp
  private readonly gate: KeyMatcher
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
    // A named part is one non-empty segment: any bytes but the delimiter's first byte.
    const part = `((?:(?!${escapeRe(delimiter)})[\\s\\S])+)`
    // `*` before a named part takes as little as it can, so `tenant:*:{area}:*` names the area
    // right after the first `*`. Which keys match is Redis's glob either way; only the captured
    // value depends on it (a no-op should globToRegExp write `*` another way).
    const body = pieces
      .map((piece) => globSource(piece).split(ANY_RUN).join(ANY_RUN_LAZY))
      .join(part)
    this.re = new RegExp(`^${body}$`)
  }

  /** The group of `key` (a byte string) under this pattern, or null when it does not match. */
  groupOf(key: string): string | null {
    if (key.length > MAX_KEY_BYTES || !this.gate.test(key)) return null
    const m = this.re.exec(key)
    if (!m) return null
    let group = this.pieces[0]
    for (let i = 1; i < this.pieces.length; i++) group += m[i] + this.pieces[i]
    return group
  }
}

const ANY_RUN = '[\\s\\S]*'
const ANY_RUN_LAZY = '[\\s\\S]*?'

/** A byte-string glob as a RegExp body (Redis's `*`, `?`, `[...]`, `\x`), for the capture only. */
function globSource(p: string): string {
  let re = ''
  for (let i = 0; i < p.length; i++) {
    const ch = p[i]
    if (ch === '*') re += ANY_RUN
    else if (ch === '?') re += '[\\s\\S]'
    else if (ch === '\\' && i + 1 < p.length) re += escapeRe(p[++i])
    else if (ch === '[') {
      const close = p.indexOf(']', i + 2)
      if (close < 0) {
        re += '\\['
        continue
      }
      let body = p.slice(i + 1, close)
      const negate = body.startsWith('^')
      if (negate) body = body.slice(1)
      let cls = ''
      for (let j = 0; j < body.length; j++) {
        if (body[j] === '\\' && j + 1 < body.length) cls += escapeClass(body[++j])
        else if (body[j] === '-' && j > 0 && j + 1 < body.length) cls += '-'
        else cls += escapeClass(body[j])
      }
      re += `[${negate ? '^' : ''}${cls}]`
      i = close
    } else re += escapeRe(ch)
  }
  return re
}

function escapeClass(ch: string): string {
  return /[\\\]^-]/.test(ch) ? `\\${ch}` : ch
}

function escapeRe(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, (c) => `\\${c}`)
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
