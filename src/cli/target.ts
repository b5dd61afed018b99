/** Where Redis is for the CLI: --url, --container (podman or docker), or the default URL. */
import { execFile } from 'node:child_process'
import { Socket } from 'node:net'
import { UserError } from '../errors.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'

export const FALLBACK_URL = 'redis://localhost:6379'

/** The URL used when neither --url nor --container is given: $REDIS_URL, which test suites read too, else localhost:6379. */
export function defaultUrl(env: NodeJS.ProcessEnv): string {
  return env.REDIS_URL?.trim() || FALLBACK_URL
}

/** True for hosts on this machine, where a throwaway server may stand in for a missing one. */
export function isLocalHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host)
}

/**
 * Reads `podman port` / `docker port` output (`0.0.0.0:32768`, `[::]:32768`, one line per binding)
 * into the address to connect to; wildcard addresses mean this machine.
 */
export function parsePortOutput(text: string): { host: string; port: number } | null {
  const bindings = text
    .split('\n')
    .map((l) => /^\s*(?:\[([^\]]*)\]|([^\s:]*)):(\d+)\s*$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ ipv6: m[1] !== undefined, addr: m[1] ?? m[2], port: Number(m[3]) }))
  const pick = bindings.find((b) => !b.ipv6) ?? bindings[0]
  if (!pick) return null
  const wildcard = pick.addr === '' || pick.addr === '0.0.0.0' || pick.addr === '::'
  return { host: wildcard ? (pick.ipv6 ? '::1' : '127.0.0.1') : pick.addr, port: pick.port }
}

interface CommandResult {
  ok: boolean
  missing: boolean
  stdout: string
  stderr: string
}

function runQuiet(file: string, args: string[]): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 15_000 }, (err, stdout, stderr) => {
      const code = (err as NodeJS.ErrnoException | null)?.code
      resolve({ ok: err === null, missing: code === 'ENOENT', stdout: String(stdout), stderr: String(stderr).trim() })
    })
  })
}

export const RUNTIMES = ['podman', 'docker'] as const

/** Finds the host address of a running container's published port 6379, asking podman first, then docker. */
export async function containerAddress(name: string, runtimes: readonly string[] = RUNTIMES): Promise<{ host: string; port: number; runtime: string }> {
  const tried: string[] = []
  let installed = 0
  for (const runtime of runtimes) {
    const port = await runQuiet(runtime, ['port', name, '6379/tcp'])
    if (port.missing) continue
    installed++
    if (port.ok) {
      const address = parsePortOutput(port.stdout)
      if (address) return { ...address, runtime }
    }
    // `port` fails both for an unknown container and for one that publishes nothing; inspect tells them apart.
    const state = await runQuiet(runtime, ['inspect', '--format', '{{.State.Running}}', name])
    if (state.ok && state.stdout.trim() === 'true') {
      throw new UserError(
        `Container "${name}" (${runtime}) does not publish port 6379. Start it with -p 6379:6379 (e.g. ${runtime} run -d -p 6379:6379 redis:7), or give --url.`
      )
    }
    if (state.ok) {
      throw new UserError(`Container "${name}" (${runtime}) is not running. Start it with \`${runtime} start ${name}\`.`)
    }
    tried.push(`${runtime}: ${firstLine(port.stderr) || 'not found'}`)
  }
  if (installed === 0) {
    throw new UserError(`--container needs podman or docker, and neither is installed here. Give the address with --url instead.`)
  }
  throw new UserError(`No container named "${name}" (${tried.join('; ')}). \`podman ps\` or \`docker ps\` lists the running ones.`)
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim()
}

/**
 * The target for `--container`: the container's address, with user, password and DB from --url
 * when that is given too.
 */
export function containerTarget(address: { host: string; port: number }, url: string | undefined): RedisTarget {
  const base = new URL(url ? parseRedisUrl(url, '--url').url : FALLBACK_URL)
  base.hostname = address.host.includes(':') ? `[${address.host}]` : address.host
  base.port = String(address.port)
  return parseRedisUrl(base.toString(), '--container')
}

/** Whether something accepts connections on host:port: 'refused' only when the machine said no at once. */
export function probe(host: string, port: number, timeoutMs = 1000): Promise<'open' | 'refused' | 'unknown'> {
  return new Promise((resolve) => {
    const sock = new Socket()
    const done = (r: 'open' | 'refused' | 'unknown'): void => {
      sock.destroy()
      resolve(r)
    }
    sock.setTimeout(timeoutMs, () => done('unknown'))
    sock.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' ? 'refused' : 'unknown'))
    sock.connect(port, host, () => done('open'))
  })
}
