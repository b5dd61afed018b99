/** takeInventory against real redis-server processes: both scan methods, binary names, the budget, servers without MEMORY USAGE. */
import { describe, expect, it } from '@jest/globals'
import { takeInventory, unpackScanReply, type ScanOptions } from '../src/keys/inventory.js'
import { parseIgnoreKeys } from '../src/keys/prefix.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'

const redis = connectedRedisPerFile()

const base: ScanOptions = { rule: { delimiter: ':', depth: 2 }, ignore: null, budgetMs: 30_000 }
const latin1 = (b: Buffer): string => b.toString('latin1')

async function load(port: number): Promise<void> {
  await redisCommands(port, [
    ['SET', 'session:8f3a9c01d2', 'x'.repeat(1000)],
    ['SET', 'session:91bc7d0e55', 'y', 'EX', '300'],
    ['SET', 'user:1:profile', 'a'],
    ['SET', 'user:2:profile', 'b'],
    ['RPUSH', 'queue:jobs', 'a', 'b', 'c'],
    ['SET', 'bull:mail:1', 'z'],
    ['SELECT', '4'],
    ['SET', 'cache:home', 'page']
  ])
}

describe('takeInventory', () => {
  it('groups every key of every DB, the same with the Lua fast path and with the pipeline', async () => {
    const { r, conn } = await redis()
    await load(r.port)
    const lua = await takeInventory(conn, { ...base, method: 'lua' })
    const pipe = await takeInventory(conn, { ...base, method: 'pipeline' })
    expect(lua.method).toBe('lua')
    expect(pipe.method).toBe('pipeline')
    const view = (inv: typeof lua): string[] => inv.groups.map((g) => `${g.db} ${g.prefix} ${g.keys} ${g.bytes}`).sort()
    expect(view(lua)).toEqual(view(pipe))
    expect(lua.groups.map((g) => `${g.db} ${g.prefix} ${g.keys}`).sort()).toEqual(['0 bull:mail:*', '0 queue:jobs', '0 session:*', '0 user:*', '4 cache:home'].map((s, i) => s + [' 1', ' 1', ' 2', ' 2', ' 1'][i]))
    const memory = Number(await redisCommand(r.port, 'MEMORY', 'USAGE', 'session:8f3a9c01d2'))
    expect(lua.topKeys[0]).toMatchObject({ db: 0, key: 'session:8f3a9c01d2', bytes: memory, ttlMs: -1 })
    expect(lua.dbs).toEqual([
      { db: 0, dbsize: 6, scanned: 6, ignored: 0, complete: true },
      { db: 4, dbsize: 1, scanned: 1, ignored: 0, complete: true }
    ])
    expect(lua.complete).toBe(true)
    // Our own connection stays in its DB.
    expect(await conn.command(['DBSIZE'])).toBe(6)
  })

  it('falls back to the pipeline when scripting is unavailable, and says why', async () => {
    const { r, conn } = await redis(['--rename-command', 'SCRIPT', 'no-script', '--rename-command', 'EVALSHA', 'no-evalsha', '--rename-command', 'EVAL', 'no-eval'])
    await load(r.port)
    const lines: string[] = []
    const inv = await takeInventory(conn, { ...base, method: 'lua', log: (l) => lines.push(l) })
    expect(inv.method).toBe('pipeline')
    expect(inv.fallbackReason).toMatch(/unknown command/i)
    expect(lines.join('\n')).toContain('the Lua fast path failed')
    expect(inv.groups.reduce((s, g) => s + g.keys, 0)).toBe(7)
  })

  it('counts keys on a server without MEMORY USAGE', async () => {
    const { r, conn } = await redis(['--rename-command', 'MEMORY', 'no-memory'])
    await load(r.port)
    const inv = await takeInventory(conn, base)
    expect(inv.memoryUsage).toBe(false)
    expect(inv.groups.reduce((s, g) => s + g.keys, 0)).toBe(7)
    expect(inv.groups.every((g) => g.bytes === 0)).toBe(true)
  })

  it('keeps binary key names byte for byte and hands TTLs to the caller who asks', async () => {
    const { r, conn } = await redis()
    const names = [Buffer.from([0x62, 0x3a, 0xff, 0x00, 0xfe]), Buffer.from('with space:and\nnewline'), Buffer.from('md:*_`|[x](y)@all')]
    await redisCommands(r.port, [
      ['SET', names[0], 'v'],
      ['SET', names[1], 'v', 'PX', '600000'],
      ['SET', names[2], 'v']
    ])
    const seen: [string, number | null][] = []
    const inv = await takeInventory(conn, { ...base, needTtl: (_db, key) => key !== latin1(names[2]), onKey: (_db, key, _p, _b, ttl) => seen.push([key, ttl]) })
    const byName = new Map(seen)
    expect(byName.get(latin1(names[0]))).toBe(-1)
    expect(byName.get(latin1(names[1]))).toBeGreaterThan(590_000)
    expect(byName.get(latin1(names[2]))).toBeNull()
    expect(inv.groups.map((g) => g.prefix).sort()).toEqual(['b:\u00ff\u0000\u00fe', 'md:*_`|[x](y)@all', 'with space:and\nnewline'].sort())
  })

  it('leaves out ignore-keys', async () => {
    const { r, conn } = await redis()
    await load(r.port)
    const inv = await takeInventory(conn, { ...base, ignore: parseIgnoreKeys('bull:*,session:*').matcher })
    expect(inv.groups.map((g) => g.prefix).sort()).toEqual(['cache:home', 'queue:jobs', 'user:*'])
    expect(inv.dbs[0].ignored).toBe(3)
  })

  it('stops at the budget, logs progress and extrapolates by DBSIZE', async () => {
    const { r, conn } = await redis(['--enable-debug-command', 'yes'])
    await redisCommand(r.port, 'DEBUG', 'POPULATE', '60000', 'big')
    await redisCommand(r.port, 'DEBUG', 'POPULATE', '60000', 'small')
    const lines: string[] = []
    const started = Date.now()
    const inv = await takeInventory(conn, { ...base, budgetMs: 30, count: 100, progressEveryMs: 0, log: (l) => lines.push(l) })
    expect(Date.now() - started).toBeLessThan(5000)
    expect(inv.complete).toBe(false)
    expect(inv.dbs[0].scanned).toBeGreaterThan(0)
    expect(inv.dbs[0].scanned).toBeLessThan(120_000)
    expect(inv.groups.every((g) => g.estimated)).toBe(true)
    const estimated = inv.groups.reduce((s, g) => s + g.keys, 0)
    expect(Math.abs(estimated - 120_000)).toBeLessThan(120)
    expect(lines.some((l) => /Key scan: [\d,]+ of ~120,000 keys, DB 0/.test(l))).toBe(true)
  })

  it('gives the same keys and sizes on both paths when a batch holds more keys than Lua unpacks at once', async () => {
    const { r, conn } = await redis(['--enable-debug-command', 'yes'])
    await redisCommand(r.port, 'DEBUG', 'POPULATE', '9000', 'bulk')
    await redisCommands(r.port, [['SET', Buffer.from([0x62, 0x3a, 0xff, 0x00]), 'x'.repeat(300)], ['RPUSH', 'list:1', 'a', 'b']])
    const collect = async (method: 'lua' | 'pipeline'): Promise<string[]> => {
      const seen: string[] = []
      const inv = await takeInventory(conn, { ...base, method, count: 20_000, onKey: (_db, key, prefix, bytes) => seen.push(`${key} ${prefix} ${bytes}`) })
      // No fallback: the Lua path itself gave these.
      expect(inv.method).toBe(method)
      return seen.sort()
    }
    const lua = await collect('lua')
    expect(lua).toHaveLength(9002)
    expect(lua).toEqual(await collect('pipeline'))
    const memory = Number(await redisCommand(r.port, 'MEMORY', 'USAGE', 'bulk:8999'))
    expect(lua).toContain(`bulk:8999 bulk:* ${memory}`)
  })
})

