/**
 * The command's output lines with the time each arrived, so a leaked key can be shown beside the
 * last line printed before it appeared (often the name of the test that was running). Pure: the
 * caller feeds chunks with their time. Bounded: at most one line per `slotMs` is kept (the last of
 * the slot), up to `maxLines`, the oldest dropped first, each cut to `maxLength`.
 */
export interface TimedLine {
  at: number
  text: string
}

export class OutputTimeline {
  private readonly lines: TimedLine[] = []
  private partial = ''
  /** Lines dropped from the start because the timeline was full. */
  dropped = 0

  constructor(
    private readonly maxLines = 20_000,
    private readonly slotMs = 20,
    private readonly maxLength = 200
  ) {}

  /** Feeds a chunk of output that arrived at `at` (epoch ms). */
  push(chunk: string, at: number): void {
    const parts = (this.partial + chunk).split('\n')
    this.partial = parts.pop() ?? ''
    if (this.partial.length > 4 * this.maxLength) this.partial = this.partial.slice(0, 4 * this.maxLength)
    for (const raw of parts) this.add(raw, at)
  }

  end(at: number): void {
    if (this.partial !== '') this.add(this.partial, at)
    this.partial = ''
  }

  private add(raw: string, at: number): void {
    // Colour codes and carriage returns from test runners would show as garbage.
    // eslint-disable-next-line no-control-regex
    const clean = raw.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r/g, '').trim()
    if (clean === '') return
    const text = clean.length > this.maxLength ? `${clean.slice(0, this.maxLength)}…` : clean
    const last = this.lines[this.lines.length - 1]
    if (last && at - last.at < this.slotMs && Math.floor(at / this.slotMs) === Math.floor(last.at / this.slotMs)) {
      last.text = text
      last.at = at
      return
    }
    this.lines.push({ at, text })
    if (this.lines.length > this.maxLines) {
      this.lines.shift()
      this.dropped++
    }
  }

  /** The last line that arrived at or before `at`; null when none did (or it was dropped). */
  lineBefore(at: number): TimedLine | null {
    let lo = 0
    let hi = this.lines.length - 1
    let found: TimedLine | null = null
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (this.lines[mid].at <= at) {
        found = this.lines[mid]
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }
}
