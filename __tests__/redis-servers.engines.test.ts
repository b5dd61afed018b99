/**
 * The engine matrix: the same compact checks on Debian's redis-server (7.0), Redis 7.4.1 and
 * Valkey 8.0.1, each a real server on a free port. The last two come from the cache that
 * scripts/build-engines.sh fills; without them this suite fails and says to run it.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { QUIET_HOST } from '../src/core/host.js'
import { createClient } from '@redis/client'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEFAULT_THRESHOLDS, judge } from '../src/judge/checks.js'
import { UserError } from '../src/core/errors.js'
import { engineName, type ServerKind } from '../src/observe/info.js'
import { takeInventory, type ScanOptions } from '../src/keys/inventory.js'
import { analyseKeysAfter, recordKeysBefore } from '../src/keys/run.js'
import { readKeySettings } from '../src/keys/settings.js'
import { applyLimits, restoreLimits } from '../src/provision/attach.js'
import { startBinary, stopBinary } from '../src/provision/binary.js'
import type { ProvisionSettings } from '../src/provision/settings.js'
import { connect, type RedisConnection } from '../src/redis/connection.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { memoryFacts } from '../src/observe/memory-facts.js'
import { buildReport } from '../src/report/build.js'
import { takeSnapshot } from '../src/observe/snapshot.js'
import { stepErrors } from '../src/judge/step-errors.js'
import { redisCommand, redisCommands, type Reply } from './helpers/resp.js'
import { startRedis, type TestRedis } from './helpers/redis-server.js'

const CACHE = process.env.REDIS_GUARD_ENGINE_CACHE || '/var/cache/redis-memory-guard/engines'

interface Engine {
  label: string
  /** The executable; a bare name is looked up on PATH. */
  server: string
  /** How the server must be told apart. */
  kind: ServerKind
  /** Built by scripts/build-engines.sh (else the system's own). */
  built: boolean
}

const ENGINES: Engine[] = [
  { label: "Debian's redis-server", server: 'redis-server', kind: 'redis', built: false },
  { label: 'Redis 7.4.1', server: join(CACHE, 'redis-7.4.1', 'bin', 'redis-server'), kind: 'redis', built: true },
  { label: 'Valkey 8.0.1', server: join(CACHE, 'valkey-8.0.1', 'bin', 'valkey-server'), kind: 'valkey', built: true }
]

/** What the executable says of itself (`Valkey server v=8.0.1 sha=... malloc=jemalloc-5.3.0 ...`). */
function selfDescription(server: string): { version: string; allocator: string } {
  const text = execFileSync(server, ['--version'], { encoding: 'utf8' })
  const version = /\bv=(\S+)/.exec(text)?.[1]
  const allocator = /\bmalloc=(\S+)/.exec(text)?.[1]
  if (!version || !allocator) throw new Error(`${server} --version gave no version or allocator: ${text}`)
  return { version, allocator }
}

/** True when a dotted version is at least major.minor. */
function atLeast(version: string, major: number, minor: number): boolean {
  const [a, b] = version.split('.').map(Number)
  return a > major || (a === major && b >= minor)
}

/** Redis before 7.2 refuses CLIENT SETINFO (node-redis's default on connect). */
const refusesClientSetinfo = (redisVersion: string): boolean => !atLeast(redisVersion, 7, 2)

/** Provisioning settings as the inputs give them when only `mode` is set. */
function provisionSettings(mode: ProvisionSettings['mode']): ProvisionSettings {
  return {
    mode,
    runtime: 'docker',
    image: '',
    containerName: '',
    port: 0,
    maxmemory: undefined,
    maxmemoryPolicy: undefined,
    password: undefined,
    redisArgs: [],
    containerOptions: [],
    redisServerPath: 'redis-server',
    keepContainer: false
  }
}

const isError = (r: Reply): r is Error => r instanceof Error
const MB = 1024 * 1024

/** Writes 100 KB values under `prefix` until `stop` says so or `max` writes; returns the replies. */
async function fill(port: number, prefix: string, max: number): Promise<Reply[]> {
  const value = 'x'.repeat(100 * 1024)
  return redisCommands(
    port,
    Array.from({ length: max }, (_, i) => ['SET', `${prefix}:${i}`, value])
  )
}

