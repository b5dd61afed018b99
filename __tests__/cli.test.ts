/**
 * The bundled CLI run as its own process against real redis-server processes the tests start.
 * `npm run package` must have built dist/ from the current source.
 */
import { describe, expect, it } from '@jest/globals'
import { execFileSync, spawn } from 'node:child_process'
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, writeKeys, CLI, FIXTURES } from './helpers/cli-runner.js'
import { freePort, redisPerFile } from './helpers/redis-server.js'
import { redisCommand, redisCommands } from './helpers/resp.js'
import { probe } from '../src/cli/target.js'
import { SCHEMA_VERSION, type Report } from '../src/report/schema.js'
import { reportModel } from '../src/render/model.js'

const redis = redisPerFile()

const ANSI = /\u001b\[/ // eslint-disable-line no-control-regex
const work = mkdtempSync(join(tmpdir(), 'rmg-cli-test-'))

describe('run', () => {
  it('fails with exit 1 and names the leak when the command leaves keys behind', async () => {
    const r = await redis()
    const res = await runCli(['run', '--url', r.url, '--max-leaked-keys', '0', '--fail-on', 'oom,leaked-keys', '--', ...writeKeys('3', 'session')], {
      REDIS_URL: r.url
    })
    expect(res.code).toBe(1)
    expect(res.stdout).toContain('writing 3 keys') // the command's output is passed through
    expect(res.stdout).toContain('FAIL  leaked-keys: 3 keys left behind: present after the step and not before (DB 0: 3)')
    // The key analysis names them.
    expect(res.stdout).toMatch(/DB 0 {2}session:\* {2}3 keys, .*3 without TTL {2}e\.g\. session:0, session:1, session:2/)
    expect(res.stdout).toContain('Redis memory: fail')
    expect(res.stdout).not.toMatch(ANSI) // piped: no colours
    expect(await redisCommand(r.port, 'DBSIZE')).toBe(3)
  })

  it('passes with exit 0 when the command cleans up, and keeps a failing command as exit 1', async () => {
    const r = await redis()
    const clean = await runCli(['run', '--url', r.url, '--max-leaked-keys', '0', '--', process.execPath, '-e', 'console.log("nothing to do")'])
    expect(clean.code).toBe(0)
    expect(clean.stdout).toContain('nothing to do')
    expect(clean.stdout).toContain('Redis memory: pass')
    const failing = await runCli(['run', '--url', r.url, '--', process.execPath, '-e', 'process.exit(3)'])
    // The command's own exit code, as the action's run input keeps it.
    expect(failing.code).toBe(3)
    expect(failing.stdout).toContain('exited with code 3')
    expect(failing.stdout).toContain('Redis memory: pass')
  })

  it('--json prints the action report schema on stdout and the command output on stderr', async () => {
    const r = await redis()
    const res = await runCli(['run', '--url', r.url, '--json', '--', ...writeKeys('2000', 'big', '1000')], { REDIS_URL: r.url })
    expect(res.code).toBe(0)
    expect(res.stderr).toContain('writing 2000 keys')
    const report = JSON.parse(res.stdout)
    expect(report.schemaVersion).toBe(SCHEMA_VERSION)
    expect(report.tool.name).toBe('redis-memory-guard')
    expect(['pass', 'warn']).toContain(report.verdict)
    expect(report.target).toEqual({ url: r.url, host: '127.0.0.1', port: r.port, db: 0 })
    expect(report.before.keyspace).toEqual({})
    expect(report.after.keyspace['0'].keys).toBe(2000)
    expect(report.after.memory.usedMemory).toBeGreaterThan(report.before.memory.usedMemory + 2000 * 1000)
    expect(report.leakedKeys).toBe(2000)
    expect(report.checks.map((c: { check: string }) => c.check)).toEqual(
      expect.arrayContaining(['oom', 'used-memory', 'peak-memory', 'memory-percent', 'fragmentation', 'evictions', 'leaked-keys'])
    )
    // The judged peak is the highest figure compared; used_memory_peak, which the step raised, is at least every sample.
    expect(report.peak.candidates.map((c: { source: string }) => c.source)).toContain('sampled')
    expect(report.peak.bytes).toBe(Math.max(...report.peak.candidates.map((c: { bytes: number }) => c.bytes)))
    expect(report.peak.bytes).toBeGreaterThanOrEqual(report.after.memory.usedMemory)
    expect(report.sampling.summary.count).toBeGreaterThanOrEqual(1)
    expect(report.sampling.intervalMs).toBe(100)
    expect(report.command).toMatchObject({ exitCode: 0, signal: null, oomLines: 0 })
    expect(report.metrics.redis_db_keys_db0).toBe(2000)
  })

  it('counts OOM errors from Redis and from the command output, and fails', async () => {
    const r = await redis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'])
    const res = await runCli(['run', '--url', r.url, '--json', '--', ...writeKeys('200', 'big', String(64 * 1024))], { REDIS_URL: r.url })
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('OOM command not allowed')
    const report = JSON.parse(res.stdout)
    expect(report.verdict).toBe('fail')
    expect(report.command.oomLines).toBeGreaterThanOrEqual(1)
    expect(report.command.oomQuotes[0]).toContain('OOM command not allowed')
    expect(report.oomErrors).toBeGreaterThanOrEqual(report.command.oomLines)
    expect(report.checks.find((c: { check: string }) => c.check === 'oom').status).toBe('fail')
  })

  it('never prints the password, neither from --url nor from the command line', async () => {
    const r = await redis(['--requirepass', 's3cret-pw'])
    const url = `redis://:s3cret-pw@127.0.0.1:${r.port}`
    const res = await runCli(['run', '--url', url, '--json', '--', process.execPath, '-e', 'process.exit(0)', url])
    expect(res.code).toBe(0)
    const report = JSON.parse(res.stdout)
    expect(report.target.url).toBe(`redis://:***@127.0.0.1:${r.port}`)
    expect(report.command.command).toContain(`redis://:***@127.0.0.1:${r.port}`)
    expect(res.stdout + res.stderr).not.toContain('s3cret-pw')
    const terminal = await runCli(['snapshot', '--url', url])
    expect(terminal.code).toBe(0)
    expect(terminal.stdout + terminal.stderr).not.toContain('s3cret-pw')
  })

  it('--sample-interval 0 takes no samples; the peak then comes from the snapshots', async () => {
    const r = await redis()
    const res = await runCli(['run', '--url', r.url, '--json', '--sample-interval', '0', '--', ...writeKeys('1')], { REDIS_URL: r.url })
    expect(res.code).toBe(0)
    const report = JSON.parse(res.stdout)
    expect(report.sampling).toBeUndefined()
    expect(report.peak.source).not.toBe('sampled')
  })

  it('--markdown prints the job summary', async () => {
    const r = await redis()
    const res = await runCli(['run', '--url', r.url, '--markdown', '--', ...writeKeys('1')], { REDIS_URL: r.url })
    expect(res.code).toBe(0)
    expect(res.stdout.startsWith('## Redis Memory Guard\n')).toBe(true)
    expect(res.stdout).toContain('| Keys (all DBs) | 0 | 1 | +1 |')
  })

  it('starts a throwaway redis-server when nothing listens on the default URL, and stops it afterwards', async () => {
    const closed = await freePort()
    const res = await runCli(['run', '--json', '--max-leaked-keys', '0', '--fail-on', 'leaked-keys', '--', ...writeKeys('4')], {
      REDIS_URL: `redis://127.0.0.1:${closed}`
    })
    const started = /started a throwaway redis-server at redis:\/\/127\.0\.0\.1:(\d+)/.exec(res.stderr)
    expect(started).not.toBeNull()
    const port = Number(started?.[1])
    expect(port).not.toBe(closed)
    // The command got the throwaway server as REDIS_URL and wrote its keys there.
    expect(res.stderr).toContain(`writing 4 keys to 127.0.0.1:${port}`)
    const report = JSON.parse(res.stdout)
    expect(report.target.port).toBe(port)
    expect(report.leakedKeys).toBe(4)
    expect(report.extra.throwawayServer).toBe(true)
    expect(res.code).toBe(1)
    // Gone afterwards: the port refuses, and no redis-server process serves it.
    expect(await probe('127.0.0.1', port)).toBe('refused')
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' })
    expect(processes.split('\n').filter((l) => l.includes('redis-server') && l.includes(`:${port}`))).toEqual([])
  })

  it('stops the throwaway server also when the command is not found', async () => {
    const closed = await freePort()
    const res = await runCli(['run', '--', 'no-such-command-rmg'], { REDIS_URL: `redis://127.0.0.1:${closed}` })
    expect(res.code).toBe(127)
    expect(res.stderr).toContain('Command not found: no-such-command-rmg')
    const port = Number(/127\.0\.0\.1:(\d+) for this run/.exec(res.stderr)?.[1])
    expect(port).toBeGreaterThan(0)
    expect(await probe('127.0.0.1', port)).toBe('refused')
  })
})

describe('run with a JUnit file', () => {
  it('prints the events on the test timeline, memory per test and the error replies with the test that first received each', async () => {
    const r = await redis(['--maxmemory', '2mb', '--maxmemory-policy', 'noeviction'])
    const dir = mkdtempSync(join(tmpdir(), 'rmg-cli-junit-'))
    cpSync(join(FIXTURES, 'suites', 'mocha-oom'), dir, { recursive: true })
    const mocha = join(process.cwd(), 'node_modules', 'mocha', 'bin', 'mocha.js')
    const reportPath = join(dir, 'report.json')
    const res = await runCli([
      'run', '--url', r.url, '--sample-interval', '100ms', '--junit-report', join(dir, 'mocha.xml'), '--report-path', reportPath,
      '--', 'sh', '-c', `cd '${dir}' && '${process.execPath}' '${mocha}' --reporter xunit --reporter-option output=mocha.xml cache.spec.cjs`
    ])
    // The suite passed; the OOM replies fail the step.
    expect(res.code).toBe(1)
    const out = res.stdout
    const fill = 'cache › fills memory until Redis refuses writes'
    expect(out).toContain('\nThe step on the test timeline\n')
    expect(out).toMatch(/^ {2}Event +When +What +Test running then$/m)
    for (const event of ['First OOM error reply', 'Used memory passed 90% of maxmemory', 'Steepest growth between two samples']) {
      const row = out.split('\n').find((l) => l.startsWith(`  ${event} `))
      expect(row).toMatch(/[\d.]+ m?s into the step/)
      expect(row).toContain(fill)
    }
    expect(out).toContain('\nMemory per test\n')
    expect(out).toMatch(new RegExp(`^ {2}${fill} +\\+[\\d.]+ [KM]B +[\\d.]+ m?s +`, 'm'))
    expect(out).toContain('\nError replies during the step\n')
    expect(out).toMatch(/^ {2}Error +Replies +First seen +First received by$/m)
    expect(out).toMatch(/^ {2}OOM +\d+ +[\d.]+ m?s into the step +.*fills memory until Redis refuses writes/m)
    expect(out).toMatch(/^ {2}WRONGTYPE +1 +[\d.]+ m?s into the step +.*cache › pushes onto a string/m)
    expect(out).toMatch(/^ {2}lpush +1 +0$/m)
    // The same words as the job summary's model of the saved report: nothing is worked out twice.
    const report = JSON.parse(readFileSync(reportPath, 'utf8')) as Report
    const cause = reportModel(report).cause
    expect(cause?.errors?.byPrefix.length).toBeGreaterThanOrEqual(2)
    for (const p of cause?.errors?.byPrefix ?? []) expect(out).toContain(`${p.when}  `)
    for (const p of cause?.errors?.byPrefix ?? []) expect(out).toContain(p.first ?? 'no first')
    for (const e of cause?.events ?? []) expect(out).toContain(e.detail)
  })
})

describe('run and signals', () => {
  /** Starts the CLI and resolves once its stdout contains `marker`. */
  function startCli(args: string[], env: Record<string, string>, marker: string) {
    const child = spawn(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    const seen = new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString()
        if (stdout.includes(marker)) resolve()
      })
    )
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const done = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    return { child, seen, done, output: () => ({ stdout, stderr }) }
  }
  const waitingCommand = (ms: number): string[] => [process.execPath, '-e', `console.log('ready'); setTimeout(() => console.log('finished'), ${ms})`]

  it('on SIGTERM stops the command, still reports, and stops the throwaway server', async () => {
    const closed = await freePort()
    const cli = startCli(['run', '--', ...waitingCommand(30_000)], { REDIS_URL: `redis://127.0.0.1:${closed}` }, 'ready')
    await cli.seen
    cli.child.kill('SIGTERM')
    // 128 + 15: the command's own end, as a shell reports it.
    expect(await cli.done).toBe(143)
    const { stdout, stderr } = cli.output()
    expect(stdout).toContain('was stopped by SIGTERM')
    expect(stdout).toContain('Redis memory: pass')
    expect(stdout).not.toMatch(/^finished$/m) // the command did not run to its end
    const port = Number(/127\.0\.0\.1:(\d+) for this run/.exec(stderr)?.[1])
    expect(port).toBeGreaterThan(0)
    expect(await probe('127.0.0.1', port)).toBe('refused')
  })

  it('passes SIGINT on to the command (its own process group, off a terminal): the command ends and the run goes on to its report', async () => {
    const r = await redis()
    const cli = startCli(['run', '--url', r.url, '--', ...waitingCommand(5_000)], {}, 'ready')
    await cli.seen
    cli.child.kill('SIGINT') // only the CLI: off a terminal, no Ctrl-C reaches the command's group but through the guard
    // 128 + 2: the command's own end.
    expect(await cli.done).toBe(130)
    expect(cli.output().stdout).not.toMatch(/^finished$/m)
    expect(cli.output().stdout).toContain('Redis memory: pass')
  })
})

