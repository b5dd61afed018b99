/** Finding Redis's OOM message in a command's output. Pure: chunks in, counts and quotes out. */

/** Redis's refusal (`-OOM command not allowed when used memory > 'maxmemory'.`) and Dragonfly's. */
const OOM_LINE = /OOM command not allowed when used memory|\bERR Out of memory\b/

/** How many distinct OOM messages the report quotes, and how much of each. */
export const MAX_QUOTED_LINES = 5
/** Distinct messages tracked while scanning; lines of further kinds are counted in the total only. */
export const MAX_TRACKED_KINDS = 100
export const MAX_QUOTE_LENGTH = 300
/** A line longer than this is scanned in pieces; the buffer never holds more. */
export const MAX_LINE_BUFFER = 64 * 1024

/** The command the `run` input ran, for the report. */
export interface CommandReport {
  /** The command as given, with URL passwords masked. */
  command: string
  exitCode: number | null
  /** The signal that ended it, if one did. */
  signal: string | null
  startedAt: string
  durationMs: number
  /** Lines of its output (stdout and stderr) that carry Redis's OOM message. */
  oomLines: number
  /** One line of each of the first few distinct OOM messages, cut to a sane length. */
  oomQuotes: string[]
  /** The distinct OOM messages with how many lines carry each, most frequent first. Absent in older reports. */
  oomMessages?: OomMessage[]
}

/** One OOM message of the command's output, and how many lines carried it. */
export interface OomMessage {
  /** The first line of this kind, as printed (colour codes removed, cut short). */
  text: string
  count: number
}

/** How much of a line tells its message apart; well inside a quote, so cut quotes still match. */
const KIND_LENGTH = 200

/** Lines that differ only in numbers (test ids, times, sizes), or only after their first 200 characters, are one message. */
export function oomKind(line: string): string {
  return line.replace(/\d+/g, '#').slice(0, KIND_LENGTH)
}

/** Groups lines into distinct messages, most frequent first (ties: first seen first). */
export function distinctOomMessages(lines: readonly string[]): OomMessage[] {
  const kinds = new Map<string, OomMessage>()
  for (const line of lines) {
    const kind = oomKind(line)
    const seen = kinds.get(kind)
    if (seen) seen.count++
    else kinds.set(kind, { text: line, count: 1 })
  }
  return [...kinds.values()].sort((a, b) => b.count - a.count)
}

/** The distinct messages of several scanners (stdout and stderr), merged, most frequent first. */
export function mergeOomMessages(scanners: readonly OomLineScanner[]): OomMessage[] {
  const kinds = new Map<string, OomMessage>()
  for (const s of scanners) {
    for (const m of s.messages()) {
      const kind = oomKind(m.text)
      const seen = kinds.get(kind)
      if (seen) seen.count += m.count
      else kinds.set(kind, { ...m })
    }
  }
  return [...kinds.values()].sort((a, b) => b.count - a.count).slice(0, MAX_QUOTED_LINES)
}

/** Scans a stream in chunks for OOM lines, holding at most one partial line of bounded size. */
export class OomLineScanner {
  private partial = ''
  count = 0
  /** One line of each of the first MAX_QUOTED_LINES distinct messages. */
  readonly quotes: string[] = []
  private readonly kinds = new Map<string, OomMessage>()

  /** Feeds a chunk of output; lines may be split across chunks. */
  push(chunk: string): void {
    const text = this.partial + chunk
    const lines = text.split('\n')
    this.partial = lines.pop() ?? ''
    for (const line of lines) this.line(line)
    if (this.partial.length > MAX_LINE_BUFFER) {
      // A huge line without a newline: count it now if it has the message, else keep only a tail
      // long enough to hold the start of a message that the next chunk completes.
      if (OOM_LINE.test(this.partial)) {
        this.line(this.partial)
        this.partial = ''
      } else {
        this.partial = this.partial.slice(-200)
      }
    }
  }

  /** Flushes the last line, which may have no newline. */
  end(): void {
    if (this.partial !== '') this.line(this.partial)
    this.partial = ''
  }

  private line(line: string): void {
    if (!OOM_LINE.test(line)) return
    this.count++
    // Colour codes from test runners would show as garbage in the summary.
    // eslint-disable-next-line no-control-regex
    const clean = line.replace(/\r$/, '').replace(/\x1b\[[0-9;]*m/g, '').trim()
    const quote = clean.length > MAX_QUOTE_LENGTH ? `${clean.slice(0, MAX_QUOTE_LENGTH)}…` : clean
    const kind = oomKind(clean)
    const seen = this.kinds.get(kind)
    if (seen) {
      seen.count++
      return
    }
    // Bounded: a command printing endless different lines cannot grow this without limit.
    if (this.kinds.size >= MAX_TRACKED_KINDS) return
    this.kinds.set(kind, { text: quote, count: 1 })
    if (this.quotes.length < MAX_QUOTED_LINES) this.quotes.push(quote)
  }

  /** The distinct messages seen, most frequent first (at most MAX_QUOTED_LINES). */
  messages(): OomMessage[] {
    return [...this.kinds.values()].sort((a, b) => b.count - a.count).slice(0, MAX_QUOTED_LINES).map((m) => ({ ...m }))
  }
}
