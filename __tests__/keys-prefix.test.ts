import { describe, expect, it } from '@jest/globals'
import { globToRegExp, isIdLike, keyName, parseIgnoreKeys, prefixOf, toByteString } from '../src/keys/prefix.js'
import { UserError } from '../src/errors.js'

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
    ['[unclosed', '[unclosed', true]
  ])('%s matches %s: %s', (glob, key, match) => expect(globToRegExp(glob).test(key)).toBe(match))

  it('takes several patterns, by comma or line', () => {
    const { patterns, matcher } = parseIgnoreKeys('bull:*, sess:*\n lock:?')
    expect(patterns).toEqual(['bull:*', 'sess:*', 'lock:?'])
    expect(['bull:1', 'sess:x', 'lock:a'].every((k) => matcher?.test(k))).toBe(true)
    expect(matcher?.test('user:1')).toBe(false)
    expect(parseIgnoreKeys('  ').matcher).toBeNull()
  })

  it('refuses a pattern that leaves out every key, in one line', () => {
    expect(() => parseIgnoreKeys('bull:*,*')).toThrow(UserError)
    expect(() => parseIgnoreKeys('*')).toThrow('ignore-keys: "*" would leave out every key. Name the prefixes to leave out, e.g. bull:*,sess:*.')
  })
})
