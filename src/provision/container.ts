import { UserError } from '../core/errors.js'
import { formatDuration } from '../core/size.js'
import { runTool, type ToolResult } from './exec.js'
import { waitForPing } from './ready.js'
import { classify, lastLine, limitArgs, maskArgs, parsePortOutput, runArgs, RUNTIMES, CONTAINER_PORT, type Runtime, type RuntimeName } from './runtime.js'
import type { ProvisionSettings } from './settings.js'
import type { StepHost } from '../core/host.js'

/** What the post step needs to remove a container the main step started. */
export interface StartedContainer {
  kind: 'container'
  runtime: RuntimeName
  /** Empty while `run` has not returned yet; then the name identifies it. */
  id: string
  name: string
  host: string
  port: number
}

const QUICK_MS = 30_000
const PULL_MS = 10 * 60_000
const RUN_MS = 2 * 60_000
const HOST = '127.0.0.1'

export interface ContainerStartOptions {
  /** Share the host's network (a cluster node): Redis listens on `port` itself, which must not be 0. */
  hostNetwork?: boolean
  /** The line for a port Redis found taken inside the container (host networking), instead of the port input's. */
  portInUse?: (port: number) => string
}

/**
 * Starts Redis in a container and waits until it answers PING. `onCreated` is called as soon as
 * a container exists, so a cancelled job still removes it in the post step. Any failure after
 * that removes the container again (unless keep-container) and throws one clear line.
 */
export async function startContainer(
  s: ProvisionSettings,
  timeoutMs: number,
  host: StepHost,
  onCreated: (c: StartedContainer | null) => void = () => {},
  opts: ContainerStartOptions = {}
): Promise<StartedContainer & { readyMs: number }> {
  const rt = RUNTIMES[s.runtime]
  // Both questions at once: each costs the runtime's start-up time, and the step waits for it.
  const [existing, image] = await Promise.all([
    runTool(rt.binary, ['container', 'inspect', '--format', '{{.Id}}', s.containerName], { timeoutMs: QUICK_MS }),
    runTool(rt.binary, ['image', 'inspect', '--format', '{{.Id}}', s.image], { timeoutMs: QUICK_MS })
  ])
  refuseExisting(rt, s.containerName, existing)
  await ensureImage(rt, s.image, image, host)

  const args = runArgs({
    name: s.containerName,
    image: s.image,
    port: s.port,
    serverArgs: [...s.redisArgs, ...limitArgs(s)],
    options: s.containerOptions,
    hostNetwork: opts.hostNetwork
  })
  host.info(`${rt.binary} ${maskArgs(args).join(' ')}`)
  // Saved before `run`: the container exists before `run` returns, and a job cancelled in
  // between must still remove it. The name is ours: it was free a moment ago.
  const started: StartedContainer = { kind: 'container', runtime: rt.name, id: '', name: s.containerName, host: HOST, port: s.port }
  onCreated(started)
  const run = await runTool(rt.binary, args, { timeoutMs: RUN_MS })
  if (run.code !== 0) {
    const failure = run.notFound ? 'not-installed' : classify(rt, run.stderr)
    // A failed run can leave a "Created" container behind; it is ours unless the name was taken.
    if (failure !== 'name-in-use' && failure !== 'not-installed') await removeQuietly(rt, s.containerName)
    onCreated(null)
    throw runError(rt, run, s, failure)
  }
  const id = lastLine(run.stdout)
  started.id = id
  onCreated(started)

  const status = async (): Promise<string | null> => {
    const r = await runTool(rt.binary, ['container', 'inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', id], { timeoutMs: 5000 })
    if (r.code !== 0) return classify(rt, r.stderr) === 'no-such-container' ? 'the container was removed' : null
    const [state, exitCode] = r.stdout.trim().split(/\s+/)
    return state === 'running' || state === 'created' ? null : `the container ${state} with exit code ${exitCode}`
  }
  const fail = async (message: string): Promise<never> => {
    const logs = await showLogs(rt, id, s.containerName, host)
    if (!(await giveUp(rt, started, s.keepContainer, host))) onCreated(null)
    // With host networking Redis binds the port itself, so a taken port shows only in its log.
    if (/Address already in use/i.test(logs)) throw opts.portInUse ? new UserError(opts.portInUse(s.port)) : runError(rt, { stderr: logs, code: 1 }, s, 'port-in-use')
    throw new UserError(`Redis in container ${s.containerName} (${s.image}) ${message}`)
  }
  const stopped = (reason: string): string => `stopped before answering PING: ${reason}. Its last log lines are above; check image and redis-args.`

  if (s.port === 0) {
    const port = await runTool(rt.binary, ['port', id, `${CONTAINER_PORT}/tcp`], { timeoutMs: QUICK_MS })
    const hostPort = port.code === 0 ? (parsePortOutput(port.stdout)?.port ?? null) : null
    if (hostPort === null) {
      const gone = await status()
      await fail(gone ? stopped(gone) : `has no published host port (${lastLine(port.stderr) || `${rt.binary} port printed nothing`}).`)
    } else {
      started.port = hostPort
      onCreated(started)
    }
  }

  const ready = await waitForPing({ host: HOST, port: started.port, timeoutMs, gone: status })
  if (!ready.ready) {
    await fail(
      ready.gone
        ? stopped(ready.reason)
        : `did not answer PING on ${HOST}:${started.port} within ${formatDuration(timeoutMs)} (${ready.reason}). ` +
            `Its last log lines are above; check image and redis-args, or raise connect-timeout.`
    )
  }
  return { ...started, readyMs: ready.ms }
}

