/**
 * What differs between docker and podman, as data: the code that runs them is shared
 * (container.ts), and these texts and builders are pure so both can be tested with plain strings.
 */

export type RuntimeName = 'docker' | 'podman'

/** Why a runtime command failed, as far as its error text tells. */
export type Failure =
  | 'not-installed'
  | 'engine-down'
  | 'no-such-image'
  | 'port-in-use'
  | 'name-in-use'
  | 'no-such-container'
  | 'other'

export interface Runtime {
  name: RuntimeName
  /** The command to run. */
  binary: string
  /** Error texts by failure, matched case-insensitively against stderr. */
  errors: Record<Exclude<Failure, 'not-installed' | 'other'>, RegExp[]>
  /** One line on how to get the engine running, for `engine-down`. */
  engineHint: string
}

export const RUNTIMES: Record<RuntimeName, Runtime> = {
  docker: {
    name: 'docker',
    binary: 'docker',
    errors: {
      'engine-down': [
        /Cannot connect to the Docker daemon/i,
        /permission denied while trying to connect to the Docker daemon/i,
        /error during connect/i,
        /docker daemon is not running/i
      ],
      'no-such-image': [
        /manifest unknown/i,
        /pull access denied/i,
        /repository does not exist/i,
        /No such image/i,
        /manifest for .* not found/i,
        /invalid reference format/i
      ],
      'port-in-use': [/port is already allocated/i, /address already in use/i],
      'name-in-use': [/The container name .* is already in use/i, /Conflict\. The container name/i],
      'no-such-container': [/No such container/i, /No such object/i]
    },
    engineHint: 'Start the Docker daemon (self-hosted: systemctl start docker, and add the runner user to the docker group), or use container-runtime: podman.'
  },
  podman: {
    name: 'podman',
    binary: 'podman',
    errors: {
      'engine-down': [/Cannot connect to Podman/i, /unable to connect to Podman socket/i],
      'no-such-image': [
        /manifest unknown/i,
        /image not known/i,
        /name unknown/i,
        /short-name .* did not resolve/i,
        /requested access to the resource is denied/i,
        /repository .* not found/i,
        /invalid reference format/i
      ],
      'port-in-use': [/address already in use/i, /port is already allocated/i],
      'name-in-use': [/the container name .* is already in use/i, /that name is already in use/i],
      'no-such-container': [/no such container/i, /no container with name or ID/i, /no such object/i]
    },
    engineHint: 'Check that podman works for the runner user (podman info), or use container-runtime: docker.'
  }
}

/** The port Redis listens on inside the container. */
export const CONTAINER_PORT = 6379

/** Classifies a runtime's error text. The order matters: a failed pull also mentions the image. */
export function classify(runtime: Runtime, stderr: string): Failure {
  const order: Exclude<Failure, 'not-installed' | 'other'>[] = ['engine-down', 'name-in-use', 'port-in-use', 'no-such-container', 'no-such-image']
  for (const failure of order) {
    if (runtime.errors[failure].some((re) => re.test(stderr))) return failure
  }
  return 'other'
}

/** The last meaningful line of a runtime's error output, for a one-line message. */
export function lastLine(text: string): string {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
  const line = lines[lines.length - 1] ?? ''
  return line.replace(/^Error( response from daemon)?:\s*/i, '')
}

export interface ContainerSpec {
  name: string
  image: string
  /** Host port; 0 = let the runtime pick a free one. */
  port: number
  /** Arguments for the server (the container's command); empty = the image's own CMD. */
  serverArgs: string[]
  /** The user's extra `run` arguments, placed before the image. */
  options: string[]
  /**
   * Share the host's network instead of publishing a port: Redis then listens on `port` itself
   * (a cluster node, whose peers and clients must all reach the address it announces).
   */
  hostNetwork?: boolean
}

/**
 * `run` arguments. The port is published on 127.0.0.1 only, so an unprotected Redis on a
 * self-hosted runner is not open to the network; `--pull=never` because the action pulled first.
 */
export function runArgs(spec: ContainerSpec): string[] {
  const publish = spec.port === 0 ? `127.0.0.1::${CONTAINER_PORT}` : `127.0.0.1:${spec.port}:${CONTAINER_PORT}`
  return [
    'run',
    '--detach',
    '--name',
    spec.name,
    ...(spec.hostNetwork ? ['--network', 'host'] : ['--publish', publish]),
    '--pull=never',
    '--label',
    'redis-memory-guard=1',
    ...spec.options,
    spec.image,
    ...spec.serverArgs
  ]
}

/**
 * Server arguments with the guard's own inserted: a config file (leading words that are not
 * options) must stay first for redis-server, then `ours`, then the user's options, which can
 * override them (later wins).
 */
export function withServerDefaults(userArgs: string[], ours: string[]): string[] {
  const firstOption = userArgs.findIndex((a) => a.startsWith('--'))
  const leading = firstOption < 0 ? userArgs : userArgs.slice(0, firstOption)
  const rest = firstOption < 0 ? [] : userArgs.slice(firstOption)
  return [...leading, ...ours, ...rest]
}

/** Server arguments for the limits and password the inputs ask for. */
export function limitArgs(opts: { maxmemory?: number; maxmemoryPolicy?: string; password?: string }): string[] {
  const args: string[] = []
  if (opts.maxmemory !== undefined) args.push('--maxmemory', String(opts.maxmemory))
  if (opts.maxmemoryPolicy !== undefined) args.push('--maxmemory-policy', opts.maxmemoryPolicy)
  if (opts.password !== undefined) args.push('--requirepass', opts.password)
  return args
}

/** Arguments with the value after `--requirepass` replaced, for a log line. */
export function maskArgs(args: string[]): string[] {
  return args.map((a, i) => (i > 0 && args[i - 1] === '--requirepass' ? '***' : a))
}

/**
 * Reads `podman port` / `docker port` output (`0.0.0.0:32768`, `[::]:32768`, `127.0.0.1:41157`, one
 * line per binding) into the address to connect to; wildcard addresses mean this machine.
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
