/** The CLI's pure parts, with plain data. */
import { describe, expect, it } from '@jest/globals'
import { readInputs } from '../src/action/inputs.js'
import { UsageError, closest, parseCommandArgs } from '../src/cli/args.js'
import { colours, wantColour } from '../src/cli/colours.js'
import { savedState } from '../src/cli/commands/diff.js'
import { createLogger } from '../src/cli/log.js'
import { containerTarget, defaultUrl, isLocalHost } from '../src/cli/target.js'
import { parsePortOutput } from '../src/provision/runtime.js'
import { safeText } from '../src/cli/terminal.js'
import { shellLine } from '../src/run/command.js'
import { Input, readThresholds } from '../src/config/options.js'
import { snap } from './helpers/snapshots.js'

describe('shared options', () => {
  it('reads the same names for the action and the CLI, with the CLI spelling in errors', () => {
    const values: Record<string, string> = { [Input.MaxUsedMemory]: '100mb', [Input.FailOn]: 'oom,leaked-keys', [Input.MaxLeakedKeys]: '0' }
    const get = (n: string): string => values[n] ?? ''
    const cli = readThresholds(get, (n) => `--${n}`)
    const action = readInputs(get).thresholds
    expect(cli).toEqual(action)
    expect(cli.maxUsedMemory).toBe(100 * 1024 * 1024)
    expect([...cli.failOn]).toEqual(['oom', 'leaked-keys'])
    expect(() => readThresholds((n) => (n === Input.MaxPeakMemory ? 'lots' : ''), (n) => `--${n}`)).toThrow('--max-peak-memory: "lots" is not a size.')
  })

  it('parses run arguments with the command after --', () => {
    const parsed = parseCommandArgs('run', ['--max-used-memory', '1mb', '--json', '--', 'npm', 'test', '--coverage'])
    expect(parsed.values[Input.MaxUsedMemory]).toBe('1mb')
    expect(parsed.values.json).toBe(true)
    expect(parsed.positionals).toEqual([])
    expect(parsed.rest).toEqual(['npm', 'test', '--coverage'])
  })

  it('rejects options a command does not take', () => {
    expect(() => parseCommandArgs('keys', ['--max-used-memory', '1mb'])).toThrow(UsageError)
    expect(() => parseCommandArgs('diff', ['--url', 'redis://x'])).toThrow('Unknown option --url. diff does not take --url.')
  })

  it('suggests the nearest name', () => {
    expect(closest('max-leak-keys', ['max-leaked-keys', 'max-used-memory'])).toBe('max-leaked-keys')
    expect(closest('zzzzzz', ['json', 'url'])).toBeNull()
  })
})

describe('where Redis is', () => {
  it.each([
    ['0.0.0.0:32768\n', { host: '127.0.0.1', port: 32768 }],
    ['[::]:32768\n', { host: '::1', port: 32768 }],
    ['[::]:40000\n0.0.0.0:40000\n', { host: '127.0.0.1', port: 40000 }],
    ['192.168.1.5:6380\n', { host: '192.168.1.5', port: 6380 }],
    ['', null]
  ])('reads port output %j', (text, expected) => {
    expect(parsePortOutput(text)).toEqual(expected)
  })

  it('keeps user, password and DB from --url with the container address', () => {
    const t = containerTarget({ host: '127.0.0.1', port: 41000 }, 'redis://:s3cret@ignored:1/4')
    expect(t.port).toBe(41000)
    expect(t.host).toBe('127.0.0.1')
    expect(t.password).toBe('s3cret')
    expect(t.db).toBe(4)
    expect(t.display).toBe('redis://:***@127.0.0.1:41000/4')
  })

  it('defaults to REDIS_URL, else localhost:6379, and starts throwaway servers only for local hosts', () => {
    expect(defaultUrl({})).toBe('redis://localhost:6379')
    expect(defaultUrl({ REDIS_URL: 'redis://cache:6380' })).toBe('redis://cache:6380')
    expect(isLocalHost('localhost')).toBe(true)
    expect(isLocalHost('127.0.0.1')).toBe(true)
    expect(isLocalHost('cache')).toBe(false)
  })
})

describe('terminal output', () => {
  it('colours only when wanted', () => {
    expect(wantColour({ isTTY: true }, {})).toBe(true)
    expect(wantColour({ isTTY: false }, {})).toBe(false)
    expect(wantColour({ isTTY: true }, { NO_COLOR: '1' })).toBe(false)
    expect(wantColour({ isTTY: true }, { NO_COLOR: '' })).toBe(true)
    expect(wantColour({ isTTY: true }, {}, true)).toBe(false)
    expect(colours(false).red('x')).toBe('x')
    expect(colours(true).red('x')).toBe('\u001b[31mx\u001b[39m')
  })

  it('shows progress lines only on a terminal', () => {
    const written: string[] = []
    const sink = (isTTY: boolean) => ({ isTTY, write: (s: string) => written.push(s) })
    createLogger(sink(false), sink(false), {}).progress('scanned 10 keys')
    expect(written).toEqual([])
    const tty = createLogger(sink(false), sink(true), { NO_COLOR: '1' })
    tty.progress('scanned 10 keys')
    tty.info('done')
    expect(written).toEqual(['\r\u001b[2Kscanned 10 keys', '\r\u001b[2K', 'redis-memory-guard: done\n'])
  })

  it('shows control characters from Redis instead of obeying them', () => {
    expect(safeText('redis\u001b[2J')).toBe('redis\\x1b[2J')
  })

  it('quotes arguments like a shell would need them', () => {
    expect(shellLine(['npm', 'run', 'test:unit'])).toBe('npm run test:unit')
    expect(shellLine(['sh', '-c', "echo it's"])).toBe(`sh -c 'echo it'\\''s'`)
  })
})

describe('diff input', () => {
  it('takes the state at the end of a report, or a bare snapshot', () => {
    const s = snap()
    expect(savedState(JSON.stringify(s), 'b.json').state).toEqual(s)
    // Schema 2 changed the check statuses, not the snapshots: reports of both versions are read.
    for (const schemaVersion of [1, 2]) {
      const report = { schemaVersion, before: snap({ runId: 'x' }), after: s, target: { url: 'redis://h:1', host: 'h', port: 1, db: 0 } }
      expect(savedState(JSON.stringify(report), 'a.json').state).toEqual(s)
    }
  })

  it('rejects other files with the reason', () => {
    expect(() => savedState('not json', 'x.json')).toThrow('x.json is not JSON')
    expect(() => savedState('{"schemaVersion": 9}', 'x.json')).toThrow('x.json is a report of schema version 9; this version reads 1 and 2.')
    expect(() => savedState('[]', 'x.json')).toThrow('x.json is neither a report nor a snapshot')
  })
})
