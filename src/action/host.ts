/** The step engine's host in the action: lines as the runner's workflow commands (runner.ts), groups as foldable log sections. */
import * as core from './runner.js'
import type { StepHost } from '../step/host.js'
import { plainLogText } from '../core/log-text.js'

export const actionHost: StepHost = {
  // Lines carry text from Redis (replies, CONFIG values, key names): none may start a workflow command.
  info: (line) => core.info(plainLogText(line)),
  warn: (line) => core.warning(line, { title: 'Redis Memory Guard' }),
  debug: (line) => core.debug(line),
  // The runner's log has no overwriting lines: progress is a plain line, and the scan keeps those few.
  progress: (line) => core.info(plainLogText(line)),
  endProgress: () => {},
  group: (title, fn) => core.group(title, fn),
  optionName: (name) => name
}
