/**
 * TLS to Redis (`rediss://`): the CA that signed a private server's certificate, a client
 * certificate for servers that ask for one, and the few handshake failures that waiting cannot
 * fix, each said in one line.
 */
import { readFileSync } from 'node:fs'
import { Socket } from 'node:net'
import { UserError, describeError } from '../core/errors.js'
import { hostPort, type RedisTarget, type TlsMaterial } from './target.js'

export type { TlsMaterial } from './target.js'

/** The TLS options, by the names of the action inputs (the CLI flags add `--`). */
export const TlsInput = {
  CaFile: 'tls-ca-file',
  CertFile: 'tls-cert-file',
  KeyFile: 'tls-key-file',
  Insecure: 'tls-insecure'
} as const

/** The TLS options as given: file paths, so they can travel to the sampler as they are. */
export interface TlsSettings {
  /** PEM file with the CA certificate(s) that signed the server's certificate; null = the system's CAs. */
  caFile: string | null
  /** PEM client certificate and its key, for servers started with tls-auth-clients. */
  certFile: string | null
  keyFile: string | null
  /** Accept any server certificate: for throwaway test servers with a self-signed certificate only. */
  insecure: boolean
}

export const NO_TLS_SETTINGS: TlsSettings = { caFile: null, certFile: null, keyFile: null, insecure: false }

/** The names of the TLS options that were given. */
function givenNames(s: TlsSettings): string[] {
  const names: string[] = []
  if (s.caFile !== null) names.push(TlsInput.CaFile)
  if (s.certFile !== null) names.push(TlsInput.CertFile)
  if (s.keyFile !== null) names.push(TlsInput.KeyFile)
  if (s.insecure) names.push(TlsInput.Insecure)
  return names
}

/** True when any TLS option was given. */
export function hasTlsSettings(s: TlsSettings): boolean {
  return s.caFile !== null || s.certFile !== null || s.keyFile !== null || s.insecure
}

/**
 * Reads the files the settings name and checks that Node can use them, so a wrong path or a key
 * that does not fit its certificate is one line naming the option before anything connects.
 */
export function loadTls(settings: TlsSettings, label: (name: string) => string = (n) => n): TlsMaterial {
  const read = (path: string | null, name: string, what: string): string | undefined => {
    if (path === null) return undefined
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch (err) {
      throw new UserError(`${label(name)}: cannot read "${path}" (${(err as { code?: string }).code ?? describeError(err)}). Give the path of a PEM file with ${what}.`)
    }
    if (!text.includes('-----BEGIN ')) {
      throw new UserError(`${label(name)}: "${path}" is not a PEM file (no -----BEGIN line). Give a PEM file with ${what}.`)
    }
    return text
  }
  const material: TlsMaterial = {
    ca: read(settings.caFile, TlsInput.CaFile, 'the CA certificate that signed the server certificate'),
    cert: read(settings.certFile, TlsInput.CertFile, 'the client certificate'),
    key: read(settings.keyFile, TlsInput.KeyFile, 'the client key'),
    rejectUnauthorized: !settings.insecure
  }
  try {
    // Loaded here, not at start: most runs have no TLS, and node:tls costs ~20 ms to load on Node 24.
    process.getBuiltinModule('node:tls').createSecureContext({ ca: material.ca, cert: material.cert, key: material.key })
  } catch (err) {
    const message = describeError(err)
    const name = /key values mismatch|KEY_VALUES_MISMATCH/i.test(message)
      ? `${label(TlsInput.CertFile)} and ${label(TlsInput.KeyFile)}: the key does not belong to the certificate`
      : `${givenNames({ ...settings, insecure: false }).map(label).join(', ')}: Node cannot use these files`
    throw new UserError(`${name} (${message}). Give PEM files made for this server, e.g. with openssl.`)
  }
  for (const key of ['ca', 'cert', 'key'] as const) if (material[key] === undefined) delete material[key]
  return material
}

/**
 * The target with its TLS material. TLS options with a `redis://` URL are refused: they would be
 * silently unused, and the user clearly meant TLS.
 */
export function withTls(target: RedisTarget, settings: TlsSettings, label: (name: string) => string = (n) => n): RedisTarget {
  if (!hasTlsSettings(settings)) return target
  if (!target.tls) {
    const given = givenNames(settings).map(label)
    throw new UserError(
      `${given.join(', ')} ${given.length > 1 ? 'are' : 'is'} set, but ${label('redis-url')} is redis://, without TLS. Use rediss:// for TLS, e.g. rediss://${hostPort(target)}.`
    )
  }
  return { ...target, tlsOptions: loadTls(settings, label) }
}

/**
 * The reason of a TLS error in one short line: OpenSSL's own words ("tlsv13 alert certificate
 * required") rather than its full line with codes and source file names.
 */
function tlsReason(err: unknown): string {
  const raw = (err as { message?: unknown } | null)?.message
  const line = (typeof raw === 'string' ? raw : describeError(err)).split('\n')[0].trim()
  return /SSL routines:[^:]*:([^:]+):/.exec(line)?.[1] ?? line
}

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE'
])

/**
 * The message for a TLS failure that retrying cannot fix, or null for anything else: a certificate
 * the client does not trust, one for another host, one out of date, a server that wants a client
 * certificate, or a port that does not speak TLS.
 */
export function tlsProblem(err: unknown, target: RedisTarget, optionName: (name: string) => string = (n) => n): string | null {
  if (!target.tls) return null
  const opt = optionName
  const where = `Redis at ${hostPort(target)}`
  const code = String((err as { code?: unknown } | null)?.code ?? '')
  const message = tlsReason(err)
  if (UNTRUSTED.has(code)) {
    return (
      `${where}: the server's certificate is not trusted (${message}). Give ${opt('tls-ca-file')} the CA certificate that signed it, ` +
      `or for a throwaway test server with a self-signed certificate, set ${opt('tls-insecure')}.`
    )
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return `${where}: the server's certificate is not for this host (${message}). Connect by a name the certificate lists, or give the server a certificate for ${target.host}.`
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return `${where}: the server's certificate is out of date (${message}). Renew the server's certificate.`
  }
  if (/certificate required|CERTIFICATE_REQUIRED|alert bad certificate|unknown ca/i.test(`${code} ${message}`)) {
    return `${where} refused the TLS connection: it wants a client certificate it trusts (${message}). Give ${opt('tls-cert-file')} and ${opt('tls-key-file')}.`
  }
  if (/wrong version number|packet length too long|ERR_SSL_WRONG_VERSION_NUMBER/i.test(`${code} ${message}`)) {
    return `${where} does not speak TLS on this port (${message}). Use redis:// for a server without TLS, or the server's tls-port.`
  }
  return null
}

/**
 * For a TLS handshake that got no answer: whether the port speaks plain Redis (answers PING
 * without TLS), which Redis does not tell a TLS client. Bounded to one short try.
 */
export async function plainPortProblem(target: RedisTarget, timeoutMs = 1000): Promise<string | null> {
  const answer = await new Promise<string>((resolve) => {
    const sock = new Socket()
    const done = (text: string): void => {
      sock.destroy()
      resolve(text)
    }
    sock.setTimeout(timeoutMs, () => done(''))
    sock.once('error', () => done(''))
    sock.once('data', (d: Buffer) => done(d.toString('latin1')))
    sock.connect(target.port, target.host, () => sock.write('PING\r\n'))
  })
  if (!/^(\+PONG|-NOAUTH|-DENIED)/.test(answer)) return null
  return `Redis at ${hostPort(target)} does not speak TLS on this port: it answers plain Redis. Use redis:// for it, or the server's tls-port with rediss://.`
}
