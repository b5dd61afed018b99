import { UserError } from './errors.js'

const KIB = 1024
const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: KIB,
  kb: KIB,
  kib: KIB,
  m: KIB ** 2,
  mb: KIB ** 2,
  mib: KIB ** 2,
  g: KIB ** 3,
  gb: KIB ** 3,
  gib: KIB ** 3,
  t: KIB ** 4,
  tb: KIB ** 4,
  tib: KIB ** 4
}

/**
 * The largest size any option takes. A limit past 1 TiB cannot be reached by a test suite's Redis
 * (it lives in the runner's memory or a service next to it), so such a value is a typo, and far
 * enough past it the number is no longer exact in a double.
 */
export const MAX_SIZE_BYTES = KIB ** 4

/**
 * Parses a size the way Redis's own config does (1024-based, case-insensitive):
 * `512mb`, `1gb`, `100MiB`, `1048576`, `1.5 gb`. Returns bytes, or undefined for an empty value.
 * A size above `maxBytes` (1 TiB unless given) is refused, naming the maximum.
 */
export function parseSize(text: string, name: string, maxBytes = MAX_SIZE_BYTES): number | undefined {
  const value = text.trim()
  if (value === '') return undefined
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value)
  const factor = m ? UNITS[m[2].toLowerCase()] : undefined
  if (!m || factor === undefined) {
    throw new UserError(`${name}: "${value}" is not a size. Use a number of bytes or a unit, e.g. 512mb, 1gb, 100MiB or 1048576.`)
  }
  const bytes = Math.round(Number(m[1]) * factor)
  if (!(bytes <= maxBytes)) {
    throw new UserError(`${name}: "${value}" is more than ${sizeText(maxBytes)}, the most it takes. Use a smaller size, e.g. 512mb or 1gb.`)
  }
  return bytes
}

/** A limit as the user would write it: `1tb`, `512mb`, `100b`. */
function sizeText(bytes: number): string {
  for (const [unit, factor] of [['tb', KIB ** 4], ['gb', KIB ** 3], ['mb', KIB ** 2], ['kb', KIB]] as const) {
    if (bytes >= factor && bytes % factor === 0) return `${bytes / factor}${unit}`
  }
  return `${bytes}b`
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 }

/**
 * Parses a duration such as `30s`, `500ms`, `2m` or `1h` (a bare number means seconds) into
 * milliseconds. Every duration option has its own maximum (`maxMs`), named in the error, so a
 * typo such as `99999999999999h` cannot turn a bound into no bound.
 */
export function parseDuration(text: string, name: string, maxMs: number): number | undefined {
  const value = text.trim()
  if (value === '') return undefined
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value)
  const unit = m ? (m[2] === '' ? 's' : m[2].toLowerCase()) : ''
  const factor = DURATION_UNITS[unit]
  if (!m || factor === undefined) {
    throw new UserError(`${name}: "${value}" is not a duration. Use e.g. 30s, 500ms or 2m.`)
  }
  const ms = Math.round(Number(m[1]) * factor)
  if (!(ms <= maxMs)) {
    throw new UserError(`${name}: "${value}" is longer than ${durationText(maxMs)}, the most it takes. Use a shorter duration, e.g. 30s, 2m or 1h.`)
  }
  return ms
}

/** A limit as the user would write it: `120h`, `90m`, `30s`, `500ms`. */
export function durationText(ms: number): string {
  for (const [unit, factor] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= factor && ms % factor === 0) return `${ms / factor}${unit}`
  }
  return `${ms}ms`
}

/** Parses a non-negative decimal number, e.g. a ratio or percent; `min`/`max` bound it. */
export function parseNumber(
  text: string,
  name: string,
  opts: { example: string; min?: number; max?: number; integer?: boolean }
): number | undefined {
  const value = text.trim()
  if (value === '') return undefined
  const pattern = opts.integer ? /^\d+$/ : /^\d+(\.\d+)?$/
  const n = Number(value)
  const inRange = (opts.min === undefined || n >= opts.min) && (opts.max === undefined || n <= opts.max)
  if (!pattern.test(value) || !Number.isFinite(n) || !inRange) {
    const range =
      opts.min !== undefined && opts.max !== undefined
        ? ` between ${opts.min} and ${opts.max}`
        : opts.min !== undefined
          ? ` of at least ${opts.min}`
          : ''
    const kind = opts.integer ? 'a whole number' : 'a number'
    throw new UserError(`${name}: "${value}" is not valid. Use ${kind}${range}, e.g. ${opts.example}.`)
  }
  return n
}

/**
 * A count with thousands separators, as `toLocaleString('en-US')` writes it (`1,234,567`). Whole
 * numbers are grouped here: the first toLocaleString of a process sets up ICU's number formatting,
 * about 12 ms at every step start (issue 14). Anything else is left to toLocaleString.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n) || Object.is(n, -0)) return n.toLocaleString('en-US')
  const digits = String(Math.abs(n))
  let out = digits.slice(0, ((digits.length - 1) % 3) + 1)
  for (let i = out.length; i < digits.length; i += 3) out += ',' + digits.slice(i, i + 3)
  return n < 0 ? '-' + out : out
}

/** Formats bytes in 1024-based units: `1.4 MB`, `512 B`, `-3.0 KB`. */
export function formatBytes(bytes: number): string {
  const sign = bytes < 0 ? '-' : ''
  let n = Math.abs(bytes)
  if (n < KIB) return `${sign}${n} B`
  const units = ['KB', 'MB', 'GB', 'TB']
  let i = -1
  while (n >= KIB && i < units.length - 1) {
    n /= KIB
    i++
  }
  return `${sign}${n >= 100 ? n.toFixed(0) : n.toFixed(1)} ${units[i]}`
}

/** Formats a change in bytes with its sign: `+1.2 MB`, `-40 B`, `±0 B`. */
export function formatBytesDelta(delta: number): string {
  if (delta === 0) return '±0 B'
  return delta > 0 ? `+${formatBytes(delta)}` : formatBytes(delta)
}

/** Formats a duration in milliseconds for people: `450 ms`, `12.3 s`, `2 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const min = Math.floor(ms / 60_000)
  return `${min} min ${Math.round((ms % 60_000) / 1000)} s`
}
