/**
 * `rediss://` against real redis-server processes with TLS, certificates made by openssl in a
 * temporary folder: a private CA, a client certificate, and the failures waiting cannot fix.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UserError } from '../src/core/errors.js'
import { readTlsSettings } from '../src/config/options.js'
import { connect, type RedisConnection } from '../src/redis/connection.js'
import { parseRedisUrl } from '../src/redis/target.js'
import { NO_TLS_SETTINGS, TlsInput, loadTls, withTls, type TlsSettings } from '../src/redis/tls.js'
import { InfoSource, SAMPLER_ENV, configFromEnv } from '../src/sampler/worker.js'
import { takeInventory } from '../src/keys/inventory.js'
import { freePort, redisPerFile, type TestRedis } from './helpers/redis-server.js'

const startRedis = redisPerFile()
let dir: string
const file = (name: string): string => join(dir, name)
let plain: TestRedis
let tlsPort: number
let mutualPort: number
const open: RedisConnection[] = []

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' })
}

/** A CA, and a certificate signed by it for `name` with the given subjectAltName. */
function issue(ca: string, name: string, altNames: string): void {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
  writeFileSync(file(`${name}.ext`), altNames ? `subjectAltName=${altNames}\n` : 'basicConstraints=CA:FALSE\n')
  openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rmg-tls-'))
  for (const ca of ['ca', 'other-ca']) {
    openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${ca}.key`, '-out', `${ca}.crt`, '-days', '2', '-subj', `/CN=${ca} for tests`)
  }
  issue('ca', 'server', 'DNS:localhost,IP:127.0.0.1')
  issue('ca', 'client', '')
  // The server finds the CA it trusts for client certificates in a hashed folder.
  mkdirSync(file('trusted'))
  copyFileSync(file('ca.crt'), join(dir, 'trusted', 'ca.crt'))
  openssl('rehash', join(dir, 'trusted'))
  const tlsArgs = (port: number, authClients: string): string[] => [
    '--tls-port', String(port),
    '--tls-cert-file', file('server.crt'),
    '--tls-key-file', file('server.key'),
    '--tls-ca-cert-dir', file('trusted'),
    '--tls-auth-clients', authClients
  ]
  tlsPort = await freePort()
  plain = await startRedis(tlsArgs(tlsPort, 'no'))
  mutualPort = await freePort()
  await startRedis(tlsArgs(mutualPort, 'yes'))
}, 60_000)

afterAll(async () => {
  await Promise.all(open.map((c) => c.close()))
  rmSync(dir, { recursive: true, force: true })
})

const settings = (s: Partial<TlsSettings>): TlsSettings => ({ ...NO_TLS_SETTINGS, ...s })
const target = (port: number, s: Partial<TlsSettings>): ReturnType<typeof parseRedisUrl> => withTls(parseRedisUrl(`rediss://127.0.0.1:${port}`), settings(s))

/** Connects (kept for closing), or returns the one-line error and how long it took. */
async function tryConnect(port: number, s: Partial<TlsSettings>, timeoutMs = 20_000): Promise<{ conn?: RedisConnection; error?: string; ms: number }> {
  const started = Date.now()
  try {
    const conn = await connect(target(port, s), { timeoutMs })
    open.push(conn)
    return { conn, ms: Date.now() - started }
  } catch (err) {
    expect(err).toBeInstanceOf(UserError)
    return { error: (err as Error).message, ms: Date.now() - started }
  }
}

describe('TLS options', () => {
  const given =
    (values: Record<string, string>) =>
    (name: string): string =>
      values[name] ?? ''

  it('reads the four options, none of them set meaning no TLS options', () => {
    expect(readTlsSettings(given({}))).toEqual(NO_TLS_SETTINGS)
    expect(readTlsSettings(given({ 'tls-ca-file': ' ca.pem ', 'tls-insecure': 'false' }))).toEqual(settings({ caFile: 'ca.pem' }))
    expect(readTlsSettings(given({ 'tls-cert-file': 'c.crt', 'tls-key-file': 'c.key', 'tls-insecure': 'true' }))).toEqual(
      settings({ certFile: 'c.crt', keyFile: 'c.key', insecure: true })
    )
  })

  it('refuses a client certificate without its key, and a tls-insecure that is not a boolean, naming the flag', () => {
    expect(() => readTlsSettings(given({ 'tls-cert-file': 'c.crt' }), (n) => `--${n}`)).toThrow(
      '--tls-cert-file is set without --tls-key-file: a client certificate needs both, e.g. --tls-cert-file: client.crt and --tls-key-file: client.key.'
    )
    expect(() => readTlsSettings(given({ 'tls-insecure': 'yes please' }))).toThrow('tls-insecure: "yes please" is not true or false.')
  })

  it('lists every TLS option in action.yml and README.md', () => {
    const yml = readFileSync('action.yml', 'utf8')
    const readme = readFileSync('README.md', 'utf8')
    for (const name of Object.values(TlsInput)) {
      expect(yml).toMatch(new RegExp(`^  ${name}:\n    description: \\S`, 'm'))
      expect(readme).toContain(`| \`${name}\` |`)
    }
  })

  it('refuses TLS options with a redis:// URL, which would not use them', () => {
    expect(() => withTls(parseRedisUrl('redis://127.0.0.1:6390'), settings({ caFile: file('ca.crt') }))).toThrow(
      'tls-ca-file is set, but redis-url is redis://, without TLS. Use rediss:// for TLS, e.g. rediss://127.0.0.1:6390.'
    )
  })

  it('names the option whose file is missing, not PEM, or does not fit', () => {
    expect(() => loadTls(settings({ caFile: file('nope.crt') }))).toThrow(`tls-ca-file: cannot read "${file('nope.crt')}" (ENOENT). Give the path of a PEM file`)
    expect(() => loadTls(settings({ caFile: file('server.ext') }))).toThrow(`tls-ca-file: "${file('server.ext')}" is not a PEM file`)
    expect(() => loadTls(settings({ certFile: file('client.crt'), keyFile: file('server.key') }))).toThrow(
      'tls-cert-file and tls-key-file: the key does not belong to the certificate'
    )
  })
})

describe('rediss:// to a real TLS server', () => {
  it('connects with the private CA in tls-ca-file', async () => {
    const { conn, error } = await tryConnect(tlsPort, { caFile: file('ca.crt') })
    expect(error).toBeUndefined()
    expect(await conn?.command(['PING'])).toBe('PONG')
    expect(await conn?.info('server')).toContain(`tcp_port:${plain.port}`)
  })

  it('scans the keys on the lean raw path with the private CA and a client certificate, not on a fallback', async () => {
    for (const [port, tls] of [
      [tlsPort, { caFile: file('ca.crt') }],
      [mutualPort, { caFile: file('ca.crt'), certFile: file('client.crt'), keyFile: file('client.key') }]
    ] as const) {
      const { conn } = await tryConnect(port, tls)
      if (!conn) throw new Error('no connection')
      await conn.command(['FLUSHALL'])
      for (let i = 0; i < 30; i++) await conn.command(['SET', `tls:${i}`, 'x'.repeat(i)])
      const lines: string[] = []
      const inv = await takeInventory(conn, { rule: { delimiter: ':', depth: 1 }, ignore: null, budgetMs: 10_000, log: (l) => lines.push(l) })
      expect(lines).toEqual([])
      expect(inv.method).toBe('raw')
      expect(inv.fallbackReason).toBeUndefined()
      expect(inv.groups.map((g) => [g.prefix, g.keys])).toEqual([['tls:*', 30]])
      expect(inv.groups[0].bytes).toBeGreaterThan(30 * 40)
    }
  })

  it('says the certificate is not trusted and stops at once, instead of waiting out connect-timeout', async () => {
    const { error, ms } = await tryConnect(tlsPort, {})
    expect(error).toMatch(/^Redis at 127\.0\.0\.1:\d+: the server's certificate is not trusted \(.+\)\. Give tls-ca-file the CA certificate that signed it/)
    expect(error?.split('\n')).toHaveLength(1)
    expect(ms).toBeLessThan(10_000)
  })

  it('says the same for a CA that did not sign the certificate', async () => {
    const { error } = await tryConnect(tlsPort, { caFile: file('other-ca.crt') })
    expect(error).toContain("the server's certificate is not trusted")
  })

  it('connects to a self-signed test server with tls-insecure', async () => {
    const { conn, error } = await tryConnect(tlsPort, { insecure: true })
    expect(error).toBeUndefined()
    expect(await conn?.command(['PING'])).toBe('PONG')
  })

  it('says a server that wants a client certificate wants one, and connects with it', async () => {
    const without = await tryConnect(mutualPort, { caFile: file('ca.crt') })
    expect(without.error).toMatch(/refused the TLS connection: it wants a client certificate it trusts .*Give tls-cert-file and tls-key-file\.$/)
    expect(without.ms).toBeLessThan(10_000)
    const withCert = await tryConnect(mutualPort, { caFile: file('ca.crt'), certFile: file('client.crt'), keyFile: file('client.key') })
    expect(withCert.error).toBeUndefined()
    expect(await withCert.conn?.command(['PING'])).toBe('PONG')
  })

  it('says a port without TLS does not speak it', async () => {
    const { error, ms } = await tryConnect(plain.port, { caFile: file('ca.crt') })
    expect(error).toMatch(/^Redis at 127\.0\.0\.1:\d+ does not speak TLS on this port: it answers plain Redis\. Use redis:\/\/ for it/)
    expect(ms).toBeLessThan(10_000)
  })
})

describe('the sampler over TLS', () => {
  it('takes the TLS settings from its config and samples the TLS server', async () => {
    const tls = settings({ caFile: file('ca.crt') })
    const config = configFromEnv({
      [SAMPLER_ENV]: JSON.stringify({ url: `rediss://127.0.0.1:${tlsPort}`, file: file('samples.jsonl'), intervalMs: 200, maxLifeMs: 10_000, tls })
    })
    expect(config.tls).toEqual(tls)
    const source = new InfoSource(config)
    try {
      const sample = await source.sample()
      expect(sample.connected).toBe(true)
      expect(sample.usedMemory).toBeGreaterThan(0)
    } finally {
      await source.close()
    }
  })

  it('leaves gap samples that say why when its TLS file is gone', async () => {
    const source = new InfoSource({ url: `rediss://127.0.0.1:${tlsPort}`, file: file('samples.jsonl'), intervalMs: 200, maxLifeMs: 10_000, tls: settings({ caFile: file('gone.crt') }) })
    const sample = await source.sample()
    expect(sample.connected).toBe(false)
    expect(sample.error).toContain('tls-ca-file: cannot read')
  })

  it('refuses a malformed tls entry in its config', () => {
    expect(() => configFromEnv({ [SAMPLER_ENV]: JSON.stringify({ url: 'rediss://x', file: 'f', intervalMs: 1, maxLifeMs: 1, tls: { caFile: 3 } }) })).toThrow('malformed tls')
  })
})
