/** Counts OOM replies that show up in a command's output (test runners print the errors they get). */

/** Redis's OOM reply (also inside EVAL, with a script suffix) and Dragonfly's. */
const OOM_PATTERN = /OOM command not allowed when used memory|-?ERR Out of memory/

/** True for one line of output that carries an OOM error. */
export function isOomLine(line: string): boolean {
  return OOM_PATTERN.test(line)
}

/** Feeds chunks of output as they arrive and counts OOM lines, also across chunk boundaries. */
export class OomLineCounter {
  count = 0
  private partial = ''

  push(chunk: string): void {
    const text = this.partial + chunk
    const lines = text.split('\n')
    this.partial = lines.pop() ?? ''
    // A runaway line without newlines should not grow without bound.
    if (this.partial.length > 64 * 1024) this.partial = this.partial.slice(-1024)
    for (const line of lines) if (isOomLine(line)) this.count++
  }

  /** Counts the last line when the output did not end with a newline. */
  end(): number {
    if (this.partial !== '' && isOomLine(this.partial)) this.count++
    this.partial = ''
    return this.count
  }
}
