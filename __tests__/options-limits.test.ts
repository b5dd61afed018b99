import { describe, expect, it } from '@jest/globals'
import { readConnectTimeout, readSampleInterval, readSampleMaxDuration, readThresholds } from '../src/config/options.js'
import { readKeySettings } from '../src/keys/settings.js'

/** Options as a workflow or a command line gives them: only the named ones set. */
const given =
  (values: Record<string, string>) =>
  (name: string): string =>
    values[name] ?? ''
const flag = (name: string): string => `--${name}`

describe('every duration and size option has a maximum it names', () => {
  it.each([
    ['connect-timeout', '99999999999999h', () => readConnectTimeout(given({ 'connect-timeout': '99999999999999h' })), 'is longer than 1h'],
    ['sample-interval', '2h', () => readSampleInterval(given({ 'sample-interval': '2h' })), 'is longer than 1h'],
    ['sample-max-duration', '121h', () => readSampleMaxDuration(given({ 'sample-max-duration': '121h' })), 'is longer than 120h'],
    ['key-scan-budget', '2h', () => readKeySettings(given({ 'key-scan-budget': '2h' })), 'is longer than 1h'],
    ['max-used-memory', '2tb', () => readThresholds(given({ 'max-used-memory': '2tb' })), 'is more than 1tb'],
    ['max-peak-memory', '99999999999999999999999999gb', () => readThresholds(given({ 'max-peak-memory': '99999999999999999999999999gb' })), 'is more than 1tb']
  ])('%s: %s', (name, value, read, says) => {
    expect(read).toThrow(`${name}: "${value}" ${says}, the most it takes.`)
  })

  it('names the CLI flag when read for the CLI', () => {
    expect(() => readConnectTimeout(given({ 'connect-timeout': '2h' }), 5000, flag)).toThrow('--connect-timeout: "2h" is longer than 1h')
  })

  it('takes values up to the maximum', () => {
    expect(readConnectTimeout(given({ 'connect-timeout': '1h' }))).toBe(3_600_000)
    expect(readSampleMaxDuration(given({ 'sample-max-duration': '120h' }))).toBe(120 * 3_600_000)
    expect(readSampleMaxDuration(given({}))).toBe(6 * 3_600_000)
    expect(readKeySettings(given({ 'key-scan-budget': '1h' })).budgetMs).toBe(3_600_000)
    expect(readThresholds(given({ 'max-used-memory': '1tb' })).maxUsedMemory).toBe(1024 ** 4)
  })

  it('bounds the numbers too', () => {
    expect(() => readThresholds(given({ 'max-leaked-keys': '99999999999999999999' }))).toThrow(
      'max-leaked-keys: "99999999999999999999" is not valid. Use a whole number between 0 and 4294967296, e.g. 0.'
    )
    expect(() => readThresholds(given({ 'max-fragmentation-ratio': '1e400' }))).toThrow('max-fragmentation-ratio: "1e400" is not valid.')
    expect(() => readThresholds(given({ 'max-fragmentation-ratio': '5000' }))).toThrow('between 1 and 1000')
  })

  it('refuses a sample-max-duration of 0', () => {
    expect(() => readSampleMaxDuration(given({ 'sample-max-duration': '0' }))).toThrow('sample-max-duration: must be longer than 0, e.g. 6h or 90m.')
  })
})

describe('fail-on', () => {
  it('reads an empty value as the default list, since the runner passes unset and empty alike', () => {
    expect([...readThresholds(given({ 'fail-on': '' })).failOn]).toEqual(['oom', 'used-memory', 'peak-memory', 'memory-percent'])
  })

  it.each([',', ' , ,', ',,,'])('refuses %j, which names no check, instead of failing on nothing', (value) => {
    expect(() => readThresholds(given({ 'fail-on': value }))).toThrow(`fail-on: "${value.trim()}" names no check. Use a comma list of`)
  })

  it('still takes none for no failing check', () => {
    expect(readThresholds(given({ 'fail-on': 'none' })).failOn.size).toBe(0)
  })
})

describe('ignore-keys', () => {
  it('refuses an unclosed [ in one line naming the input', () => {
    expect(() => readKeySettings(given({ 'ignore-keys': '[' }))).toThrow('ignore-keys: "[" has a "[" that is never closed.')
  })
})