describe('snapshot, keys and diff', () => {
  it('snapshot reads like the INFO commands, with the fragmentation noise gate', async () => {
    const r = await redis(['--maxmemory', '64mb'])
    await redisCommands(r.port, [['SET', 'a', '1'], ['SET', 'b', '2', 'EX', '100'], ['SELECT', '2'], ['SET', 'c', '3']])
    const res = await runCli(['snapshot', '--url', r.url])
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/maxmemory\s+64\.0 MB, policy noeviction/)
    expect(res.stdout).toContain('Not judged: only')
    expect(res.stdout).toMatch(/\n\s+0\s+2\s+1\s/) // DB 0: 2 keys, 1 with TTL
    expect(res.stdout).toMatch(/\n\s+2\s+1\s+0\s/)
    expect(res.stdout).toMatch(/OOM errors\s+0/)
    expect(res.stdout).not.toContain('No "before" snapshot')
    const json = JSON.parse((await runCli(['snapshot', '--url', r.url, '--json'])).stdout)
    expect(json.before).toBeNull()
    expect(json.after.keyspace['2'].keys).toBe(1)
  })

  it('snapshot fails with exit 1 over a limit', async () => {
    const r = await redis()
    const res = await runCli(['snapshot', '--url', r.url, '--max-used-memory', '1kb'])
    expect(res.code).toBe(1)
    expect(res.stdout).toContain('FAIL  used-memory')
  })

  it('keys shows the prefixes, the largest keys and the keys per database', async () => {
    const r = await redis()
    const big = 'v'.repeat(20_000)
    await redisCommands(r.port, [
      ...Array.from({ length: 20 }, (_, i) => ['SET', `session:${1000 + i}`, 'x']),
      ['SET', 'report:big', big],
      ['SELECT', '5'],
      ['SET', 'x', '1', 'EX', '60'],
      ['SET', 'y', '1']
    ])
    const res = await runCli(['keys', '--url', r.url])
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/Prefixes by count\n.*\n\s+0\s+session:\*\s+20\n/)
    // Like redis-cli --bigkeys: type, encoding and elements (STRLEN for a string) beside the bytes.
    expect(res.stdout).toMatch(/Largest keys\n.*Type\s+Encoding\s+Elements\s+Memory\s+TTL\n\s+0\s+report:big\s+string\s+raw\s+20,000\s+\d+\.\d KB\s+none\n/)
    expect(res.stdout).toMatch(/\n\s+5\s+2\s+1\s/) // DB 5: 2 keys, 1 with TTL
    expect(res.stderr).toContain('Key inventory: 23 keys in 2 DBs')
    const json = JSON.parse((await runCli(['keys', '--url', r.url, '--json'])).stdout)
    expect(json.keys.totalKeys).toBe(23)
    expect(json.keys.topKeys[0]).toMatchObject({ db: 0, key: 'report:big' })
  })

  it('diff judges two saved reports', async () => {
    const r = await redis()
    const before = join(work, 'before.json')
    const after = join(work, 'after.json')
    expect((await runCli(['snapshot', '--url', r.url, '--report-path', before])).code).toBe(0)
    await redisCommands(r.port, [['SET', 'user:1', 'a'], ['SELECT', '1'], ['SET', 'user:2', 'b']])
    expect((await runCli(['snapshot', '--url', r.url, '--report-path', after, '--json'])).code).toBe(0)
    const res = await runCli(['diff', before, after, '--max-leaked-keys', '0', '--fail-on', 'leaked-keys'])
    expect(res.code).toBe(1)
    expect(res.stdout).toContain('2 keys more after the step than before (DB 0: 1, DB 1: 1)')
    const json = JSON.parse((await runCli(['diff', before, after, '--json'])).stdout)
    expect(json.leakedKeys).toBe(2)
    expect(json.target.port).toBe(r.port)
    expect(json.verdict).toBe('pass')
  })

  it('diff says what is wrong with a file that is not a report', async () => {
    const bad = join(work, 'bad.json')
    writeFileSync(bad, '{"hello": 1}')
    const res = await runCli(['diff', bad, bad])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain(`${bad} is neither a report nor a snapshot of redis-memory-guard`)
  })
})

