/** Where Redis is for the CLI: --url, --container (podman or docker), or the default URL. */
import { Socket } from 'node:net'
import { UserError } from '../core/errors.js'
import { runTool } from '../provision/exec.js'
import { CONTAINER_PORT, RUNTIMES, classify, lastLine, parsePortOutput, type RuntimeName } from '../provision/runtime.js'
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

/** Asked in this order: podman is what the tests here and many laptops have. */
export const CONTAINER_RUNTIMES: readonly RuntimeName[] = ['podman', 'docker']

const TOOL_TIMEOUT_MS = 15_000

/**
 * Finds the host address of a running container's published port 6379 (`<runtime> port NAME 6379`),
 * asking podman first, then docker; inspect tells "no such container" from "publishes nothing".
 */
export async function containerAddress(
  name: string,
  runtimes: readonly RuntimeName[] = CONTAINER_RUNTIMES
): Promise<{ host: string; port: number; runtime: RuntimeName }> {
  const tried: string[] = []
  let installed = 0
  for (const runtimeName of runtimes) {
    const rt = RUNTIMES[runtimeName]
    const port = await runTool(rt.binary, ['port', name, `${CONTAINER_PORT}/tcp`], { timeoutMs: TOOL_TIMEOUT_MS })
    if (port.notFound) continue
    installed++
    if (port.code === 0) {
      const address = parsePortOutput(port.stdout)
      if (address) return { ...address, runtime: runtimeName }
    }
    const failure = classify(rt, port.stderr)
    if (failure === 'engine-down' || failure === 'no-such-container') {
      tried.push(`${runtimeName}: ${failure === 'engine-down' ? 'its engine is not running' : 'no such container'}`)
      continue
    }
    const state = await runTool(rt.binary, ['inspect', '--format', '{{.State.Running}}', name], { timeoutMs: TOOL_TIMEOUT_MS })
    if (state.code === 0 && state.stdout.trim() === 'true') {
      throw new UserError(
        `Container "${name}" (${runtimeName}) does not publish port ${CONTAINER_PORT}. Start it with -p ${CONTAINER_PORT}:${CONTAINER_PORT} (e.g. ${runtimeName} run -d -p 6379:6379 redis:7), or give --url.`
      )
    }
    if (state.code === 0) {
      throw new UserError(`Container "${name}" (${runtimeName}) is not running. Start it with \`${runtimeName} start ${name}\`.`)
    }
    tried.push(`${runtimeName}: ${lastLine(port.stderr) || 'not found'}`)
  }
  if (installed === 0) {
    throw new UserError(`--container needs podman or docker, and neither is installed here. Give the address with --url instead.`)
  }
  throw new UserError(`No container named "${name}" (${tried.join('; ')}). \`podman ps\` or \`docker ps\` lists the running ones.`)
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
