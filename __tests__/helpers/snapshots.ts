/** Plain-data snapshots for the pure checks and renderers. */
import type { Snapshot } from '../../src/observe/snapshot.js'

const MB = 1024 * 1024

export function snap(overrides: Omit<Partial<Snapshot>, 'memory'> & { memory?: Partial<Snapshot['memory']> } = {}): Snapshot {
  const { memory, ...rest } = overrides
  return {
    takenAt: '2026-11-25T10:00:00.000Z',
    server: { kind: 'redis', version: '7.0.15', redisCompatVersion: '7.0.15', mode: 'standalone', allocator: 'jemalloc-5.3.0' },
    uptimeSeconds: 100,
    runId: 'run-1',
    memory: {
      usedMemory: 1.38 * MB,
      usedMemoryRss: 9.6 * MB,
      usedMemoryPeak: 4.06 * MB,
      usedMemoryDataset: 0.2 * MB,
      usedMemoryOverhead: 0.9 * MB,
      usedMemoryStartup: 0.86 * MB,
      maxmemory: 512 * MB,
      maxmemoryPolicy: 'noeviction',
      memFragmentationRatio: 7.14,
      memFragmentationBytes: 8.2 * MB,
      allocatorFragRatio: 1.2,
      allocatorFragBytes: 0.3 * MB,
      memClientsNormal: 20000,
      totalSystemMemory: 24 * 1024 * MB,
      // Redis 7.0 has none of the 7.4+ fields.
      memOverheadDbHashtableRehashing: null,
      allocatorMuzzy: null,
      ...memory
    },
    connectedClients: 1,
    evictedKeys: 0,
    expiredKeys: 0,
    totalErrorReplies: 0,
    totalCommandsProcessed: 10,
    evictedScripts: null,
    clientQueryBufferLimitDisconnections: null,
    clientOutputBufferLimitDisconnections: null,
    errorstats: {},
    commandstats: { set: { calls: 5, usec: 10, rejectedCalls: 0, failedCalls: 0 } },
    keyspace: {},
    ...rest
  }
}
