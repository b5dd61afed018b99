import { describe, expect, it } from '@jest/globals'
import { formatBytes, formatBytesDelta, parseDuration, parseNumber, parseSize } from '../src/size.js'

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
  ])('reads %s', (text, ms) => expect(parseDuration(text, 'connect-timeout')).toBe(ms))
  it('rejects words', () => {
    expect(() => parseDuration('soon', 'connect-timeout')).toThrow('connect-timeout: "soon" is not a duration. Use e.g. 30s, 500ms or 2m.')
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