describe('unpackScanReply', () => {
  const u32 = (...n: number[]): Buffer => Buffer.from(new Uint32Array(n).buffer)
  const f64 = (...n: number[]): Buffer => Buffer.from(new Float64Array(n).buffer)

  it('splits the names by their lengths and reads each size', () => {
    const batch = unpackScanReply([Buffer.from('17'), Buffer.from([0x61, 0xff, 0x00, 0x62, 0x63]), u32(3, 0, 2), f64(56, 40, 5_000_000_000)])
    expect(batch.cursor).toBe('17')
    expect(batch.keys).toEqual(['a\u00ff\u0000', '', 'bc'])
    expect(Array.from(batch.bytes)).toEqual([56, 40, 5_000_000_000])
  })

  it('gives sizes of 0 when the server measured nothing', () => {
    const batch = unpackScanReply([Buffer.from('0'), Buffer.from('ab'), u32(1, 1), Buffer.alloc(0)])
    expect(batch.keys).toEqual(['a', 'b'])
    expect(Array.from(batch.bytes)).toEqual([0, 0])
  })

  it('refuses parts that do not fit together', () => {
    expect(() => unpackScanReply([Buffer.from('0'), Buffer.from('abc'), u32(1, 1), Buffer.alloc(0)])).toThrow(/unexpected reply/)
    expect(() => unpackScanReply([Buffer.from('0'), Buffer.from('ab'), u32(1, 5), Buffer.alloc(0)])).toThrow(/unexpected reply/)
    expect(() => unpackScanReply([Buffer.from('0'), Buffer.from('ab'), u32(1, 1), f64(1)])).toThrow(/unexpected reply/)
    expect(() => unpackScanReply([Buffer.from('0'), Buffer.from('ab'), Buffer.alloc(3), Buffer.alloc(0)])).toThrow(/unexpected reply/)
  })
})