/** A container with the chosen name that the action did not start is an error, never reused. */
function refuseExisting(rt: Runtime, name: string, r: ToolResult): void {
  if (r.notFound) throw notInstalled(rt)
  if (r.code === 0) {
    throw new UserError(
      `A container named "${name}" already exists (${r.stdout.trim().slice(0, 12)}). The action does not reuse a container it did not start: ` +
        `remove it (${rt.binary} rm -f ${name}) or choose another container-name.`
    )
  }
  const failure = classify(rt, r.stderr)
  if (failure === 'no-such-container') return
  if (failure === 'engine-down') throw engineDown(rt, r)
  throw new UserError(`${rt.binary} container inspect ${name} failed: ${lastLine(r.stderr) || `exit code ${r.code}`}.`)
}

/** Pulls the image unless `image inspect` found it; the pull's output goes into a log group. */
async function ensureImage(rt: Runtime, image: string, present: ToolResult, host: StepHost): Promise<void> {
  if (present.code === 0) {
    host.info(`Image ${image} is present; no pull needed.`)
    return
  }
  const pull = await host.group(`Pulling ${image} with ${rt.binary}`, () =>
    runTool(rt.binary, ['pull', image], { timeoutMs: PULL_MS, onLine: (l) => host.info(l) })
  )
  if (pull.code === 0) return
  const failure = classify(rt, pull.stderr)
  if (failure === 'engine-down') throw engineDown(rt, pull)
  throw new UserError(imageMessage(image, lastLine(pull.stderr), failure === 'no-such-image'))
}

function imageMessage(image: string, detail: string, notFound: boolean): string {
  return notFound
    ? `image: "${image}" was not found (${detail}). Check the name and tag, e.g. redis:7-alpine; for a private registry, log in first (docker/login-action).`
    : `image: could not pull "${image}" (${detail}). Check the name, the registry and the network, or pull it in an earlier step.`
}

/** One line for a failed `run`, by what the runtime's error text says. */
export function runError(rt: Runtime, run: Pick<ToolResult, 'stderr' | 'code'>, s: Pick<ProvisionSettings, 'containerName' | 'image' | 'port'>, failure = classify(rt, run.stderr)): UserError {
  const detail = lastLine(run.stderr) || `exit code ${run.code}`
  switch (failure) {
    case 'not-installed':
      return notInstalled(rt)
    case 'engine-down':
      return engineDown(rt, run)
    case 'name-in-use':
      return new UserError(
        `A container named "${s.containerName}" already exists. The action does not reuse a container it did not start: ` +
          `remove it (${rt.binary} rm -f ${s.containerName}) or choose another container-name.`
      )
    case 'port-in-use':
      return new UserError(
        `port: host port ${s.port} is already in use on this runner (another Redis, or a parallel job on a self-hosted runner). ` +
          `Set port: 0 to use a free port, or free port ${s.port}.`
      )
    case 'no-such-image':
      return new UserError(imageMessage(s.image, detail, true))
    default:
      return new UserError(`${rt.binary} run failed: ${detail}. Check container-options and redis-args.`)
  }
}

function notInstalled(rt: Runtime): UserError {
  const other = rt.name === 'docker' ? 'podman' : 'docker'
  return new UserError(
    `container-runtime: ${rt.binary} is not installed or not on PATH. Install it, use container-runtime: ${other}, or use mode: binary.`
  )
}

function engineDown(rt: Runtime, r: Pick<ToolResult, 'stderr'>): UserError {
  return new UserError(`${rt.binary} cannot reach its engine (${lastLine(r.stderr)}). ${rt.engineHint}`)
}

/** Shows the container's last log lines in a group; returns them, so a failure can be told by its text. */
async function showLogs(rt: Runtime, id: string, name: string, host: StepHost): Promise<string> {
  const logs = await runTool(rt.binary, ['logs', '--tail', '30', id], { timeoutMs: QUICK_MS })
  const text = (logs.stdout + logs.stderr).trim()
  await host.group(`Last log lines of container ${name}`, async () => host.info(text || '(no log output)'))
  return text
}

/** Removes a container that never became ready; returns true when it was kept on request. */
async function giveUp(rt: Runtime, c: StartedContainer, keep: boolean, host: StepHost): Promise<boolean> {
  if (keep) {
    host.info(`keep-container is true: container ${c.name} stays for inspection (${rt.binary} logs ${c.name}).`)
    return true
  }
  await removeQuietly(rt, c.id)
  return false
}

async function removeQuietly(rt: Runtime, idOrName: string): Promise<void> {
  await runTool(rt.binary, ['rm', '--force', '--volumes', idOrName], { timeoutMs: QUICK_MS })
}

/** How long `docker rm --force` (or podman's) may take before it is given up. */
export const CONTAINER_REMOVE_MS = 60_000

/** Removes the container with its anonymous volumes. Problems are warnings: the tests already ran. */
export async function removeContainer(c: StartedContainer, host: StepHost): Promise<void> {
  const rt = RUNTIMES[c.runtime]
  const r = await runTool(rt.binary, ['rm', '--force', '--volumes', c.id || c.name], { timeoutMs: CONTAINER_REMOVE_MS })
  if (r.code === 0) host.info(`Removed container ${c.name}.`)
  else if (!r.notFound && classify(rt, r.stderr) === 'no-such-container') host.info(`Container ${c.name} was already gone.`)
  else
    host.warn(
      `Could not remove container ${c.name}: ${r.notFound ? `${rt.binary} not found` : lastLine(r.stderr) || `exit code ${r.code}`}. Remove it by hand: ${rt.binary} rm -f ${c.name}`
    )
}
