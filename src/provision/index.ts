/**
 * Provisioning: start Redis (container or binary) or limit the attached one, and undo it
 * afterwards. Returns what it did as data; the front end decides where to keep it (the action's
 * state, the CLI's memory) and what to print. The work itself is in container.ts, binary.ts and attach.ts.
 */
import { describeError } from '../errors.js'
import type { RedisConnection } from '../redis/connection.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { formatDuration } from '../size.js'
import type { StepHost } from '../step/host.js'
import { applyLimits, restoreLimits, type AttachedLimits } from './attach.js'
import { startBinary, stopBinary, type StartedBinary } from './binary.js'
import { removeContainer, startContainer, type StartedContainer } from './container.js'
import { ProvisionInput } from '../options.js'
import { stopCluster, type ClusterState } from './cluster.js'
import type { ProvisionSettings } from './settings.js'

export { readProvisionSettings, unusedInputs } from './settings.js'

/** How long clean-up tries to reach an attached Redis to set its limits back. */
const RESTORE_CONNECT_MS = 10_000

/** What was started or changed, to undo afterwards. */
export type Provisioned = StartedContainer | StartedBinary | AttachedLimits | ClusterState

/** The URL of a Redis the guard started; the password goes into it, percent-encoded. */
export function targetFor(host: string, port: number, password: string | undefined): RedisTarget {
  const auth = password ? `:${encodeURIComponent(password)}@` : ''
  // The password of a Redis the guard started comes from the password input, never from redis-url.
  return { ...parseRedisUrl(`redis://${auth}${host}:${port}`), passwordOption: ProvisionInput.Password }
}

export interface ProvisionResult {
  target: RedisTarget
  /** Null in attach mode (nothing started). */
  started: StartedContainer | StartedBinary | null
}

/**
 * Starts Redis when the mode asks for it and returns the target to watch (the given one in attach
 * mode). `onStarted` hears of a container or server as soon as it exists, so a cancelled job can
 * still remove it.
 */
export async function provision(
  s: ProvisionSettings,
  attachTarget: RedisTarget,
  timeoutMs: number,
  host: StepHost,
  onStarted: (p: Provisioned | null) => void = () => {},
  startedAt = Date.now()
): Promise<ProvisionResult> {
  if (s.mode === 'attach') return { target: attachTarget, started: null }
  const started = s.mode === 'container' ? await startContainer(s, timeoutMs, host, onStarted) : await startBinary(s, timeoutMs, host, onStarted)
  const target = targetFor(started.host, started.port, s.password)
  host.info(
    `Redis answered PING at ${target.display} ${formatDuration(Date.now() - startedAt)} after the step started ` +
      `(${formatDuration(started.readyMs)} after ${started.kind === 'container' ? `${s.runtime} run returned` : 'redis-server was launched'}).`
  )
  const { readyMs: _readyMs, ...kept } = started
  return { target, started: kept }
}

/** Once connected, in attach mode: applies maxmemory / maxmemory-policy with CONFIG SET; what to set back, or null. */
export async function limitAttached(conn: RedisConnection, s: ProvisionSettings, host: StepHost): Promise<AttachedLimits | null> {
  if (s.mode !== 'attach') return null
  return applyLimits(conn, s, host)
}

/**
 * The Redis to take the "after" snapshot of, given what was started. Null when the mode starts
 * Redis but none was started: then there is nothing of ours to look at (and any Redis on the
 * default URL would be someone else's).
 */
export function startedTarget(mode: ProvisionSettings['mode'], started: Provisioned | null, attachTarget: RedisTarget, password: string | undefined): RedisTarget | null {
  // A cluster is watched through its seed, which leads to every node; a cluster that never got a seed never answered.
  if (started?.kind === 'cluster') return started.seedUrl ? parseRedisUrl(started.seedUrl) : null
  // Port 0 here: the start stopped before it learnt the port, so Redis never answered.
  if (started && started.kind !== 'attach') return started.port === 0 ? null : targetFor(started.host, started.port, password)
  return mode === 'container' || mode === 'binary' ? null : attachTarget
}

/**
 * Removes the container or stops the server that was started (unless `keep`), or sets back what
 * CONFIG SET changed. Never throws; problems are warnings.
 */
export async function cleanUp(started: Provisioned | null, keep: boolean, attachTarget: RedisTarget, host: StepHost): Promise<void> {
  if (!started) return
  try {
    if (started.kind === 'attach') {
      await restoreLimits(attachTarget, started, RESTORE_CONNECT_MS, host)
    } else if (started.kind === 'cluster') {
      const containers = started.nodes.some((n) => n.kind === 'container')
      if (keep) host.info(`keep-container is true: the local Redis Cluster of ${started.nodes.length} nodes keeps running.`)
      else {
        await stopCluster(started, { host })
        host.info(
          containers
            ? `Removed the containers of the local Redis Cluster (${started.nodes.length} nodes).`
            : `Stopped the local Redis Cluster (${started.nodes.length} nodes) and removed its folders.`
        )
      }
    } else if (keep) {
      const what = started.kind === 'container' ? `Container ${started.name}` : `redis-server (pid ${started.pid})`
      host.info(`keep-container is true: ${what} keeps running at ${started.host}:${started.port}.`)
    } else if (started.kind === 'container') {
      await removeContainer(started, host)
    } else {
      await stopBinary(started, host)
    }
  } catch (err) {
    host.warn(`Clean-up failed: ${describeError(err)}`)
  }
}
