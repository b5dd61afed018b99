/**
 * Do no harm, see true (issue 20) and the surviving key's birth (issue 22, points 2 and 5): the
 * suite cannot tell a guarded run from a bare one, a step that does nothing reports nothing, memory
 * that is not keys is named, a cancelled run leaves nothing behind, and keys are timed by the birth
 * of the key that is left, also after the suite kills the guard's connections. Real servers, the
 * bundled CLI as a user runs it.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CLI, runCli } from './helpers/cli-runner.js'
import { describeNoOpStep } from './helpers/no-op-step.js'
import { redisCommand, type Reply } from './helpers/resp.js'
import { startRedis, type TestRedis } from './helpers/redis-server.js'
import type { Report } from '../src/report/schema.js'
import { applyLimits, limitsTag, restoreLimits, type AttachedLimits } from '../src/provision/attach.js'
import { connect, type RedisConnection } from '../src/redis/connection.js'
import { CLIENT_NAME as GUARD_CLIENT_NAME } from '../src/redis/connection.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { QUIET_HOST } from '../src/core/host.js'
import { newJob, stepState } from './helpers/action-runner.js'
import { alive } from '../src/sampler/control.js'

const servers: TestRedis[] = []
const dirs: string[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()))
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

async function server(args: string[] = [], binary?: string): Promise<TestRedis> {
  const r = await startRedis(args, undefined, binary)
  servers.push(r)
  return r
}

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rmg-harm-'))
  dirs.push(d)
  return d
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A node script the command runs: commands over a raw socket, replies written to a JSON file. */
const PROBE = `import net from 'node:net'
import { writeFileSync } from 'node:fs'
const [port, out] = [Number(process.argv[2]), process.argv[3]]
const enc = (a) => '*' + a.length + '\\r\\n' + a.map((x) => '$' + Buffer.byteLength(x) + '\\r\\n' + x + '\\r\\n').join('')
function call(args) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(enc(args)))
    let buf = ''
    s.on('data', (d) => { buf += d.toString('latin1') })
    s.on('error', reject)
    // Every reply here is small: the server answers in one read, then the socket is closed.
    setTimeout(() => { s.destroy(); resolve(buf) }, 150)
  })
}
const lines = (text) => text.split(/\\r?\\n/)
const clientList = (reply) => lines(reply).filter((l) => l.startsWith('id=') && !/ name=redis-memory-guard/.test(l)).map((l) => l.replace(/(^| )(id|addr|laddr|fd|age|idle|qbuf|qbuf-free|argv-mem|rbs|rbp|tot-mem|obl|omem|events|multi-mem)=\\S*/g, ''))
const result = {
  numpat: await call(['PUBSUB', 'NUMPAT']),
  channels: await call(['PUBSUB', 'CHANNELS']),
  config: await call(['CONFIG', 'GET', '*']),
  clients: clientList(await call(['CLIENT', 'LIST'])),
  env: ['REDIS_URL', 'REDIS_HOST', 'REDIS_PORT'].map((k) => k + '=' + (process.env[k] ?? '')),
}
writeFileSync(out, JSON.stringify(result))
`

function reportOf(stdout: string): Report {
  return JSON.parse(stdout) as Report
}

describe("the guard's connections during the step", () => {
  it('every connection of the sampler process (its samples and its moment snapshots) carries its process id, which the "after" snapshot waits on', async () => {
    const r = await server()
    const dir = tempDir()
    const out = join(dir, 'clients.txt')
    const run = await runCli(['run', '--url', r.url, '--json', '--', 'bash', '-c', `sleep 0.6; redis-cli -p ${r.port} CLIENT LIST > ${out}`])
    expect(run.code).toBe(0)
    const names = [...readFileSync(out, 'utf8').matchAll(/ name=(redis-memory-guard\S*)/g)].map((m) => m[1])
    const sampler = names.find((n) => n.startsWith('redis-memory-guard:sampler:'))
    expect(sampler).toBeDefined()
    const pid = sampler!.split(':').pop()!
    expect(names).toContain(`redis-memory-guard:moment:${pid}`)
    // Once the step ended, none is left, and the step's memory does not hold one.
    expect(String(await redisCommand(r.port, 'CLIENT', 'LIST'))).not.toContain('redis-memory-guard')
  })
})

