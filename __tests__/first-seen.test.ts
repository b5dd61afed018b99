/**
 * When and by which test: new-key events recorded on a real server while a real `node --test` run
 * writes keys, its JUnit file mapped back to the test that wrote each key.
 */
import { describe, expect, it } from '@jest/globals'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { FirstSeenRecorder } from '../src/explain/first-seen.js'
import { TestTimeline } from '../src/explain/attribution.js'
import { readJUnitFiles } from '../src/explain/junit-files.js'
import { connect } from '../src/redis/connection.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { connectedRedisPerFile } from './helpers/redis-connection.js'

const redis = connectedRedisPerFile()
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** A test file for node's runner: each test waits, writes its key over a raw socket, and waits again. */
const TEST_FILE = `import { test, describe } from 'node:test'
import { Socket } from 'node:net'
const port = Number(process.env.TEST_REDIS_PORT)
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
function set(key) {
  return new Promise((resolve, reject) => {
    const s = new Socket()
    s.once('error', reject)
    s.connect(port, '127.0.0.1', () => s.write('*3\\r\\n$3\\r\\nSET\\r\\n$' + Buffer.byteLength(key) + '\\r\\n' + key + '\\r\\n$1\\r\\nv\\r\\n'))
    s.once('data', () => { s.destroy(); resolve() })
  })
}
async function step(key) {
  await sleep(250)
  if (key) await set(key)
  await sleep(250)
}
describe('imports', () => {
  test('writes a batch', () => step('app:import-batch-550e8400-e29b-41d4-a716-446655440000:rows'))
  test('reads it back', () => step(null))
})
test('sends mail', () => step('mail:queue:1'))
test('cleans up', () => step(null))
`

