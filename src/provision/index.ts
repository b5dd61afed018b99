/**
 * Provisioning, as the action's main and post steps see it: start Redis (container or binary) or
 * limit the attached one, remember what was done in the action's state, and undo it in the post
 * step. The work itself is in container.ts, binary.ts and attach.ts.
 */
import * as core from '@actions/core'
import { Input, ProvisionInput, ProvisionOutput, State } from '../action/constants.js'
import { describeError } from '../errors.js'
import type { RedisConnection } from '../redis/connection.js'
import { parseRedisUrl, type RedisTarget } from '../redis/target.js'
import { formatDuration } from '../size.js'
import { applyLimits, restoreLimits, type AttachedLimits } from './attach.js'
import { startBinary, stopBinary, type StartedBinary } from './binary.js'
import { removeContainer, startContainer, type StartedContainer } from './container.js'
import { parseBoolean, unusedInputs, type ProvisionSettings } from './settings.js'

export { readProvisionSettings } from './settings.js'

/** How long the post step tries to reach an attached Redis to set its limits back. */
const RESTORE_CONNECT_MS = 10_000

/** What the main step did, saved in the action's state for the post step. */
export type Provisioned = StartedContainer | StartedBinary | AttachedLimits

/** The URL of a Redis the action started; the password goes into it, percent-encoded. */
export function targetFor(host: string, port: number, password: string | undefined): RedisTarget {
  const auth = password ? `:${encodeURIComponent(password)}@` : ''
  return parseRedisUrl(`redis://${auth}${host}:${port}`)
}

/**
 * Main step, before connecting: starts Redis when the mode asks for it and returns the target to
 * watch (the given one in attach mode). Sets the outputs and saves what it started at once, so
 * the post step removes it even when the job is cancelled while Redis is starting.
 */
export async function provision(s: ProvisionSettings, attachTarget: RedisTarget, timeoutMs: number, startedAt = Date.now()): Promise<RedisTarget> {
  if (s.password) {
    core.setSecret(s.password)
    if (encodeURIComponent(s.password) !== s.password) core.setSecret(encodeURIComponent(s.password))
  }
  const unused = unusedInputs(s, (name) => core.getInput(name))
  if (unused.length > 0) core.warning(`Ignored in mode ${s.mode}: ${unused.join(', ')}.`, { title: 'Redis Memory Guard' })

  if (s.mode === 'attach') {
    setOutputs(attachTarget, '')
    return attachTarget
  }
  const save = (p: Provisioned | null): void => core.saveState(State.Provisioned, p ? JSON.stringify(p) : '')
  // No log group around the start: the pull has its own, and groups do not nest.
  const started = s.mode === 'container' ? await startContainer(s, timeoutMs, save) : await startBinary(s, timeoutMs, save)
  const target = targetFor(started.host, started.port, s.password)
  setOutputs(target, started.kind === 'container' ? started.id : '')
  core.info(
    `Redis answered PING at ${target.display} ${formatDuration(Date.now() - startedAt)} after the step started ` +
      `(${formatDuration(started.readyMs)} after ${started.kind === 'container' ? `${s.runtime} run returned` : 'redis-server was launched'}).`
  )
  return target
}

/** Main step, once connected: in attach mode, applies maxmemory / maxmemory-policy with CONFIG SET. */
export async function limitAttached(conn: RedisConnection, s: ProvisionSettings): Promise<void> {
  if (s.mode !== 'attach') return
  const limits = await applyLimits(conn, s)
  if (limits) core.saveState(State.Provisioned, JSON.stringify(limits))
}

function setOutputs(target: RedisTarget, containerId: string): void {
  core.setOutput(ProvisionOutput.RedisUrl, target.url)
  core.setOutput(ProvisionOutput.RedisHost, target.host)
  core.setOutput(ProvisionOutput.RedisPort, target.port)
  core.setOutput(ProvisionOutput.ContainerId, containerId)
}

/** What the main step saved, or null. */
export function readProvisioned(): Provisioned | null {
  const text = core.getState(State.Provisioned)
  if (!text) return null
  try {
    return JSON.parse(text) as Provisioned
  } catch {
    return null
  }
}

/**
 * Post step: the Redis to take the "after" snapshot of. Null when the mode starts Redis but the
 * main step started none: then there is nothing of ours to look at (and any Redis on the
 * default URL would be someone else's).
 */
export function postTarget(attachTarget: RedisTarget): RedisTarget | null {
  const started = readProvisioned()
  // Port 0 here: the main step stopped before it learnt the port, so Redis never answered.
  if (started && started.kind !== 'attach' && started.port === 0) return null
  if (started && started.kind !== 'attach') {
    const password = core.getInput(ProvisionInput.Password) || undefined
    if (password) core.setSecret(password)
    return targetFor(started.host, started.port, password)
  }
  const mode = core.getInput(ProvisionInput.Mode).trim().toLowerCase()
  return mode === 'container' || mode === 'binary' ? null : attachTarget
}

/**
 * Post step, last: removes the container or stops the server the main step started (unless
 * keep-container), or sets back what CONFIG SET changed. Never throws; problems are warnings.
 */
export async function cleanUp(): Promise<void> {
  const started = readProvisioned()
  if (!started) return
  try {
    let keep = false
    try {
      keep = parseBoolean(core.getInput(ProvisionInput.KeepContainer), ProvisionInput.KeepContainer)
    } catch (err) {
      core.warning(`${describeError(err)} Removing what the action started.`)
    }
    if (started.kind === 'attach') {
      // The main step could only change these once redis-url had parsed, so it parses here too.
      await restoreLimits(parseRedisUrl(core.getInput(Input.RedisUrl) || 'redis://localhost:6379'), started, RESTORE_CONNECT_MS)
    } else if (keep) {
      const what = started.kind === 'container' ? `Container ${started.name}` : `redis-server (pid ${started.pid})`
      core.info(`keep-container is true: ${what} keeps running at ${started.host}:${started.port}.`)
    } else if (started.kind === 'container') {
      await removeContainer(started)
    } else {
      await stopBinary(started)
    }
  } catch (err) {
    core.warning(`Clean-up failed: ${describeError(err)}`)
  }
}