describe('the suite cannot tell a guarded run from a bare one', () => {
  it('PUBSUB NUMPAT, PUBSUB CHANNELS, CONFIG GET *, CLIENT LIST (apart from the named guard clients) and the environment equal a bare run', async () => {
    const r = await server()
    const dir = tempDir()
    const probe = join(dir, 'probe.mjs')
    writeFileSync(probe, PROBE)
    const env = { REDIS_URL: 'redis://the-suites-own:6390' }
    const bare = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [probe, String(r.port), join(dir, 'bare.json')], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: 'ignore' })
      child.on('close', resolve)
    })
    expect(bare).toBe(0)
    const guarded = await runCli(['run', '--url', r.url, '--json', '--', process.execPath, probe, String(r.port), join(dir, 'guarded.json')], env)
    expect(guarded.code).toBe(0)
    const a = JSON.parse(readFileSync(join(dir, 'bare.json'), 'utf8')) as Record<string, unknown>
    const b = JSON.parse(readFileSync(join(dir, 'guarded.json'), 'utf8')) as Record<string, unknown>
    expect(b.numpat).toBe(':0\r\n')
    expect(b).toEqual(a)
    // The guard's own connections were there, named: the probe's CLIENT LIST had to filter them.
    expect(guarded.stderr).toMatch(/The command's environment is left as it is/)
    const report = reportOf(guarded.stdout)
    expect(report.cause?.leakedKeyTimes.method).toBe('client-tracking')
  })

  it('exports REDIS_URL, REDIS_HOST and REDIS_PORT when asked, and says so', async () => {
    const r = await server()
    const dir = tempDir()
    const probe = join(dir, 'probe.mjs')
    writeFileSync(probe, PROBE)
    const run = await runCli(['run', '--url', r.url, '--export-env', '--json', '--', process.execPath, probe, String(r.port), join(dir, 'out.json')], {
      REDIS_URL: 'redis://the-suites-own:6390'
    })
    expect(run.code).toBe(0)
    expect((JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as { env: string[] }).env).toEqual([
      `REDIS_URL=redis://127.0.0.1:${r.port}`,
      'REDIS_HOST=127.0.0.1',
      `REDIS_PORT=${r.port}`
    ])
    expect(run.stderr).toContain(`Exported to the command: REDIS_URL=redis://127.0.0.1:${r.port}, REDIS_HOST=127.0.0.1, REDIS_PORT=${r.port} (export-env).`)
  })
})

// Redis 7.4.1 and Valkey 8.0.1 run the same test in do-no-harm.engines.test.ts (built servers).
describeNoOpStep([{ label: "Debian's redis-server (7.0)", server: 'redis-server' }])

/** Read commands on a key that does not exist (and a few without keys): each name gets its own latency histogram. */
const READS: string[][] = [
  ...['strlen', 'xlen', 'scard', 'get', 'ttl', 'hlen', 'llen', 'hgetall', 'zcard', 'dump', 'pexpiretime', 'pttl', 'hvals', 'hkeys', 'expiretime', 'type', 'smembers'].map((c) => [c, 'k:missing']),
  ...['lindex', 'getbit'].map((c) => [c, 'k:missing', '0']),
  ...['hget', 'sismember', 'zrevrank', 'zrank', 'hstrlen', 'zscore', 'hexists', 'geopos', 'geohash', 'hmget', 'smismember', 'zmscore', 'lpos'].map((c) => [c, 'k:missing', 'm']),
  ...['idletime', 'encoding', 'refcount'].map((s) => ['object', s, 'k:missing']),
  ...['substr', 'zcount', 'lrange', 'getrange', 'zrange', 'zrevrange', 'zrangebyscore'].map((c) => [c, 'k:missing', '0', '1']),
  ['zrevrangebyscore', 'k:missing', '1', '0'],
  ['zlexcount', 'k:missing', '-', '+'],
  ['zrangebylex', 'k:missing', '-', '+'],
  ['zrevrangebylex', 'k:missing', '+', '-'],
  ['xrange', 'k:missing', '-', '+'],
  ['xrevrange', 'k:missing', '+', '-'],
  ...['zscan', 'sscan', 'hscan'].map((c) => [c, 'k:missing', '0']),
  ...['sdiff', 'sunion', 'sinter', 'touch', 'pfcount', 'bitfield_ro', 'srandmember', 'sort_ro', 'bitcount', 'hrandfield', 'zrandmember', 'mget', 'exists'].map((c) => [c, 'k:missing']),
  ...['zunion', 'zdiff', 'zinter', 'sintercard', 'zintercard'].map((c) => [c, '1', 'k:missing']),
  ['lcs', 'k:missing', 'k:missing2'],
  ['bitpos', 'k:missing', '1'],
  ['geodist', 'k:missing', 'a', 'b'],
  ['georadius_ro', 'k:missing', '0', '0', '1', 'm'],
  ['georadiusbymember_ro', 'k:missing', 'm', '1', 'm'],
  ['geosearch', 'k:missing', 'FROMLONLAT', '0', '0', 'BYRADIUS', '1', 'm', 'ASC'],
  ['keys', 'k:nothing-matches*'],
  ['randomkey'],
  ['echo', 'x'],
  ['time'],
  ['lastsave'],
  ['role'],
  ['command', 'count'],
  ['client', 'getname'],
  ['client', 'info'],
  ['slowlog', 'len'],
  ['pubsub', 'numpat'],
  ['pubsub', 'numsub'],
  ['acl', 'whoami'],
  ['acl', 'cat'],
  ['latency', 'latest'],
  ...['object', 'config', 'memory', 'client', 'latency', 'xinfo', 'command', 'slowlog', 'pubsub', 'acl', 'cluster', 'script', 'function', 'module', 'xgroup'].map((c) => [c, 'help'])
]

