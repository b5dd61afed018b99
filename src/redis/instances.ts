/**
 * `redis-url` holding several Redis instances: one URL per line or comma-separated, each
 * optionally named (`cache=redis://…`), and Sentinel URLs
 * (`redis+sentinel://host:26379,host2:26380/<master-name>`). Pure: no I/O.
 */
import { UserError } from '../core/errors.js'
import { hostPort, maskUrlText, parseRedisUrl, type RedisTarget } from './target.js'

/** One sentinel's address. */
export interface SentinelAddress {
  host: string
  port: number
}

/** Where the master of a Sentinel-managed group is asked for. */
export interface SentinelSpec {
  sentinels: SentinelAddress[]
  masterName: string
  /** Credentials and DB for the master (not for the sentinels), as in the URL. Never log these. */
  username: string | null
  password: string | null
  db: number
  tls: boolean
}

/** One instance the guard watches: a Redis at a known address, or a master found through Sentinel. */
export type InstanceSpec =
  | { kind: 'direct'; name: string; named: boolean; target: RedisTarget; display: string }
  | { kind: 'sentinel'; name: string; named: boolean; sentinel: SentinelSpec; display: string }

export const DEFAULT_SENTINEL_PORT = 26379

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/
const SENTINEL_EXAMPLE = 'redis+sentinel://localhost:26379,localhost:26380/mymaster'
const LIST_EXAMPLE = 'cache=redis://localhost:6379, queue=redis://localhost:6380'

/**
 * Splits `redis-url` into its instances. A comma separates two instances only where the next
 * item starts a URL (`scheme://`) or a name (`name=`), since a Sentinel URL lists its sentinels
 * with commas. Unnamed instances are named by their `host:port` (Sentinel: the master's name),
 * so every finding can say which one it is about.
 */
export function parseInstances(text: string, inputName = 'redis-url'): InstanceSpec[] {
  const items = text
    .split(/\r?\n/)
    .flatMap((line) => line.split(/,(?=\s*(?:[A-Za-z][A-Za-z0-9_.-]*\s*=\s*)?[a-z][a-z0-9+.-]*:\/\/)/i))
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('#'))
  if (items.length === 0) throw new UserError(`${inputName}: no Redis URL given. Use e.g. redis://localhost:6379 or ${LIST_EXAMPLE}.`)
  const specs = items.map((item) => parseItem(item, inputName))
  const byName = new Map<string, InstanceSpec>()
  const byAddress = new Map<string, InstanceSpec>()
  for (const spec of specs) {
    const other = byName.get(spec.name)
    if (other) {
      throw new UserError(
        spec.named && other.named
          ? `${inputName}: the name "${spec.name}" is given twice. Give each instance its own name, e.g. ${LIST_EXAMPLE}.`
          : `${inputName}: two instances would both be called "${spec.name}" (${other.display} and ${spec.display}). Name them, e.g. ${LIST_EXAMPLE}.`
      )
    }
    byName.set(spec.name, spec)
    const address = addressKey(spec)
    const same = byAddress.get(address)
    // Watching one server twice would count its OOM errors and keys twice in the totals.
    if (same) throw new UserError(`${inputName}: "${same.name}" and "${spec.name}" are the same Redis (${spec.display}). List each instance once.`)
    byAddress.set(address, spec)
  }
  return specs
}

function parseItem(item: string, inputName: string): InstanceSpec {
  const named = /^([^=/:]+?)\s*=\s*(.*)$/s.exec(item)
  let name: string | null = null
  let url = item
  if (named) {
    name = named[1].trim()
    url = named[2].trim()
    if (!NAME.test(name)) {
      throw new UserError(`${inputName}: "${name}" is not an instance name. Use a letter, then letters, digits, _ . or - (up to 40), e.g. ${LIST_EXAMPLE}.`)
    }
  }
  const label = name === null ? inputName : `${inputName} (${name})`
  if (/^rediss?\+sentinel:\/\//i.test(url)) {
    const sentinel = parseSentinelUrl(url, label)
    return { kind: 'sentinel', name: name ?? sentinel.masterName, named: name !== null, sentinel, display: maskUrlText(url) }
  }
  const target = parseRedisUrl(url, label)
  return { kind: 'direct', name: name ?? hostPort(target), named: name !== null, target, display: target.display }
}

/**
 * `redis+sentinel://[user:password@]host[:port][,host[:port]…]/<master-name>[/<db>]`
 * (`rediss+sentinel://` for TLS). The credentials are the master's, as in the common clients'
 * Sentinel URLs; the sentinels are asked without them.
 */
