/**
 * Colours for the terminal, only where a person reads them: a TTY, and not when NO_COLOR is set
 * (no-color.org). The escape codes are Node's own (`util.styleText`); whether to use them is
 * decided here, per stream, so the one decision holds on every Node the CLI runs on.
 */
import { styleText } from 'node:util'

export interface Colours {
  enabled: boolean
  red(s: string): string
  green(s: string): string
  yellow(s: string): string
  cyan(s: string): string
  dim(s: string): string
  bold(s: string): string
}

/** True when colours should be used on a stream: it is a TTY, NO_COLOR is unset or empty, and --no-color was not given. */
export function wantColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, noColorFlag = false): boolean {
  if (noColorFlag) return false
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  return stream.isTTY === true
}

type Format = 'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold'

export function colours(enabled: boolean): Colours {
  // validateStream: false, as the decision is wantColour's: newer Nodes would otherwise look at
  // process.stdout, not at the stream (often stderr) the text is written to.
  const style =
    (format: Format) =>
    (s: string): string =>
      enabled ? styleText(format, s, { validateStream: false }) : s
  return {
    enabled,
    red: style('red'),
    green: style('green'),
    yellow: style('yellow'),
    cyan: style('cyan'),
    dim: style('dim'),
    bold: style('bold')
  }
}
