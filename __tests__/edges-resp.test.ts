/**
 * The key scan's own RESP parser against a server that sends what no Redis sends: an absurd array
 * count or bulk length is one line naming the server and what was wrong, the key analysis fails
 * with it (no other scan path is tried on such a server), and nothing crashes. The "server" is a
 * proxy on 127.0.0.1 in front of a real redis-server: every command gets the real answer except
 * SCAN, which gets the bad reply.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { createServer, Socket, type Server } from 'node:net'
import { connect } from '../src/redis/connection.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { takeInventory } from '../src/keys/inventory.js'
import { ProtocolError, ReplyError, RespParser, encodeCommand, type RespValue } from '../src/keys/raw.js'
import { redisPerFile } from './helpers/redis-server.js'
import { redisCommands } from './helpers/resp.js'
import { runCli } from './helpers/cli-runner.js'

const redis = redisPerFile()
const servers: Server[] = []
const sockets = new Set<Socket>()
afterAll(async () => {
  for (const s of sockets) s.destroy()
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))))
})

/** RESP for a reply value read with bulkBuffers (bulk strings are Buffers, simple strings strings). */
function encodeReply(v: RespValue): Buffer {
  if (v === null) return Buffer.from('$-1\r\n')
  if (typeof v === 'number') return Buffer.from(`:${v}\r\n`)
  if (typeof v === 'string') return Buffer.from(`+${v}\r\n`, 'latin1')
  if (v instanceof ReplyError) return Buffer.from(`-${v.message}\r\n`)
  if (Buffer.isBuffer(v)) return Buffer.concat([Buffer.from(`$${v.length}\r\n`), v, Buffer.from('\r\n')])
  return Buffer.concat([Buffer.from(`*${v.length}\r\n`), ...v.map(encodeReply)])
}

/**
 * A proxy to the real server at `upstreamPort` that answers every SCAN with `bad` instead. Commands
 * are answered one at a time, in order. `seen` lists the command names it got.
 */
async function lyingProxy(upstreamPort: number, bad: string): Promise<{ port: number; seen: string[] }> {
  const seen: string[] = []
  const server = createServer((client) => {
    sockets.add(client)
    const upstream = new Socket()
    sockets.add(upstream)
    upstream.connect(upstreamPort, '127.0.0.1')
    const waiting: ((v: RespValue) => void)[] = []
    const fromUpstream = new RespParser((v) => waiting.shift()?.(v), { bulkBuffers: true })
    upstream.on('data', (d: Buffer) => fromUpstream.push(d))
    let chain = Promise.resolve()
    const commands = new RespParser(
      (cmd) => {
        const args = (cmd as Buffer[]).map((b) => b.toString('latin1'))
        seen.push(args[0].toUpperCase())
        chain = chain.then(async () => {
          if (args[0].toUpperCase() === 'SCAN') {
            client.write(bad)
            return
          }
          const reply = new Promise<RespValue>((resolve) => waiting.push(resolve))
          upstream.write(encodeCommand(args))
          client.write(encodeReply(await reply))
        })
      },
      { bulkBuffers: true }
    )
    client.on('data', (d: Buffer) => commands.push(d))
    client.on('error', () => upstream.destroy())
    upstream.on('error', () => client.destroy())
    client.on('close', () => upstream.destroy())
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  return { port: typeof address === 'object' && address ? address.port : 0, seen }
}

describe('RespParser: lengths no Redis sends', () => {
  const parse = (text: string): RespValue[] => {
    const out: RespValue[] = []
    new RespParser((v) => out.push(v)).push(Buffer.from(text, 'latin1'))
    return out
  }

  it('names an absurd or negative array count, and a bulk length past 512 MB, instead of "Invalid array length"', () => {
    expect(() => parse('*99999999999\r\n')).toThrow(new ProtocolError("the server's reply announced an array of 99999999999 elements: not a Redis reply?"))
    expect(() => parse('*-5\r\n')).toThrow("the server's reply announced an array of -5 elements")
    expect(() => parse('%99999999999\r\n')).toThrow('an array of 99999999999 elements')
    expect(() => parse('*1\r\n$99999999999\r\n')).toThrow("the server's reply announced a string of 99999999999 bytes: not a Redis reply?")
    expect(() => parse('$-2\r\n')).toThrow('a string of -2 bytes')
    // The lengths Redis does send still read: a null array and a null bulk string.
    expect(parse('*-1\r\n$-1\r\n*2\r\n:1\r\n:2\r\n')).toEqual([null, null, [1, 2]])
  })
})

describe('the key scan against a server whose SCAN reply announces 99999999999 elements', () => {
  it('takeInventory fails with one line naming the server and the count, and tries no other scan path', async () => {
    const r = await redis()
    await redisCommands(r.port, [['SET', 'a:1', 'x'], ['SET', 'b:2', 'y']])
    const proxy = await lyingProxy(r.port, '*99999999999\r\n')
    const conn = await connect(parseRedisUrl(`redis://127.0.0.1:${proxy.port}`), { timeoutMs: 5000 })
    try {
      const err = await takeInventory(conn, { rule: { delimiter: ':', depth: 2 }, ignore: null, budgetMs: 10_000 }).then(
        () => null,
        (e: unknown) => e
      )
      expect(err).toBeInstanceOf(ProtocolError)
      expect((err as Error).message).toBe(`127.0.0.1:${proxy.port}: the server's reply announced an array of 99999999999 elements: not a Redis reply?`)
      // One SCAN, on the raw path; no Lua script and no client pipeline after it.
      expect(proxy.seen.filter((c) => c === 'SCAN')).toHaveLength(1)
      expect(proxy.seen).not.toContain('EVALSHA')
      expect(proxy.seen).not.toContain('SCRIPT')
    } finally {
      await conn.close()
    }
  }, 30_000)

  it('the CLI keys command reports the key analysis as failed with that line, no crash and no stack trace', async () => {
    const r = await redis()
    await redisCommands(r.port, [['SET', 'a:1', 'x'], ['SET', 'b:2', 'y']])
    const proxy = await lyingProxy(r.port, '*99999999999\r\n')
    const res = await runCli(['keys', '--url', `redis://127.0.0.1:${proxy.port}`, '--json', '--connect-timeout', '5s'])
    expect(res.stderr).not.toMatch(/\n\s+at /)
    expect(res.stderr).not.toContain('Invalid array length')
    const report = JSON.parse(res.stdout) as { errors: string[]; keys?: unknown }
    expect(report.errors).toContain(
      `The key analysis failed: 127.0.0.1:${proxy.port}: the server's reply announced an array of 99999999999 elements: not a Redis reply?`
    )
    expect(report.keys).toBeUndefined()
  }, 60_000)
})
