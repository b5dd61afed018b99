import { describe, expect, it } from '@jest/globals'
import { detectServer, parseInfo, parseKeyspace } from '../src/observe/info.js'
import { snapshotFromInfo } from '../src/observe/snapshot.js'
import { parseRedisUrl, maskUrlText } from '../src/redis/target.js'

const REDIS_INFO = [
  '# Server',
  'redis_version:7.0.15',
  'redis_mode:standalone',
  'run_id:abc',
  'uptime_in_seconds:12',
  '',
  '# Memory',
  'used_memory:1447000',
  'used_memory_peak:4257000',
  'maxmemory:536870912',
  'maxmemory_policy:noeviction',
  'mem_fragmentation_ratio:7.14',
  'mem_fragmentation_bytes:8620000',
  '',
  '# Keyspace',
  'db0:keys=3,expires=1,avg_ttl=1000',
  'db2:keys=10,expires=0,avg_ttl=0',
  ''
].join('\r\n')

describe('parseInfo', () => {
  it('splits sections and fields', () => {
    const s = parseInfo(REDIS_INFO)
    expect(s.server.redis_version).toBe('7.0.15')
    expect(s.memory.used_memory).toBe('1447000')
    expect(parseKeyspace(s.keyspace)).toEqual({
      '0': { keys: 3, expires: 1, avgTtl: 1000 },
      '2': { keys: 10, expires: 0, avgTtl: 0 }
    })
  })

  it('keeps absent fields null, never 0', () => {
    const snap = snapshotFromInfo(parseInfo(REDIS_INFO))
    expect(snap.memory.usedMemory).toBe(1447000)
    expect(snap.memory.usedMemoryRss).toBeNull()
    expect(snap.memory.allocatorFragRatio).toBeNull()
    expect(snap.errorstats).toBeNull()
    expect(snap.evictedKeys).toBeNull()
  })
})

describe('detectServer', () => {
  it('tells Valkey by server_name, not by its Redis-compatible version', () => {
    expect(detectServer({ redis_version: '7.2.4', server_name: 'valkey', valkey_version: '8.0.1' })).toMatchObject({
      kind: 'valkey',
      version: '8.0.1',
      redisCompatVersion: '7.2.4'
    })
  })
  it('knows Dragonfly and KeyDB', () => {
    expect(detectServer({ redis_version: '7.4.0', dragonfly_version: 'df-v1.25.0' }).kind).toBe('dragonfly')
    expect(detectServer({ redis_version: '6.3.4', server_name: 'KeyDB' }).kind).toBe('keydb')
  })
  it('defaults to Redis, and to unknown without a version', () => {
    expect(detectServer({ redis_version: '7.0.15' })).toMatchObject({ kind: 'redis', version: '7.0.15' })
    expect(detectServer(undefined).kind).toBe('unknown')
  })
})

describe('parseRedisUrl', () => {
  it('reads user, password, db and TLS, and masks the password', () => {
    const t = parseRedisUrl('rediss://app:s3cr%40t@cache.local:6380/2')
    expect(t).toMatchObject({ host: 'cache.local', port: 6380, db: 2, username: 'app', password: 's3cr@t', tls: true })
    expect(t.display).toBe('rediss://app:***@cache.local:6380/2')
    expect(t.display).not.toContain('s3cr')
  })
  it('defaults the port', () => {
    expect(parseRedisUrl('redis://localhost').port).toBe(6379)
  })
  it.each([
    ['http://localhost:6379', 'redis-url: the scheme must be redis:// or rediss://, not http://.'],
    ['localhost:6379', 'redis-url: the scheme must be redis:// or rediss://'],
    ['redis://localhost:6379/two', 'redis-url: the database "/two" must be a number, e.g. redis://localhost:6379/2.'],
    ['not a url', 'redis-url: "not a url" is not a URL.']
  ])('rejects %s', (url, message) => {
    expect(() => parseRedisUrl(url)).toThrow(message)
  })
  it('masks passwords in any text', () => {
    expect(maskUrlText('failed redis://:hunter2@h:1 and rediss://u:p@x')).toBe('failed redis://:***@h:1 and rediss://u:***@x')
  })
})
