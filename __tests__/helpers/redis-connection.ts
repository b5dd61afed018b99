/** For tests of code that takes a RedisConnection: a started server plus our connection to it. */
import { afterAll } from '@jest/globals'
import { connect, type RedisConnection } from '../../src/redis/connection.js'
import { parseRedisUrl } from '../../src/redis/target.js'
import { startRedis, type TestRedis } from './redis-server.js'

/**
 * For one test file: starts a server (with `args`), connects to it (through `url(r)` when given,
 * e.g. to add a password), and closes and stops everything once the file's tests are done.
 */
export function connectedRedisPerFile(): (args?: string[], url?: (r: TestRedis) => string) => Promise<{ r: TestRedis; conn: RedisConnection }> {
  const servers: TestRedis[] = []
  const conns: RedisConnection[] = []
  afterAll(async () => {
    await Promise.all(conns.map((c) => c.close()))
    await Promise.all(servers.map((s) => s.stop()))
  })
  return async (args = [], url) => {
    const r = await startRedis(args)
    servers.push(r)
    const conn = await connect(parseRedisUrl(url ? url(r) : r.url, 'redis-url'), { timeoutMs: 5000 })
    conns.push(conn)
    return { r, conn }
  }
}
