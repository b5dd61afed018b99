/** Plain-data reports for the renderer tests. */
import { DEFAULT_THRESHOLDS, parseFailOn } from '../../src/judge/checks.js'
import { parseRedisUrl } from '../../src/redis/target.js'
import { buildReport } from '../../src/report/build.js'
import type { Report } from '../../src/report/schema.js'
import type { Snapshot } from '../../src/observe/snapshot.js'
import { snap } from './snapshots.js'

const MB = 1024 * 1024
export const NOW = new Date('2026-11-25T10:05:00.000Z')

/** A failing step: OOM errors, keys left behind, a near-full maxmemory, MEMORY DOCTOR's text. */
export function oomReport(over: { after?: Partial<Snapshot>; before?: Partial<Snapshot> } = {}): Report {
  const before = snap({
    memory: { usedMemory: 1.2 * MB, maxmemory: 8 * MB },
    keyspace: { '0': { keys: 2, expires: 0, avgTtl: 0 } },
    errorstats: {},
    commandstats: {
      info: { calls: 10, usec: 100, rejectedCalls: 0, failedCalls: 0 },
      set: { calls: 5, usec: 20, rejectedCalls: 0, failedCalls: 0 }
    },
    ...over.before
  })
  const after = snap({
    memory: { usedMemory: 7.9 * MB, usedMemoryPeak: 8 * MB, usedMemoryDataset: 6.5 * MB, usedMemoryOverhead: 1.4 * MB, maxmemory: 8 * MB, memFragmentationRatio: 1.3 },
    keyspace: { '0': { keys: 120, expires: 3, avgTtl: 0 }, '3': { keys: 4, expires: 0, avgTtl: 0 } },
    errorstats: { OOM: 3 },
    evictedKeys: 0,
    connectedClients: 4,
    commandstats: {
      info: { calls: 17, usec: 170, rejectedCalls: 0, failedCalls: 0 },
      set: { calls: 127, usec: 900, rejectedCalls: 3, failedCalls: 0 },
      get: { calls: 40, usec: 80, rejectedCalls: 0, failedCalls: 0 },
      'client|setname': { calls: 1, usec: 1, rejectedCalls: 0, failedCalls: 0 }
    },
    memoryDoctor: 'Sam, I detected a few issues in this Redis instance memory implants:\n\n * Peak memory: In the past this instance used more than 150% the memory that is currently using.\n',
    ...over.after
  })
  return buildReport({
    target: parseRedisUrl('redis://:secret@127.0.0.1:6390/0', 'redis-url'),
    before,
    after,
    thresholds: { ...DEFAULT_THRESHOLDS, maxLeakedKeys: 0, failOn: parseFailOn('oom,memory-percent') },
    now: NOW
  })
}

/** A clean step. */
export function passReport(): Report {
  return buildReport({
    target: parseRedisUrl('redis://127.0.0.1:6390', 'redis-url'),
    before: snap(),
    after: snap(),
    thresholds: DEFAULT_THRESHOLDS,
    now: NOW
  })
}
