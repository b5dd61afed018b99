/** The step engine's host in the action: lines as the runner's workflow commands (runner.ts), groups as foldable log sections. */
import * as core from './runner.js'
import type { StepHost } from '../core/host.js'

export const actionHost: StepHost = {
  info: (line) => core.info(line),
  warn: (line) => core.warning(line, { title: 'Redis Memory Guard' }),
  debug: (line) => core.debug(line),
  // The runner's log has no overwriting lines: progress is a plain line, and the scan keeps those few.
  progress: (line) => core.info(line),
  endProgress: () => {},
  group: (title, fn) => core.group(title, fn),
  optionName: (name) => name
}
