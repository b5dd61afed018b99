/**
 * What a refused command does to the checks: each check that needs it becomes `unknown`, with the
 * right to grant as its reason. A judging rule, so it sits in judge/ above what observe/ records
 * (the refused commands, in observe/permissions.ts).
 */
import type { CheckName, CheckResult } from './checks.js'
import { denialReason, type Denial } from '../observe/permissions.js'

/** Checks that read INFO: without it their figures are missing, not zero. */
const NEEDS_INFO: ReadonlySet<CheckName> = new Set<CheckName>([
  'oom',
  'used-memory',
  'peak-memory',
  'memory-percent',
  'fragmentation',
  'evictions',
  'peak-increase',
  'used-increase'
])

/** The commands the key inventory needs; without them only INFO keyspace counts keys. */
const KEY_SCAN_COMMANDS: ReadonlySet<string> = new Set(['scan', 'select', 'dbsize'])

/**
 * The checks with every one that depends on a refused command made `unknown`, with the right to
 * grant as its reason. `exactLeaks`: the key inventory counted leaked keys by name, so INFO
 * keyspace was not needed for them.
 */
export function applyDenials(checks: readonly CheckResult[], denials: readonly Denial[], exactLeaks: boolean): CheckResult[] {
  const info = denials.find((d) => d.command === 'info')
  const scan = denials.find((d) => KEY_SCAN_COMMANDS.has(d.command))
  return checks.map((c) => {
    let cause: Denial | undefined
    if (info && NEEDS_INFO.has(c.check)) cause = info
    // Leaked keys come from the inventory's names, or else from INFO keyspace: only both missing leaves nothing.
    else if (c.check === 'leaked-keys' || c.check === 'leaked-keys-increase') cause = exactLeaks ? undefined : info
    else if (c.check === 'wrong-db') cause = scan ?? info
    // A breach stands: it was seen (e.g. OOM lines in the command's output) without the refused command.
    if (!cause || c.status === 'fail' || c.status === 'warn') return c
    // An unknown check gets the real reason too: "not reported by this server" would send the reader to the wrong fix.
    // Even without a limit the figure is missing, not measured: "reported" would show a zero that nobody saw.
    const reason = denialReason(cause)
    const { advice: _advice, ...rest } = c
    return { ...rest, status: 'unknown', measured: null, message: `Could not be checked: ${reason}.`, reason }
  })
}
