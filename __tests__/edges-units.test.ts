/** The small rules of issue 21 that need no server: URL masking, units, help and messages, on real files where files are involved. */
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadBaselineFile } from '../src/baseline/file.js'
import { readBaselineSettings } from '../src/baseline/settings.js'
import { COMMANDS, type CommandName } from '../src/cli/args.js'
import { commandHelp } from '../src/cli/help.js'
import { plainLogText } from '../src/core/log-text.js'
import { maskUrlText, parseRedisUrl, urlPasswords } from '../src/redis/target.js'
import { UserError } from '../src/core/errors.js'

describe('redis URLs with a literal @ in the password', () => {
  it('parse as WHATWG does (the user info ends at the last @) and mask the whole password', () => {
    const t = parseRedisUrl('redis://:p@ss@word1@127.0.0.1:6380/2')
    expect({ host: t.host, port: t.port, db: t.db, password: t.password }).toEqual({ host: '127.0.0.1', port: 6380, db: 2, password: 'p@ss@word1' })
    expect(t.display).toBe('redis://:***@127.0.0.1:6380/2')
    expect(maskUrlText('a=redis://u:p@ss@h1:1, b=rediss://:q@s,s@h2:2/0 and redis://h3')).toBe('a=redis://u:***@h1:1, b=rediss://:***@h2:2/0 and redis://h3')
    expect(maskUrlText('redis://:a@h1,redis://:b@h2')).toBe('redis://:***@h1,redis://:***@h2')
    expect(urlPasswords('redis://:p%40ss@h:1\nredis://u:x@y@h:2')).toEqual(['p%40ss', 'x@y'])
  })

  it('refuses a % that starts no escape as a usage error naming the input', () => {
    expect(() => parseRedisUrl('redis://:100%zz@h:1', 'redis-url (cache)')).toThrow(UserError)
    expect(() => parseRedisUrl('redis://:100%zz@h:1', 'redis-url (cache)')).toThrow('redis-url (cache): the user or password in "redis://:***@h:1" has a % that starts no %-escape.')
  })
})

describe('sizes and messages', () => {
  it('refuses max-peak-increase without a unit instead of reading 10 as 10 bytes', () => {
    const read = (v: string) => readBaselineSettings((n) => (n === 'max-peak-increase' ? v : ''))
    expect(() => read('10')).toThrow('max-peak-increase: "10" has no unit. Write 10% for a share of the base branch\'s figure, or 10b (or kb, mb) for bytes.')
    expect(read('10%').limits.peak).toEqual({ text: '10%', percent: 10 })
    expect(read('10b').limits.peak?.bytes).toBe(10)
  })

  it('history with a bad path does not offer auto or off; the baseline input does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmg-edges-units-'))
    await expect(loadBaselineFile(join(dir, 'none.json'), 'history')).rejects.toThrow(/^history: cannot read ".*none.json" \(no such file\)\. Give the path of a JSON report or history file\.$/)
    await expect(loadBaselineFile(join(dir, 'none.json'))).rejects.toThrow(/or auto or off\.$/)
    const fifo = join(dir, 'pipe')
    execFileSync('mkfifo', [fifo])
    await expect(loadBaselineFile(fifo, 'history')).rejects.toThrow('(a FIFO (named pipe), not a regular file)')
  })

  it.each(Object.keys(COMMANDS) as CommandName[])('%s --help lists exit code 3 for an unreachable Redis and run\'s own code', (command) => {
    const help = commandHelp(command)
    expect(help).toContain('3    Redis could not be reached')
    expect(help).toContain('run: when the command fails, its own exit code')
    expect(help).not.toContain('2  usage error, or Redis could not be reached')
  })

  it('a log line never starts a workflow command, whatever the text from Redis holds', () => {
    const text = plainLogText('key "a\n::error::x" and\r\n  ::add-mask::y ##[error]z')
    expect(text.split(/\r?\n/).filter((l) => /^\s*::/.test(l))).toEqual([])
    expect(text).toContain('%3A%3Aerror::x')
    expect(text).not.toContain('##[')
  })
})
