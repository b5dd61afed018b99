/**
 * Commands the server refused with NOPERM (an ACL user without the right). A refused INFO makes
 * every figure null, which reads as "not reported by this server", and INFO keyspace empty, which
 * reads as "no keys were left behind": a denial must instead make the checks that need the command
 * `unknown` with the right to grant (judge/denials.ts does). Pure, so each rule is tested with plain data.
 */
import { describeError } from '../core/errors.js'

/** One refused command, as the report states it. */
export interface Denial {
  /** The command as Redis names it in its NOPERM reply: `info`, `scan`, `config|get`. */
  command: string
  /** The ACL rule that grants it. */
  grant: string
  /** What the guard could not see without it. */
  costs: string
}

/** The commands the guard sends, what each is for, and what its absence costs. */
export const NEEDED_RIGHTS: readonly { command: string; grant: string; costs: string; optional?: boolean }[] = [
  { command: 'ping', grant: '+ping', costs: 'the guard cannot connect at all' },
  {
    command: 'info',
    grant: '+info',
    costs: 'no memory figure, OOM count, eviction count or keys per DB: every check is unknown and the verdict is at least a warning'
  },
  { command: 'scan', grant: '+scan', costs: 'no key inventory: leaked keys are counted per DB from INFO keyspace, without names or prefixes' },
  { command: 'select', grant: '+select', costs: 'no key inventory outside DB 0 (the scan stops at the first other DB)' },
  { command: 'dbsize', grant: '+dbsize', costs: 'no key inventory (DBSIZE sizes each DB before it is scanned)' },
  { command: 'memory', grant: '+memory', costs: 'keys are counted, not weighed (MEMORY USAGE), and MEMORY DOCTOR is missing' },
  { command: 'config|get', grant: '+config|get', costs: 'attach mode cannot read maxmemory to restore it, so it sets nothing' },
  { command: 'config|set', grant: '+config|set', costs: 'attach mode cannot apply its settings (maxmemory, maxmemory-policy)' },
  { command: 'client|list', grant: '+client|list', costs: 'other clients on a shared Redis are not detected', optional: true },
  { command: 'eval', grant: '+eval +evalsha +script|load', costs: 'the Lua key scan is not used; the pipelined scan is slower', optional: true }
]

/** The command a NOPERM reply names ("... no permissions to run the 'config|get' command"), or null for any other error. */
export function deniedCommand(err: unknown): string | null {
  const message = typeof err === 'string' ? err : describeError(err)
  if (!/NOPERM/i.test(message)) return null
  const named = /run the '([^']+)' command/i.exec(message)
  return (named?.[1] ?? 'unknown').toLowerCase()
}

/** True when the command only adds hints (no check needs it), so its refusal alone does not make a warning. */
export function optionalRight(command: string): boolean {
  return NEEDED_RIGHTS.some((r) => r.optional === true && (r.command === command || r.command.split('|')[0] === command.split('|')[0]))
}

/** The report's line for one refused command. */
export function denialOf(command: string): Denial {
  const known = NEEDED_RIGHTS.find((r) => r.command === command || r.command === command.split('|')[0])
  const grant = known?.grant ?? (command === 'unknown' ? 'the command named in the NOPERM reply' : `+${command}`)
  return { command, grant, costs: known?.costs ?? 'part of the step could not be observed' }
}

/** Denials without repeats, in the order first seen. */
export function denialsOf(commands: readonly (string | null | undefined)[]): Denial[] {
  const seen = new Set<string>()
  const out: Denial[] = []
  for (const c of commands) {
    if (!c || seen.has(c)) continue
    seen.add(c)
    out.push(denialOf(c))
  }
  return out
}

/** "the user may not run INFO: grant +info", the reason a check gives. */
export function denialReason(d: Denial): string {
  return `the user may not run ${d.command.toUpperCase()}: grant ${d.grant}`
}

/** One line for the report's notes. */
export function denialNote(d: Denial): string {
  return `The Redis user may not run ${d.command.toUpperCase()} (grant ${d.grant} in its ACL): ${d.costs}.`
}
