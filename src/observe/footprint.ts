/**
 * The guard's own footprint on the Redis it watches, so that it is reported once, as the guard's,
 * and never as the step's.
 *
 * Redis 7 allocates a latency histogram (~24.7 KB, measured on 7.0.15) the first time each command
 * name is called (`latency-tracking yes`, the default) and keeps it until CONFIG RESETSTAT, which
 * the guard never sends (the suite would see its counters reset). So the guard calls each command it
 * will send during and after the step once before the "before" snapshot: the histograms exist on
 * both sides, and a step that does nothing changes nothing. What the guard added is measured
 * between its first INFO and the "before" snapshot.
 */
import { numberField, parseInfo } from './info.js'
import { sleep, type RedisConnection } from '../redis/connection.js'
import { parseClientList } from './clients.js'
import { CLIENT_NAME as GUARD_CLIENT_NAME } from '../redis/connection.js'

/** Bytes one latency histogram holds (used_memory growth per new command name on Redis 7.0.15: 24,788 and 24,688). */
export const LATENCY_HISTOGRAM_BYTES = 24_700

/** What the guard itself added to the server before the step, reported once in `report.guard`. */
export interface GuardFootprint {
  /** The prefix of every connection name of the guard (CLIENT SETNAME), for CLIENT LIST filters. */
  clientName: string
  /** used_memory at the guard's first INFO of the job, and just before the "before" snapshot. */
  usedMemoryAtConnect: number | null
  usedMemoryBefore: number | null
  /** usedMemoryBefore − usedMemoryAtConnect: the guard's histograms and the key scan's leftovers (another client's writes meanwhile would count too). */
  bytes: number | null
  /** Command names whose latency histogram the guard created (none where the server has no INFO latencystats, before 7.0). */
  histogramsAdded: string[]
  /** Estimated bytes of those histograms. */
  histogramBytes: number
}

/** The command names with a latency histogram, from INFO latencystats; null where the section is unknown (before Redis 7.0). */
export function latencyHistogramNames(text: string): string[] | null {
  const names: string[] = []
  let section = false
  for (const line of text.split(/\r?\n/)) {
    if (/^# Latencystats/i.test(line)) section = true
    const m = /^latency_percentiles_usec_([^:]+):/.exec(line)
    if (m) names.push(m[1])
  }
  return section || names.length > 0 ? names : null
}

/** What is read when the guard first connects: used_memory and the histograms that exist. */
export interface FootprintStart {
  usedMemory: number | null
  histograms: string[] | null
}

export async function footprintStart(conn: RedisConnection): Promise<FootprintStart> {
  const [latency, memory] = await Promise.all([conn.info('latencystats').catch(() => ''), conn.info('memory').catch(() => '')])
  return { usedMemory: numberField(parseInfo(memory).memory, 'used_memory'), histograms: latencyHistogramNames(latency) }
}

/**
 * Calls once each command the guard sends later in the step (the sampler's INFO, the key-tracking
 * connection's HELLO, CLIENT TRACKING, MEMORY USAGE and SELECT, the "after" snapshot's CLIENT LIST
 * and MEMORY DOCTOR, a moment's SCAN), in a form that changes nothing: no key is read or touched
 * (MEMORY USAGE of a name that does not exist counts no keyspace miss), no setting is changed.
 * Refused ones are skipped: a refused command creates no histogram later either.
 */
export async function warmGuardCommands(conn: RedisConnection): Promise<void> {
  const db = String(conn.target.db)
  const calls: string[][] = [
    ['PING'],
    ['HELLO'],
    ['CLIENT', 'ID'],
    ['CLIENT', 'LIST', 'TYPE', 'pubsub'],
    ['CLIENT', 'TRACKING', 'OFF'],
    ['MEMORY', 'USAGE', `${GUARD_CLIENT_NAME}:probe`, 'SAMPLES', '1'],
    ['MEMORY', 'STATS'],
    ['MEMORY', 'DOCTOR'],
    ['SELECT', db],
    ['SCAN', '0', 'COUNT', '1', 'MATCH', `${GUARD_CLIENT_NAME}:probe`],
    ['DBSIZE']
  ]
  await Promise.all(calls.map((c) => conn.command(c).catch(() => null)))
}

/** The footprint from the start figures and the "before" snapshot's. */
export async function footprintBefore(conn: RedisConnection, start: FootprintStart, usedMemoryBefore: number | null): Promise<GuardFootprint> {
  const now = latencyHistogramNames(await conn.info('latencystats').catch(() => ''))
  const had = new Set(start.histograms ?? [])
  // Sorted: INFO lists them in its hash table's order, which differs from run to run.
  const added = start.histograms === null || now === null ? [] : now.filter((n) => !had.has(n)).sort()
  return {
    clientName: GUARD_CLIENT_NAME,
    usedMemoryAtConnect: start.usedMemory,
    usedMemoryBefore,
    bytes: start.usedMemory === null || usedMemoryBefore === null ? null : usedMemoryBefore - start.usedMemory,
    histogramsAdded: added,
    histogramBytes: added.length * LATENCY_HISTOGRAM_BYTES
  }
}

/**
 * Waits (up to `timeoutMs`) until the server has dropped the guard's own connections that `gone`
 * names: a connection closed a moment ago (the sampler's, the key scan's) still holds its ~37 KB
 * of buffers until Redis reads the close, and would count in a snapshot as the step's. Both
 * snapshots wait the same way, so their own connection's state is the same. Never throws.
 */
export async function waitForGuardClientsGone(conn: RedisConnection, gone: (name: string) => boolean, timeoutMs = 1000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    let text: string
    try {
      text = String(await conn.command(['CLIENT', 'LIST', 'TYPE', 'normal']))
    } catch {
      return false
    }
    const names = parseClientList(text).map((c) => c.name ?? '')
    if (!names.some((n) => n.startsWith(GUARD_CLIENT_NAME) && gone(n))) return true
    if (Date.now() >= deadline) return false
    await sleep(10)
  }
}
