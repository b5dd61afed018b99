/**
 * The one typed channel from the main step to the post step. Values are saved as JSON with
 * core.saveState and read back with core.getState; a value that does not parse reads as absent.
 */
import * as core from '@actions/core'
import type { Provisioned } from '../provision/index.js'
import type { BegunStep } from '../step/engine.js'
import type { BegunMulti } from '../step/multi.js'
import { State } from './constants.js'

interface StateValues {
  [State.WorkDir]: string
  [State.MainError]: string
  [State.Provisioned]: Provisioned | null
  /** One Redis: its begun step; several instances or a cluster: one begun step per node. */
  [State.Step]: BegunStep | BegunMulti
  [State.ReportDone]: boolean
}

export function saveState<K extends State>(key: K, value: StateValues[K]): void {
  core.saveState(key, JSON.stringify(value))
}

export function readState<K extends State>(key: K): StateValues[K] | null {
  const text = core.getState(key)
  if (!text) return null
  try {
    return JSON.parse(text) as StateValues[K]
  } catch {
    return null
  }
}
