/** cluster-nodes with binary nodes: a taken node port is named as the port that was taken, not as the ignored `port` input. */
import { describe, expect, it } from '@jest/globals'
import { createServer, type Server } from 'node:net'
import { startCluster } from '../src/provision/cluster.js'
import { answersPing, freePort } from './helpers/redis-server.js'

describe('cluster-nodes with a taken port', () => {
  it('names the node port that was taken, and stops the nodes that had started', async () => {
    const taken = await new Promise<Server>((resolve) => {
      const srv = createServer()
      srv.listen(0, '127.0.0.1', () => resolve(srv))
    })
    const takenPort = (taken.address() as { port: number }).port
    const free = await Promise.all(Array.from({ length: 5 }, () => freePort()))
    try {
      const start = startCluster({
        masters: 3,
        replicasPerMaster: 0,
        ports: [
          { port: free[0], bus: free[1] },
          { port: takenPort, bus: free[2] },
          { port: free[3], bus: free[4] }
        ],
        timeoutMs: 30_000
      })
      const err = await start.then(
        () => null,
        (e: unknown) => e as Error
      )
      expect(err?.message).toBe(
        `cluster-nodes: port ${takenPort} or its cluster bus port ${free[2]} on 127.0.0.1 was taken by another process while node 2 started. Run the step again: the ports are picked anew.`
      )
      expect(err?.message).not.toMatch(/^port:|Set port to 0/)
    } finally {
      taken.close()
    }
    expect(await answersPing(free[0])).toBe(false)
  })
})