describe.each(ENGINES)('$label', (engine) => {
  let r: TestRedis
  let conn: RedisConnection
  let self: { version: string; allocator: string }
  const closing: (() => Promise<unknown>)[] = []

  beforeAll(async () => {
    if (engine.built && !existsSync(engine.server)) {
      throw new Error(
        `${engine.label} is not built: run scripts/build-engines.sh first (it builds into ${CACHE}; ` +
          'REDIS_GUARD_ENGINE_CACHE chooses another folder). This suite does not skip a missing engine.'
      )
    }
    self = selfDescription(engine.server)
    // DEBUG POPULATE makes the bulk load of the rehashing test fast; local: only from this machine.
    r = await startRedis(['--enable-debug-command', 'local'], undefined, engine.server)
    conn = await connect(parseRedisUrl(r.url, 'redis-url'), { timeoutMs: 5000 })
  })

  afterAll(async () => {
    for (const close of closing) await close()
    await conn?.close()
    await r?.stop()
  })

  /** An empty server with fresh counters and no limit, as each test expects. */
  async function reset(): Promise<void> {
    const replies = await redisCommands(r.port, [
      ['FLUSHALL'],
      ['CONFIG', 'SET', 'maxmemory', '0'],
      ['CONFIG', 'SET', 'maxmemory-policy', 'noeviction'],
      ['CONFIG', 'SET', 'activerehashing', 'yes'],
      ['CONFIG', 'RESETSTAT']
    ])
    expect(replies).toEqual(['OK', 'OK', 'OK', 'OK', 'OK'])
  }

  it('takes a snapshot that names the engine, its own version, mode and allocator, with the newer fields only where they exist', async () => {
    await reset()
    const s = await takeSnapshot(conn, { withDoctor: true })
    expect(s.server).toMatchObject({ kind: engine.kind, version: self.version, mode: 'standalone', allocator: self.allocator })
    // Valkey keeps redis_version at the Redis it is compatible with; Redis reports itself.
    if (engine.kind === 'valkey') expect(s.server.redisCompatVersion).not.toBe(self.version)
    else expect(s.server.redisCompatVersion).toBe(self.version)
    expect(engineName(s.server)).toBe(engine.kind === 'valkey' ? 'Valkey' : 'Redis')

    const newer = [
      s.memory.memOverheadDbHashtableRehashing,
      s.memory.allocatorMuzzy,
      s.evictedScripts,
      s.clientQueryBufferLimitDisconnections,
      s.clientOutputBufferLimitDisconnections
    ]
    // Redis 7.4 and Valkey 8 added them; older servers must show them as absent, not as 0.
    if (engine.kind === 'valkey' || atLeast(self.version, 7, 4)) for (const n of newer) expect(typeof n).toBe('number')
    else expect(newer).toEqual([null, null, null, null, null])
    expect(s.memory.usedMemory).toBeGreaterThan(0)
    expect(s.errorstats).toEqual({})

    // MEMORY DOCTOR answers on every engine; an empty server is too small for its checks.
    expect(s.memoryDoctor).toMatch(/this instance is empty or is using very little memory/)

    // The JSON report carries engine, version and allocator, so two runs can be compared.
    const report = JSON.parse(JSON.stringify(buildReport({ target: conn.target, before: s, after: s, thresholds: DEFAULT_THRESHOLDS })))
    expect(report.server).toMatchObject({ kind: engine.kind, version: self.version, allocator: self.allocator })
  })

  it('counts refused writes as OOM and names the engine', async () => {
    await reset()
    const empty = await takeSnapshot(conn)
    await redisCommand(r.port, 'CONFIG', 'SET', 'maxmemory', String((empty.memory.usedMemory ?? 0) + MB))
    const before = await takeSnapshot(conn)
    const replies = await fill(r.port, 'oom', 30)
    const refused = replies.filter((x) => isError(x) && x.message.startsWith('OOM command not allowed')).length
    expect(refused).toBeGreaterThan(0)
    const after = await takeSnapshot(conn)
    const j = judge(before, after, DEFAULT_THRESHOLDS)
    expect(j.oomErrors).toBe(refused)
    expect(j.rejectedCalls).toBe(refused)
    const oom = j.checks.find((c) => c.check === 'oom')
    expect(oom?.status).toBe('fail')
    expect(oom?.message).toMatch(new RegExp(`^${engineName(after.server)} refused ${refused} commands `))
    // Exactly the step's refusals: none of the guard's own commands is counted.
    expect(stepErrors(before, after)).toEqual({ total: refused, byPrefix: { OOM: refused } })
  })

  it('counts evictions under an eviction policy and names the engine', async () => {
    await reset()
    const empty = await takeSnapshot(conn)
    await redisCommands(r.port, [
      ['CONFIG', 'SET', 'maxmemory', String((empty.memory.usedMemory ?? 0) + MB)],
      ['CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru']
    ])
    const before = await takeSnapshot(conn)
    const replies = await fill(r.port, 'evict', 30)
    expect(replies.filter(isError)).toEqual([])
    const after = await takeSnapshot(conn)
    const kept = Number(await redisCommand(r.port, 'DBSIZE'))
    const j = judge(before, after, DEFAULT_THRESHOLDS)
    expect(j.evictedKeys).toBeGreaterThan(0)
    expect(j.evictedKeys).toBe(30 - kept)
    expect(j.checks.find((c) => c.check === 'evictions')?.message).toMatch(new RegExp(`^${engineName(after.server)} evicted ${j.evictedKeys} key`))
    expect(j.oomErrors).toBe(0)
  })

  it('finds the leaked keys by prefix, with the raw and the Lua scan giving the same figures', async () => {
    await reset()
    const settings = readKeySettings(() => '')
    const work = mkdtempSync(join(tmpdir(), 'rmg-engine-keys-'))
    closing.push(async () => rmSync(work, { recursive: true, force: true }))
    await redisCommands(r.port, [
      ['SET', 'user:1', 'a'],
      ['SET', 'user:2', 'b']
    ])
    const before = await takeSnapshot(conn)
    await recordKeysBefore(conn, settings, work, { log: () => {} })
    const replies = await redisCommands(r.port, [
      ['SET', 'session:8f3a0c1e-0000-4000-8000-000000000001', 'x'],
      ['SET', 'session:8f3a0c1e-0000-4000-8000-000000000002', 'x'],
      ['SET', 'session:8f3a0c1e-0000-4000-8000-000000000003', 'x', 'EX', '600'],
      ['HSET', 'cache:page:1', 'f', 'v'],
      ['HSET', 'cache:page:2', 'f', 'v'],
      ['SELECT', '3'],
      ['SET', 'queue:jobs:1', 'x']
    ])
    expect(replies.filter(isError)).toEqual([])
    const after = await takeSnapshot(conn)
    const { keys } = await analyseKeysAfter(conn, settings, work, { before, after }, { log: () => {} })
    expect(keys.after.method).toBe('raw')
    expect(keys.after.fallbackReason).toBeUndefined()
    expect(keys.leaked).toMatchObject({ exact: true, count: 6, byDb: { '0': 5, '3': 1 }, withTtl: 1, withoutTtl: 5 })
    const groups = keys.leaked?.groups.map((g) => `${g.db} ${g.prefix} ${g.keys}`).sort()
    expect(groups).toEqual(['0 cache:page:* 2', '0 session:* 3', '3 queue:jobs:* 1'])
    expect(keys.leaked?.bytes).toBeGreaterThan(0)

    // The two server-side paths of the scan see the same keys with the same MEMORY USAGE.
    const scan: ScanOptions = { rule: settings.rule, ignore: null, budgetMs: 30_000 }
    const raw = await takeInventory(conn, { ...scan, method: 'raw' })
    const lua = await takeInventory(conn, { ...scan, method: 'lua' })
    expect([raw.method, raw.fallbackReason, lua.method, lua.fallbackReason]).toEqual(['raw', undefined, 'lua', undefined])
    expect(lua.groups).toEqual(raw.groups)
    expect(raw.groups.reduce((n, g) => n + g.keys, 0)).toBe(8)
    for (const g of raw.groups) expect(g.bytes).toBeGreaterThan(0)
  })

  it('explains rehashing after a bulk load and evicted scripts where the engine reports them', async () => {
    await reset()
    // Without active rehashing the keyspace stays mid-rehash after growing, as right after a bulk load.
    expect(await redisCommand(r.port, 'CONFIG', 'SET', 'activerehashing', 'no')).toBe('OK')
    const before = await takeSnapshot(conn)
    expect(await redisCommand(r.port, 'DEBUG', 'POPULATE', '70000', 'bulk')).toBe('OK')
    // 510 distinct EVAL scripts: Redis 7.4 and Valkey 8 keep 500 of them and evict the rest.
    const evals = await redisCommands(r.port, Array.from({ length: 510 }, (_, i) => ['EVAL', `return ${i}`, '0']))
    expect(evals.filter(isError)).toEqual([])
    const after = await takeSnapshot(conn)
    const facts = memoryFacts(before, after)
    if (engine.kind === 'valkey' || atLeast(self.version, 7, 4)) {
      const rehashing = after.memory.memOverheadDbHashtableRehashing ?? 0
      expect(rehashing).toBeGreaterThan(0)
      expect(facts.map((f) => [f.kind, f.value])).toEqual([
        ['rehashing', rehashing],
        ['evicted-scripts', 10]
      ])
      expect(facts[1].text).toMatch(new RegExp(`^${engineName(after.server)} evicted 10 Lua scripts`))
      const report = buildReport({ target: conn.target, before, after, thresholds: DEFAULT_THRESHOLDS })
      expect(report.notes).toEqual(expect.arrayContaining(facts.map((f) => f.text)))
    } else {
      expect([after.memory.memOverheadDbHashtableRehashing, after.evictedScripts]).toEqual([null, null])
      expect(facts).toEqual([])
    }
  })

  it('works as an ACL user with only PING, INFO and MEMORY, and says which password was refused', async () => {
    await reset()
    const acl = await redisCommands(r.port, [
      ['ACL', 'SETUSER', 'guard', 'on', '>guard-pw', '-@all', '+ping', '+info', '+memory'],
      ['ACL', 'SETUSER', 'mute', 'on', '>mute-pw', '-@all', '+info']
    ])
    expect(acl).toEqual(['OK', 'OK'])
    const limited = await connect(parseRedisUrl(`redis://guard:guard-pw@127.0.0.1:${r.port}`, 'redis-url'), { timeoutMs: 3000 })
    closing.push(() => limited.close())
    const s = await takeSnapshot(limited, { withDoctor: true })
    expect(s.server).toMatchObject({ kind: engine.kind, version: self.version })
    expect(s.memoryDoctor).toMatch(/Sam/)

    const wrong = connect(parseRedisUrl(`redis://guard:not-it@127.0.0.1:${r.port}`, 'redis-url'), { timeoutMs: 3000 })
    await expect(wrong).rejects.toThrow(UserError)
    await expect(wrong).rejects.toThrow(`Redis at 127.0.0.1:${r.port} rejected the password for user "guard" (wrong password or user). Check the password in redis-url.`)
    const noPing = connect(parseRedisUrl(`redis://mute:mute-pw@127.0.0.1:${r.port}`, 'redis-url'), { timeoutMs: 3000 })
    await expect(noPing).rejects.toThrow(`user "mute" may not run the commands this action needs (INFO, PING)`)
    await expect(noPing).rejects.not.toThrow(/mute-pw/)
  })

  it("never counts the guard's own connections and scans as the step's errors", async () => {
    await reset()
    await redisCommand(r.port, 'SET', 'k:1', 'v')
    const before = await takeSnapshot(conn)
    // A step with no traffic of its own, while the guard connects (snapshot, sampler, key scan) and scans.
    for (let i = 0; i < 3; i++) {
      const extra = await connect(parseRedisUrl(r.url, 'redis-url'), { timeoutMs: 3000 })
      await takeSnapshot(extra, { withDoctor: true })
      await takeInventory(extra, { rule: { delimiter: ':', depth: 2 }, ignore: null, budgetMs: 5000, method: i === 0 ? 'raw' : 'lua' })
      await extra.close()
    }
    const after = await takeSnapshot(conn)
    expect(stepErrors(before, after)).toEqual({ total: 0, byPrefix: {} })
    expect(judge(before, after, DEFAULT_THRESHOLDS).checks.find((c) => c.check === 'oom')?.status).toBe('pass')

    // What the guard avoids: node-redis's default handshake, which Redis before 7.2 refuses twice per connection.
    const plain = createClient({ url: r.url, socket: { reconnectStrategy: false } })
    plain.on('error', () => {})
    await plain.connect()
    await plain.ping()
    await plain.close()
    const later = await takeSnapshot(conn)
    const expected = refusesClientSetinfo(later.server.redisCompatVersion ?? '') ? 2 : 0
    expect(stepErrors(after, later)).toEqual({ total: expected, byPrefix: expected > 0 ? { ERR: expected } : {} })
  })

  it('in attach mode sets maxmemory and its policy for the step and sets them back afterwards', async () => {
    await reset()
    const config = async (): Promise<Reply[]> => redisCommands(r.port, [['CONFIG', 'GET', 'maxmemory'], ['CONFIG', 'GET', 'maxmemory-policy']])
    const was = await config()
    const { applied: limits, refused } = await applyLimits(conn, { ...provisionSettings('attach'), maxmemory: 24 * MB, maxmemoryPolicy: 'allkeys-lru' }, QUIET_HOST)
    expect(refused).toBeNull()
    expect(await config()).toEqual([
      ['maxmemory', String(24 * MB)],
      ['maxmemory-policy', 'allkeys-lru']
    ])
    const s = await takeSnapshot(conn)
    expect([s.memory.maxmemory, s.memory.maxmemoryPolicy]).toEqual([24 * MB, 'allkeys-lru'])
    expect(limits).not.toBeNull()
    if (limits) await restoreLimits(conn.target, limits, 3000, QUIET_HOST)
    expect(await config()).toEqual(was)
  })

  it('runs in binary mode with redis-server-path pointing at it, and stops it afterwards', async () => {
    // A link whose path says nothing of Redis, as /usr/bin/valkey-server does.
    const dir = mkdtempSync(join(tmpdir(), 'rmg-engine-bin-'))
    closing.push(async () => rmSync(dir, { recursive: true, force: true }))
    const executable = engine.server.includes('/') ? engine.server : execFileSync('sh', ['-c', `command -v ${engine.server}`], { encoding: 'utf8' }).trim()
    const link = join(dir, engine.kind === 'valkey' ? 'valkey-server' : 'redis-server')
    symlinkSync(executable, link)
    const settings: ProvisionSettings = { ...provisionSettings('binary'), maxmemory: 20 * MB, maxmemoryPolicy: 'allkeys-lfu', password: 'bin-pw', redisServerPath: link }
    let saved: unknown = undefined
    const started = await startBinary(settings, 10_000, QUIET_HOST, (b) => (saved = b))
    let stopped = false
    closing.push(async () => {
      if (!stopped) process.kill(started.pid, 'SIGKILL')
    })
    expect(saved).toMatchObject({ kind: 'binary', pid: started.pid, port: started.port })
    const bin = await connect(parseRedisUrl(`redis://:bin-pw@127.0.0.1:${started.port}`, 'redis-url'), { timeoutMs: 3000 })
    const s = await takeSnapshot(bin)
    await bin.close()
    expect(s.server).toMatchObject({ kind: engine.kind, version: self.version })
    expect([s.memory.maxmemory, s.memory.maxmemoryPolicy]).toEqual([20 * MB, 'allkeys-lfu'])

    await stopBinary(started, QUIET_HOST, { quiet: true })
    stopped = true
    expect(existsSync(`/proc/${started.pid}`) && !readFileSync(`/proc/${started.pid}/stat`, 'utf8').includes(') Z')).toBe(false)
    expect(existsSync(started.dir)).toBe(false)
  })
})
