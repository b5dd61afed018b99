/**
 * What the newer memory and stats fields of Redis 7.4+ and Valkey 8+ explain about a step: the
 * second hash table of a rehashing keyspace after a bulk load, Lua scripts evicted from the script
 * cache, clients dropped for buffer limits. Pure: two snapshots in, data out. Servers without the
 * fields give no facts, since an absent field is not a zero.
 */
import { counterDelta, restarted } from './snapshot.js'
import { engineName } from './info.js'
import { formatBytes, formatCount } from '../core/size.js'
import type { Snapshot } from './snapshot.js'

export type MemoryFactKind = 'rehashing' | 'evicted-scripts' | 'query-buffer-disconnections' | 'output-buffer-disconnections'

export interface MemoryFact {
  kind: MemoryFactKind
  /** The INFO field the fact comes from. */
  field: string
  /** Bytes for `rehashing` (after the step), a count during the step for the others. */
  value: number
  /** One sentence for the report's notes. */
  text: string
}

/** The facts worth a note for this step; empty on servers without the fields or when nothing happened. */
export function memoryFacts(before: Snapshot | null, after: Snapshot): MemoryFact[] {
  const engine = engineName(after.server)
  const restart = restarted(before, after)
  const facts: MemoryFact[] = []
  const rehashing = after.memory.memOverheadDbHashtableRehashing
  if (rehashing !== null && rehashing > 0) {
    facts.push({
      kind: 'rehashing',
      field: 'mem_overhead_db_hashtable_rehashing',
      value: rehashing,
      text:
        `${formatBytes(rehashing)} of ${engine}'s memory after the step is the second hash table of a keyspace that is still rehashing ` +
        '(it grew, e.g. in a bulk load); it is given back once rehashing ends.'
    })
  }
  const grew = (b: number | null | undefined, a: number | null): number | null => (a === null ? null : counterDelta(b, a, restart))
  const scripts = grew(before?.evictedScripts, after.evictedScripts)
  if (scripts !== null && scripts > 0) {
    facts.push({
      kind: 'evicted-scripts',
      field: 'evicted_scripts',
      value: scripts,
      text: `${engine} evicted ${count(scripts, 'Lua script')} from its script cache during the step: the tests send many distinct EVAL scripts (one per call, e.g. with values inlined), and an EVALSHA of an evicted one fails with NOSCRIPT.`
    })
  }
  const query = grew(before?.clientQueryBufferLimitDisconnections, after.clientQueryBufferLimitDisconnections)
  if (query !== null && query > 0) {
    facts.push({
      kind: 'query-buffer-disconnections',
      field: 'client_query_buffer_limit_disconnections',
      value: query,
      text: `${engine} disconnected ${count(query, 'client')} during the step for a query buffer over client-query-buffer-limit (a command or pipeline too large).`
    })
  }
  const output = grew(before?.clientOutputBufferLimitDisconnections, after.clientOutputBufferLimitDisconnections)
  if (output !== null && output > 0) {
    facts.push({
      kind: 'output-buffer-disconnections',
      field: 'client_output_buffer_limit_disconnections',
      value: output,
      text: `${engine} disconnected ${count(output, 'client')} during the step for an output buffer over client-output-buffer-limit (replies read too slowly, or a subscriber falling behind).`
    })
  }
  return facts
}

function count(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`
}