describe('usage and connection errors', () => {
  it.each([
    [['run', '--max-used-memry', '1mb', '--', 'true'], 'Unknown option --max-used-memry. Did you mean --max-used-memory?'],
    [['run', '--max-used-memory', '12 apples', '--', 'true'], '--max-used-memory: "12 apples" is not a size. Use a number of bytes or a unit, e.g. 512mb'],
    [['run', '--fail-on', 'oom,leaks', '--', 'true'], '--fail-on: "leaks" is not a check.'],
    [['run', '--sample-interval', '10ms', '--', 'true'], '--sample-interval: 10 ms is too often. Use at least 50ms'],
    [['run', 'npm', 'test'], 'Put the command after --, e.g. redis-memory-guard run -- npm test.'],
    [['run'], 'run needs a command after --'],
    [['snapshot', '--url'], '--url needs a value: --url <url>.'],
    [['snapshot', '--json', '--markdown'], 'Give --json or --markdown, not both.'],
    [['snapshot', '--url', 'http://x'], '--url: the scheme must be redis:// or rediss://'],
    [['diff', 'one.json'], 'diff needs two files, got 1.'],
    [['snapshto'], 'Unknown command "snapshto". Did you mean snapshot?']
  ])('%j exits 2 with the message', async (args, message) => {
    const res = await runCli(args)
    expect(res.code).toBe(2)
    expect(res.stderr).toContain(message)
    expect(res.stderr).not.toContain('    at ') // no stack trace
  })

  it('shows the valid form with an unknown option', async () => {
    const res = await runCli(['snapshot', '--bogus'])
    expect(res.stderr).toContain('Usage: redis-memory-guard snapshot [options]')
  })

  it('exits 3 when Redis cannot be reached', async () => {
    const closed = await freePort()
    const res = await runCli(['snapshot', '--url', `redis://127.0.0.1:${closed}`, '--connect-timeout', '300ms'])
    expect(res.code).toBe(3)
    expect(res.stderr).toContain('or raise --connect-timeout')
    expect(res.stderr).toContain(`Could not reach Redis at 127.0.0.1:${closed}`)
  })

  it.each(['run', 'snapshot', 'keys', 'diff'])('%s --help shows usage and examples', async (command) => {
    const res = await runCli([command, '--help'])
    expect(res.code).toBe(0)
    expect(res.stdout).toContain(`Usage: redis-memory-guard ${command}`)
    expect(res.stdout).toMatch(new RegExp(`Examples:\\n  redis-memory-guard ${command === 'diff' ? 'snapshot' : command}`))
    expect(res.stdout).toContain('3    Redis could not be reached')
  })

  it('without a command prints the help and exits 2', async () => {
    const res = await runCli([])
    expect(res.code).toBe(2)
    expect(res.stderr).toContain('Usage: redis-memory-guard <command> [options]')
  })
})

