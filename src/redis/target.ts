import { UserError } from '../core/errors.js'

// Here, not in tls.ts: tls.ts reads targets, so a target reading tls.ts would make a cycle.
/** The socket options for Node's tls.connect: the files' contents, read once. */
export interface TlsMaterial {
  ca?: string
  cert?: string
  key?: string
  rejectUnauthorized: boolean
}

/** Where Redis is, parsed from a `redis://` or `rediss://` URL. */
export interface RedisTarget {
  /** The URL as given, with the password in it. Never log this: use `display`. */
  url: string
  host: string
  port: number
  db: number
  username: string | null
  password: string | null
  tls: boolean
  /** CA, client certificate and verification for `rediss://`; unset = Node's defaults (system CAs, verified). */
  tlsOptions?: TlsMaterial
  /** The URL with the password replaced by `***`, safe for logs, summaries and JSON. */
  display: string
  /**
   * The option that carries the password when the URL is not the user's: a Redis the guard started
   * (container or binary mode) ignores the password in `redis-url`, so an auth error must name this.
   */
  passwordOption?: string
}

const EXAMPLE = 'redis://localhost:6379, redis://:PASSWORD@localhost:6379/2 or rediss://user:PASSWORD@host:6380'

/** Parses and checks a Redis URL; the error names the input and shows valid forms. */
export function parseRedisUrl(url: string, inputName = 'redis-url'): RedisTarget {
  const value = url.trim()
  let parsed: URL
  try {
    parsed = new URL(value)
  } catch {
    throw new UserError(`${inputName}: "${maskUrlText(value)}" is not a URL. Use e.g. ${EXAMPLE}.`)
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new UserError(`${inputName}: the scheme must be redis:// or rediss://, not ${parsed.protocol}//. Use e.g. ${EXAMPLE}.`)
  }
  if (parsed.hostname === '') {
    throw new UserError(`${inputName}: "${maskUrlText(value)}" names no host. Use e.g. ${EXAMPLE}.`)
  }
  const port = parsed.port === '' ? 6379 : Number(parsed.port)
  const dbText = parsed.pathname.replace(/^\//, '')
  if (dbText !== '' && !/^\d+$/.test(dbText)) {
    throw new UserError(`${inputName}: the database "/${dbText}" must be a number, e.g. redis://localhost:6379/2.`)
  }
  const password = parsed.password === '' ? null : decodeURIComponent(parsed.password)
  const username = parsed.username === '' ? null : decodeURIComponent(parsed.username)
  const display = maskUrlText(value)
  return {
    url: value,
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port,
    db: dbText === '' ? 0 : Number(dbText),
    username,
    password,
    tls: parsed.protocol === 'rediss:',
    display
  }
}

/** Replaces the password of every `scheme://user:password@` in a text with `***`. */
export function maskUrlText(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):([^@\s]*)@/gi, '$1:***@')
}

/** `host:port` for messages, with IPv6 hosts in brackets. */
export function hostPort(target: Pick<RedisTarget, 'host' | 'port'>): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`
}