export function parseSentinelUrl(url: string, inputName = 'redis-url'): SentinelSpec {
  const value = url.trim()
  const masked = maskUrlText(value)
  const scheme = /^(rediss?)\+sentinel:\/\//i.exec(value)
  if (!scheme) throw new UserError(`${inputName}: "${masked}" is not a Sentinel URL. Use e.g. ${SENTINEL_EXAMPLE}.`)
  const rest = value.slice(scheme[0].length)
  const slash = rest.indexOf('/')
  const authority = slash < 0 ? rest : rest.slice(0, slash)
  const path = slash < 0 ? '' : rest.slice(slash + 1)
  const at = authority.lastIndexOf('@')
  const userinfo = at < 0 ? '' : authority.slice(0, at)
  const hostsText = at < 0 ? authority : authority.slice(at + 1)
  const sentinels = hostsText.split(',').map((h) => parseHostPort(h.trim(), masked, inputName))
  const [masterName, dbText, ...more] = path.split('/')
  if (!masterName) {
    throw new UserError(`${inputName}: "${masked}" names no master. Put the master's name (as in the sentinels' config) after the hosts, e.g. ${SENTINEL_EXAMPLE}.`)
  }
  if (more.length > 0 || (dbText !== undefined && dbText !== '' && !/^\d+$/.test(dbText))) {
    throw new UserError(`${inputName}: "${masked}" has a path after the master's name that is not a database number. Use e.g. ${SENTINEL_EXAMPLE}/2.`)
  }
  let username: string | null = null
  let password: string | null = null
  if (userinfo !== '') {
    const colon = userinfo.indexOf(':')
    const user = colon < 0 ? userinfo : userinfo.slice(0, colon)
    const pass = colon < 0 ? '' : userinfo.slice(colon + 1)
    try {
      username = user === '' ? null : decodeURIComponent(user)
      password = pass === '' ? null : decodeURIComponent(pass)
    } catch {
      throw new UserError(`${inputName}: the user or password in "${masked}" has a broken %-escape. Percent-encode it, e.g. p%40ss for p@ss.`)
    }
  }
  return {
    sentinels,
    masterName: safeDecode(masterName, masked, inputName),
    username,
    password,
    db: dbText ? Number(dbText) : 0,
    tls: scheme[1].toLowerCase() === 'rediss'
  }
}

function parseHostPort(text: string, masked: string, inputName: string): SentinelAddress {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]\s]+)(?::(\d+))?$/.exec(text)
  const port = m?.[2] === undefined ? DEFAULT_SENTINEL_PORT : Number(m[2])
  if (!m || port < 1 || port > 65535) {
    throw new UserError(`${inputName}: "${text}" in "${masked}" is not a sentinel's host:port. Use e.g. ${SENTINEL_EXAMPLE}.`)
  }
  return { host: m[1].replace(/^\[|\]$/g, ''), port }
}

function safeDecode(text: string, masked: string, inputName: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    throw new UserError(`${inputName}: the master's name in "${masked}" has a broken %-escape. Use e.g. ${SENTINEL_EXAMPLE}.`)
  }
}

/** The target for a master a sentinel named, with the URL's credentials and DB (percent-encoded into the URL). */
export function masterTarget(spec: SentinelSpec, host: string, port: number): RedisTarget {
  const user = spec.username === null ? '' : encodeURIComponent(spec.username)
  const pass = spec.password === null ? '' : `:${encodeURIComponent(spec.password)}`
  const auth = user !== '' || pass !== '' ? `${user}${pass}@` : ''
  const hostText = host.includes(':') ? `[${host}]` : host
  return parseRedisUrl(`${spec.tls ? 'rediss' : 'redis'}://${auth}${hostText}:${port}/${spec.db}`)
}

function addressKey(spec: InstanceSpec): string {
  if (spec.kind === 'direct') return `${spec.target.host.toLowerCase()}:${spec.target.port}/${spec.target.db}`
  const sentinels = spec.sentinel.sentinels.map((s) => `${s.host.toLowerCase()}:${s.port}`).sort()
  return `sentinel ${sentinels.join(',')}/${spec.sentinel.masterName}/${spec.sentinel.db}`
}

/** The `cluster` input: `auto` (default: expand when the server says it is a cluster) or `off`. */
export function parseClusterMode(text: string, inputName = 'cluster'): 'auto' | 'off' {
  const value = text.trim().toLowerCase()
  if (value === '' || value === 'auto') return 'auto'
  if (value === 'off') return 'off'
  throw new UserError(`${inputName}: "${text.trim()}" is not a cluster mode. Use auto (watch every node of a cluster) or off (only the node in redis-url).`)
}
