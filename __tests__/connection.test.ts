/**
 * The guard's connections (src/redis/connection.ts, on node-redis) against real servers: nothing
 * the server refuses (Redis 7.0 refuses CLIENT SETINFO), every client named, error replies told
 * apart by type and code, a timed-out command not left queued on the socket, a lost server
 * failing commands within their bound, and a minimal ACL that may not name its client.
 */
import { describe, expect, it } from '@jest/globals'
import { ErrorReply } from '@redis/client'
import { CLIENT_NAME, CommandTimeoutError, closeQuietly, connect, mayName, replyCode } from '../src/redis/connection.js'
import { ConnectionError } from '../src/core/errors.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { redisPerFile } from './helpers/redis-server.js'

const redis = redisPerFile()

const field = (text: string, name: string): string | null => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim() ?? null

describe('the guard’s connections', () => {
  it('leave errorstat_ERR of a Redis 7.0 untouched and show their names in CLIENT LIST', async () => {
    const r = await redis()
    const version = field(String(await redisCommand(r.port, 'INFO', 'server')), 'redis_version') ?? ''
    // The case that matters: a server before 7.2, which refuses CLIENT SETINFO.
    expect(version).toMatch(/^7\.0\./)
    const conn = await connect(parseRedisUrl(r.url), { timeoutMs: 5000, role: 'snapshot' })
    const scan = await conn.duplicate('scan')
    await conn.info('memory')
    await scan.sendCommand(['DBSIZE'])
    const list = String(await redisCommand(r.port, 'CLIENT', 'LIST'))
    const names = [...list.matchAll(/ name=(\S*)/g)].map((m) => m[1]).filter((n) => n.startsWith(CLIENT_NAME))
    expect(names.sort()).toEqual(['redis-memory-guard:scan', 'redis-memory-guard:snapshot'])
    const errors = String(await redisCommand(r.port, 'INFO', 'errorstats'))
    expect(errors).not.toMatch(/errorstat_/)
    expect(field(String(await redisCommand(r.port, 'INFO', 'stats')), 'total_error_replies')).toBe('0')
    await closeQuietly(scan)
    await conn.close()
  })

  it('gives error replies as ErrorReply with their code, and the connection stays usable', async () => {
    const r = await redis()
    const conn = await connect(parseRedisUrl(r.url), { timeoutMs: 5000 })
    const refused = conn.command(['NOSUCHCOMMAND'])
    await expect(refused).rejects.toBeInstanceOf(ErrorReply)
    expect(replyCode(await refused.catch((e: unknown) => e))).toBe('ERR')
    expect(await conn.command(['PING'])).toBe('PONG')
    await conn.close()
  })

  it('drops a connection whose command timed out, so the next command is not queued behind it', async () => {
    const r = await redis()
    const conn = await connect(parseRedisUrl(r.url), { timeoutMs: 5000, commandTimeoutMs: 5000 })
    // BLPOP with no timeout never answers: on the same socket, every later reply would wait behind it.
    await expect(conn.command(['BLPOP', 'never-pushed', '0'], 300)).rejects.toBeInstanceOf(CommandTimeoutError)
    await expect(conn.command(['PING'], 2000)).resolves.toBe('PONG')
    // The dropped socket's BLPOP is gone from the server too (it notices the close within moments).
    let blocked: string | null = null
    for (let i = 0; i < 20 && blocked !== '0'; i++) {
      blocked = field(String(await redisCommand(r.port, 'INFO', 'clients')), 'blocked_clients')
      if (blocked !== '0') await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(blocked).toBe('0')
    await conn.close()
  })

  it('fails commands within their bound once the server is gone, instead of reconnecting forever', async () => {
    const r = await redis()
    const conn = await connect(parseRedisUrl(r.url), { timeoutMs: 5000, commandTimeoutMs: 1000 })
    await r.stop()
    const started = Date.now()
    await expect(conn.command(['PING'])).rejects.toThrow()
    await expect(conn.command(['PING'])).rejects.toThrow()
    expect(Date.now() - started).toBeLessThan(5000)
    await conn.close()
  })

  it('fails at once on a wrong password, naming the input, without waiting out the connect timeout', async () => {
    const r = await redis(['--requirepass', 'right'])
    const started = Date.now()
    const err = await connect(parseRedisUrl(`redis://:hunter2-secret@127.0.0.1:${r.port}`), { timeoutMs: 20_000 }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConnectionError)
    expect((err as Error).message).toMatch(/rejected the password for user "default".*Check the password in redis-url\./)
    expect((err as Error).message).not.toContain('hunter2')
    expect(Date.now() - started).toBeLessThan(5000)
  })

  it('connects unnamed as an ACL user that may not run CLIENT SETNAME, and is refused once only', async () => {
    const r = await redis()
    await redisCommands(r.port, [['ACL', 'SETUSER', 'guard', 'on', '>pw', '-@all', '+ping', '+info', '+memory']])
    const url = parseRedisUrl(`redis://guard:pw@127.0.0.1:${r.port}`)
    const first = await connect(url, { timeoutMs: 5000 })
    const second = await connect(url, { timeoutMs: 5000 })
    expect(await second.info('server')).toMatch(/redis_version:/)
    const errors = String(await redisCommand(r.port, 'INFO', 'errorstats'))
    expect(field(errors, 'errorstat_NOPERM')).toBe('count=1')
    // What the sampler is told (another process), so it connects unnamed without a refusal of its own.
    expect(mayName(url)).toBe(false)
    await Promise.all([first.close(), second.close()])
  })

  it('connects unnamed when told so, and is then refused nothing', async () => {
    const r = await redis()
    await redisCommands(r.port, [['ACL', 'SETUSER', 'guard', 'on', '>pw', '-@all', '+ping', '+info']])
    const conn = await connect(parseRedisUrl(`redis://guard:pw@127.0.0.1:${r.port}`), { timeoutMs: 5000, role: 'sampler', unnamed: true })
    expect(await conn.info('memory')).toMatch(/used_memory:/)
    expect(String(await redisCommand(r.port, 'INFO', 'errorstats'))).not.toMatch(/errorstat_/)
    await conn.close()
  })

  it('opens a named RESP3 duplicate for features that need pushes (HELLO 3), with the URL’s password', async () => {
    const r = await redis(['--requirepass', 'pw'])
    const conn = await connect(parseRedisUrl(`redis://:pw@127.0.0.1:${r.port}`), { timeoutMs: 5000 })
    const resp3 = await conn.duplicate('first-seen', 5000, { RESP: 3 })
    expect(await resp3.sendCommand(['PING'])).toBe('PONG')
    const list = String((await redisCommands(r.port, [['AUTH', 'pw'], ['CLIENT', 'LIST']]))[1])
    const line = list.split('\n').find((l) => l.includes(' name=redis-memory-guard:first-seen '))
    expect(line).toMatch(/ resp=3( |$)/)
    await closeQuietly(resp3)
    await conn.close()
  })
})