describe('every kind of memory is named', () => {
  it('an OOM caused only by latency histograms names them, says eviction cannot free them, and does not blame keys', async () => {
    const r = await server(['--maxmemory', '3mb', '--maxmemory-policy', 'allkeys-lru'])
    const dir = tempDir()
    const script = join(dir, 'reads.mjs')
    writeFileSync(
      script,
      `import net from 'node:net'
const enc = (a) => '*' + a.length + '\\r\\n' + a.map((x) => '$' + Buffer.byteLength(x) + '\\r\\n' + x + '\\r\\n').join('')
const commands = ${JSON.stringify(READS)}
const s = net.connect(${r.port}, '127.0.0.1', () => s.write(commands.map(enc).join('') + enc(['SET', 'k:one', 'v'])))
s.on('data', () => {})
setTimeout(() => s.destroy(), 1500)
`
    )
    const run = await runCli(['run', '--url', r.url, '--json', '--fail-on', 'oom', '--', process.execPath, script])
    const report = reportOf(run.stdout)
    expect(report.oomErrors).toBeGreaterThanOrEqual(1)
    const cause = report.cause?.memory
    expect(cause?.breakdown?.biggest?.part).toBe('latency-histograms')
    expect(cause?.breakdown?.latencyHistograms?.count).toBeGreaterThanOrEqual(100)
    const notKeys = cause?.explanations.find((e) => e.kind === 'not-keys')?.text ?? ''
    expect(notKeys).toMatch(/^Keys were not the cause: \d+ latency histograms held/)
    expect(notKeys).toContain('eviction cannot free them')
    expect(notKeys).toContain('latency-tracking no')
    expect(notKeys).toContain('CONFIG RESETSTAT')
    // The dataset is not taken for keys: the histograms are out of it.
    const dataset = cause?.breakdown?.parts.find((p) => p.part === 'dataset')?.bytes ?? Infinity
    expect(dataset).toBeLessThan(cause?.breakdown?.latencyHistograms?.bytes ?? 0)
  })
})

