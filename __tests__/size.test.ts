import { describe, expect, it } from '@jest/globals'
import { UserError } from '../src/core/errors.js'
import { formatBytes, formatBytesDelta, formatCount, parseDuration, parseNumber, parseSize } from '../src/core/size.js'

describe('parseSize', () => {
  it.each([
    ['512mb', 512 * 1024 ** 2],
    ['1gb', 1024 ** 3],
    ['100MiB', 100 * 1024 ** 2],
    ['1048576', 1048576],
    ['1G', 1024 ** 3],
    ['64k', 65536],
    ['1.5gb', 1.5 * 1024 ** 3],
    [' 2 MB ', 2 * 1024 ** 2]
  ])('reads %s', (text, bytes) => {
    expect(parseSize(text, 'max-used-memory')).toBe(bytes)
  })

  it('refuses more than 1 TiB, naming the maximum', () => {
    expect(parseSize('1tb', 'max-used-memory')).toBe(1024 ** 4)
    expect(() => parseSize('99999999999999999999999999gb', 'max-used-memory')).toThrow(
      'max-used-memory: "99999999999999999999999999gb" is more than 1tb, the most it takes. Use a smaller size, e.g. 512mb or 1gb.'
    )
    expect(() => parseSize('1025gb', 'maxmemory')).toThrow('maxmemory: "1025gb" is more than 1tb')
    expect(() => parseSize('3mb', 'maxmemory', 2 * 1024 ** 2)).toThrow('maxmemory: "3mb" is more than 2mb')
  })

  it('treats empty as no limit', () => {
    expect(parseSize('', 'max-used-memory')).toBeUndefined()
  })

  it.each(['12 apples', '-5mb', 'mb', '1e3', '0x10'])('rejects %s naming the input and an example', (text) => {
    expect(() => parseSize(text, 'max-peak-memory')).toThrow(
      `max-peak-memory: "${text.trim()}" is not a size. Use a number of bytes or a unit, e.g. 512mb, 1gb, 100MiB or 1048576.`
    )
  })
})

describe('parseDuration', () => {
  it.each([
    ['30s', 30000],
    ['500ms', 500],
    ['2m', 120000],
    ['10', 10000]
  ])('reads %s', (text, ms) => expect(parseDuration(text, 'connect-timeout', 3_600_000)).toBe(ms))
  it('rejects words', () => {
    expect(() => parseDuration('soon', 'connect-timeout', 3_600_000)).toThrow('connect-timeout: "soon" is not a duration. Use e.g. 30s, 500ms or 2m.')
  })
  it('takes its maximum and refuses more, naming the maximum', () => {
    expect(parseDuration('1h', 'connect-timeout', 3_600_000)).toBe(3_600_000)
    expect(() => parseDuration('3601s', 'connect-timeout', 3_600_000)).toThrow(
      'connect-timeout: "3601s" is longer than 1h, the most it takes. Use a shorter duration, e.g. 30s, 2m or 1h.'
    )
    expect(() => parseDuration('99999999999999h', 'key-scan-budget', 90_000)).toThrow('key-scan-budget: "99999999999999h" is longer than 90s')
    expect(() => parseDuration('9'.repeat(400), 'key-scan-budget', 90_000)).toThrow(UserError)
  })
})

describe('parseNumber', () => {
  it('bounds percents', () => {
    expect(parseNumber('90', 'max-memory-percent', { example: '90', min: 1, max: 100 })).toBe(90)
    expect(() => parseNumber('150', 'max-memory-percent', { example: '90', min: 1, max: 100 })).toThrow(
      'max-memory-percent: "150" is not valid. Use a number between 1 and 100, e.g. 90.'
    )
  })
  it('wants whole numbers where asked', () => {
    expect(() => parseNumber('2.5', 'max-leaked-keys', { example: '0', min: 0, integer: true })).toThrow(
      'max-leaked-keys: "2.5" is not valid. Use a whole number of at least 0, e.g. 0.'
    )
  })
})

describe('formatBytes', () => {
  it('uses 1024-based units', () => {
    expect(formatBytes(512)).toBe('512 B')
    expect(formatBytes(1447000)).toBe('1.4 MB')
    expect(formatBytes(512 * 1024 ** 2)).toBe('512 MB')
    expect(formatBytes(-2048)).toBe('-2.0 KB')
  })
  it('signs deltas', () => {
    expect(formatBytesDelta(2048)).toBe('+2.0 KB')
    expect(formatBytesDelta(-10)).toBe('-10 B')
    expect(formatBytesDelta(0)).toBe('±0 B')
  })
})

describe('formatCount', () => {
  it('writes what toLocaleString("en-US") writes, for whole numbers and the rest', () => {
    const values = [0, -0, 1, 9, 10, 999, 1000, 1001, 12345, 999_999, 1_000_000, 1_234_567_890, -1, -1000, -98_765_432, Number.MAX_SAFE_INTEGER, 1e21, 0.5, 1234.5678, -0.25, NaN, Infinity]
    for (const n of values) expect(formatCount(n)).toBe(n.toLocaleString('en-US'))
  })
})
