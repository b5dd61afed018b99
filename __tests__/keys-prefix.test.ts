import { describe, expect, it } from '@jest/globals'
import { isIdLike, keyGlob, keyName, parseIgnoreKeys, prefixOf, prefixOfHead, toByteString } from '../src/keys/prefix.js'
import { UserError } from '../src/core/errors.js'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'

/**
 * Runs `script` after the matcher's own source (src/keys/glob.ts, compiled as is) in a child Node,
 * killed after `killMs`: a matcher that hangs cannot hang the test run, and shows as not finished.
 */
async function runTs(script: string, killMs: number): Promise<{ finished: boolean; stdout: string }> {
  const source = ts.transpileModule(readFileSync(join('src', 'keys', 'glob.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 }
  }).outputText
  const dir = mkdtempSync(join(tmpdir(), 'rmg-glob-'))
  const file = join(dir, 'run.mjs')
  writeFileSync(file, `${source}\n${script}\n`)
  try {
    return await new Promise((resolve) => {
      const child = spawn(process.execPath, [file], { stdio: ['ignore', 'pipe', 'inherit'] })
      let stdout = ''
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
      const timer = setTimeout(() => child.kill('SIGKILL'), killMs)
      child.on('exit', (code) => {
        clearTimeout(timer)
        resolve({ finished: code === 0, stdout: stdout.trim() })
      })
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const colon2 = { delimiter: ':', depth: 2 }

describe('id-like segments', () => {
  it.each(['42', '0', '8f3a9c01d2', '550e8400-e29b-41d4-a716-446655440000', '01ARZ3NDEKTSV4RRFFQ69G5FAV', 'V1StGXR8_Z5jdHi6B-myT0x9', 'DEADBEEF01'])(
    '%s is an id',
    (s) => expect(isIdLike(s)).toBe(true)
  )
  it.each(['session', 'user', 'deadbeef', 'cafebabe', 'v2', 'queue', 'html', '', 'abc-def', 'profile_settings_page_x'])('%s is not an id', (s) =>
    expect(isIdLike(s)).toBe(false)
  )
})

describe('prefixOf', () => {
  it('gives the prefix of the whole key, computed once per head: the same for every key, depth and delimiter, also past the memo bound', () => {
    const parts = ['user', '42', 'session', '8f3a9c01d2', 'a', '', 'job-7', 'x:y', 'Ab_9', '550e8400-e29b-41d4-a716-446655440000', '*', 'v1.2']
    let seed = 7
    const pick = (): string => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31
      return parts[seed % parts.length]
    }
    const differ: string[] = []
    let checked = 0
    for (const [delimiter, depth] of [[':', 1], [':', 2], [':', 3], ['::', 1], ['/', 2]] as const) {
      const rule = { delimiter, depth }
      for (let i = 0; i < 25000; i++) {
        const n = 1 + (i % 5)
        const key = Array.from({ length: n }, pick).join(i % 7 === 0 ? ':' : delimiter) + (i % 11 === 0 ? delimiter : '') + (i > 1000 ? `${i}` : '')
        const [cached, whole] = [prefixOf(key, rule), prefixOfHead(key, delimiter, depth)]
        checked++
        if (cached !== whole) differ.push(`${key} (${delimiter} ${depth}): ${cached} != ${whole}`)
      }
    }
    expect(differ).toEqual([])
    expect(checked).toBe(125000)
  })

  it.each([
    ['session:8f3a9c01d2', 'session:*'],
    ['session:91bc7d0e55', 'session:*'],
    ['user:42:profile', 'user:*'],
    ['bull:mail:17:data', 'bull:mail:*'],
    ['cache:html', 'cache:html'],
    ['cache:html:home', 'cache:html:*'],
    ['cache:html:home:v2', 'cache:html:*'],
    ['counter', 'counter'],
    ['12345', '*'],
    ['a:b:', 'a:b:*'],
    [':leading', ':leading']
  ])('%s → %s', (key, prefix) => expect(prefixOf(key, colon2)).toBe(prefix))

  it('keeps prefix-depth parts', () => {
    expect(prefixOf('app:cache:page:home', { delimiter: ':', depth: 1 })).toBe('app:*')
    expect(prefixOf('app:cache:page:home', { delimiter: ':', depth: 3 })).toBe('app:cache:page:*')
    expect(prefixOf('app:cache:page:home', { delimiter: ':', depth: 4 })).toBe('app:cache:page:home')
  })

  it('splits on another delimiter, also one of several bytes', () => {
    expect(prefixOf('tenant/7/jobs/1', { delimiter: '/', depth: 2 })).toBe('tenant/*')
    expect(prefixOf('a::b::c', { delimiter: '::', depth: 2 })).toBe('a::b::*')
    expect(prefixOf('a:b', { delimiter: '/', depth: 2 })).toBe('a:b')
  })

  it('groups binary names byte by byte', () => {
    const key = Buffer.from([0xff, 0x00, 0x3a, 0x31, 0x32]).toString('latin1') // "\xff\x00:12"
    expect(prefixOf(key, colon2)).toBe('\u00ff\u0000:*')
  })
})

describe('key names for JSON', () => {
  it('keeps UTF-8 names as text, with no base64', () => {
    expect(keyName(toByteString('naïve:ключ:🔑'))).toEqual({ key: 'naïve:ключ:🔑' })
    expect(keyName(toByteString('a b\nc|*_`'))).toEqual({ key: 'a b\nc|*_`' })
  })
  it('gives names that are not UTF-8 a readable form and their exact bytes', () => {
    const bytes = Buffer.from([0x62, 0x69, 0x6e, 0x3a, 0xff, 0xfe, 0x00, 0x5c])
    const name = keyName(bytes.toString('latin1'))
    expect(name.key).toBe('bin:\\xff\\xfe\\x00\\x5c')
    expect(Buffer.from(name.keyBase64 ?? '', 'base64')).toEqual(bytes)
  })
})

describe('globs (ignore-keys)', () => {
  it.each([
    ['bull:*', 'bull:mail:1', true],
    ['bull:*', 'xbull:1', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['a.b', 'axb', false],
    ['h[z-a]llo', 'hqllo', true],
    ['[]a]', 'a', false],
    ['[]a]', ']', false],
    ['[^]', 'x', true],
    ['a[\\]]b', 'a]b', true],
    ['*', '', false],
    ['', '', true],
    ['a**', 'a', true],
    // Redis reads an unclosed class as running to the end of the glob (parseIgnoreKeys refuses it).
    ['[unclosed', '[unclosed', false],
    ['[unclosed', 'u', true]
  ])('%s matches %s: %s', (glob, key, match) => expect(keyGlob(glob).test(key)).toBe(match))

  it('matches a glob with many stars against long keys without backtracking for ever', async () => {
    // A backtracking RegExp takes minutes on this; a child process with a 10 s kill proves it ends.
    const script = [
      "const m = compileGlob('a*a*a*a*a*a*a*a*a*a*a*a*b')",
      "const keys = ['a'.repeat(61), 'a'.repeat(60) + 'c', 'a'.repeat(59) + 'ab']",
      'console.log(JSON.stringify(keys.map((k) => m.test(k))))'
    ].join('\n')
    const out = await runTs(script, 10_000)
    expect(out).toEqual({ finished: true, stdout: '[false,false,true]' })
  }, 20_000)

  it('takes several patterns, by comma or line', () => {
    const { patterns, matcher } = parseIgnoreKeys('bull:*, sess:*\n lock:?')
    expect(patterns).toEqual(['bull:*', 'sess:*', 'lock:?'])
    expect(['bull:1', 'sess:x', 'lock:a'].every((k) => matcher?.test(k))).toBe(true)
    expect(matcher?.test('user:1')).toBe(false)
    expect(parseIgnoreKeys('  ').matcher).toBeNull()
  })

  it('refuses an unclosed class in one line naming the input', () => {
    expect(() => parseIgnoreKeys('[')).toThrow('ignore-keys: "[" has a "[" that is never closed. Close the class, e.g. lock:[ab]*, or escape a literal bracket as \\[.')
    expect(() => parseIgnoreKeys('bull:*,lock:[ab', 'ignore-keys')).toThrow(UserError)
    expect(parseIgnoreKeys('lock:\\[*').matcher?.test('lock:[1')).toBe(true)
  })

  it('refuses a pattern that leaves out every key, in one line', () => {
    expect(() => parseIgnoreKeys('bull:*,*')).toThrow(UserError)
    expect(() => parseIgnoreKeys('*')).toThrow('ignore-keys: "*" would leave out every key. Name the prefixes to leave out, e.g. bull:*,sess:*.')
  })
})
