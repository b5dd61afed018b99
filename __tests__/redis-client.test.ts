/**
 * The guard's own Redis client (src/redis/client.ts) against real servers: the handshake from the
 * URL, replies as node-redis gave them (UTF-8 strings, Buffers when asked), error replies,
 * commands of one tick in one write, PSUBSCRIBE, and what a closed or vanished socket does.
 */
import { describe, expect, it } from '@jest/globals'
import { RedisClient, ReplyError } from '../src/redis/client.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { freePort, redisPerFile } from './helpers/redis-server.js'

const redis = redisPerFile()

const open = async (url: string): Promise<RedisClient> => {
  const client = new RedisClient(parseRedisUrl(url), 2000)
  client.on('error', () => {})
  await client.connect()
  return client
}

const info = async (port: number, section: string): Promise<string> => String(await redisCommand(port, 'INFO', section))

describe('the Redis client', () => {
  it('selects the DB of the URL and authenticates with its user and password', async () => {
    const r = await redis(['--requirepass', 'pa:ss'])
    await redisCommands(r.port, [
      ['AUTH', 'pa:ss'],
      ['ACL', 'SETUSER', 'guard', 'on', '>sécret', '~*', '+@all']
    ])
    const byPassword = await open(`redis://:${encodeURIComponent('pa:ss')}@127.0.0.1:${r.port}/3`)
    await byPassword.sendCommand(['SET', 'k', 'v'])
    const byUser = await open(`redis://guard:${encodeURIComponent('sécret')}@127.0.0.1:${r.port}/3`)
    expect(await byUser.sendCommand(['GET', 'k'])).toBe('v')
    expect(await byUser.sendCommand(['ACL', 'WHOAMI'])).toBe('guard')
    await Promise.all([byPassword.close(), byUser.close()])
    const keyspace = await redisCommands(r.port, [['AUTH', 'pa:ss'], ['INFO', 'keyspace']])
    expect(String(keyspace[1])).toMatch(/^db3:keys=1,/m)
  })

  it('rejects a wrong password with the server\u2019s error, which connect passes on', async () => {
    const r = await redis(['--requirepass', 'right'])
    const client = new RedisClient(parseRedisUrl(`redis://:wrong@127.0.0.1:${r.port}`), 2000)
    client.on('error', () => {})
    await expect(client.connect()).rejects.toThrow(/WRONGPASS|invalid password/)
    client.destroy()
  })

  it('gives bulk strings as UTF-8 text, or as Buffers when asked, and integers, nulls and arrays as they are', async () => {
    const r = await redis()
    const c = await open(r.url)
    const binary = Buffer.from([0xff, 0x00, 0x61, 0xe9])
    await c.sendCommand(['SET', binary, 'grüße'])
    expect(await c.sendCommand([Buffer.from('GET'), binary])).toBe('grüße')
    expect(await c.sendCommand(['GET', binary], { buffers: true })).toEqual(Buffer.from('grüße', 'utf8'))
    expect(await c.sendCommand(['SCAN', '0'], { buffers: true })).toEqual([Buffer.from('0'), [binary]])
    expect(await c.sendCommand(['DBSIZE'])).toBe(1)
    expect(await c.sendCommand(['GET', 'missing'])).toBeNull()
    expect(await c.sendCommand(['PING'])).toBe('PONG')
    const reply = c.sendCommand(['NOSUCHCOMMAND'])
    await expect(reply).rejects.toBeInstanceOf(ReplyError)
    await expect(reply).rejects.toThrow(/^ERR unknown command/)
    // An error reply leaves the connection usable.
    expect(await c.sendCommand(['PING'])).toBe('PONG')
    await c.close()
  })

  it('writes the commands of one tick together and answers each in order', async () => {
    const r = await redis()
    const c = await open(r.url)
    const before = await info(r.port, 'stats')
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => c.sendCommand(['ECHO', `m${i}`])))
    expect(replies).toEqual(Array.from({ length: 200 }, (_, i) => `m${i}`))
    const reads = (text: string): number => Number(/total_reads_processed:(\d+)/.exec(text)?.[1])
    // 200 commands in one write take a few reads, not 200 (the INFO that measures adds one).
    expect(reads(await info(r.port, 'stats')) - reads(before)).toBeLessThan(20)
    await c.close()
  })

  it('delivers pattern messages with their channel after PSUBSCRIBE', async () => {
    const r = await redis()
    const sub = await open(r.url)
    const got: string[] = []
    await sub.pSubscribe('news.*', (message, channel) => got.push(`${channel.toString()}=${message.toString()}`))
    await redisCommands(r.port, [
      ['PUBLISH', 'news.a', 'one'],
      ['PUBLISH', 'other', 'x'],
      ['PUBLISH', 'news.b', 'two']
    ])
    for (let i = 0; i < 50 && got.length < 2; i++) await new Promise((res) => setTimeout(res, 20))
    expect(got).toEqual(['news.a=one', 'news.b=two'])
    await sub.close()
  })

  it('waits for pending replies on close, and refuses commands afterwards', async () => {
    const r = await redis()
    const c = await open(r.url)
    const pending = c.sendCommand(['ECHO', 'last'])
    await c.close()
    await expect(pending).resolves.toBe('last')
    await expect(c.sendCommand(['PING'])).rejects.toThrow('The client is closed')
  })

  it('rejects what waits and says so on "error" when the server goes away', async () => {
    const r = await redis()
    const c = new RedisClient(parseRedisUrl(r.url), 2000)
    const errors: string[] = []
    c.on('error', (e: Error) => errors.push(e.message))
    await c.connect()
    // Settled into a value at once: it rejects while the server is being stopped.
    const blocked = c.sendCommand(['BLPOP', 'never', '0']).then(
      () => 'answered',
      (e: Error) => e.message
    )
    await new Promise((res) => setTimeout(res, 50))
    await r.stop()
    expect(await blocked).toBe('Socket closed unexpectedly')
    expect(errors).toEqual(['Socket closed unexpectedly'])
    await expect(c.sendCommand(['PING'])).rejects.toThrow()
  })

  it('fails to connect with the socket error when nothing listens', async () => {
    const port = await freePort()
    const c = new RedisClient(parseRedisUrl(`redis://127.0.0.1:${port}`), 2000)
    c.on('error', () => {})
    await expect(c.connect()).rejects.toThrow(/ECONNREFUSED/)
  })
})
