/** The raw pipelined scan (src/keys/raw.ts): the RESP parser on split chunks, and takeInventory against real redis-server processes. */
import { describe, expect, it } from '@jest/globals'
import { connect, type RedisConnection } from '../src/redis/connection.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { takeInventory, type MethodChoice, type ScanOptions } from '../src/keys/inventory.js'
import { RawScanner, ReplyError, RespParser, encodeBatch, encodeCommand, type RespValue } from '../src/keys/raw.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'

const redis = connectedRedisPerFile()

const base: ScanOptions = { rule: { delimiter: ':', depth: 2 }, ignore: null, budgetMs: 30_000 }
const latin1 = (b: Buffer): string => b.toString('latin1')

/** Every key the scan saw, as `db key prefix bytes`, sorted, and the method that gave them. */
async function collect(conn: RedisConnection, method: MethodChoice, extra: Partial<ScanOptions> = {}): Promise<{ method: string; reason?: string; keys: string[] }> {
  const keys: string[] = []
  const inv = await takeInventory(conn, { ...base, ...extra, method, onKey: (db, key, prefix, bytes) => keys.push(`${db} ${key} ${prefix} ${bytes}`) })
  return { method: inv.method, reason: inv.fallbackReason, keys: keys.sort() }
}

describe('RespParser', () => {
  const replies: RespValue[] = [
    42,
    -7,
    'OK',
    null,
    '',
    latin1(Buffer.from([0x62, 0x3a, 0xff, 0x00, 0x0d, 0x0a, 0x24])),
    ['17', ['session:1', latin1(Buffer.from([0xfe, 0x0d])), '']],
    [],
    null,
    new ReplyError('ERR unknown command'),
    1_234_567_890_123,
    ['a', null, 5, ['x', []], new ReplyError('ERR inside'), 'bc']
  ]
  const wire = Buffer.concat([
    Buffer.from(':42\r\n:-7\r\n+OK\r\n$-1\r\n$0\r\n\r\n', 'latin1'),
    Buffer.from([0x24, 0x37, 0x0d, 0x0a, 0x62, 0x3a, 0xff, 0x00, 0x0d, 0x0a, 0x24, 0x0d, 0x0a]),
    Buffer.from('*2\r\n$2\r\n17\r\n*3\r\n$9\r\nsession:1\r\n$2\r\n\xfe\r\r\n$0\r\n\r\n', 'latin1'),
    Buffer.from('*0\r\n*-1\r\n-ERR unknown command\r\n:1234567890123\r\n', 'latin1'),
    Buffer.from('*6\r\n$1\r\na\r\n$-1\r\n:5\r\n*2\r\n$1\r\nx\r\n*0\r\n-ERR inside\r\n$2\r\nbc\r\n', 'latin1')
  ])
  const parse = (chunks: Buffer[]): RespValue[] => {
    const out: RespValue[] = []
    const parser = new RespParser((v) => out.push(v))
    for (const c of chunks) parser.push(c)
    expect(parser.pending).toBe(0)
    return out
  }

  it('reads integers, strings, nulls, errors and nested arrays with binary names', () => {
    const out = parse([wire])
    expect(out).toEqual(replies)
    expect(out[9]).toBeInstanceOf(ReplyError)
  })

  it('gives the same replies however the bytes are split', () => {
    for (let cut = 1; cut < wire.length; cut++) {
      expect(parse([wire.subarray(0, cut), wire.subarray(cut)])).toEqual(replies)
    }
    expect(parse(Array.from(wire, (b) => Buffer.from([b])))).toEqual(replies)
    // Three pieces: a reply resumed twice, from inside a bulk string, a length or an array header.
    for (let a = 1; a < wire.length; a += 3) {
      for (let b = a + 1; b < wire.length; b += 5) expect(parse([wire.subarray(0, a), wire.subarray(a, b), wire.subarray(b)])).toEqual(replies)
    }
  })

  it('refuses malformed replies', () => {
    expect(() => parse([Buffer.from('?x\r\n')])).toThrow(/unknown type/)
    expect(() => parse([Buffer.from(':4x\r\n')])).toThrow(/bad number/)
    expect(() => parse([Buffer.from('$2\r\nabc\r\n')])).toThrow(/bulk string/)
  })
})

