/**
 * Provisioning: start Redis (container or binary) or limit the attached one, and undo it
 * afterwards. Returns what it did as data; the front end decides where to keep it (the action's
 * state, the CLI's memory) and what to print. The work itself is in container.ts, binary.ts and attach.ts.
 */
import { describeError } from '../core/errors.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { formatDuration } from '../core/size.js'
import type { StepHost } from '../core/host.js'
import { restoreLimits, type AttachedLimits, type AttachedNodesLimits } from './attach.js'
import { startBinary, stopBinary, type StartedBinary } from './binary.js'
import { removeContainer, startContainer, type StartedContainer } from './container.js'
import { ProvisionInput } from '../config/options.js'
import { stopCluster, type ClusterState } from './cluster.js'
import type { ProvisionSettings } from './settings.js'

export { readProvisionSettings, unusedInputs } from './settings.js'

/** How long clean-up tries to reach an attached Redis to set its limits back. */
/** How long the post step tries to reach an attached Redis to set back what CONFIG SET changed. */
export const RESTORE_CONNECT_MS = 10_000

/** What was started or changed, to undo afterwards. */
export type Provisioned = StartedContainer | StartedBinary | AttachedLimits | AttachedNodesLimits | ClusterState

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

/** The limits attach mode sets with CONFIG SET on every server it watches; none in the modes that start Redis with them. */
export function attachLimits(s: ProvisionSettings): Pick<ProvisionSettings, 'maxmemory' | 'maxmemoryPolicy'> | undefined {
  return s.mode === 'attach' && (s.maxmemory !== undefined || s.maxmemoryPolicy !== undefined) ? { maxmemory: s.maxmemory, maxmemoryPolicy: s.maxmemoryPolicy } : undefined
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
  if (started && started.kind !== 'attach' && started.kind !== 'attach-nodes') return started.port === 0 ? null : targetFor(started.host, started.port, password)
  return mode === 'container' || mode === 'binary' ? null : attachTarget
}

/**
 * Removes the container or stops the server that was started (unless `keep`), or sets back what
 * CONFIG SET changed. Never throws; problems are warnings.
 */
export async function cleanUp(
  started: Provisioned | null,
  keep: boolean,
  attachTarget: RedisTarget,
  host: StepHost,
  /** Applies the TLS settings to a target that is rediss:// (the state keeps URLs, not certificates). */
  withTls: (t: RedisTarget) => RedisTarget = (t) => t
): Promise<void> {
  if (!started) return
  try {
    if (started.kind === 'attach') {
      await restoreLimits(withTls(attachTarget), started, RESTORE_CONNECT_MS, host)
    } else if (started.kind === 'attach-nodes') {
      // Each server on its own: one that cannot be reached does not keep the others' limits in place.
      await Promise.all(
        started.nodes.map((n) => restoreLimits(withTls(parseRedisUrl(n.url)), n, RESTORE_CONNECT_MS, labelled(host, n.label)).catch((err) => host.warn(`[${n.label}] ${describeError(err)}`)))
      )
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

/** A host whose lines name the server they are about (as the per-node lines of the step do). */
function labelled(host: StepHost, label: string): StepHost {
  return { ...host, info: (l) => host.info(`[${label}] ${l}`), warn: (l) => host.warn(`[${label}] ${l}`) }
}