describe('colours', () => {
  /** Runs the CLI on a pseudo-terminal (util-linux `script`), so stdout is a TTY. */
  function onTty(args: string[], env: Record<string, string>): Promise<string> {
    return new Promise((resolve) => {
      const cmd = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ')
      const child = spawn('script', ['-qec', cmd, '/dev/null'], {
        env: { PATH: process.env.PATH ?? '', TERM: 'xterm', ...env },
        stdio: ['ignore', 'pipe', 'pipe']
      })
      let out = ''
      child.stdout.on('data', (d: Buffer) => (out += d.toString()))
      child.on('close', () => resolve(out))
    })
  }

  it('colours on a TTY, and not with NO_COLOR', async () => {
    const r = await redis()
    expect(await onTty(['snapshot', '--url', r.url], {})).toMatch(ANSI)
    const plain = await onTty(['snapshot', '--url', r.url], { NO_COLOR: '1' })
    expect(plain).toContain('Keys per database')
    expect(plain).not.toMatch(ANSI)
  })
})

describe('the packed package', () => {
  it('runs from the tarball with no dependencies installed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmg-pack-'))
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { encoding: 'utf8' })
    const file = JSON.parse(out)[0].filename as string
    execFileSync('tar', ['-xzf', join(dir, file), '-C', dir])
    const pkg = JSON.parse(readFileSync(join(dir, 'package', 'package.json'), 'utf8'))
    const bin = join(dir, 'package', pkg.bin['redis-memory-guard'])
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true)
    // Executed directly through its shebang, outside the clone, with no node_modules anywhere.
    const version = execFileSync(bin, ['--version'], { encoding: 'utf8', cwd: dir })
    expect(version.trim()).toBe(`redis-memory-guard ${pkg.version}`)
    const r = await redis()
    const res = await runCli(['snapshot', '--url', r.url, '--json'], {}, bin)
    expect(res.code).toBe(0)
    expect(JSON.parse(res.stdout).schemaVersion).toBe(SCHEMA_VERSION)
    // `run` finds the sampler's bundle inside the package too.
    const ran = await runCli(['run', '--url', r.url, '--json', '--', process.execPath, '-e', 'setTimeout(() => {}, 300)'], {}, bin)
    expect(ran.code).toBe(0)
    expect(JSON.parse(ran.stdout).sampling.summary.count).toBeGreaterThanOrEqual(1)
    // Every chunk the CLI may load (octokit's for the baseline is shared with the action's bundles
    // and re-exported from dist/chunks/) loads from inside the package, as webpack reads it.
    const chunks = readdirSync(join(dir, 'package', 'dist', 'cli')).filter((f) => /^\d+\.index\.js$/.test(f))
    expect(chunks.length).toBeGreaterThan(0)
    for (const chunk of chunks) {
      const keys = execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(join(dir, 'package', 'dist', 'cli', chunk))}); console.log(Object.keys(m).sort().join(','))`], { encoding: 'utf8', cwd: dir })
      expect(keys.trim()).toBe('id,ids,modules')
    }
  })
})
