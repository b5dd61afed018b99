/** The step engine's host in the action: lines through @actions/core, every phase a foldable log section. */
import * as core from '@actions/core'
import type { StepHost } from '../core/host.js'
import { plainLogText } from '../core/log-text.js'

/** Groups open now: the runner's log cannot fold a group inside another one. */
let openGroups = 0

/**
 * A foldable section of the log around `fn`. Inside a section already open, its title becomes a
 * plain line instead: the runner has no nested groups, and a second `::group::` would end the first.
 */
export async function phase<T>(title: string, fn: () => Promise<T>): Promise<T> {
  if (openGroups > 0) {
    core.info(title)
    return fn()
  }
  openGroups++
  try {
    return await core.group(title, fn)
  } finally {
    openGroups--
  }
}

export const actionHost: StepHost = {
  // Lines carry text from Redis (replies, CONFIG values, key names): none may start a workflow command.
  info: (line) => core.info(plainLogText(line)),
  warn: (line) => core.warning(line, { title: 'Redis Memory Guard' }),
  debug: (line) => core.debug(line),
  // The runner's log has no overwriting lines: progress is a plain line, and the scan keeps those few.
  progress: (line) => core.info(plainLogText(line)),
  endProgress: () => {},
  group: phase,
  optionName: (name) => name
}
