/** Finding Redis's OOM message in a command's output. Pure: chunks in, counts and quotes out. */

/** Redis's refusal (`-OOM command not allowed when used memory > 'maxmemory'.`) and Dragonfly's. */
const OOM_LINE = /OOM command not allowed when used memory|\bERR Out of memory\b/

/** How many OOM lines the report quotes, and how much of each. */
export const MAX_QUOTED_LINES = 5
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
  /** The first few of them, cut to a sane length. */
  oomQuotes: string[]
}

/** Scans a stream in chunks for OOM lines, holding at most one partial line of bounded size. */
export class OomLineScanner {
  private partial = ''
  count = 0
  readonly quotes: string[] = []

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
    if (this.quotes.length < MAX_QUOTED_LINES) {
      // Colour codes from test runners would show as garbage in the summary.
      // eslint-disable-next-line no-control-regex
      const clean = line.replace(/\r$/, '').replace(/\x1b\[[0-9;]*m/g, '').trim()
      this.quotes.push(clean.length > MAX_QUOTE_LENGTH ? `${clean.slice(0, MAX_QUOTE_LENGTH)}…` : clean)
    }
  }
}