/** The process ids in the process group `pgid` that still run. */
function groupMembers(pgid: number): number[] {
  const out: number[] = []
  for (const entry of readdirSafe('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      if (Number(fields[2]) === pgid && fields[0] !== 'Z') out.push(Number(entry))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

function readdirSafe(dir: string): string[] {
  try {
    return process.getBuiltinModule('node:fs').readdirSync(dir)
  } catch {
    return []
  }
}

describe('put back on every exit path', () => {
  it('SIGTERM during run ends the command\'s whole process group and the sampler, and leaves no setting changed and no guard connection', async () => {
    const r = await server()
    const dir = tempDir()
    const pidFile = join(dir, 'pgid')
    const configBefore = await redisCommand(r.port, 'CONFIG', 'GET', '*')
    // The shell (the leader of the command's process group) records its id, then leaves a background sleeper and waits.
    const child = spawn(process.execPath, [CLI, 'run', '--url', r.url, '--json', '--', 'bash', '-c', `echo $$ > ${pidFile}; sleep 60 & sleep 60; wait`], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    const deadline = Date.now() + 20_000
    while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8').trim() === '') {
      if (Date.now() > deadline) throw new Error('the command did not start')
      await sleep(50)
    }
    const pgid = Number(readFileSync(pidFile, 'utf8').trim())
    await sleep(500)
    expect(groupMembers(pgid).length).toBeGreaterThanOrEqual(2)
    child.kill('SIGTERM')
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve))
    expect(code).toBe(143)
    // The report was still written, and names the signal.
    const report = reportOf(stdout)
    expect(report.command?.signal).toBe('SIGTERM')
    expect(groupMembers(pgid)).toEqual([])
    await sleep(200)
    expect(await redisCommand(r.port, 'CONFIG', 'GET', '*')).toEqual(configBefore)
    const clients = String(await redisCommand(r.port, 'CLIENT', 'LIST'))
    expect(clients).not.toContain('name=redis-memory-guard')
  })
})

describe("the surviving key's birth", () => {
  it('a key deleted and written again is timed by its last creation', async () => {
    const r = await server()
    const cli = (args: string): string => `redis-cli -p ${r.port} ${args} > /dev/null`
    const run = await runCli(['run', '--url', r.url, '--json', '--', 'bash', '-c', `${cli('set k 1')}; ${cli('del k')}; sleep 1.5; ${cli('set k 1')}; ${cli('set early 1')}`])
    expect(run.code).toBe(0)
    const times = reportOf(run.stdout).cause?.leakedKeyTimes
    const k = times?.keys.find((x) => x.key === 'k')
    const early = times?.keys.find((x) => x.key === 'early')
    expect(k?.secondsIntoStep).toBeGreaterThanOrEqual(1.4)
    expect(early?.secondsIntoStep).toBeGreaterThanOrEqual(k?.secondsIntoStep ?? Infinity)
  })

  it('after the suite kills every client (CLIENT KILL), the guard reconnects, names the span it did not see and why, and times later keys', async () => {
    const r = await server()
    const cli = (args: string): string => `redis-cli -p ${r.port} ${args} > /dev/null`
    const run = await runCli([
      'run',
      '--url',
      r.url,
      '--json',
      '--',
      'bash',
      '-c',
      `${cli('set before-kill 1')}; sleep 0.3; ${cli('client kill type normal')}; sleep 1; ${cli('set after-kill 1')}; sleep 0.3`
    ])
    expect(run.code).toBe(0)
    const report = reportOf(run.stdout)
    const times = report.cause?.leakedKeyTimes
    expect(times?.unobserved?.length).toBeGreaterThanOrEqual(1)
    expect(times?.unobserved?.[0].reason).toMatch(/CLIENT KILL/)
    expect(times?.keys.find((x) => x.key === 'before-kill')?.firstSeenAt).not.toBeNull()
    expect(times?.keys.find((x) => x.key === 'after-kill')?.secondsIntoStep).toBeGreaterThanOrEqual(1)
    // The sampler came back too: its gap is in the samples, and no guard connection is left.
    const clients = String(await redisCommand(r.port, 'CLIENT', 'LIST'))
    expect(clients).not.toContain('name=redis-memory-guard')
    expect(report.after).not.toBeNull()
  })
})

describe('several jobs on one Redis', () => {
  /** One job: its main step sets the limit, its sampler's connection carries the tag, its post step restores. */
  async function jobMain(r: TestRedis, maxmemory: number): Promise<{ applied: AttachedLimits; sampler: RedisConnection }> {
    const conn = await connect(parseRedisUrl(r.url), { timeoutMs: 5000 })
    try {
      const { applied } = await applyLimits(conn, { maxmemory, maxmemoryPolicy: 'allkeys-lru' }, QUIET_HOST)
      if (!applied) throw new Error('no limits applied')
      const sampler = await connect(parseRedisUrl(r.url), { timeoutMs: 5000, name: `${GUARD_CLIENT_NAME}:sampler:${limitsTag(applied)}:${process.pid}` })
      return { applied, sampler }
    } finally {
      await conn.close()
    }
  }
  async function jobPost(r: TestRedis, job: { applied: AttachedLimits; sampler: RedisConnection }): Promise<void> {
    await job.sampler.close()
    await sleep(50)
    await restoreLimits(parseRedisUrl(r.url), job.applied, 5000, QUIET_HOST)
  }
  const config = async (r: TestRedis): Promise<[string, string]> => [
    String((await redisCommand(r.port, 'CONFIG', 'GET', 'maxmemory') as Reply[])[1]),
    String((await redisCommand(r.port, 'CONFIG', 'GET', 'maxmemory-policy') as Reply[])[1])
  ]

  it('A-main, B-main, A-post, B-post ends with the settings the server had', async () => {
    const r = await server(['--maxmemory', '50mb'])
    const a = await jobMain(r, 30 * 1024 * 1024)
    const b = await jobMain(r, 40 * 1024 * 1024)
    await jobPost(r, a)
    // A's value was no longer there; B's stays while B runs.
    expect(await config(r)).toEqual([String(40 * 1024 * 1024), 'allkeys-lru'])
    await jobPost(r, b)
    expect(await config(r)).toEqual([String(50 * 1024 * 1024), 'noeviction'])
  })

  it('A-main, B-main, B-post, A-post gives A its own limit back until A ends, then the server\'s', async () => {
    const r = await server(['--maxmemory', '50mb'])
    const a = await jobMain(r, 30 * 1024 * 1024)
    const b = await jobMain(r, 40 * 1024 * 1024)
    await jobPost(r, b)
    expect(await config(r)).toEqual([String(30 * 1024 * 1024), 'allkeys-lru'])
    await jobPost(r, a)
    expect(await config(r)).toEqual([String(50 * 1024 * 1024), 'noeviction'])
  })

  it.each([
    ['with sampling off', '0'],
    ['sampled', '200ms']
  ])('%s, two action jobs begun one right after the other end, in either order, with the settings the server had: each job\'s named connection is up before its main step ends', async (_, interval) => {
    for (const order of [['a', 'b'], ['b', 'a']] as const) {
      const r = await server(['--maxmemory', '50mb'])
      const inputs = (maxmemory: string): Record<string, string> => ({ 'redis-url': r.url, maxmemory, 'maxmemory-policy': 'allkeys-lru', 'sample-interval': interval, 'key-scan-budget': '0' })
      const jobs = { a: newJob(), b: newJob() }
      const mainA = await jobs.a.step('main', inputs('30mb'))
      const mainB = await jobs.b.step('main', inputs('40mb'))
      expect([mainA.code, mainB.code]).toEqual([0, 0])
      // Each job's process holds one connection whose name carries what it changed; with sampling off it sends nothing.
      for (const main of [mainA, mainB]) {
        const holder = stepState(main).sampler
        expect(holder).not.toBeNull()
        if (interval === '0') expect(main.stdout).toContain(`a background process (${holder!.pid}) holds one idle connection`)
      }
      const held = String(await redisCommand(r.port, 'CLIENT', 'LIST')).split('\n').filter((l) => / name=redis-memory-guard:sampler:limits=/.test(l))
      expect(held).toHaveLength(2)
      if (interval === '0') for (const line of held) expect(line).toMatch(/ cmd=(ping|client\|setname|hello|select) /)
      const state = { a: mainA.state, b: mainB.state }
      const first = await jobs[order[0]].step('post', inputs(order[0] === 'a' ? '30mb' : '40mb'), state[order[0]])
      // The job still running keeps its own value.
      expect(await config(r)).toEqual([String((order[1] === 'a' ? 30 : 40) * 1024 * 1024), 'allkeys-lru'])
      const second = await jobs[order[1]].step('post', inputs(order[1] === 'a' ? '30mb' : '40mb'), state[order[1]])
      expect([first.code, second.code]).toEqual([0, 0])
      expect(await config(r)).toEqual([String(50 * 1024 * 1024), 'noeviction'])
      // No guard connection and no holding process is left, and the reports say sampling was off.
      expect(String(await redisCommand(r.port, 'CLIENT', 'LIST'))).not.toContain('redis-memory-guard')
      for (const main of [mainA, mainB]) expect(alive(stepState(main).sampler!.pid)).toBe(false)
      for (const post of [first, second]) expect(post.summary).not.toContain('never wrote a sample')
    }
  }, 60_000)

  it('a post step that runs twice changes nothing the second time', async () => {
    const r = await server(['--maxmemory', '50mb'])
    const a = await jobMain(r, 30 * 1024 * 1024)
    await jobPost(r, a)
    await redisCommand(r.port, 'CONFIG', 'SET', 'maxmemory', '60mb')
    await restoreLimits(parseRedisUrl(r.url), a.applied, 5000, QUIET_HOST)
    expect(await config(r)).toEqual([String(60 * 1024 * 1024), 'noeviction'])
  })
})