describe('FirstSeenRecorder', () => {
  it('maps leaked keys to the test that wrote them, through the JUnit file of a real node --test run', async () => {
    const { r, conn } = await redis()
    const dir = mkdtempSync(join(tmpdir(), 'rmg-first-seen-'))
    try {
      await redisCommand(r.port, 'SET', 'before:step', 'x')
      const rec = await FirstSeenRecorder.start(conn)
      if (!(rec instanceof FirstSeenRecorder)) throw new Error(rec.unavailable)
      writeFileSync(join(dir, 'app.test.mjs'), TEST_FILE)
      const junit = join(dir, 'junit.xml')
      const startedAt = Date.now()
      const code = await new Promise<number | null>((resolve) => {
        const child = spawn(process.execPath, ['--test', '--test-reporter=junit', `--test-reporter-destination=${junit}`, 'app.test.mjs'], {
          cwd: dir,
          env: { ...process.env, TEST_REDIS_PORT: String(r.port), NODE_OPTIONS: '' },
          stdio: 'ignore'
        })
        child.once('exit', resolve)
      })
      expect(code).toBe(0)
      await sleep(100) // the last events reach the subscriber
      await rec.stop()
      // Key tracking changes no setting.
      expect(String(((await redisCommand(r.port, 'CONFIG', 'GET', 'notify-keyspace-events')) as string[])[1])).toBe('')
      // Keys from before the recording have no first-seen time.
      expect(rec.firstSeen(0, 'before:step')).toBeNull()
      const keys = ['app:import-batch-550e8400-e29b-41d4-a716-446655440000:rows', 'mail:queue:1'].map((key) => ({ db: 0, key, firstSeen: rec.firstSeen(0, key) ?? NaN }))
      expect(keys.every((k) => k.firstSeen >= startedAt)).toBe(true)

      const { windows, notes } = readJUnitFiles([junit], { startedAt })
      // Its top-level tests could have come from several test files: each is placed on its own.
      expect(notes).toHaveLength(1)
      expect(notes[0]).toContain('does not say which test file')
      expect(windows[0].placement).toBe('durations')
      // Node's start-up before the first test is outside the test times: each key's test is named, or is among the candidates.
      const tests = new TestTimeline(windows)
      const named = keys.map((k) => tests.keyBorn(k.firstSeen))
      expect(named.map((a) => a.candidates.map((c) => c.name))).toEqual([expect.arrayContaining(['writes a batch']), expect.arrayContaining(['sends mail'])])
      for (const a of named) if (a.exactness === 'exact') expect(a.candidates).toHaveLength(1)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('records keys in every DB, once each, up to its cap, then only counts them', async () => {
    const { r, conn } = await redis()
    const rec = await FirstSeenRecorder.start(conn, { maxKeys: 3 })
    if (!(rec instanceof FirstSeenRecorder)) throw new Error(rec.unavailable)
    await redisCommands(r.port, [['SET', 'a', '1'], ['SET', 'a', '2'], ['SELECT', '5'], ['HSET', 'h', 'f', 'v'], ['SET', 'b', '1'], ['SET', 'c', '1'], ['SET', 'd', '1']])
    await sleep(100)
    const result = await rec.stop()
    // Which three of the five get in depends on the rounds (a key of a DB new to the recorder is asked twice).
    // A name written once is not asked about (its first push is its birth) and is given for every DB
    // with keys: only keys that exist are looked up. Three names are kept, two counted past the cap.
    const names = new Set([...result.times.keys()].map((k) => k.split('\n')[1]))
    expect(names.size).toBe(3)
    expect([...names].every((k) => ['a', 'h', 'b', 'c', 'd'].includes(k))).toBe(true)
    expect(result.times.get('0\na')).toBeGreaterThan(0)
    // (Redis sends the names of one push in byte order, so which three is decided by their names.)
    for (const n of names) expect(result.times.get(`5\n${n}`)).toBeGreaterThan(0)
    expect(result.dropped).toBe(2)
  })

  it('widens a key\'s time by how long its push waited while this process could not run', async () => {
    const { r, conn } = await redis()
    const rec = await FirstSeenRecorder.start(conn)
    if (!(rec instanceof FirstSeenRecorder)) throw new Error(rec.unavailable)
    await redisCommand(r.port, 'SET', 'quiet:key', '1')
    await sleep(100)
    // A busy runner: the write lands while this process holds no core (here: its event loop is held by a synchronous wait).
    const wrote = Date.now()
    execFileSync('redis-cli', ['-p', String(r.port), 'SET', 'stalled:key', '1'])
    const held = Date.now() + 400
    while (Date.now() < held) {
      // the push waits in the socket
    }
    await sleep(100)
    const result = await rec.stop()
    const quiet = result.times.get('0\nquiet:key')
    const stalled = result.times.get('0\nstalled:key')
    if (quiet === undefined || stalled === undefined) throw new Error('a key has no time')
    // Read after the stall: its time alone would put the write ~400 ms late; the lag covers the write.
    expect(stalled).toBeGreaterThanOrEqual(held)
    const lag = result.lags.get(stalled)
    expect(lag).toBeGreaterThanOrEqual(stalled - wrote)
    expect(lag).toBeLessThan(2000)
    // A key read at once carries no lag beyond the usual bound.
    expect(result.lags.has(quiet)).toBe(false)
  })

  it('says why it cannot record when the user may not change the setting', async () => {
    const { r } = await redis()
    await redisCommand(r.port, 'ACL', 'SETUSER', 'ci', 'on', '>pw-for-test', '+@all', '-client|tracking', '~*', '&*')
    const limited = await connect(parseRedisUrl(`redis://ci:pw-for-test@127.0.0.1:${r.port}`, 'redis-url'), { timeoutMs: 5000 })
    try {
      const rec = await FirstSeenRecorder.start(limited)
      expect(rec).toEqual({ unavailable: expect.stringMatching(/^CLIENT TRACKING ON BCAST was refused \(NOPERM.*no first-seen time/) })
    } finally {
      await limited.close()
    }
  })
})
