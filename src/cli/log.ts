/**
 * The CLI's one logger. The report goes to stdout; everything about the run itself (where Redis
 * is, the throwaway server, errors) goes to stderr, so `--json > report.json` stays clean.
 */
import { colours, wantColour, type Colours } from './colours.js'

export interface Writable {
  write(text: string): unknown
  isTTY?: boolean
}

export interface Logger {
  /** Colours for stdout (the report). */
  out: Colours
  /** Colours for stderr (status and errors). */
  err: Colours
  /** Whether stderr is a terminal, for progress lines that overwrite themselves. */
  interactive: boolean
  /** Prints report text to stdout. */
  report(text: string): void
  /** A status line on stderr. */
  info(text: string): void
  warn(text: string): void
  error(text: string): void
  /** Overwrites the current stderr line (TTY only; a no-op elsewhere). */
  progress(text: string): void
  /** Clears a progress line. */
  endProgress(): void
}

export function createLogger(
  stdout: Writable = process.stdout,
  stderr: Writable = process.stderr,
  env: NodeJS.ProcessEnv = process.env,
  noColorFlag = false
): Logger {
  const out = colours(wantColour(stdout, env, noColorFlag))
  const err = colours(wantColour(stderr, env, noColorFlag))
  const interactive = stderr.isTTY === true
  let progressShown = false
  const clear = (): void => {
    if (progressShown) {
      stderr.write('\r\u001b[2K')
      progressShown = false
    }
  }
  return {
    out,
    err,
    interactive,
    report: (text) => {
      clear()
      stdout.write(text.endsWith('\n') ? text : `${text}\n`)
    },
    info: (text) => {
      clear()
      stderr.write(`${err.dim('redis-memory-guard:')} ${text}\n`)
    },
    warn: (text) => {
      clear()
      stderr.write(`${err.yellow('redis-memory-guard: warning:')} ${text}\n`)
    },
    error: (text) => {
      clear()
      stderr.write(`${err.red('redis-memory-guard: error:')} ${text}\n`)
    },
    progress: (text) => {
      if (!interactive) return
      stderr.write(`\r\u001b[2K${err.dim(text)}`)
      progressShown = true
    },
    endProgress: clear
  }
}
