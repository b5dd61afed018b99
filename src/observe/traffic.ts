/**
 * Whether the step's tests talked to the Redis the guard watched. Between the two snapshots the
 * guard itself sends only INFO (the snapshots' and the sampler's), PING, AUTH/HELLO/SELECT and
 * CLIENT SETNAME on connect, and the key tracking's CLIENT TRACKING and MEMORY USAGE, so commands
 * of any other kind are the step's. None at all means the tests most likely
 * used another Redis, and every figure of this one is a quiet, meaningless pass. Pure.
 */
import { commandDeltas } from './commandstats.js'
import { engineName } from './info.js'
import type { Snapshot } from './snapshot.js'

/** What the guard sends between the two snapshots; these kinds cannot show the step's own traffic. */
export const GUARD_COMMANDS: ReadonlySet<string> = new Set([
  'info',
  'ping',
  'auth',
  'hello',
  'select',
  'quit',
  'client|setinfo',
  'client|setname',
  'client|id',
  'client|list',
  // Every connection of the guard is named.
  'client|setname',
  // The first-seen recorder: key tracking on its own connection, and its probes of the keys the step wrote.
  'client|tracking',
  'memory|usage',
  // What earlier versions of the recorder sent (notify-keyspace-events and a subscription), for reports read by diff.
  'config|get',
  'config|set',
  'psubscribe',
  'punsubscribe'
])

export interface StepTraffic {
  /** Calls (refused and failed included) of commands the guard does not send. */
  stepCalls: number
  /** Those commands, most calls first. */
  commands: string[]
}

/** The step's own commands from commandstats; null where it cannot be told (no commandstats, or no step). */
export function stepTraffic(before: Snapshot | null, after: Snapshot | null): StepTraffic | null {
  const deltas = commandDeltas(before, after)
  if (deltas === null) return null
  // Two live readings always differ by the guard's own INFO calls: without them, these are not two readings of one running server.
  if (!deltas.some((d) => d.command.toLowerCase() === 'info' && d.calls > 0)) return null
  let stepCalls = 0
  const commands: string[] = []
  for (const d of deltas) {
    if (GUARD_COMMANDS.has(d.command.toLowerCase())) continue
    const calls = d.calls + (d.rejectedCalls ?? 0) + (d.failedCalls ?? 0)
    if (calls === 0) continue
    stepCalls += calls
    commands.push(d.command)
  }
  return { stepCalls, commands }
}

/** The warning for a step that sent this Redis nothing of its own, or null when it did (or it cannot be told). */
export function untouchedWarning(traffic: StepTraffic | null, after: Snapshot | null): string | null {
  if (traffic === null || traffic.stepCalls > 0 || after === null) return null
  const engine = engineName(after.server)
  return (
    `The step sent no command to this ${engine} besides the guard's own (INFO, PING): the tests probably used another ${engine}, ` +
    'e.g. they connect to a host and port of their own (a fixed port, another REDIS_HOST) rather than REDIS_URL, so these figures say nothing about them.'
  )
}
