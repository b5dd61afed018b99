/**
 * The single path's cluster probe, apart from multi.ts so that a step on one plain instance does
 * not load (or bundle into its first chunk) the multi-node engine.
 */
import type { RedisConnection } from '../redis/connection.js'
import { isClusterEnabled } from '../redis/topology.js'

/** Thrown from the single path's first connection when its one URL is a cluster node: the multi path takes over. */
export class ClusterSeed extends Error {
  constructor() {
    super('the Redis in redis-url is a cluster node')
  }
}

/** A `prepare` hook for the single path: with `cluster: auto`, a cluster node hands the step to the multi path. */
export function clusterProbe(mode: 'auto' | 'off'): (conn: RedisConnection) => Promise<void> {
  return async (conn) => {
    if (mode === 'auto' && (await isClusterEnabled(conn))) throw new ClusterSeed()
  }
}