describe('encodeBatch', () => {
  it('writes SCAN and one MEMORY USAGE per key as RESP, byte for byte', () => {
    const bin = latin1(Buffer.from([0xff, 0x00, 0x0d, 0x0a]))
    const long = 'k'.repeat(100)
    const expected = Buffer.concat([
      encodeCommand(['SCAN', '42', 'COUNT', '1000']),
      ...['a', bin, '', long].map((k) => encodeCommand(['MEMORY', 'USAGE', k]))
    ])
    expect(encodeBatch('42', '1000', ['a', bin, '', long])).toEqual(expected)
    expect(encodeBatch(null, '1000', ['a'])).toEqual(encodeCommand(['MEMORY', 'USAGE', 'a']))
    expect(encodeCommand(['MEMORY', 'USAGE', bin]).toString('latin1')).toBe(`*3\r\n$6\r\nMEMORY\r\n$5\r\nUSAGE\r\n$4\r\n${bin}\r\n`)
  })
})

describe('takeInventory with the raw pipelined scan', () => {
  it('is the default and gives the same keys and sizes as the Lua path, binary names and a 9,002-key batch included', async () => {
    const { r, conn } = await redis(['--enable-debug-command', 'yes'])
    await redisCommand(r.port, 'DEBUG', 'POPULATE', '9000', 'bulk')
    const names = [Buffer.from([0x62, 0x3a, 0xff, 0x00, 0x0d, 0x0a]), Buffer.from('with space:and\nnewline'), Buffer.from('md:*_`|[x](y)@all')]
    await redisCommands(r.port, [
      ['SET', names[0], 'x'.repeat(300)],
      ['RPUSH', names[1], 'a', 'b'],
      ['SET', names[2], 'v'],
      ['SELECT', '5'],
      ['SET', 'cache:home', 'page']
    ])
    const raw = await collect(conn, 'auto', { count: 20_000 })
    const lua = await collect(conn, 'lua', { count: 20_000 })
    expect(raw.method).toBe('raw')
    expect(lua.method).toBe('lua')
    expect(raw.keys).toHaveLength(9004)
    expect(raw.keys).toEqual(lua.keys)
    const memory = Number(await redisCommand(r.port, 'MEMORY', 'USAGE', names[0]))
    expect(raw.keys).toContain(`0 ${latin1(names[0])} b:\u00ff\u0000\r\n ${memory}`)
    // The default COUNT too, over many batches.
    expect((await collect(conn, 'raw')).keys).toEqual(lua.keys)
  })

  it('gives every key once to a caller slower than Redis (read-ahead is bounded)', async () => {
    const { r, conn } = await redis(['--enable-debug-command', 'yes'])
    await redisCommand(r.port, 'DEBUG', 'POPULATE', '3000', 'slow')
    await redisCommand(r.port, 'PEXPIRE', 'slow:7', '600000')
    const seen: string[] = []
    let ttl7: number | null = null
    const inv = await takeInventory(conn, {
      ...base,
      method: 'raw',
      count: 20,
      // Every key waits for its TTL: the caller stops for a round trip every 1,000 keys while the scan reads ahead.
      needTtl: () => true,
      onKey: (_db, key, _prefix, _bytes, ttl) => {
        seen.push(key)
        if (key === 'slow:7') ttl7 = ttl
      }
    })
    expect(inv.method).toBe('raw')
    expect(seen).toHaveLength(3000)
    expect(new Set(seen).size).toBe(3000)
    expect(ttl7).toBeGreaterThan(590_000)
    expect(inv.dbs[0]).toMatchObject({ scanned: 3000, complete: true })
  })

  it('authenticates with a password, and as an ACL user', async () => {
    const { r, conn } = await redis(['--requirepass', 's3cr#t'], (s) => `redis://:${encodeURIComponent('s3cr#t')}@127.0.0.1:${s.port}`)
    await redisCommands(r.port, [['AUTH', 's3cr#t'], ['SET', 'user:1', 'a'], ['SET', 'user:2', 'b'], ['ACL', 'SETUSER', 'scanner', 'on', '>päss', '~*', '+@all']])
    const viaPassword = await collect(conn, 'raw')
    expect(viaPassword.method).toBe('raw')
    expect(viaPassword.keys.map((k) => k.split(' ').slice(0, 3).join(' '))).toEqual(['0 user:1 user:*', '0 user:2 user:*'])
    const userConn = await connect(parseRedisUrl(`redis://scanner:${encodeURIComponent('päss')}@127.0.0.1:${r.port}`), { timeoutMs: 5000 })
    try {
      const viaUser = await collect(userConn, 'raw')
      expect(viaUser).toEqual(viaPassword)
    } finally {
      await userConn.close()
    }
  })

  it('scans each DB in its own, and leaves the connection it was given in its DB', async () => {
    const { r, conn } = await redis([], (s) => `${s.url}/2`)
    await redisCommands(r.port, [['SET', 'zero:1', 'a'], ['SELECT', '3'], ['SET', 'three:1', 'b'], ['SET', 'three:2', 'c'], ['SELECT', '15'], ['SET', 'fifteen:1', 'd']])
    const inv = await takeInventory(conn, { ...base, method: 'raw' })
    expect(inv.method).toBe('raw')
    expect(inv.groups.map((g) => `${g.db} ${g.prefix} ${g.keys}`).sort()).toEqual(['0 zero:* 1', '15 fifteen:* 1', '3 three:* 2'])
    expect(inv.dbs.map((d) => `${d.db} ${d.scanned} ${d.complete}`)).toEqual(['0 1 true', '3 2 true', '15 1 true'])
    expect(await conn.command(['DBSIZE'])).toBe(0)
  })

  it('falls back to the Lua path when its own connection is refused, with the same keys', async () => {
    const { r, conn } = await redis()
    await redisCommands(r.port, [['SET', 'a:1', 'x'], ['SET', 'b:2', 'y'], ['SELECT', '1'], ['SET', 'c:3', 'z']])
    const expected = await collect(conn, 'lua')
    // Our connection and takeInventory's own node-redis connection fill the server: the raw socket is one too many.
    await redisCommand(r.port, 'CONFIG', 'SET', 'maxclients', '2')
    const lines: string[] = []
    const got = await collect(conn, 'auto', { log: (l) => lines.push(l) })
    expect(got.method).toBe('lua')
    expect(got.reason).toMatch(/max number of clients|closed the connection/)
    expect(lines.join('\n')).toContain('the raw pipelined scan failed')
    expect(got.keys).toEqual(expected.keys)
  })

  it('gives up on a server that stops answering within the timeout and closes its socket', async () => {
    const { r } = await redis()
    const scanner = await RawScanner.open(parseRedisUrl(r.url), 300)
    r.process.kill('SIGSTOP')
    try {
      await expect(scanner.start(0, '0', '100', true)).rejects.toThrow(/SELECT to Redis timed out/)
      await expect(scanner.next()).rejects.toThrow(/timed out/)
    } finally {
      r.process.kill('SIGCONT')
    }
    // The raw socket is gone: the server soon counts only the test's two connections (ours and this one).
    let clients = 0
    for (let i = 0; i < 40; i++) {
      clients = String(await redisCommand(r.port, 'CLIENT', 'LIST')).trim().split('\n').length
      if (clients === 2) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(clients).toBe(2)
  })
})
